"""Executing one run, the same way in every process: take it (only if still queued),
keep a heartbeat while it works, record the result or the failure, and queue it again
while attempts remain. A run's state lives in ``job_runs``, so every process sees it and
a run whose process died is found by its stale heartbeat (``jobs.recover``). Every write
after the start names this attempt: when a stalled run was queued again and another
process took it, the first one stops at its next progress report and writes nothing."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from nara.db import session_scope
from nara.domain import jobs as job_actions
from nara.domain.actors import SYSTEM
from nara.domain.errors import Conflict, DomainError
from nara.jobs.registry import JobContext, JobSpec, specs

log = logging.getLogger("nara.jobs")

HEARTBEAT_SECONDS = 15.0
PROGRESS_MIN_SECONDS = 1.0
# Set by the embedded mode: jobs then share the process with web requests.
_threads: list[int | None] = [None]
Progress = Callable[[str, int, int], None]


class RunLost(Exception):
    """The run was taken over by another process (it had stalled); stop working on it."""


def limit_threads(threads: int | None) -> None:
    """Cores the jobs of this process may use (None: all)."""
    _threads[0] = threads


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


@dataclass
class _Attempt:
    run_id: int
    worker: str
    attempt: int


class _Beat:
    """Writes the heartbeat (and the latest progress) every ``HEARTBEAT_SECONDS`` from
    a thread of its own, and progress at most once a second when the job reports it.
    A failed write is logged and tried again at the next beat."""

    def __init__(self, engine: Engine, who: _Attempt) -> None:
        self.engine, self.who = engine, who
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.last_write = 0.0
        self.progress: dict[str, Any] | None = None
        self.lost = False

    def write(self) -> None:
        with self.lock:
            progress, self.last_write = self.progress, time.monotonic()
        try:
            with session_scope(self.engine) as session:
                alive = job_actions.heartbeat(
                    session=session,
                    run_id=self.who.run_id,
                    worker=self.who.worker,
                    attempt=self.who.attempt,
                    progress=progress,
                )
        except SQLAlchemyError:
            log.warning(
                "heartbeat of job run %s failed; trying again", self.who.run_id, exc_info=True
            )
            return
        if not alive:
            self.lost = True

    def report(self, stage: str, done: int, total: int) -> None:
        if self.lost:
            raise RunLost(f"job run {self.who.run_id} was taken over by another process")
        with self.lock:
            self.progress = {"stage": stage, "done": done, "total": total}
            due = time.monotonic() - self.last_write >= PROGRESS_MIN_SECONDS
        if due:
            self.write()

    def loop(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            self.write()


@contextmanager
def _beating(engine: Engine, who: _Attempt) -> Iterator[_Beat]:
    beat = _Beat(engine, who)
    thread = threading.Thread(target=beat.loop, name=f"nara-heartbeat-{who.run_id}", daemon=True)
    thread.start()
    try:
        yield beat
    finally:
        beat.stop.set()
        thread.join(timeout=HEARTBEAT_SECONDS)


def execute_run(
    engine: Engine, run_id: int, on_progress: Progress | None = None
) -> tuple[str, int]:
    """Run ``run_id`` if it is still queued. Returns its status afterwards ("skipped"
    when another process had it, "lost" when another process took it over meanwhile)
    and the seconds to wait before a retry (0: none). ``on_progress`` also hears the
    progress (the CLI prints it)."""
    who = _Attempt(run_id, worker_name(), 0)
    with session_scope(engine) as session:
        run = job_actions.start_run(session=session, run_id=run_id, worker=who.worker)
        if run is None:
            return "skipped", 0
        who.attempt = run.attempts
        spec = specs().get(run.task)
        ctx = JobContext(
            engine=engine,
            run_id=run.id,
            args=dict(run.args or {}),
            requested_by_id=run.requested_by_id,
            threads=_threads[0],
        )
        task = run.task
    if spec is None:
        return _finish(engine, who, error=f"unknown job {task!r}", final=True), 0
    return _work(engine, spec, ctx, who, on_progress)


def _work(
    engine: Engine, spec: JobSpec, ctx: JobContext, who: _Attempt, on_progress: Progress | None
) -> tuple[str, int]:
    with _beating(engine, who) as beat:

        def report(stage: str, done: int, total: int) -> None:
            beat.report(stage, done, total)
            if on_progress is not None:
                on_progress(stage, done, total)

        ctx.report = report
        try:
            result = spec.func(ctx)
        except RunLost:
            log.warning("job %s (run %s) was taken over by another process", spec.name, who.run_id)
            return "lost", 0
        except DomainError as exc:  # the request cannot succeed as it is: no retry
            log.warning("job %s (run %s) refused: %s", spec.name, who.run_id, exc.detail)
            status = _finish(
                engine,
                who,
                error=exc.detail,
                final=True,
                result={"template": exc.template, "params": exc.params},
            )
            return status, 0
        except Exception:  # a job's failure is recorded and retried, never lost
            log.exception("job %s (run %s) failed", spec.name, who.run_id)
            status = _finish(engine, who, error=traceback.format_exc())
            return status, (spec.retry_seconds if status == "queued" else 0)
        except (KeyboardInterrupt, SystemExit):  # interrupted: failed, retriable by hand
            _finish(engine, who, error="interrupted before it finished", final=True)
            raise
    return _finish(engine, who, result=result), 0


def _finish(
    engine: Engine,
    who: _Attempt,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    final: bool = False,
) -> str:
    with session_scope(engine) as session:
        run = job_actions.finish_run(
            session=session,
            run_id=who.run_id,
            worker=who.worker,
            attempt=who.attempt,
            result=result,
            error=error,
            final=final,
        )
        return run.status if run is not None else "lost"


def start_periodic(engine: Engine, name: str, tick: int | None = None) -> int | None:
    """Queue the run of a periodic tick (``tick``: its scheduled time, Unix seconds; None
    for a run by hand, such as ``nara jobs promises``). None when that tick has had its
    run already (another process) or the previous run still runs (the tick is skipped)."""
    spec = specs()[name]
    args: dict[str, Any] = {"tick": tick} if tick is not None else {"by_hand": True}
    try:
        with session_scope(engine) as session:
            run = job_actions.request_job(
                session=session,
                actor=SYSTEM,
                task=name,
                args=args,
                lock_key=spec.lock_key,
                max_attempts=spec.max_attempts,
                tick=tick,
            )
            return run.id
    except Conflict:
        log.info("periodic job %s: tick %s skipped (run elsewhere or still running)", name, tick)
        return None


def run_periodic(engine: Engine, name: str, tick: int | None = None) -> tuple[str, int | None]:
    """One periodic tick in this process: queue the run and execute it here. Returns
    the status and the run's id (None when skipped)."""
    run_id = start_periodic(engine, name, tick)
    if run_id is None:
        return "skipped", None
    return execute_run(engine, run_id)[0], run_id
