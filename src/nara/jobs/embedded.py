"""The embedded mode (SQLite, ``make demo``): the app process runs the jobs itself,
with the same definitions and the same run log as the workers on PostgreSQL. One
thread runs requested jobs one at a time, another the periodic ticks, so a long
training never delays the promise check. Runs left queued by a previous process are
picked up at start; runs whose process died are found by ``jobs.recover``."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import Engine

from nara.config import Settings
from nara.db import session_scope
from nara.jobs.registry import JobSpec, periodic_specs
from nara.jobs.runner import execute_run, run_periodic
from nara.queries import jobs as job_queries

log = logging.getLogger("nara.jobs.embedded")


class LocalWorker:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.requested = ThreadPoolExecutor(1, thread_name_prefix="nara-job")
        self.periodic = ThreadPoolExecutor(1, thread_name_prefix="nara-periodic")
        self.stop = threading.Event()
        self.ticker: threading.Thread | None = None
        self.lock = threading.Lock()
        self.pending: set[int] = set()

    def submit(self, run_id: int, delay_seconds: float = 0) -> None:
        """Run ``run_id`` here (once: a run already waiting here is not added again)."""
        if self.stop.is_set():
            return
        if delay_seconds > 0:
            timer = threading.Timer(delay_seconds, self.submit, args=(run_id,))
            timer.daemon = True
            timer.start()
            return
        with self.lock:
            if run_id in self.pending:
                return
            self.pending.add(run_id)
        self.requested.submit(self._run, run_id).add_done_callback(_log_failure)

    def _run(self, run_id: int) -> None:
        try:
            status, wait = execute_run(self.engine, run_id)
        finally:  # whatever happened, a later recovery may hand it over again
            with self.lock:
                self.pending.discard(run_id)
        if status == "queued":
            self.submit(run_id, wait)

    def start(self, settings: Settings) -> None:
        """Pick up what a previous process left queued and start the periodic ticks."""
        with session_scope(self.engine) as session:
            for run_id in job_queries.queued_ids(session):
                self.submit(run_id)
        schedule = periodic_specs(settings)
        if schedule:
            self.ticker = threading.Thread(
                target=self._tick, args=(schedule,), name="nara-ticker", daemon=True
            )
            self.ticker.start()

    def _tick(self, schedule: list[tuple[JobSpec, int]]) -> None:
        """Ticks on the wall clock's multiples of each interval (as procrastinate's cron
        does), so that processes sharing a database agree on which tick is which."""
        every = {spec.name: seconds for spec, seconds in schedule}
        due = {name: _next_multiple(time.time(), seconds) for name, seconds in every.items()}
        running: dict[str, Future[object]] = {}
        while not self.stop.wait(max(0.05, min(due.values()) - time.time())):
            now = time.time()
            for name, at in due.items():
                if at > now:
                    continue
                due[name] = _next_multiple(now, every[name])
                if name in running and not running[name].done():
                    continue  # still busy with the previous tick
                running[name] = self.periodic.submit(run_periodic, self.engine, name, int(at))
                running[name].add_done_callback(_log_failure)

    def close(self) -> None:
        self.stop.set()
        if self.ticker is not None:
            self.ticker.join(timeout=5)
        self.requested.shutdown(wait=False, cancel_futures=True)
        self.periodic.shutdown(wait=False, cancel_futures=True)


def _next_multiple(now: float, seconds: int) -> float:
    return (int(now) // seconds + 1) * seconds


def _log_failure(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("background job could not be run", exc_info=future.exception())


_workers: dict[str, LocalWorker] = {}
_lock = threading.Lock()


def local_worker(engine: Engine) -> LocalWorker:
    key = str(engine.url)
    with _lock:
        worker = _workers.get(key)
        if worker is None or worker.stop.is_set():
            worker = _workers[key] = LocalWorker(engine)
        return worker


def close_all() -> None:
    with _lock:
        for worker in _workers.values():
            worker.close()
        _workers.clear()


class Closeable(Protocol):
    def close(self) -> None: ...


def start_in_process(engine: Engine, settings: Settings) -> Closeable:
    """The background worker of ``nara serve`` when it runs jobs itself: this module's
    threads on SQLite, a procrastinate worker in a thread on PostgreSQL. Jobs then
    leave a core to the requests (training uses all but one)."""
    from nara.jobs.runner import limit_threads
    from nara.selfservice.training import available_cores

    limit_threads(max(1, available_cores() - 1))
    if engine.dialect.name == "postgresql":
        from nara.jobs.queue import ThreadWorker

        thread_worker = ThreadWorker(engine, settings)
        thread_worker.start()
        return thread_worker
    worker = local_worker(engine)
    worker.start(settings)
    return worker
