"""The private link page, /follow/{token}: an anonymous visitor who handed over in
self-service follows their case and answers it without an account (the rules are in
``domain/private_links.py``). Staff withdraw a link on the case page.

The page has no cookie: its forms carry a token derived from the link
(``queries.private_links.form_token``). Every request counts against a limit per
client, a token that opens nothing against a stricter one, and writes against a limit
per link. Responses are never cached and never send the link on as a referrer.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara import clock
from nara.domain import private_links as link_actions
from nara.domain.errors import DomainError, PermissionDenied
from nara.i18n import N_
from nara.models import Case
from nara.queries import cases as case_queries
from nara.queries import directory
from nara.queries.case_service import case_service
from nara.queries.private_links import LinkAccess, LinkState, find_link, form_token
from nara.queries.satisfaction import rating_view
from nara.web import ratelimit
from nara.web.api import serializers
from nara.web.deps import DB
from nara.web.ui import service_view
from nara.web.ui.common import (
    FormErrors,
    Refusal,
    attempt,
    page_caller,
    redirect,
    require_form_caller,
)
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)

FOLLOW_REQUESTS = "120/hour"
"""Requests to private-link pages per client: reading and answering one case."""
FOLLOW_MISSES = "10/hour"
"""Tokens that open nothing, per client (on top of 256 bits that cannot be guessed)."""
FOLLOW_WRITES = "20/hour"
"""Replies and callback changes through one link."""
TOO_MANY = N_("Too many requests. Try again in %(seconds)s seconds.")
FORM_EXPIRED = N_("The form has expired. Reload the page and try again.")
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE)
    return response


def _gone(request: Request, status: int) -> Response:
    """A link that opens nothing (404) or no longer works (410): the same page for
    every case, telling nothing about any case."""
    return _private(render(request, "portal/private_link_gone.html", status, status=status))


def _open(request: Request, db: DB, token: str) -> LinkAccess | Response:
    page_caller(request, db)  # the language (a login changes nothing here)
    ratelimit.check(request, "private-link", FOLLOW_REQUESTS, what="requests", template=TOO_MANY)
    access = find_link(db, token, clock.now())
    if access is None:
        ratelimit.check(
            request, "private-link-miss", FOLLOW_MISSES, what="requests", template=TOO_MANY
        )
        return _gone(request, 404)
    if access.state is not LinkState.active:
        return _gone(request, 410)
    return access


def _page(
    request: Request,
    db: DB,
    access: LinkAccess,
    token: str,
    status_code: int = 200,
    **extra: object,
) -> Response:
    lang = request.state.lang
    case: Case = access.case
    actor = link_actions.link_actor(db, access)
    events = case_queries.timeline(db, actor, case)  # the public events, as in the portal
    closed = case.status in ("resolved", "closed")
    customer = directory.customer_of(db, case)
    context: dict[str, object] = {
        "case": serializers.cases_out(db, actor, [case])[0],
        "events": serializers.events_out(db, actor, events, lang),
        "service": case_service(db, case, clock.now()),
        "slots": service_view.SlotPicker() if closed else service_view.slot_picker(db, case, lang),
        "follow_url": f"/follow/{token}",
        "form_token": form_token(access.link),
        "customer_phone": customer.phone if customer else None,
        "valid_until": access.valid_until,
        "errors": FormErrors(),
        "satisfaction": rating_view(db, case),
        "rate_action": f"/follow/{token}/satisfaction",
        "token_name": "form_token",
    }
    context.update(extra)
    return _private(render(request, "portal/private_link.html", status_code, **context))


@router.get("/follow/{token}", response_class=HTMLResponse)
def follow(request: Request, db: DB, token: str) -> Response:
    opened = _open(request, db, token)
    if isinstance(opened, Response):
        return opened
    return _page(request, db, opened, token)


def _write(
    request: Request,
    db: DB,
    token: str,
    sent_token: str,
    action: str,
    call: Callable[[LinkAccess], object],
    **kept: object,
) -> Response:
    opened = _open(request, db, token)
    if isinstance(opened, Response):
        return opened
    if not hmac.compare_digest(form_token(opened.link), sent_token):
        errors = FormErrors.from_error(
            PermissionDenied("the form has expired; reload the page", template=FORM_EXPIRED),
            request.state.lang,
        )
        return _page(request, db, opened, token, 403, errors=errors, failed_action=action)
    ratelimit.check(
        request,
        "private-link-write",
        FOLLOW_WRITES,
        key=f"link:{opened.link.id}",
        what="messages",
        template=TOO_MANY,
    )
    done = attempt(request, db, lambda: call(opened))
    if isinstance(done, Refusal):
        again = find_link(db, token, clock.now())
        assert again is not None  # it was found in this request
        return _page(
            request, db, again, token, done.status, errors=done.errors, failed_action=action, **kept
        )
    anchor = {"callback": "#callback", "satisfaction": "#satisfaction"}.get(action, "#messages")
    return _private(redirect(f"/follow/{token}{anchor}"))


@router.post("/follow/{token}/reply")
def reply(
    request: Request,
    db: DB,
    token: str,
    form_token: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
) -> Response:
    """The visitor writes in the case: a customer message, as in the portal."""
    return _write(
        request,
        db,
        token,
        form_token,
        "reply",
        lambda a: link_actions.reply_by_link(session=db, access=a, body=body),
        draft=body,
    )


def _chosen(starts_at: str, day: str, time_of_day: str) -> datetime:
    """The slot the form chose; anything unreadable is a time with no slot (refused in
    words by the domain)."""
    try:
        return service_view.slot_time(starts_at, day, time_of_day)
    except DomainError:
        return datetime(1970, 1, 1, tzinfo=UTC)


@router.post("/follow/{token}/callback")
def book(
    request: Request,
    db: DB,
    token: str,
    form_token: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    time: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
) -> Response:
    """Book a callback on the case, with a phone number to call (the time as ISO 8601
    ``starts_at``, or the picker's local ``day`` and ``time``)."""
    return _write(
        request,
        db,
        token,
        form_token,
        "callback",
        lambda a: link_actions.book_callback_by_link(
            session=db, access=a, starts_at=_chosen(starts_at, day, time), phone=phone or None
        ),
        phone_draft=phone,
    )


@router.post("/follow/{token}/callback/{callback_id}/cancel")
def cancel(
    request: Request,
    db: DB,
    token: str,
    callback_id: int,
    form_token: Annotated[str, Form()] = "",
) -> Response:
    return _write(
        request,
        db,
        token,
        form_token,
        "callback",
        lambda a: link_actions.cancel_callback_by_link(
            session=db, access=a, callback_id=callback_id
        ),
    )


@router.post("/follow/{token}/satisfaction")
def rate(
    request: Request,
    db: DB,
    token: str,
    form_token: Annotated[str, Form()] = "",
    score: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """The visitor answers "How well did we help you?" on their resolved case."""
    return _write(
        request,
        db,
        token,
        form_token,
        "satisfaction",
        lambda a: link_actions.rate_by_link(session=db, access=a, score=score, comment=comment),
        score_draft=score,
        comment_draft=comment,
    )


@router.post("/cases/{number}/private-links/{link_id}/revoke")
def revoke(
    request: Request,
    db: DB,
    number: str,
    link_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Staff withdraw a private link on the case page (audited)."""
    caller = require_form_caller(request, db, csrf_token)
    link_actions.revoke_private_link(session=db, actor=caller.actor, number=number, link_id=link_id)
    db.commit()
    return redirect(f"/cases/{number}#private-link")
