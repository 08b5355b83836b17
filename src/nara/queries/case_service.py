"""What a case page shows about service: promises, the expected wait, callbacks and
tasks. Reads only (a GET never writes): the expected wait is the latest estimate the
domain stored when the wait changed (``domain/waiting.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.models import ACTIVE_STATUSES, Callback, Case, CaseTask, WaitEstimate
from nara.promises.calendar import BusinessCalendar
from nara.promises.maths import PromiseState, state
from nara.queries import case_extras
from nara.queries.callbacks import callbacks_of_case
from nara.queries.promises import PromiseView, promise_views
from nara.queries.service import calendar_for_team

ACTIVE = ACTIVE_STATUSES


@dataclass(frozen=True)
class CaseService:
    promises: list[PromiseView]
    wait: WaitEstimate | None
    callbacks: list[Callback]
    tasks: list[CaseTask]
    six_months: bool

    @property
    def active_callback(self) -> Callback | None:
        return next((c for c in self.callbacks if c.status == "booked"), None)

    @property
    def offer_new_attempt(self) -> bool:
        """The last callback did not reach the customer and nothing new is booked."""
        return bool(self.callbacks) and self.callbacks[0].status == "not_reached"


def case_service(session: Session, case: Case, now: datetime) -> CaseService:
    wait = None
    if case.first_response_at is None and case.status in ACTIVE:
        wait = session.scalar(
            select(WaitEstimate)
            .where(WaitEstimate.case_id == case.id)
            .order_by(WaitEstimate.id.desc())
            .limit(1)
        )
    tasks = (
        list(
            session.scalars(
                select(CaseTask).where(CaseTask.case_id == case.id).order_by(CaseTask.id)
            )
        )
        if case_extras.has(session, case.id, "tasks")
        else []
    )
    six = get_settings().authority_mode and "authority.six_months" in (case.promise_alerts or [])
    return CaseService(
        promises=promise_views(session, case, now),
        wait=wait,
        callbacks=callbacks_of_case(session, case.id),
        tasks=tasks,
        six_months=six,
    )


@dataclass(frozen=True)
class PromiseBadge:
    """The promise a case is measured against now, for a list row."""

    kind: str  # "first_response" or "resolution"
    state: str
    due_at: datetime | None
    minutes_left: int | None  # business minutes; negative when overdue


def promise_badges(session: Session, cases: list[Case], now: datetime) -> dict[int, PromiseBadge]:
    """One badge per case (the first response until there is one, then resolution).
    The state comes from the due and warning times stored with the case; only the
    minutes left need the team's calendar, which sums whole days from running totals."""
    calendars: dict[int, BusinessCalendar] = {}
    fraction = get_settings().promise_warning_fraction
    out: dict[int, PromiseBadge] = {}
    for case in cases:
        if case.first_response_at is None and case.first_response_budget_min:
            kind, due, warn, budget = (
                "first_response",
                case.first_response_due_at,
                case.first_response_warn_at,
                case.first_response_budget_min,
            )
        elif case.resolution_budget_min:
            kind, due, warn, budget = (
                "resolution",
                case.resolution_due_at,
                case.resolution_warn_at,
                case.resolution_budget_min,
            )
        else:
            continue
        if case.team_id not in calendars:
            calendars[case.team_id] = calendar_for_team(session, case.team_id)
        cal = calendars[case.team_id]
        done = case.resolved_at if kind == "resolution" else None
        paused = case.promise_paused_at is not None
        if done is None and not paused and due is not None and warn is not None:
            st = stored_state(due=due, warn_at=warn, now=now)
        else:
            st = state(
                calendar=cal,
                due=due,
                budget_seconds=budget * 60,
                done_at=done,
                paused=paused,
                now=now,
                warn_fraction=fraction,
            )
        left = None
        if due is not None and st in (PromiseState.ok, PromiseState.warning, PromiseState.breached):
            left = round(cal.business_seconds(now, due) / 60)
        out[case.id] = PromiseBadge(kind, st.value, due, left)
    return out


def stored_state(*, due: datetime, warn_at: datetime, now: datetime) -> PromiseState:
    """A running promise's state from its stored times (no calendar maths)."""
    if now >= due:
        return PromiseState.breached
    return PromiseState.warning if now >= warn_at else PromiseState.ok


def latest_estimates(session: Session, case_ids: list[int]) -> dict[int, datetime]:
    """The expected time of the first human response last shown, per case."""
    if not case_ids:
        return {}
    latest = (
        select(WaitEstimate.case_id, func.max(WaitEstimate.id).label("id"))
        .where(WaitEstimate.case_id.in_(case_ids))
        .group_by(WaitEstimate.case_id)
        .subquery()
    )
    rows = session.execute(
        select(WaitEstimate.case_id, WaitEstimate.expected_at).join(
            latest, latest.c.id == WaitEstimate.id
        )
    )
    return {case_id: at for case_id, at in rows}


def latest_estimate(session: Session, case_id: int) -> WaitEstimate | None:
    return session.scalar(
        select(WaitEstimate)
        .where(WaitEstimate.case_id == case_id)
        .order_by(WaitEstimate.id.desc())
        .limit(1)
    )
