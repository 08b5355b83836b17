"""The first pages: landing with login, case list, case view with reply and note.
The full portal and agent workspace build on these."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from nara.domain import auth as auth_actions
from nara.domain import cases as case_actions
from nara.domain.errors import DomainError
from nara.models import CaseStatus, Topic
from nara.queries import cases as case_queries
from nara.queries.access import get_case_for
from nara.web.api import serializers
from nara.web.api.auth import set_session_cookie
from nara.web.deps import DB, SESSION_COOKIE, Caller, check_csrf, identify
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "nara_login_csrf"


def _caller(request: Request, db: DB) -> Caller | None:
    caller = identify(request, db)
    request.state.caller = caller
    return caller


def _to_login() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def _landing(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "landing.html", status_code, login_csrf=token, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, db: DB) -> Response:
    if _caller(request, db) is not None:
        return RedirectResponse("/cases", status_code=303)
    return _landing(request)


@router.post("/login")
def login(
    request: Request,
    db: DB,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)],
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _landing(request, "Formuläret har gått ut. Försök igen.", 400)
    try:
        new = auth_actions.log_in(
            session=db, email=email, password=password,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    except DomainError as exc:
        return _landing(request, exc.detail, exc.status)
    db.commit()
    if new is None:
        return _landing(request, "Fel e-postadress eller lösenord.", 401)
    response = RedirectResponse("/cases", status_code=303)
    set_session_cookie(request, response, new.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, db: DB, csrf_token: Annotated[str, Form()] = "") -> Response:
    caller = _caller(request, db)
    if caller is not None:
        check_csrf(caller, csrf_token)
        auth_actions.log_out(session=db, token=request.cookies.get(SESSION_COOKIE, ""))
        db.commit()
    response = _to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request, db: DB, q: str | None = None, cursor: str | None = None
) -> Response:
    caller = _caller(request, db)
    if caller is None:
        return _to_login()
    filters = case_queries.CaseFilter(query=q[:200] if q else None)
    try:
        page = case_queries.list_cases(db, caller.actor, filters, cursor=cursor, limit=50)
    except DomainError:
        page = case_queries.list_cases(db, caller.actor, filters, cursor=None, limit=50)
    rows = serializers.cases_out(db, caller.actor, page.items)
    topics = list(
        db.scalars(select(Topic).where(Topic.is_active.is_(True)).order_by(Topic.name_sv))
    )
    return render(request, "cases.html", cases=rows, next_cursor=page.next_cursor, q=q or "",
                  topics=topics)  # fmt: skip


@router.post("/cases")
def open_case(
    request: Request,
    db: DB,
    message: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    topic_id: Annotated[str, Form()] = "",
) -> Response:
    caller = _caller(request, db)
    if caller is None:
        return _to_login()
    check_csrf(caller, csrf_token)
    try:
        opened = case_actions.open_case(
            session=db, actor=caller.actor, message=message,
            topic_id=int(topic_id) if topic_id.isdigit() else None,
        )  # fmt: skip
    except DomainError as exc:
        db.rollback()
        return render(request, "error.html", exc.status, message=exc.detail)
    db.commit()
    return RedirectResponse(f"/cases/{opened.case.number}", status_code=303)


@router.get("/cases/{number}", response_class=HTMLResponse)
def case_view(request: Request, db: DB, number: str) -> Response:
    caller = _caller(request, db)
    if caller is None:
        return _to_login()
    try:
        case = get_case_for(db, caller.actor, number)
    except DomainError as exc:
        return render(request, "error.html", exc.status, message=exc.detail)
    events = case_queries.timeline(db, caller.actor, case)
    detail = serializers.case_detail_out(db, caller.actor, case, events, "sv")
    return render(request, "case.html", case=detail, statuses=[s.value for s in CaseStatus])


@router.post("/cases/{number}/{action}")
def case_action(
    request: Request,
    db: DB,
    number: str,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
) -> Response:
    caller = _caller(request, db)
    if caller is None:
        return _to_login()
    check_csrf(caller, csrf_token)
    actor = caller.actor
    try:
        if action == "reply":
            case_actions.reply_to_case(session=db, actor=actor, number=number, body=body)
        elif action == "note":
            case_actions.add_note(session=db, actor=actor, number=number, body=body)
        elif action == "status":
            case_actions.change_status(session=db, actor=actor, number=number, status=status)
        elif action == "claim":
            case_actions.assign_case(session=db, actor=actor, number=number, owner_id=actor.user_id)
        else:
            return render(request, "error.html", 404, message=f"no such action: {action}")
    except DomainError as exc:
        db.rollback()
        return render(request, "error.html", exc.status, message=exc.detail)
    db.commit()
    return RedirectResponse(f"/cases/{number}", status_code=303)
