"""Reading callbacks: a team's bookable slots (with how many places are taken), the
callbacks due for an agent's teams, and a case's callbacks."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, Exists, Select, bindparam, select, true
from sqlalchemy.orm import Session

from nara import reference_cache
from nara.config import get_settings
from nara.domain.actors import Actor
from nara.models import Callback, CallbackSlot, CallbackStatus, Case, TeamCalendar
from nara.queries import case_extras
from nara.queries.access import (
    VisibilityShape,
    require_staff,
    visibility_shape,
    visible_by_shape,
)
from nara.queries.service import calendar_for_team

MIN_NOTICE = timedelta(minutes=15)  # the earliest bookable slot starts this far ahead


@dataclass(frozen=True)
class SlotView:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def _capacity(session: Session, team_id: int) -> tuple[int, int]:
    """A team's callback slot length and bookings per slot (kept with its calendar)."""

    def load(s: Session) -> tuple[int, int]:
        row = s.get(TeamCalendar, team_id)
        if row is None:
            return 15, 1
        return row.callback_slot_minutes, row.callback_capacity

    return reference_cache.cached(session, reference_cache.CALENDARS, ("capacity", team_id), load)


def team_slots(
    session: Session, team_id: int, *, now: datetime, days: int | None = None
) -> list[SlotView]:
    """Bookable slots of a team from now (plus notice) for ``days`` days, full ones
    included (with ``free == 0``)."""
    days = days or get_settings().callback_booking_days
    minutes, capacity = _capacity(session, team_id)
    if capacity <= 0:
        return []
    cal = calendar_for_team(session, team_id)
    start = now + MIN_NOTICE
    end = now + timedelta(days=days)
    step = timedelta(minutes=minutes)
    booked = dict(
        session.execute(
            select(CallbackSlot.starts_at, CallbackSlot.booked).where(
                CallbackSlot.team_id == team_id,
                CallbackSlot.starts_at >= start,
                CallbackSlot.starts_at < end,
            )
        ).all()
    )
    slots: list[SlotView] = []
    day = start.astimezone(cal.zone).date()
    while day <= end.astimezone(cal.zone).date():
        for a, b in cal.day_intervals(day):
            t = a
            while t + step <= b:
                if start <= t < end:
                    slots.append(SlotView(t, t + step, capacity, booked.get(t, 0)))
                t += step
        day += timedelta(days=1)
    return slots


DUE_HORIZON = timedelta(hours=1)
"""Callbacks starting within this long are due (the top of the agent's inbox)."""


def due_probe(teams: BindParameter[list[int]], until: BindParameter[datetime]) -> Exists:
    """Whether a booked callback of ``teams`` starts by ``until``: :func:`due_callbacks`'
    condition without its visibility check, so False means it would find none (the inbox
    asks it with its tab counts, and reads the callbacks only when it says True)."""
    return (
        select(Callback.id)
        .where(
            Callback.status == CallbackStatus.booked.value,
            Callback.starts_at <= until,
            Callback.team_id.in_(teams),
        )
        .exists()
    )


def due_callbacks(
    session: Session, actor: Actor, *, now: datetime, horizon: timedelta = DUE_HORIZON
) -> list[tuple[Callback, Case]]:
    """Booked callbacks of the actor's teams starting within ``horizon`` (or overdue),
    earliest first: the top of the agent's inbox."""
    require_staff(actor)
    shape, params = visibility_shape(actor)
    params["cb_until"] = now + horizon
    params["cb_teams"] = sorted(actor.team_ids)
    rows = session.execute(_due(shape, actor.is_admin), params).all()
    return [(cb, case) for cb, case in rows]


@functools.cache
def _due(shape: VisibilityShape, every_team: bool) -> Select[Callback, Case]:
    """:func:`due_callbacks`' query per visibility shape, built once (every inbox page
    runs it): ``cb_until``, ``cb_teams`` and the visibility's values."""
    return (
        select(Callback, Case)
        .join(Case, Case.id == Callback.case_id)
        .where(
            Callback.status == CallbackStatus.booked.value,
            Callback.starts_at <= bindparam("cb_until"),
            true() if every_team else Callback.team_id.in_(bindparam("cb_teams", expanding=True)),
            visible_by_shape(shape),
        )
        .order_by(Callback.starts_at, Callback.id)
    )


def callbacks_of_case(session: Session, case_id: int) -> list[Callback]:
    if not case_extras.has(session, case_id, "callbacks"):
        return []
    return list(
        session.scalars(
            select(Callback).where(Callback.case_id == case_id).order_by(Callback.id.desc())
        )
    )
