"""Response promises (svarslöfte) as pure functions of (budget, calendar, pauses, now).

A promise gives a budget of business time from a start instant. Time spent waiting on
the customer does not count: each pause moves the due time by the business time it
covered. While a pause is open there is no due time (the clock is stopped).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from nara.promises.calendar import BusinessCalendar

PAUSING_STATUSES = frozenset({"waiting_on_customer"})


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None  # None: still paused


class PromiseState(enum.StrEnum):
    none = "none"  # no promise applies
    ok = "ok"
    warning = "warning"  # due soon
    breached = "breached"
    paused = "paused"  # waiting on the customer
    met = "met"
    missed = "missed"  # kept too late


def due_at(
    calendar: BusinessCalendar,
    start: datetime,
    budget_seconds: float,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """When ``budget_seconds`` of business time, not counting pauses, have passed after
    ``start``; ``None`` while a pause is open."""
    if budget_seconds <= 0:
        raise ValueError("a promise needs a positive budget")
    remaining = float(budget_seconds)
    cursor = start
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.end is not None and pause.end <= cursor:
            continue
        if pause.start > cursor:
            used = calendar.business_seconds(cursor, pause.start)
            if used >= remaining:
                return calendar.add_business_seconds(cursor, remaining)
            remaining -= used
        if pause.end is None:
            return None
        cursor = max(cursor, pause.end)
    return calendar.add_business_seconds(cursor, remaining)


def pauses_from_statuses(
    changes: Iterable[tuple[datetime, str]], *, initial: str = "new"
) -> list[Pause]:
    """Pauses from a case's status history: ``(when, new_status)`` in time order."""
    pauses: list[Pause] = []
    paused_since: datetime | None = None
    if initial in PAUSING_STATUSES:
        raise ValueError("a case cannot start paused")
    for at, status in changes:
        if status in PAUSING_STATUSES:
            if paused_since is None:
                paused_since = at
        elif paused_since is not None:
            pauses.append(Pause(paused_since, at))
            paused_since = None
    if paused_since is not None:
        pauses.append(Pause(paused_since, None))
    return pauses


def business_seconds_left(calendar: BusinessCalendar, due: datetime, now: datetime) -> float:
    """Business time until ``due``; negative (business time overdue) after it."""
    return calendar.business_seconds(now, due)


def state(
    *,
    calendar: BusinessCalendar,
    due: datetime | None,
    budget_seconds: float | None,
    done_at: datetime | None,
    paused: bool,
    now: datetime,
    warn_fraction: float = 0.25,
) -> PromiseState:
    """Where a promise stands. A warning starts when less than ``warn_fraction`` of the
    budget is left (in business time)."""
    if budget_seconds is None:
        return PromiseState.none
    if done_at is not None:
        if due is None:
            return PromiseState.met
        return PromiseState.met if done_at <= due else PromiseState.missed
    if paused or due is None:
        return PromiseState.paused
    if now >= due:
        return PromiseState.breached
    left = business_seconds_left(calendar, due, now)
    return PromiseState.warning if left <= warn_fraction * budget_seconds else PromiseState.ok
