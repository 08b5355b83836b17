"""The leads' review of the front line's training suggestions: a filtered list with a
checkbox per suggestion and one form that accepts, moves or discards the chosen ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara.domain.training_suggestions import review_suggestions
from nara.queries import directory
from nara.queries import training_suggestions as suggestion_queries
from nara.queries.access import require_lead
from nara.web.deps import DB, Caller
from nara.web.ui.common import (
    FormErrors,
    Refusal,
    attempt,
    redirect,
    require_caller,
    require_form_caller,
)
from nara.web.ui.render import render

router = APIRouter(prefix="/admin/selfservice/suggestions", include_in_schema=False)

PAGE = 100
RAISE_IMPROVEMENT = "/improvements/new"
"""Integration point (issue 15): the form that raises an improvement. When a route
``GET /improvements/new`` exists, every knowledge gap links to it with
``kind=opportunity``, its handed-over questions' case numbers as repeated ``cases=``
parameters and the group's common words as ``title=`` (see ``gap_link``)."""


def raise_improvement_url(request: Request) -> str | None:
    """The raise-an-improvement form's path, when this app has one."""
    for route in request.app.routes:
        if getattr(route, "path", None) == RAISE_IMPROVEMENT and "GET" in getattr(
            route, "methods", ()
        ):
            return RAISE_IMPROVEMENT
    return None


def gap_link(gap: Mapping[str, Any]) -> str:
    """The query string handing a knowledge gap to the raise-an-improvement form: an
    opportunity, titled by the group's common words (or its first question), with the
    cases its questions were handed over into as evidence."""
    terms = [str(t) for t in gap.get("terms") or []]
    examples = [str(e) for e in gap.get("examples") or []]
    title = ", ".join(terms) or (examples[0] if examples else "")
    pairs = [("kind", "opportunity"), ("title", title[:200])]
    pairs += [("cases", str(number)) for number in gap.get("cases") or []]
    return urlencode(pairs)


def _filters(request: Request) -> dict[str, str]:
    params = request.query_params
    return {
        "status": params.get("status", "suggested")[:20],
        "kind": params.get("kind", "")[:20],
        "topic": params.get("topic", "")[:64],
        "lang": params.get("lang", "")[:2],
    }


def _choice(value: str, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _lead(request: Request, db: DB, csrf_token: str | None = None) -> Caller:
    caller = (
        require_form_caller(request, db, csrf_token)
        if csrf_token is not None
        else require_caller(request, db)
    )
    require_lead(caller.actor, "review training suggestions")
    return caller


def _page(
    request: Request,
    db: DB,
    caller: Caller,
    form: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
    chosen: frozenset[int] = frozenset(),
) -> Response:
    page_number = request.query_params.get("page", "1")
    number = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 10_000 else 1
    flt = suggestion_queries.SuggestionFilter(
        status=_choice(form["status"], suggestion_queries.STATUSES),
        kind=_choice(form["kind"], suggestion_queries.KINDS),
        topic=form["topic"] or None,
        lang=_choice(form["lang"], ("sv", "en")),
    )
    found = suggestion_queries.list_suggestions(
        db, caller.actor, flt, limit=PAGE, offset=(number - 1) * PAGE
    )
    query = urlencode({k: v for k, v in form.items() if v})
    return render(
        request,
        "admin/selfservice_suggestions.html",
        status_code,
        form=form,
        errors=errors,
        items=found.items,
        total=found.total,
        page=number,
        pages=max(1, -(-found.total // PAGE)),
        query=query,
        topics=directory.topics(db, active_only=True),
        statuses=suggestion_queries.STATUSES,
        kinds=suggestion_queries.KINDS,
        chosen=chosen,
        reviewed=request.query_params.get("reviewed", ""),
    )


@router.get("", response_class=HTMLResponse)
def page(request: Request, db: DB) -> Response:
    caller = _lead(request, db)
    return _page(request, db, caller, _filters(request), FormErrors())


@router.post("/review")
def review(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    ids: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    caller = _lead(request, db, csrf_token)
    chosen: list[object] = [int(i) if i.isdigit() else i for i in (ids or [])]
    result = attempt(
        request,
        db,
        lambda: review_suggestions(
            session=db, actor=caller.actor, ids=chosen, action=action, topic=topic or None
        ),
    )
    form = _back_filters(back)
    if isinstance(result, Refusal):
        picked = frozenset(i for i in chosen if isinstance(i, int))
        return _page(request, db, caller, form, result.errors, result.status, picked)
    query = urlencode({**{k: v for k, v in form.items() if v}, "reviewed": str(len(result))})
    return redirect(f"/admin/selfservice/suggestions?{query}#review-result")


def _back_filters(back: str) -> dict[str, str]:
    """The list's filters as they were (a query string the form carried)."""
    try:
        parsed = parse_qs(back, max_num_fields=10)
    except ValueError:
        parsed = {}
    return {
        "status": parsed.get("status", ["suggested"])[0][:20],
        "kind": parsed.get("kind", [""])[0][:20],
        "topic": parsed.get("topic", [""])[0][:64],
        "lang": parsed.get("lang", [""])[0][:2],
    }
