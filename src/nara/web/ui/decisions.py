"""Decision pages: the decision panel on the case page (what I may decide now, and what
would need approval, before I submit), and the approvals inbox. The domain decides;
these only translate forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import decisions as decision_actions
from nara.domain.actors import Actor
from nara.domain.errors import DomainError
from nara.models import Case, CaseStatus
from nara.queries import decisions as decision_queries
from nara.queries import directory
from nara.queries.access import get_case_for, is_owning_side, require_staff
from nara.web.deps import DB
from nara.web.ui.common import FormErrors, redirect, require_caller, require_form_caller
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)


def case_decisions(session: Session, actor: Actor, case: Case, lang: str) -> dict[str, object]:
    """What the case page shows of decisions (``case`` comes from ``get_case_for``)."""
    now = clock.now()
    lines = decision_queries.mandate_lines(session, actor, case, now)
    decisions = decision_queries.decisions_of_case(session, case)
    return {
        "mandate_lines": lines,
        "decisions": decisions,
        # An approval request is always for a decision of its case (domain/decisions.py):
        # most cases have neither, and their page does not ask for approvals.
        "case_approvals": (
            decision_queries.approvals_of_case(session, actor, case, lang) if decisions else []
        ),
        "can_decide": is_owning_side(actor, case)
        and actor.is_staff
        and case.status != CaseStatus.closed.value
        and bool(lines),
    }


def _back(request: Request, db: DB, number: str, exc: DomainError, draft: str) -> Response:
    from nara.web.ui.cases import case_context  # the case page's context

    db.rollback()
    caller = require_caller(request, db)
    if not caller.actor.is_staff:
        raise exc
    try:
        case = get_case_for(db, caller.actor, number)
    except DomainError:
        raise exc from None
    context = case_context(db, caller, case, request.state.lang)
    return render(
        request,
        "workspace/case.html",
        exc.status,
        errors=FormErrors.from_error(exc, request.state.lang),
        failed_action="decide",
        draft=draft,
        **context,
    )


@router.post("/cases/{number}/decide")
def decide(
    request: Request,
    db: DB,
    number: str,
    csrf_token: Annotated[str, Form()] = "",
    type: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    try:
        outcome = decision_actions.take_decision(
            session=db,
            actor=caller.actor,
            number=number,
            type=type,
            reason=reason,
            amount=amount.strip() or None,
            days=days.strip() or None,
            value={"yes": True, "no": False}.get(value),
        )
    except DomainError as exc:
        return _back(request, db, number, exc, reason)
    db.commit()
    anchor = "decisions" if outcome.approval is None else f"approval-{outcome.approval.id}"
    return redirect(f"/cases/{number}#{anchor}")


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, db: DB, show: str = "pending") -> Response:
    """Requests waiting for me (most urgent first), or the ones I made."""
    caller = require_caller(request, db)
    require_staff(caller.actor)
    mine = show == "mine"
    rows = decision_queries.list_approvals(
        db,
        caller.actor,
        status=None if mine else "pending",
        asked_by_me=mine,
        locale=request.state.lang,
        limit=100,
    )
    return render(
        request,
        "workspace/approvals.html",
        rows=rows,
        show="mine" if mine else "pending",
        now=clock.now(),
    )


@router.post("/approvals/{approval_id}/{action}")
def act(
    request: Request,
    db: DB,
    approval_id: int,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """approve, decline (with a reason) or withdraw."""
    caller = require_form_caller(request, db, csrf_token)
    request_row = decision_actions.get_approval_for(db, caller.actor, approval_id)
    case = directory.case_by_id(db, request_row.case_id)
    assert case is not None
    number = case.number
    try:
        if action == "approve":
            decision_actions.approve(session=db, actor=caller.actor, approval_id=approval_id)
        elif action == "decline":
            decision_actions.decline(
                session=db, actor=caller.actor, approval_id=approval_id, reason=reason
            )
        elif action == "withdraw":
            decision_actions.withdraw(session=db, actor=caller.actor, approval_id=approval_id)
        else:
            return render(
                request, "error.html", 404, message=f"no such action: {action}", status=404
            )
    except DomainError as exc:
        if back == "case":
            return _back(request, db, number, exc, reason)
        db.rollback()
        rows = decision_queries.list_approvals(
            db, caller.actor, status="pending", asked_by_me=False, locale=request.state.lang
        )
        return render(
            request,
            "workspace/approvals.html",
            exc.status,
            rows=rows,
            show="pending",
            now=clock.now(),
            errors=FormErrors.from_error(exc, request.state.lang),
            failed_id=approval_id,
            draft=reason,
        )
    db.commit()
    if back == "case":
        return redirect(f"/cases/{number}#decisions")
    return redirect("/approvals")
