"""The assistant in the portal: ask in your own words, get the article when Nära is sure,
otherwise a person at once. Works without JavaScript; anonymous visitors too."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara import markdown
from nara.domain import selfservice as assistant
from nara.domain.actors import Actor
from nara.domain.errors import DomainError, PermissionDenied
from nara.i18n import N_
from nara.models import Conversation, ConversationTurn
from nara.queries import directory
from nara.queries.case_service import latest_estimate
from nara.queries.knowledge import search
from nara.queries.selfservice import active_predictor
from nara.web import ratelimit
from nara.web.api.auth import is_https
from nara.web.deps import DB, check_csrf
from nara.web.ui.common import FormErrors, page_caller, redirect
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)
FORM_COOKIE = "nara_form_csrf"


def _actor(request: Request, db: DB, csrf_token: str) -> Actor | None:
    """The caller, after checking the form's CSRF token (the session's when logged in,
    a double-submit cookie when anonymous)."""
    caller = page_caller(request, db)
    if caller is not None:
        check_csrf(caller, csrf_token)
        return caller.actor
    expected = request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        raise PermissionDenied(
            "the form has expired; reload the page and try again",
            template=N_("The form has expired. Reload the page and try again."),
        )
    return None


def _page(
    request: Request,
    db: DB,
    conversation: Conversation | None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    **extra: object,
) -> Response:
    turns: list[ConversationTurn] = []
    if conversation is not None:
        turns = directory.conversation_turns(db, conversation.id)
    caller = getattr(request.state, "caller", None)
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request, "portal/help.html", status_code, conversation=conversation, turns=turns,
        errors=errors or FormErrors(), form_csrf=caller.auth_session.csrf_token
        if caller and caller.auth_session else token, **extra,
    )  # fmt: skip
    if caller is None:
        response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=is_https(request))  # fmt: skip
    return response


@router.get("/widget-demo", response_class=HTMLResponse)
def widget_demo(request: Request, db: DB) -> Response:
    """A stand-in for an organisation's own website with the widget's one script tag."""
    page_caller(request, db)
    return render(request, "widget_demo.html")


@router.get("/help", response_class=HTMLResponse)
def help_page(request: Request, db: DB, q: str | None = None) -> Response:
    page_caller(request, db)
    results = search(db, q[:500], limit=8) if q and q.strip() else []
    rendered = {a.id: markdown.render(a.body_md) for a in results}
    return _page(request, db, None, q=q or "", results=results, rendered=rendered)


def _conversation(request: Request, db: DB, actor: Actor | None, public_id: str) -> Conversation:
    if public_id:
        return assistant.get_conversation(db, public_id, actor)
    ratelimit.check(request, "conversations")  # the same limit as the API's
    return assistant.start_conversation(session=db, actor=actor, channel="portal",
                                        lang=request.state.lang)  # fmt: skip


def _after(request: Request, db: DB, conversation: Conversation,
           reply: assistant.Reply | None) -> Response:  # fmt: skip
    db.commit()
    if conversation.case_id is not None:
        caller = getattr(request.state, "caller", None)
        case = directory.case_by_id(db, conversation.case_id)
        if caller is not None and case is not None and caller.actor.is_customer:
            return redirect(f"/cases/{case.number}?handed_over=1")
    article = reply.article if reply else None
    return _page(request, db, conversation, article=article,
                 article_html=markdown.render(article.body_md) if article else None)  # fmt: skip


@router.post("/help/ask")
def ask(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    conversation: Annotated[str, Form(max_length=36)] = "",
    question: Annotated[str, Form()] = "",
) -> Response:
    actor = _actor(request, db, csrf_token)
    ratelimit.check(request, "questions")
    current = _conversation(request, db, actor, conversation)
    try:
        reply = assistant.ask(session=db, actor=actor, conversation=current, question=question,
                              predictor=active_predictor(db))  # fmt: skip
    except DomainError as exc:
        db.rollback()
        errors = FormErrors.from_error(exc, request.state.lang)
        kept = assistant.get_conversation(db, conversation, actor) if conversation else None
        return _page(request, db, kept, errors, exc.status, draft=question)
    return _after(request, db, current, reply)


@router.post("/help/feedback")
def feedback(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    conversation: Annotated[str, Form(max_length=36)] = "",
    solved: Annotated[str, Form()] = "",
) -> Response:
    actor = _actor(request, db, csrf_token)
    current = assistant.get_conversation(db, conversation, actor)
    reply = assistant.give_feedback(session=db, actor=actor, conversation=current,
                                    solved=solved == "yes")  # fmt: skip
    return _after(request, db, current, reply)


@router.post("/help/person")
def person(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    conversation: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    actor = _actor(request, db, csrf_token)
    current = _conversation(request, db, actor, conversation)
    reply = assistant.ask_for_person(session=db, actor=actor, conversation=current)
    return _after(request, db, current, reply)


@router.post("/help/contact")
def contact(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    conversation: Annotated[str, Form(max_length=36)] = "",
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
) -> Response:
    """Anonymous: leave a name and an e-mail address or a phone number; a person takes
    over and the visitor gets a private link to follow the case."""
    actor = _actor(request, db, csrf_token)
    ratelimit.check(request, "contact", "10/hour")
    current = assistant.get_conversation(db, conversation, actor)
    try:
        handed = assistant.hand_over_with_contact(
            session=db, conversation=current, name=name, email=email or None, phone=phone or None
        )
    except DomainError as exc:
        db.rollback()
        current = assistant.get_conversation(db, conversation, actor)
        return _page(
            request,
            db,
            current,
            FormErrors.from_error(exc, request.state.lang),
            exc.status,
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
        )
    db.commit()
    estimate = latest_estimate(db, handed.case.id)
    return _page(
        request,
        db,
        current,
        handed_case=handed.case.number,
        handed_expected_at=estimate.expected_at if estimate else None,
        follow_url=str(request.base_url).rstrip("/") + f"/follow/{handed.link.token}",
    )
