"""Writing the follow-up's daily roll-ups (``followup_daily``, ``docs/metrics.md``).

A day is rolled by deleting its rows and inserting them again from one set-based
``INSERT … SELECT … GROUP BY`` over the base tables (``queries/followup_facts.py``):
idempotent, and the same counts as the live days. The periodic job ``followup.rollup``
rolls every finished day not rolled yet and, every run, the last
:data:`RECOMPUTE_DAYS` finished days again, so that what changes a few days later (a
rating changed within 7 days, a re-contact within 7 days of an answer or a resolution,
a consultation or a message becoming overdue) lands. ``nara followup rebuild`` rolls
history in chunks of days, each its own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.domain.actors import Actor
from nara.domain.errors import ValidationFailed
from nara.followup.days import day_facts, each_day, local_date
from nara.i18n import N_
from nara.models import FollowupDaily, FollowupRollupState
from nara.queries.access import require_lead
from nara.queries.followup_facts import EVERYTHING, parameters, rollup_statement
from nara.queries.followup_rows import earliest_day, rollup_state

ROLLUP_TABLE: Table = FollowupDaily.__table__  # type: ignore[assignment]

RECOMPUTE_DAYS = 8
"""Finished days rolled again on every run (ratings change for 7 days; re-contacts are
known 7 days after an answer or a resolution)."""
CHUNK_DAYS = 31
"""Days rolled in one statement (and one transaction)."""


@dataclass(frozen=True)
class RollupPlan:
    """Days to roll, in chunks (oldest first); ``full``: everything is rolled again and
    rows of days outside the plan are dropped."""

    chunks: tuple[tuple[date, date], ...]
    full: bool

    @property
    def days(self) -> int:
        return sum((last - first).days + 1 for first, last in self.chunks)


def _chunks(first: date, last: date, size: int) -> Iterator[tuple[date, date]]:
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=size - 1))
        yield start, end
        start = end + timedelta(days=1)


def plan_rollup(
    session: Session,
    *,
    now: datetime,
    since: date | None = None,
    rebuild: bool = False,
    chunk_days: int = CHUNK_DAYS,
) -> RollupPlan:
    """What to roll now. Finished days only (up to yesterday, local). Without
    ``rebuild``: from the day after the last rolled one (or the earliest data, the
    first time, or when data older than the rolled days appeared), and the last
    :data:`RECOMPUTE_DAYS` finished days again. ``rebuild``: from ``since`` (or the
    earliest data) to yesterday."""
    zone = get_settings().display_timezone
    yesterday = local_date(now, zone) - timedelta(days=1)
    state = rollup_state(session)
    earliest = earliest_day(session, zone)
    valid = state is not None and state.timezone == zone and state.rolled_through is not None
    full = rebuild and since is None
    if rebuild or not valid:
        start = since if since is not None else earliest
        full = full or not valid
    else:
        assert state is not None and state.rolled_through is not None
        start = min(state.rolled_through + timedelta(days=1), yesterday - timedelta(days=7))
        if state.rolled_from is not None:
            start = max(start, state.rolled_from)
            if earliest is not None and earliest < state.rolled_from:
                start = earliest
    if start is None:  # nothing has happened yet
        return RollupPlan((), full)
    if since is not None and valid and state is not None and state.rolled_through is not None:
        start = min(start, state.rolled_through + timedelta(days=1))
    return RollupPlan(tuple(_chunks(start, yesterday, chunk_days)), full)


def roll_days(*, session: Session, actor: Actor, first: date, last: date, now: datetime) -> int:
    """Roll the local days ``first`` to ``last`` again (delete, then insert from the
    base tables), and move the watermark. The caller commits. Returns the rows written."""
    require_lead(actor, "roll up the follow-up")
    if last < first:
        raise ValidationFailed(
            f"the last day ({last}) is before the first ({first})",
            field="since",
            template=N_("The first day comes after the last day."),
        )
    zone = get_settings().display_timezone
    days = [day_facts(day, zone) for day in each_day(first, last)]
    session.execute(
        delete(FollowupDaily).where(FollowupDaily.day >= first, FollowupDaily.day <= last)
    )
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # compiling a plan of this size costs more than running it
        session.execute(text("SET LOCAL jit = off"))
    statement = rollup_statement(dialect, len(days))
    columns = [c.name for c in statement.selected_columns]
    result = session.connection().execute(
        insert(ROLLUP_TABLE).from_select(columns, statement),
        parameters(days, now, zone, EVERYTHING),
    )
    _advance(session, first, last, now, zone)
    written = int(getattr(result, "rowcount", -1))
    if written < 0:  # SQLite does not count the rows of an INSERT that starts with WITH
        written = int(
            session.scalar(
                select(func.count())
                .select_from(FollowupDaily)
                .where(FollowupDaily.day >= first, FollowupDaily.day <= last)
            )
            or 0
        )
    return written


def _advance(session: Session, first: date, last: date, now: datetime, zone: str) -> None:
    state = session.get(FollowupRollupState, 1, with_for_update=True)
    if state is None or state.timezone != zone or state.rolled_through is None:
        if state is None:
            state = FollowupRollupState(id=1, timezone=zone, rolled_at=now)
            session.add(state)
        state.timezone, state.rolled_from, state.rolled_through = zone, first, last
    else:
        if state.rolled_from is None or first < state.rolled_from:
            state.rolled_from = first
        if first <= state.rolled_through + timedelta(days=1):
            state.rolled_through = max(state.rolled_through, last)
    state.rolled_at = now
    session.flush()


def drop_rollups(*, session: Session, actor: Actor, keep_from: date | None = None) -> None:
    """Before a full rebuild: drop the rows (of days before ``keep_from``, or all) and
    forget the watermark, so that nothing stale is read while it runs."""
    require_lead(actor, "roll up the follow-up")
    stmt = delete(FollowupDaily)
    if keep_from is not None:
        stmt = stmt.where(FollowupDaily.day < keep_from)
    session.execute(stmt)
    state = session.get(FollowupRollupState, 1, with_for_update=True)
    if state is not None:
        session.delete(state)
    session.flush()


__all__ = [
    "CHUNK_DAYS",
    "RECOMPUTE_DAYS",
    "RollupPlan",
    "drop_rollups",
    "plan_rollup",
    "roll_days",
]
