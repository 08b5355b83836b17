"""Executing one run, the same way in every process: take it (only if still queued),
keep a heartbeat while it works, record the result or the failure, and queue it again
while attempts remain. A run's state lives in ``job_runs``, so every process sees it and
a run whose process died is found by its stale heartbeat (``jobs.recover``)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from nara.db import session_scope
from nara.domain import jobs as job_actions
from nara.domain.actors import SYSTEM
from nara.domain.errors import Conflict, DomainError
from nara.jobs.registry import JobContext, JobSpec, specs

log = logging.getLogger("nara.jobs")

HEARTBEAT_SECONDS = 15.0
# Set by the embedded mode: jobs then share the process with web requests.
_threads: list[int | None] = [None]


def limit_threads(threads: int | None) -> None:
    """Cores the jobs of this process may use (None: all)."""
    _threads[0] = threads


PROGRESS_MIN_SECONDS = 1.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


class _Beat:
    """Writes the heartbeat (and the latest progress) every ``HEARTBEAT_SECONDS`` from
    a thread of its own, and progress at most once a second when the job reports it."""

    def __init__(self, engine: Engine, run_id: int) -> None:
        self.engine, self.run_id = engine, run_id
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.last_write = 0.0
        self.progress: dict[str, Any] | None = None

    def write(self) -> None:
        with self.lock:
            progress, self.last_write = self.progress, time.monotonic()
        with session_scope(self.engine) as session:
            job_actions.heartbeat(session=session, run_id=self.run_id, progress=progress)

    def report(self, stage: str, done: int, total: int) -> None:
        with self.lock:
            self.progress = {"stage": stage, "done": done, "total": total}
            due = time.monotonic() - self.last_write >= PROGRESS_MIN_SECONDS
        if due:
            self.write()

    def loop(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            self.write()


@contextmanager
def _beating(engine: Engine, run_id: int) -> Iterator[_Beat]:
    beat = _Beat(engine, run_id)
    thread = threading.Thread(target=beat.loop, name=f"nara-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield beat
    finally:
        beat.stop.set()
        thread.join(timeout=HEARTBEAT_SECONDS)


def execute_run(
    engine: Engine, run_id: int, on_progress: Callable[[str, int, int], None] | None = None
) -> tuple[str, int]:
    """Run ``run_id`` if it is still queued. Returns its status afterwards ("skipped"
    when another process had it) and the seconds to wait before a retry (0: none).
    ``on_progress`` also hears the progress (the CLI prints it)."""
    with session_scope(engine) as session:
        run = job_actions.start_run(session=session, run_id=run_id, worker=worker_name())
        if run is None:
            return "skipped", 0
        spec = specs().get(run.task)
        ctx = JobContext(
            engine=engine,
            run_id=run.id,
            args=dict(run.args or {}),
            requested_by_id=run.requested_by_id,
            threads=_threads[0],
        )
    if spec is None:
        return _finish(engine, run_id, error=f"unknown job {run.task!r}", final=True), 0
    return _work(engine, spec, ctx, on_progress)


def _work(
    engine: Engine,
    spec: JobSpec,
    ctx: JobContext,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> tuple[str, int]:
    with _beating(engine, ctx.run_id) as beat:

        def report(stage: str, done: int, total: int) -> None:
            beat.report(stage, done, total)
            if on_progress is not None:
                on_progress(stage, done, total)

        ctx.report = report
        try:
            result = spec.func(ctx)
        except DomainError as exc:  # the request cannot succeed as it is: no retry
            log.warning("job %s (run %s) refused: %s", spec.name, ctx.run_id, exc.detail)
            status = _finish(
                engine,
                ctx.run_id,
                error=exc.detail,
                final=True,
                result={"template": exc.template, "params": exc.params},
            )
            return status, 0
        except Exception:  # a job's failure is recorded and retried, never lost
            log.exception("job %s (run %s) failed", spec.name, ctx.run_id)
            status = _finish(engine, ctx.run_id, error=traceback.format_exc())
            return status, (spec.retry_seconds if status == "queued" else 0)
    return _finish(engine, ctx.run_id, result=result), 0


def _finish(
    engine: Engine,
    run_id: int,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    final: bool = False,
) -> str:
    with session_scope(engine) as session:
        run = job_actions.finish_run(
            session=session, run_id=run_id, result=result, error=error, final=final
        )
        return run.status


def start_periodic(engine: Engine, name: str, tick: int | None = None) -> int | None:
    """Queue the run of a periodic tick (``tick``: its scheduled time, Unix seconds);
    None when the previous run still runs (the tick is skipped)."""
    spec = specs()[name]
    tick = int(time.time()) if tick is None else tick
    try:
        with session_scope(engine) as session:
            run = job_actions.request_job(
                session=session,
                actor=SYSTEM,
                task=name,
                args={"tick": tick},
                lock_key=spec.lock_key,
                max_attempts=spec.max_attempts,
            )
            return run.id
    except Conflict:
        log.info("periodic job %s skipped: the previous run is still running", name)
        return None


def run_periodic(engine: Engine, name: str, tick: int | None = None) -> str:
    """One periodic tick in this process: queue the run and execute it here."""
    run_id = start_periodic(engine, name, tick)
    if run_id is None:
        return "skipped"
    return execute_run(engine, run_id)[0]
