"""The job queue on PostgreSQL: procrastinate (maintained, PostgreSQL as the one shared
state, periodic tasks deferred once per tick across all workers).

Two kinds of procrastinate task carry every Nära job: ``nara.run`` executes a queued
run of ``job_runs`` by id (queue ``nara-requested``: training, grouping questions,
retries), and one ``nara.periodic.<job>`` per periodic job queues and executes that
tick's run (queue ``nara-periodic``). procrastinate's ``procrastinate_periodic_defers``
makes each tick one job whatever the number of workers, and the run log's unique
``(task, tick)`` makes it one run even if a tick were deferred twice; the run's lock key
keeps a slow run and the next tick from overlapping. Every worker process works the two
queues separately, so a long training never holds up the promise check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from procrastinate import App, PsycopgConnector
from procrastinate.jobs import Status
from sqlalchemy import Engine

from nara.config import Settings
from nara.db import session_scope
from nara.domain import jobs as job_actions
from nara.jobs.registry import cron_for, periodic_specs
from nara.jobs.runner import execute_run, run_periodic

log = logging.getLogger("nara.jobs.queue")
T = TypeVar("T")

PERIODIC = "nara-periodic"
REQUESTED = "nara-requested"
# A tick that waited longer than this many intervals (a stopped worker's backlog) is
# skipped: the next one does the same work.
STALE_TICKS = 2
_deferrers: dict[str, App] = {}
_deferrers_lock = threading.Lock()


def conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(engine: Engine, settings: Settings, **pool: Any) -> App:
    """A procrastinate app with Nära's tasks, for a worker (opened asynchronously by
    ``run_worker``) or for deferring (opened synchronously)."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(engine), **pool))

    @app.task(name="nara.run", queue=REQUESTED)
    def run(run_id: int) -> None:
        status, wait = execute_run(engine, run_id)
        if status == "queued":
            defer_run(engine, run_id, delay_seconds=wait)

    for spec, seconds in periodic_specs(settings):
        name = spec.name

        def tick(timestamp: int, _name: str = name, _every: int = seconds) -> None:
            if time.time() - timestamp > STALE_TICKS * max(_every, 30):
                log.info("periodic job %s: stale tick %s skipped", _name, timestamp)
                return
            run_periodic(engine, _name, timestamp)

        task = app.task(name=f"nara.periodic.{name}", queue=PERIODIC)(tick)
        app.periodic(cron=cron_for(seconds), periodic_id=name)(task)
    return app


def _deferrer(engine: Engine, settings: Settings) -> App:
    key = str(engine.url)
    with _deferrers_lock:
        app = _deferrers.get(key)
        if app is None:
            app = build_app(engine, settings, min_size=1, max_size=4).open()
            _deferrers[key] = app
        return app


def defer_run(engine: Engine, run_id: int, *, delay_seconds: int = 0) -> int:
    """Hand a queued run to the workers (after ``delay_seconds``)."""
    from nara.config import get_settings

    app = _deferrer(engine, get_settings())
    options: dict[str, Any] = {"queue": REQUESTED}
    if delay_seconds > 0:
        options["schedule_in"] = {"seconds": delay_seconds}
    job_id = app.configure_task("nara.run", **options).defer(run_id=run_id)
    with session_scope(engine) as session:
        job_actions.record_dispatch(session=session, run_id=run_id, queue_job_id=job_id)
    return job_id


def close_deferrers() -> None:
    with _deferrers_lock:
        for app in _deferrers.values():
            app.close()
        _deferrers.clear()


def fail_stalled_queue_jobs(engine: Engine, settings: Settings, seconds: float) -> int:
    """procrastinate jobs left "doing" by a worker that stopped (no heartbeat for
    ``seconds``) are marked failed; their Nära runs are queued again from ``job_runs``."""

    async def go() -> int:
        app = build_app(engine, settings, min_size=1, max_size=1)
        async with app.open_async():
            manager = app.job_manager
            stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
            for job in stalled:
                await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            return len(stalled)

    return _run_coroutine(go)


def _run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end from synchronous code: here, or in a thread of its own
    when this thread already runs an event loop (asyncio.run refuses to nest)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(1, thread_name_prefix="nara-async") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _work_both_queues(app: App, concurrency: int, *, signals: bool) -> None:
    """One procrastinate worker for the periodic queue and one for requested jobs, in
    this process: a training in progress never delays a promise check. SIGINT and
    SIGTERM stop both (each finishes the job it is running)."""
    async with app.open_async():
        workers = [
            asyncio.create_task(
                app.run_worker_async(
                    queues=[PERIODIC], concurrency=1, name="periodic", install_signal_handlers=False
                )
            ),
            asyncio.create_task(
                app.run_worker_async(
                    queues=[REQUESTED],
                    concurrency=concurrency,
                    name="requested",
                    install_signal_handlers=False,
                )
            ),
        ]
        if signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, lambda: [w.cancel() for w in workers])
        try:
            await asyncio.gather(*workers, return_exceptions=True)
        finally:
            for w in workers:
                w.cancel()


def run_worker(engine: Engine, settings: Settings, *, concurrency: int = 1) -> None:
    """``nara worker``: run jobs until SIGINT/SIGTERM."""
    asyncio.run(_work_both_queues(build_app(engine, settings), concurrency, signals=True))


class ThreadWorker:
    """A procrastinate worker in a thread of this process (``NARA_EMBEDDED_WORKER=on``
    with PostgreSQL, for a single-process install or tests)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._main, name="nara-worker", daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self.loop = asyncio.get_running_loop()
            app = build_app(self.engine, self.settings, min_size=1, max_size=4)
            self.task = asyncio.current_task()
            self.ready.set()
            await _work_both_queues(app, 1, signals=False)

        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(main())

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(10)

    def close(self) -> None:
        if self.loop is not None and self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(timeout=30)
