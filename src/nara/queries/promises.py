"""Where a case stands against its response promises (first response, resolution):
state, due time and business time left, for pages, the API and the periodic check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.models import Case
from nara.promises.maths import PromiseState, state
from nara.queries.service import calendar_for_team


@dataclass(frozen=True)
class PromiseView:
    kind: str  # "first_response" or "resolution"
    state: PromiseState
    due_at: datetime | None
    budget_minutes: int | None
    business_seconds_left: float | None  # negative when overdue


def promise_views(session: Session, case: Case, now: datetime) -> list[PromiseView]:
    cal = calendar_for_team(session, case.team_id)
    fraction = get_settings().promise_warning_fraction
    views = []
    for kind, due, budget, done in (
        (
            "first_response",
            case.first_response_due_at,
            case.first_response_budget_min,
            case.first_response_at,
        ),
        ("resolution", case.resolution_due_at, case.resolution_budget_min, case.resolved_at),
    ):
        st = state(
            calendar=cal,
            due=due,
            budget_seconds=budget * 60 if budget else None,
            done_at=done,
            paused=case.promise_paused_at is not None,
            now=now,
            warn_fraction=fraction,
        )
        left = None
        if due is not None and done is None and st != PromiseState.paused:
            left = cal.business_seconds(now, due)
        views.append(PromiseView(kind, st, due, budget, left))
    return views
