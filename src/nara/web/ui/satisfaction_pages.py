"""Customer satisfaction pages: the question on the customer's resolved case in the
portal (``POST /cases/{number}/satisfaction``), and the signed rating link that e-mail
will carry (``/rate/{token}``, see ``queries/satisfaction.py``). The private link page
asks the same question (``web/ui/private_link.py``).

The rating link page has no cookie: its form carries a token derived from the link.
Like the private link, every request counts against a limit per client, a token that
opens nothing against a stricter one, and answers against a limit per link. Responses
are never cached and never send the link on as a referrer.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara import clock
from nara.domain import satisfaction as satisfaction_actions
from nara.domain.errors import NotFound, PermissionDenied
from nara.i18n import N_
from nara.queries.access import get_case_for
from nara.queries.satisfaction import (
    RatingLink,
    TokenState,
    find_rating_link,
    rating_form_token,
    rating_view,
)
from nara.web import ratelimit
from nara.web.deps import DB
from nara.web.ui import cases as cases_ui
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

RATE_REQUESTS = "120/hour"
"""Requests to rating-link pages per client."""
RATE_MISSES = "10/hour"
"""Tokens that open nothing, per client (on top of an HMAC that cannot be guessed)."""
RATE_WRITES = "20/hour"
"""Answers through one rating link."""
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


# ---- the portal: the logged-in customer's case page ----
@router.post("/cases/{number}/satisfaction")
def rate_in_portal(
    request: Request,
    db: DB,
    number: str,
    csrf_token: Annotated[str, Form()] = "",
    score: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """The customer answers "How well did we help you?" on their resolved case."""
    caller = require_form_caller(request, db, csrf_token)
    done = attempt(
        request,
        db,
        lambda: satisfaction_actions.rate_case(
            session=db,
            actor=caller.actor,
            number=number,
            score=score,
            comment=comment,
            via="portal",
        ),
        pages_for=(NotFound, PermissionDenied),  # not their case: the error page
    )
    if not isinstance(done, Refusal):
        return redirect(f"/cases/{number}#satisfaction")
    case = get_case_for(db, caller.actor, number)
    context = cases_ui.case_context(db, caller, case, request.state.lang)
    return render(
        request,
        "portal/case.html",
        done.status,
        errors=done.errors,
        failed_action="satisfaction",
        score_draft=score,
        comment_draft=comment,
        **context,
    )


# ---- the signed rating link ----
def _gone(request: Request, status: int) -> Response:
    """A token that opens nothing (404) or has expired (410): the same page for every
    case, telling nothing about any case."""
    return _private(render(request, "portal/rate_gone.html", status, status=status))


def _open(request: Request, db: DB, token: str) -> RatingLink | Response:
    page_caller(request, db)  # the language (a login changes nothing here)
    ratelimit.check(request, "rating-link", RATE_REQUESTS, what="requests", template=TOO_MANY)
    link = find_rating_link(db, token, clock.now())
    if link is None:
        ratelimit.check(
            request, "rating-link-miss", RATE_MISSES, what="requests", template=TOO_MANY
        )
        return _gone(request, 404)
    if link.state is not TokenState.valid:
        return _gone(request, 410)
    return link


def _page(
    request: Request,
    db: DB,
    link: RatingLink,
    token: str,
    status_code: int = 200,
    **extra: object,
) -> Response:
    case = link.case
    context: dict[str, object] = {
        "case": case,
        "satisfaction": rating_view(db, case),
        "rate_action": f"/rate/{token}",
        "token_name": "form_token",
        "token_value": rating_form_token(token),
        "link_expires_at": link.expires_at,
        "errors": FormErrors(),
        "answered": request.query_params.get("answered") == "1",
    }
    context.update(extra)
    return _private(render(request, "portal/rate.html", status_code, **context))


@router.get("/rate/{token}", response_class=HTMLResponse)
def rating_page(request: Request, db: DB, token: str) -> Response:
    opened = _open(request, db, token)
    if isinstance(opened, Response):
        return opened
    return _page(request, db, opened, token)


@router.post("/rate/{token}")
def rate_by_link(
    request: Request,
    db: DB,
    token: str,
    form_token: Annotated[str, Form()] = "",
    score: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    opened = _open(request, db, token)
    if isinstance(opened, Response):
        return opened
    drafts = {"score_draft": score, "comment_draft": comment, "failed_action": "satisfaction"}
    if not hmac.compare_digest(rating_form_token(token), form_token):
        errors = FormErrors.from_error(
            PermissionDenied("the form has expired; reload the page", template=FORM_EXPIRED),
            request.state.lang,
        )
        return _page(request, db, opened, token, 403, errors=errors, **drafts)
    ratelimit.check(
        request,
        "rating-link-write",
        RATE_WRITES,
        key=f"case:{opened.case.id}",
        what="answers",
        template=TOO_MANY,
    )
    done = attempt(
        request,
        db,
        lambda: satisfaction_actions.rate_by_rating_link(
            session=db, link=opened, score=score, comment=comment
        ),
    )
    if isinstance(done, Refusal):
        again = find_rating_link(db, token, clock.now())
        assert again is not None  # it was found in this request
        return _page(request, db, again, token, done.status, errors=done.errors, **drafts)
    return _private(redirect(f"/rate/{token}?answered=1#satisfaction"))
