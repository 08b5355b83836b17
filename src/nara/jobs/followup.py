"""Rolling the follow-up's days chunk after chunk, each chunk its own committed
transaction: the periodic job ``followup.rollup`` and ``nara followup rebuild`` share
this loop (the writes are ``domain/followup_rollups.py``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Engine

from nara.db import session_scope
from nara.domain.actors import Actor
from nara.domain.followup_rollups import CHUNK_DAYS, drop_rollups, plan_rollup, roll_days


def run_rollup(
    engine: Engine,
    *,
    actor: Actor,
    now: datetime,
    since: date | None = None,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_days: int = CHUNK_DAYS,
) -> dict[str, int]:
    """Plan, then roll each chunk of days in its own transaction; ``progress(days done,
    days)`` after every chunk. Returns the days rolled and the rows written."""
    with session_scope(engine) as session:
        plan = plan_rollup(session, now=now, since=since, rebuild=rebuild, chunk_days=chunk_days)
        if plan.full:
            drop_rollups(session=session, actor=actor)
    done = rows = 0
    if progress is not None:
        progress(0, plan.days)
    for first, last in plan.chunks:
        with session_scope(engine) as session:
            rows += roll_days(session=session, actor=actor, first=first, last=last, now=now)
        done += (last - first).days + 1
        if progress is not None:
            progress(done, plan.days)
    return {"days": plan.days, "rows": rows}
