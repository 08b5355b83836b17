"""Background work: every run of a job (periodic or requested), with its progress and
result, and the stored result of knowledge-gap mining.

``job_runs`` is the run log every process reads (the admin page, ``nara jobs runs``,
the self-service page's training progress). It is not the queue: on PostgreSQL the
queue is procrastinate's; in the embedded SQLite mode the app process runs the jobs
itself. A partial unique index keeps at most one queued or running run per lock key
(for example one training at a time), across all processes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


UNFINISHED = (JobStatus.queued.value, JobStatus.running.value)
_UNFINISHED_SQL = text("status IN ('queued', 'running')")


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (
        Index("ix_job_runs_task_queued_at", "task", "queued_at"),
        Index("ix_job_runs_queued_at", "queued_at"),
        Index("ix_job_runs_queue_job_id", "queue_job_id"),
        # A periodic tick runs once, whichever process (or how many) got to it.
        Index("uq_job_runs_task_tick", "task", "tick", unique=True),
        Index(
            "uq_job_runs_lock_key_unfinished",
            "lock_key",
            unique=True,
            postgresql_where=_UNFINISHED_SQL,
            sqlite_where=_UNFINISHED_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued.value)
    # Runs with the same key never overlap (NULL: no restriction).
    lock_key: Mapped[str | None] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The scheduled time of a periodic run (Unix seconds); NULL for a requested run.
    tick: Mapped[int | None] = mapped_column(BigInteger)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The procrastinate job that carries this run (PostgreSQL), when deferred.
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    queued_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(128))
    # {"stage": "...", "done": n, "total": m} while running.
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class KnowledgeGapReport(Base):
    """The handed-over questions of a period grouped by similarity (a mining job's
    result); the self-service page shows the newest one."""

    __tablename__ = "knowledge_gap_reports"
    __table_args__ = (Index("ix_knowledge_gap_reports_computed_at", "computed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime]
    days: Mapped[int] = mapped_column(Integer)
    questions: Mapped[int] = mapped_column(Integer)
    # [{"count": n, "examples": [...], "terms": [...]}, ...], most frequent first.
    gaps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
