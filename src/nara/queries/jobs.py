"""Reading background work: recent runs (the admin page, ``nara jobs runs``), the
newest run of a task (the self-service page's training progress), runs that still
need a process, and the newest knowledge-gap report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, column, exists, func, select, table, text
from sqlalchemy.orm import Session

from nara import clock
from nara.models import JobRun, JobStatus, KnowledgeGapReport, User

# procrastinate's table of jobs (PostgreSQL), as far as Nära reads it.
QUEUE_JOBS = table("procrastinate_jobs", column("id"), column("status"))
# A queued run nobody has picked up for this long is handed to a process again.
UNDISPATCHED_SECONDS = 60


@dataclass(frozen=True)
class RunView:
    id: int
    task: str
    status: str
    attempts: int
    max_attempts: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    requested_by: str | None
    progress: dict[str, Any]
    result: dict[str, Any]
    error: str | None

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "task": self.task,
            "status": self.status,
            "queued_at": iso(self.queued_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "error": self.error,
        }


def _view(run: JobRun, requested_by: str | None) -> RunView:
    return RunView(
        id=run.id,
        task=run.task,
        status=run.status,
        attempts=run.attempts,
        max_attempts=run.max_attempts,
        queued_at=run.queued_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        requested_by=requested_by,
        progress=dict(run.progress or {}),
        result=dict(run.result or {}),
        error=run.error,
    )


def recent_runs(
    session: Session, *, limit: int = 50, task: str | None = None, status: str | None = None
) -> list[RunView]:
    query = (
        select(JobRun, User.display_name)
        .outerjoin(User, User.id == JobRun.requested_by_id)
        .order_by(JobRun.queued_at.desc(), JobRun.id.desc())
        .limit(limit)
    )
    if task:
        query = query.where(JobRun.task == task)
    if status:
        query = query.where(JobRun.status == status)
    return [_view(run, name) for run, name in session.execute(query)]


def latest_run(session: Session, task: str) -> RunView | None:
    runs = recent_runs(session, limit=1, task=task)
    return runs[0] if runs else None


def get_run(session: Session, run_id: int) -> JobRun | None:
    return session.get(JobRun, run_id)


def undispatched(session: Session, *, now: datetime | None = None) -> list[int]:
    """Queued runs for a minute or more that no process is going to run: never handed
    over (the process that queued them died between its commit and handing them over),
    or handed to a procrastinate job that is no longer waiting or running (its worker was
    killed and the job marked failed). In the embedded mode every such run: the app
    process ignores a run it already holds."""
    cutoff = (now or clock.now()) - timedelta(seconds=UNDISPATCHED_SECONDS)
    query = (
        select(JobRun.id)
        .where(JobRun.status == JobStatus.queued.value, JobRun.queued_at < cutoff)
        .order_by(JobRun.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        waiting = exists().where(
            QUEUE_JOBS.c.id == JobRun.queue_job_id,
            cast(QUEUE_JOBS.c.status, String).in_(["todo", "doing"]),
        )
        query = query.where(JobRun.queue_job_id.is_(None) | ~waiting)
    return list(session.scalars(query))


def requester(session: Session, run_id: int) -> User | None:
    """Who asked for a run (None: Nära itself)."""
    return session.scalar(
        select(User).join(JobRun, JobRun.requested_by_id == User.id).where(JobRun.id == run_id)
    )


def queued_ids(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(JobRun.id).where(JobRun.status == JobStatus.queued.value).order_by(JobRun.id)
        )
    )


def latest_gap_report(session: Session) -> KnowledgeGapReport | None:
    return session.scalar(
        select(KnowledgeGapReport)
        .order_by(KnowledgeGapReport.computed_at.desc(), KnowledgeGapReport.id.desc())
        .limit(1)
    )


def live_workers(session: Session) -> int | None:
    """procrastinate workers that sent a heartbeat in the last minute (PostgreSQL); None
    where jobs run in the app process (SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(
        session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - interval '60 seconds'"
            )
        )
        or 0
    )


def job_warnings(session: Session, *, jobs_in_app: bool) -> list[str]:
    """What `nara check` warns about: runs that failed in the last day, and no worker
    taking jobs on PostgreSQL."""
    warnings = []
    since = clock.now() - timedelta(days=1)
    failed = session.scalar(
        select(func.count())
        .select_from(JobRun)
        .where(JobRun.status == JobStatus.failed.value, JobRun.queued_at >= since)
    )
    if failed:
        warnings.append(
            f"{failed} background job run(s) failed in the last day "
            "(nara jobs runs --status failed)"
        )
    stuck = session.scalar(
        select(func.count())
        .select_from(JobRun)
        .where(
            JobRun.status == JobStatus.queued.value,
            JobRun.queued_at < clock.now() - timedelta(minutes=10),
        )
    )
    if stuck:
        warnings.append(f"{stuck} background job run(s) queued for more than 10 minutes")
    workers = live_workers(session)
    if workers == 0 and not jobs_in_app:
        warnings.append("no 'nara worker' is running: promise checks and training wait for one")
    return warnings
