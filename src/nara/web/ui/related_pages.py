"""Forms on the staff case page: relate a case, remove a relation, merge into another
case. Thin: one domain call, then back to the case, or the case page again with the
refusal next to the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from nara.domain import case_links as link_actions
from nara.queries.access import get_case_for
from nara.web.deps import DB, Caller
from nara.web.ui import cases as cases_ui
from nara.web.ui.common import Refusal, attempt, redirect, require_form_caller
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)
CsrfToken = Annotated[str, Form()]


def _form(
    request: Request, db: DB, caller: Caller, number: str, action: str, call: Callable[[], object]
) -> Response:
    done = attempt(request, db, call)
    if not isinstance(done, Refusal):
        return redirect(f"/cases/{number}#related")
    case = get_case_for(db, caller.actor, number)  # raises NotFound if out of sight
    template = "portal/case.html" if caller.actor.is_customer else "workspace/case.html"
    context = cases_ui.case_context(db, caller, case, request.state.lang)
    return render(
        request, template, done.status, failed_action=action, errors=done.errors, **context
    )


@router.post("/cases/{number}/related/add")
def relate(
    request: Request,
    db: DB,
    number: str,
    csrf_token: CsrfToken = "",
    case: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)

    def call() -> object:
        return link_actions.link_cases(session=db, actor=caller.actor, number=number, other=case)

    return _form(request, db, caller, number, "related", call)


@router.post("/cases/{number}/related/remove")
def unrelate(
    request: Request,
    db: DB,
    number: str,
    csrf_token: CsrfToken = "",
    other: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)

    def call() -> None:
        link_actions.unlink_cases(session=db, actor=caller.actor, number=number, other=other)

    return _form(request, db, caller, number, "related", call)


@router.post("/cases/{number}/merge/into")
def merge(
    request: Request,
    db: DB,
    number: str,
    csrf_token: CsrfToken = "",
    into: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)

    def call() -> object:
        return link_actions.merge_case(session=db, actor=caller.actor, number=number, into=into)

    return _form(request, db, caller, number, "merge", call)
