"""Landing, login, logout and the language switch."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara import i18n
from nara.domain import auth as auth_actions
from nara.domain import users as user_actions
from nara.domain.errors import DomainError
from nara.web.api.auth import is_https, set_session_cookie
from nara.web.deps import DB, SESSION_COOKIE, check_csrf, client_address
from nara.web.errors import page_message, retry_after
from nara.web.ui.common import LANG_COOKIE, page_caller, redirect
from nara.web.ui.render import render, translate

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "nara_login_csrf"


def _landing(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "landing.html", status_code, login_csrf=token, error=error)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
        secure=is_https(request),
    )  # fmt: skip
    return response


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, db: DB) -> Response:
    """Everyone starts here; after login people go to their cases (portal or inbox)."""
    if page_caller(request, db) is not None:
        return redirect("/cases")
    return _landing(request)


@router.post("/login")
def login(
    request: Request,
    db: DB,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    page_caller(request, db)
    lang = request.state.lang
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _landing(request, translate(lang, "The form had expired. Please try again."), 400)
    if not email.strip() or not password:
        return _landing(request, translate(lang, "Enter your e-mail address and password."), 422)
    try:
        new = auth_actions.log_in(
            session=db, email=email, password=password,
            user_agent=request.headers.get("user-agent"), ip=client_address(request),
        )  # fmt: skip
    except DomainError as exc:
        message = translate(lang, "Too many failed attempts. Try again in 15 minutes.")
        refused = _landing(
            request, message if exc.status == 429 else page_message(exc, lang), exc.status
        )
        refused.headers.update(retry_after(exc))
        return refused
    db.commit()
    if new is None:
        return _landing(request, translate(lang, "Wrong e-mail address or password."), 401)
    response = redirect("/cases")
    set_session_cookie(request, response, new.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, db: DB, csrf_token: Annotated[str, Form()] = "") -> Response:
    caller = page_caller(request, db)
    if caller is not None:
        check_csrf(caller, csrf_token)
        token = request.cookies.get(SESSION_COOKIE, "")
        auth_actions.log_out(session=db, actor=caller.actor, token=token)
        db.commit()
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/lang")
def choose_language(
    request: Request,
    db: DB,
    lang: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "/",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Remember the chosen language (cookie; and on the user when logged in)."""
    if lang not in i18n.SUPPORTED:
        lang = i18n.negotiate(None, request.headers.get("accept-language"))
    caller = page_caller(request, db)
    if caller is not None:
        check_csrf(caller, csrf_token)
        user_actions.set_locale(session=db, actor=caller.actor, user_id=caller.user.id, locale=lang)
        db.commit()
    target = next_url if next_url.startswith("/") and not next_url.startswith("//") else "/"
    response = redirect(target)
    response.set_cookie(
        LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/",
        secure=is_https(request),
    )  # fmt: skip
    return response
