"""Handing a queued run to whoever executes jobs here: procrastinate's workers on
PostgreSQL, the app process itself on SQLite. Called after the request's commit."""

from __future__ import annotations

from sqlalchemy import Engine

from nara.db import session_scope
from nara.domain import jobs as job_actions

# queue_job_id of a run handed to this process's own worker (embedded mode).
LOCAL = 0


def dispatch(engine: Engine, run_id: int, *, delay_seconds: int = 0) -> None:
    if engine.dialect.name == "postgresql":
        from nara.jobs.queue import defer_run

        defer_run(engine, run_id, delay_seconds=delay_seconds)
        return
    from nara.jobs.embedded import local_worker

    with session_scope(engine) as session:
        job_actions.record_dispatch(session=session, run_id=run_id, queue_job_id=LOCAL)
    local_worker(engine).submit(run_id, delay_seconds)
