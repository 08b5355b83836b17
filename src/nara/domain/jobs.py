"""Background work as data: requesting a run, its life (started, heartbeat, progress,
finished), retrying a failed one, recovering runs whose process died.

A run is a row of ``job_runs``. Who may request what is decided here; which process
executes it (a procrastinate worker on PostgreSQL, the app process in the embedded
SQLite mode) is ``nara.jobs``' business. State changes are conditional updates, so two
processes that are handed the same run cannot both start it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.errors import Conflict, NotFound, PermissionDenied
from nara.i18n import N_
from nara.models import JobRun, JobStatus, KnowledgeGapReport

# The jobs (their definitions are in nara.jobs.tasks).
PROMISE_CHECK = "promises.check"
TRAINING = "selfservice.train"
GAP_MINING = "knowledge_gaps.mine"
RECOVER = "jobs.recover"
PRUNE = "jobs.prune"
WAIT_REFRESH = "waits.refresh"
EFFECT_MEASURING = "improvements.measure"
EVIDENCE_GATHERING = "improvements.gather"
FOLLOWUP_ROLLUP = "followup.rollup"

TRAINING_ATTEMPTS = 2

# A run whose process has not said it is alive for this long is taken as stopped.
STALL_SECONDS = 120
ERROR_MAX_CHARS = 4000


def _require_admin(actor: Actor) -> None:
    if not (actor.is_system or actor.is_admin):
        raise PermissionDenied(
            "only admins retry background jobs", template=N_("Only admins retry background jobs.")
        )


def request_job(
    *,
    session: Session,
    actor: Actor,
    task: str,
    args: dict[str, Any] | None = None,
    lock_key: str | None = None,
    max_attempts: int = 1,
    tick: int | None = None,
) -> JobRun:
    """Queue a run. With a ``lock_key``, refuse while another run with that key is
    queued or running; with a ``tick`` (a periodic run's scheduled time), refuse when
    that tick of the task has had its run. The database's unique indexes decide, across
    processes."""
    run = JobRun(
        task=task,
        status=JobStatus.queued.value,
        lock_key=lock_key,
        args=dict(args or {}),
        tick=tick,
        requested_by_id=actor.user_id,
        attempts=0,
        max_attempts=max_attempts,
        queued_at=clock.now(),
        progress={},
        result={},
    )
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"a {task} job is already queued or running",
            template=N_("This job is already queued or running; wait for it to finish."),
        ) from None
    return run


def start_run(*, session: Session, run_id: int, worker: str) -> JobRun | None:
    """Mark a queued run as running on ``worker``; None when it is not queued (another
    process took it, or it already finished)."""
    now = clock.now()
    taken = session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == JobStatus.queued.value)
        .values(
            status=JobStatus.running.value,
            started_at=now,
            heartbeat_at=now,
            worker=worker[:128],
            attempts=JobRun.attempts + 1,
            progress={},
            finished_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not taken:
        return None
    session.expire_all()
    return session.get(JobRun, run_id)


def _this_attempt(run_id: int, worker: str, attempt: int) -> list[ColumnElement[bool]]:
    """The run as long as it is still this attempt of this worker's (after a stall it may
    have been queued again and taken by another process: the first then writes nothing)."""
    return [
        JobRun.id == run_id,
        JobRun.status == JobStatus.running.value,
        JobRun.worker == worker[:128],
        JobRun.attempts == attempt,
    ]


def heartbeat(
    *,
    session: Session,
    run_id: int,
    worker: str,
    attempt: int,
    progress: dict[str, Any] | None = None,
) -> bool:
    """The run's process is alive (with its progress); False when the run is no longer
    this attempt's (the job should stop)."""
    values: dict[str, Any] = {"heartbeat_at": clock.now()}
    if progress is not None:
        values["progress"] = progress
    return bool(
        session.execute(
            update(JobRun)
            .where(*_this_attempt(run_id, worker, attempt))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
    )


def finish_run(
    *,
    session: Session,
    run_id: int,
    worker: str,
    attempt: int,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    final: bool = False,
) -> JobRun | None:
    """Succeeded with ``result``, or failed with ``error``: queued again while attempts
    remain and the failure is not ``final`` (the caller schedules it), failed for good
    otherwise (``result`` then may say why in a form the pages translate). None, and
    nothing written, when the run is no longer this attempt's."""
    run = session.scalar(
        select(JobRun).where(*_this_attempt(run_id, worker, attempt)).with_for_update()
    )
    if run is None:
        return None
    run.heartbeat_at = run.finished_at = clock.now()
    if error is None:
        run.status, run.result, run.error = JobStatus.succeeded.value, result or {}, None
    else:
        run.error, run.result = error[-ERROR_MAX_CHARS:], result or {}
        retry = not final and run.attempts < run.max_attempts
        run.status = (JobStatus.queued if retry else JobStatus.failed).value
        if retry:
            run.queue_job_id = None
    session.flush()
    return run


def record_dispatch(*, session: Session, run_id: int, queue_job_id: int) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(queue_job_id=queue_job_id)
        .execution_options(synchronize_session=False)
    )


