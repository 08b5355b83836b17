"""Consultation pages: the inbox's consultations tab, and the forms on the case page
(ask, answer, close, follow up). The domain decides; these only translate forms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain import consultations as consultation_actions
from nara.domain.actors import Actor
from nara.domain.errors import DomainError, ValidationFailed
from nara.i18n import N_
from nara.models import Case, Consultation
from nara.queries import consultations as consultation_queries
from nara.queries import directory
from nara.queries import inbox as inbox_queries
from nara.queries.access import get_case_for, is_owning_side, require_staff
from nara.web.deps import DB
from nara.web.errors import no_page
from nara.web.ui import service_view
from nara.web.ui.common import FormErrors, redirect, require_caller, require_form_caller
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)


def local_time(value: str, field: str) -> datetime | None:
    """A ``datetime-local`` form value, in the display time zone (None when empty)."""
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"{field} is not a date and time",
            field=field,
            template=N_("Give a date and time, for example 2026-12-07 15:00."),
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(get_settings().display_timezone))
    return moment


def case_consultations(session: Session, actor: Actor, case: Case) -> dict[str, object]:
    """What the case page shows of consultations and who may do what there (``case``
    comes from ``get_case_for``: access is checked)."""
    rows = consultation_queries.consultations_of_case(session, case)
    owning = is_owning_side(actor, case)
    teams: list[directory.RefRow] = []
    if owning and actor.is_staff:
        teams = [t for t in directory.active_team_refs(session) if t.id != case.team_id]
    return {
        "consultations": rows,
        "can_change": owning,
        "can_note": owning
        or any(
            r.consultation.status == "open" and r.consultation.team_id in actor.team_ids
            for r in rows
        ),
        "consult_teams": teams,
        "caller_team_ids": sorted(actor.team_ids),
        "now": clock.now(),
    }


def may_answer(actor: Actor, consultation: Consultation) -> bool:
    return consultation.status == "open" and consultation_actions.may_answer(actor, consultation)


@router.get("/consultations", response_class=HTMLResponse)
def consultations_tab(request: Request, db: DB, status: str = "open") -> Response:
    """The inbox's consultations tab: consultations asked of my teams, most urgent first."""
    caller = require_caller(request, db)
    require_staff(caller.actor)
    shown = status if status in consultation_queries.STATUSES else "open"
    page = consultation_queries.list_consultations(db, caller.actor, status=shown, limit=100)
    inbox = inbox_queries.inbox(db, caller.actor, inbox_queries.InboxQuery(tab="mine"))
    return render(
        request,
        "workspace/consultations.html",
        rows=page.items,
        shown=shown,
        statuses=consultation_queries.STATUSES,
        tabs=inbox_queries.TABS,
        counts=inbox.counts,
        capped=inbox.capped,
        consultations_open=consultation_queries.count_open_for_teams(
            db, sorted(caller.actor.team_ids)
        ),
        now=clock.now(),
        **service_view.workspace_context(db, caller.actor),
    )


def _back(
    request: Request, db: DB, number: str, exc: DomainError, action: str, draft: str
) -> Response:
    from nara.web.ui.cases import case_context  # the case page's context

    db.rollback()
    caller = require_caller(request, db)
    if not caller.actor.is_staff:
        raise exc  # the error page: consultations are staff work
    try:
        case = get_case_for(db, caller.actor, number)
    except DomainError:
        raise exc from None
    context = case_context(db, caller, case, request.state.lang)
    errors = FormErrors.from_error(exc, request.state.lang)
    return render(
        request,
        "workspace/case.html",
        exc.status,
        errors=errors,
        failed_action=action,
        draft=draft,
        **context,
    )


@router.post("/cases/{number}/consult")
def ask(
    request: Request,
    db: DB,
    number: str,
    csrf_token: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    question: Annotated[str, Form()] = "",
    due_at: Annotated[str, Form()] = "",
    member: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    try:
        consultation_actions.ask_consultation(
            session=db,
            actor=caller.actor,
            number=number,
            team=team,
            question=question,
            due=local_time(due_at, "due_at"),
            member=member.strip() or None,
        )
    except DomainError as exc:
        return _back(request, db, number, exc, "consult", question)
    db.commit()
    return redirect(f"/cases/{number}#consultations")


@router.post("/consultations/{consultation_id}/{action}")
def act(
    request: Request,
    db: DB,
    consultation_id: int,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    due_at: Annotated[str, Form()] = "",
) -> Response:
    """answer, close or follow-up, from the case page."""
    caller = require_form_caller(request, db, csrf_token)
    row = consultation_queries.get_consultation_row(db, caller.actor, consultation_id)
    number = row.case_number
    try:
        if action == "answer":
            consultation_actions.answer_consultation(
                session=db, actor=caller.actor, consultation_id=consultation_id, answer=body
            )
        elif action == "close":
            consultation_actions.close_consultation(
                session=db, actor=caller.actor, consultation_id=consultation_id
            )
        elif action == "follow-up":
            consultation_actions.follow_up_consultation(
                session=db,
                actor=caller.actor,
                consultation_id=consultation_id,
                question=body,
                due=local_time(due_at, "due_at"),
            )
        else:
            return no_page(request)
    except DomainError as exc:
        return _back(request, db, number, exc, f"{action}-{consultation_id}", body)
    db.commit()
    return redirect(f"/cases/{number}#consultation-{consultation_id}")
