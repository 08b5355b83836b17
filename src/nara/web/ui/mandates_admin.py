"""The mandates page for leads and admins: the rules in force with their versions, a
change of a rule's limits (a new version, with why), and the what-if of a different
limit computed from the recorded requests, shown before saving."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara import clock
from nara.domain import mandates as mandate_actions
from nara.domain.errors import DomainError
from nara.i18n import N_
from nara.models import DecisionKind
from nara.queries import decisions as decision_queries
from nara.queries import directory
from nara.queries import mandates as mandate_queries
from nara.queries.access import is_lead_or_admin
from nara.web.csv_export import Column, csv_dialect, csv_response
from nara.web.deps import DB, Caller
from nara.web.ui import result_charts
from nara.web.ui.common import (
    FormErrors,
    redirect,
    require_caller,
    require_form_caller,
    require_staff_page,
)
from nara.web.ui.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)


def _page(
    request: Request,
    db: DB,
    caller: Caller,
    *,
    what_if: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    failed_rule: int | None = None,
    status_code: int = 200,
) -> Response:
    lang = request.state.lang
    figures = None
    what_if_errors = None
    if what_if and what_if.get("type") and what_if.get("team") and what_if.get("limit"):
        try:
            decision_type = mandate_actions.decision_type_by_slug(db, what_if["type"])
            limit: Any = (
                mandate_actions.days(what_if["limit"], field="limit")
                if decision_type.kind == DecisionKind.days.value
                else mandate_actions.amount(what_if["limit"], field="limit")
            )
            figures = decision_queries.what_if(
                db,
                caller.actor,
                type_slug=what_if["type"],
                team_slug=what_if["team"],
                limit=limit,
                days=mandate_actions.days(what_if.get("days") or "90", field="days"),
                now=clock.now(),
            )
        except DomainError as exc:
            what_if_errors = FormErrors.from_error(exc, lang)
            status_code = exc.status
    every_type = mandate_queries.decision_types(db)
    types = [t for t in every_type if t.kind != DecisionKind.yes_no.value]
    period = _period(what_if.get("days") if what_if else None)
    now = clock.now()
    results = decision_queries.mandate_results(
        db, caller.actor, since=now - timedelta(days=period), until=now
    )
    return render(
        request,
        "admin/mandates.html",
        status_code,
        results=results,
        results_chart=result_charts.decided_at_once(results, lang),
        period=period,
        rules=mandate_queries.rules_in_force(db, lang),
        types=types,
        teams=mandate_queries.active_teams(db),
        every_type=every_type,
        topics=directory.topics(db, active_only=True),
        is_admin=caller.actor.is_admin,
        all_types=[t for t in every_type if t.is_active],
        staff=directory.active_staff(db) if is_lead_or_admin(caller.actor) else [],
        what_if=what_if or {},
        figures=figures,
        what_if_errors=what_if_errors,
        errors=errors,
        failed_rule=failed_rule,
        may_edit=is_lead_or_admin(caller.actor),
    )


def _period(days: str | None) -> int:
    """The follow-up's period in days (90 unless a whole number from 1 to 3650)."""
    text = (days or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 3650 else 90


HOW = ("at_once", "requested", "approved", "declined", "withdrawn", "pending")


def _drill(
    db: DB, caller: Caller, type: str, team: str, how: str, days: str
) -> tuple[list[decision_queries.DecisionRow], dict[str, Any]]:
    decision_type = mandate_queries.decision_type_of_slug(db, type)
    the_team = mandate_queries.team_of_slug(db, team)
    period = _period(days)
    now = clock.now()
    rows = decision_queries.decisions_list(
        db,
        caller.actor,
        since=now - timedelta(days=period),
        until=now,
        type_id=decision_type.id if decision_type else None,
        team_id=the_team.id if the_team else None,
        how=how if how in HOW else None,
    )
    shown = {
        "type": decision_type,
        "team": the_team,
        "how": how if how in HOW else "",
        "days": period,
    }
    return rows, shown


@router.get("/mandates/decisions", response_class=HTMLResponse)
def decisions_page(
    request: Request, db: DB, type: str = "", team: str = "", how: str = "", days: str = "90"
) -> Response:
    """The decisions (and their cases) behind a figure of the follow-up."""
    caller = require_caller(request, db)
    require_staff_page(caller)
    rows, shown = _drill(db, caller, type, team, how, days)
    query = urlencode({"type": type, "team": team, "how": how, "days": shown["days"]})
    return render(request, "admin/mandate_decisions.html", rows=rows, shown=shown, query=query)


DECISION_COLUMNS = (
    Column("case", N_("Case")),
    Column("type", N_("Decision type")),
    Column("kind", N_("Kind")),
    Column("amount_sek", N_("Amount (SEK)")),
    Column("days", N_("Days")),
    Column("value", N_("Yes or no")),
    Column("state", N_("State")),
    Column("rule_id", N_("Rule")),
    Column("rule_version", N_("Rule version")),
    Column("rule", N_("Rule name")),
    Column("requested_by", N_("Requested by")),
    Column("decided_by", N_("Decided by")),
    Column("requested_at", N_("Requested at (UTC)")),
    Column("taken_at", N_("Taken at (UTC)")),
    Column("reason", N_("Reason")),
)
"""The decisions CSV's columns: the values are the stored codes (type slug, kind, state),
amounts in SEK, times in UTC (ISO 8601)."""


def _decision_cells(r: decision_queries.DecisionRow) -> tuple[object, ...]:
    d = r.decision
    return (
        r.case_number,
        r.decision_type.slug,
        r.decision_type.kind,
        d.amount,
        d.days,
        None if d.value is None else bool(d.value),
        d.state,
        r.rule.rule_id if r.rule else None,
        r.rule.version if r.rule else None,
        r.rule.name if r.rule else None,
        r.requested_by,
        r.decided_by,
        d.requested_at,
        d.taken_at,
        d.reason,
    )


@router.get("/mandates/decisions.csv")
def decisions_csv(
    request: Request,
    db: DB,
    type: str = "",
    team: str = "",
    how: str = "",
    days: str = "90",
    format: str = "",
) -> Response:
    """The same decisions as CSV for auditors (``?format=excel-sv`` for Swedish Excel)."""
    caller = require_caller(request, db)
    require_staff_page(caller)
    dialect = csv_dialect(format)
    rows, _ = _drill(db, caller, type, team, how, days)
    return csv_response(
        filename="decisions.csv",
        columns=DECISION_COLUMNS,
        rows=(_decision_cells(r) for r in rows),
        lang=request.state.lang,
        dialect=dialect,
    )


@router.get("/mandates", response_class=HTMLResponse)
def mandates_page(
    request: Request,
    db: DB,
    type: str = "",
    team: str = "",
    limit: str = "",
    days: str = "90",
) -> Response:
    caller = require_caller(request, db)
    require_staff_page(caller)
    what_if = {"type": type, "team": team, "limit": limit, "days": days}
    return _page(request, db, caller, what_if=what_if)


@router.post("/mandates")
def new_rule(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    decision_type: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    holder: Annotated[str, Form()] = "",
    limit: Annotated[str, Form()] = "",
    customer_limit: Annotated[str, Form()] = "",
    why: Annotated[str, Form()] = "",
) -> Response:
    """A new rule. ``holder`` is "team:<id>", "role:<role>" or "user:<id>"."""
    caller = require_form_caller(request, db, csrf_token)
    require_staff_page(caller)
    kind, _, value = holder.partition(":")
    given: dict[str, Any] = {"kind": kind}
    if kind == "role":
        given["role"] = value
    elif kind in ("team", "user"):
        given[f"{kind}_id"] = value
    try:
        the_type = mandate_actions.decision_type_by_slug(db, decision_type, field="decision_type")
        version = mandate_actions.create_rule(
            session=db,
            actor=caller.actor,
            decision_type_id=the_type.id,
            name=name,
            holder=given,
            limit=limit.strip() or None,
            customer_limit=customer_limit.strip() or None,
            why=why,
        )
    except DomainError as exc:
        db.rollback()
        errors = FormErrors.from_error(exc, request.state.lang)
        return _page(request, db, caller, errors=errors, failed_rule=0, status_code=exc.status)
    db.commit()
    return redirect(f"/admin/mandates#rule-{version.rule_id}")


@router.post("/mandates/types")
def new_type(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    slug: Annotated[str, Form()] = "",
    name_sv: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    approval_minutes: Annotated[str, Form()] = "240",
    topic_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """A new decision type (admins)."""
    caller = require_form_caller(request, db, csrf_token)
    require_staff_page(caller)
    try:
        minutes = mandate_actions.days(approval_minutes, field="approval_minutes", maximum=43200)
        mandate_actions.create_decision_type(
            session=db,
            actor=caller.actor,
            slug=slug,
            name_sv=name_sv,
            name_en=name_en,
            kind=kind,
            approval_minutes=minutes,
            topic_ids=topic_ids or [],
        )
    except DomainError as exc:
        db.rollback()
        errors = FormErrors.from_error(exc, request.state.lang)
        return _page(request, db, caller, errors=errors, failed_rule=-1, status_code=exc.status)
    db.commit()
    return redirect("/admin/mandates#types")


@router.post("/mandates/types/{type_id}/active")
def type_active(
    request: Request,
    db: DB,
    type_id: int,
    csrf_token: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Take a decision type out of use (or back): admins."""
    caller = require_form_caller(request, db, csrf_token)
    require_staff_page(caller)
    try:
        mandate_actions.update_decision_type(
            session=db, actor=caller.actor, type_id=type_id, is_active=active == "yes"
        )
    except DomainError as exc:
        db.rollback()
        errors = FormErrors.from_error(exc, request.state.lang)
        return _page(request, db, caller, errors=errors, status_code=exc.status)
    db.commit()
    return redirect("/admin/mandates#types")


@router.post("/mandates/{rule_id}")
def change_rule(
    request: Request,
    db: DB,
    rule_id: int,
    csrf_token: Annotated[str, Form()] = "",
    limit: Annotated[str, Form()] = "",
    customer_limit: Annotated[str, Form()] = "",
    why: Annotated[str, Form()] = "",
) -> Response:
    """A new version of the rule with new limits (empty: no limit) and why."""
    caller = require_form_caller(request, db, csrf_token)
    require_staff_page(caller)
    try:
        mandate_actions.change_rule(
            session=db,
            actor=caller.actor,
            rule_id=rule_id,
            why=why,
            limit=limit.strip() or None,
            customer_limit=customer_limit.strip() or None,
        )
    except DomainError as exc:
        db.rollback()
        errors = FormErrors.from_error(exc, request.state.lang)
        return _page(
            request, db, caller, errors=errors, failed_rule=rule_id, status_code=exc.status
        )
    db.commit()
    return redirect(f"/admin/mandates#rule-{rule_id}")