def retry_run(*, session: Session, actor: Actor, run_id: int) -> JobRun:
    """An admin queues a failed run again (one more attempt)."""
    _require_admin(actor)
    run = session.get(JobRun, run_id, with_for_update=True)
    if run is None:
        raise NotFound(f"no job run {run_id}", template=N_("There is no such job run."))
    if run.status != JobStatus.failed.value:
        raise Conflict(
            "only a failed job run can be retried",
            template=N_("Only a failed job run can be retried."),
        )
    run.status, run.queue_job_id = JobStatus.queued.value, None
    run.max_attempts = run.attempts + 1
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "another run of this job is queued or running",
            template=N_("This job is already queued or running; wait for it to finish."),
        ) from None
    return run


def recover_stalled(*, session: Session, now: datetime | None = None) -> list[int]:
    """Runs whose process stopped (no heartbeat for ``STALL_SECONDS``): queued again
    while attempts remain, failed otherwise. Returns the ids queued again."""
    now = now or clock.now()
    stalled = session.scalars(
        select(JobRun)
        .where(
            JobRun.status == JobStatus.running.value,
            JobRun.heartbeat_at < now - timedelta(seconds=STALL_SECONDS),
        )
        .order_by(JobRun.id)
        .with_for_update(skip_locked=True)
    ).all()
    again = []
    for run in stalled:
        run.error = "the process running this job stopped"
        run.queue_job_id = None
        if run.attempts < run.max_attempts:
            run.status = JobStatus.queued.value
            again.append(run.id)
        else:
            run.status, run.finished_at = JobStatus.failed.value, now
    session.flush()
    return again


def prune_runs(*, session: Session, keep_days: int, now: datetime | None = None) -> int:
    """Forget finished runs older than ``keep_days`` (and gap reports but the newest)."""
    if keep_days <= 0:  # kept for ever
        return 0
    now = now or clock.now()
    cutoff = now - timedelta(days=keep_days)
    removed = session.execute(
        delete(JobRun).where(
            JobRun.status.in_([JobStatus.succeeded.value, JobStatus.failed.value]),
            JobRun.queued_at < cutoff,
        )
    ).rowcount  # type: ignore[attr-defined]
    newest = session.scalar(
        select(KnowledgeGapReport.id)
        .order_by(KnowledgeGapReport.computed_at.desc(), KnowledgeGapReport.id.desc())
        .limit(1)
    )
    if newest is not None:
        session.execute(
            delete(KnowledgeGapReport).where(
                KnowledgeGapReport.id != newest, KnowledgeGapReport.computed_at < cutoff
            )
        )
    return int(removed or 0)


def store_gap_report(
    *, session: Session, days: int, questions: int, gaps: list[dict[str, Any]]
) -> KnowledgeGapReport:
    report = KnowledgeGapReport(computed_at=clock.now(), days=days, questions=questions, gaps=gaps)
    session.add(report)
    session.flush()
    return report
