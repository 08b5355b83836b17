"""The jobs Nära runs in the background, as data: a name, the function, how often it
runs by itself (periodic) and how often a failed run is tried again.

The same definitions run on procrastinate workers (PostgreSQL) and in-process
(embedded SQLite mode); nothing else in Nära needs to know which."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from nara.config import Settings


@dataclass
class JobContext:
    """What a job function gets: the engine (it opens its own short transactions), the
    run's arguments, who asked for it, and a way to report progress."""

    engine: Engine
    run_id: int
    args: dict[str, Any]
    requested_by_id: int | None
    # Cores a job may use: None = all (a worker process); the app process running jobs
    # itself (embedded mode) keeps a core for requests.
    threads: int | None = None
    report: Callable[[str, int, int], None] = field(default=lambda stage, done, total: None)

    def progress(self, stage: str, done: int, total: int) -> None:
        self.report(stage, done, total)


JobFunc = Callable[[JobContext], dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    # Attempts in all (1 = no retry); a domain error is never retried.
    max_attempts: int = 1
    retry_seconds: int = 30
    # One run at a time (a periodic tick is skipped while the previous run still runs).
    exclusive: bool = True
    # Seconds between periodic runs from the settings (0 = off); None: only on request.
    every: Callable[[Settings], int] | None = None

    @property
    def lock_key(self) -> str | None:
        return self.name if self.exclusive else None


SPECS: dict[str, JobSpec] = {}


def specs() -> dict[str, JobSpec]:
    """Every job, by name (importing the definitions registers them)."""
    import nara.jobs.tasks  # noqa: F401

    return SPECS


def job(
    name: str,
    *,
    max_attempts: int = 1,
    retry_seconds: int = 30,
    exclusive: bool = True,
    every: Callable[[Settings], int] | None = None,
) -> Callable[[JobFunc], JobFunc]:
    def register(func: JobFunc) -> JobFunc:
        SPECS[name] = JobSpec(
            name=name,
            func=func,
            max_attempts=max_attempts,
            retry_seconds=retry_seconds,
            exclusive=exclusive,
            every=every,
        )
        return func

    return register


def periodic_specs(settings: Settings) -> list[tuple[JobSpec, int]]:
    """The periodic jobs that are switched on, with their interval in seconds."""
    return [
        (spec, seconds)
        for spec in specs().values()
        if spec.every is not None and (seconds := spec.every(settings)) > 0
    ]


def cron_for(seconds: int) -> str:
    """A cron expression (procrastinate's, seconds as an optional sixth field) that
    fires every ``seconds``: divisors of a minute, of an hour and of a day."""
    if seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{seconds}"
    if seconds % 60 == 0 and 3600 % seconds == 0:
        return f"*/{seconds // 60} * * * *"
    if seconds % 3600 == 0 and 86400 % seconds == 0:
        return f"0 */{seconds // 3600} * * *"
    raise ValueError(f"no cron expression fires every {seconds} s")
