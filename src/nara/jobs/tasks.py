"""Nära's background jobs. Each is a thin wrapper: it opens short transactions and calls
domain functions; the work itself lives in ``domain/`` and ``queries/``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from nara.config import Settings, get_settings
from nara.db import session_scope
from nara.domain import jobs as job_actions
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.domain.cases import forget_expired_idempotency_keys
from nara.domain.errors import PermissionDenied
from nara.domain.improvement_effects import measure_due
from nara.domain.improvements import gather_all
from nara.domain.promises import CHECK_PHASES, CheckReport, check_promise_batch
from nara.domain.selfservice_models import (
    fit_model,
    measure,
    measure_held_out,
    prepare_training,
    store_model,
)
from nara.domain.waiting import (
    refresh_passed_estimates,
    refresh_team_stats,
    store_service_results,
)
from nara.i18n import N_
from nara.jobs.registry import JobContext, job
from nara.queries import gaps as gap_queries
from nara.queries import jobs as job_queries

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from nara.improvements.similarity import TextEmbedder

log = logging.getLogger("nara.jobs")

PROMISE_CHECK = job_actions.PROMISE_CHECK
TRAINING = job_actions.TRAINING
GAP_MINING = job_actions.GAP_MINING
RECOVER = job_actions.RECOVER
PRUNE = job_actions.PRUNE
WAIT_REFRESH = job_actions.WAIT_REFRESH
EFFECT_MEASURING = job_actions.EFFECT_MEASURING
EVIDENCE_GATHERING = job_actions.EVIDENCE_GATHERING
FOLLOWUP_ROLLUP = job_actions.FOLLOWUP_ROLLUP
CASE_EMBEDDING = "cases.embed"


def _requester(ctx: JobContext) -> Actor:
    """The person who asked, as they are now: a lead demoted or deactivated since is
    refused like any other request of theirs."""
    if ctx.requested_by_id is None:
        return SYSTEM
    with session_scope(ctx.engine) as session:
        user = job_queries.requester(session, ctx.run_id)
        if user is None or not user.is_active:
            raise PermissionDenied(
                "the person who asked for this job can no longer run it",
                template=N_("The person who asked for this job can no longer run it."),
            )
        return actor_for_user(session, user)


@job(PROMISE_CHECK, every=lambda s: s.promise_check_seconds)
def check_promises(ctx: JobContext) -> dict[str, Any]:
    """Warnings, breaches and the public-authority rules, in batches: each batch is its
    own short transaction and skips cases someone holds locked right now."""
    from nara import clock

    now = clock.now()
    report = CheckReport()
    for phase in CHECK_PHASES:
        after: int | None = 0
        while after is not None:
            with session_scope(ctx.engine) as session:
                part, after = check_promise_batch(
                    session=session, actor=SYSTEM, now=now, phase=phase, after_id=after
                )
            report.add(part)
    return {
        "warnings": report.warnings,
        "breaches": report.breaches,
        "delay_tasks": report.delay_tasks,
        "six_months": report.six_months,
        "consultation_warnings": report.consultation_warnings,
        "consultations_overdue": report.consultations_overdue,
        "approvals_escalated": report.approvals_escalated,
        "approvals_overdue": report.approvals_overdue,
    }


@job(WAIT_REFRESH, every=lambda s: s.promise_check_seconds)
def refresh_waits(ctx: JobContext) -> dict[str, Any]:
    """Every team's recent handling times are stored for the wait estimator and the
    results page's figures for its readers, and customers still waiting after the time
    they were shown get a new expected time."""
    from nara import clock

    now, refreshed = clock.now(), 0
    with session_scope(ctx.engine) as session:
        teams = refresh_team_stats(session=session, now=now)
        store_service_results(session=session, now=now)
    after: int | None = 0
    while after is not None:
        with session_scope(ctx.engine) as session:
            part, after = refresh_passed_estimates(session=session, now=now, after_id=after)
        refreshed += part
    return {"refreshed": refreshed, "teams": teams}


@job(TRAINING, max_attempts=job_actions.TRAINING_ATTEMPTS, retry_seconds=60)
def train(ctx: JobContext) -> dict[str, Any]:
    """Read, then train outside any transaction (minutes: no locks held, nothing for a
    migration or vacuum to wait on), then store."""
    actor = _requester(ctx)
    target = float(ctx.args.get("precision_target", 0.97))
    with session_scope(ctx.engine) as session:
        data = prepare_training(session=session, actor=actor, precision_target=target)
    model = fit_model(data, progress=ctx.progress, threads=ctx.threads)
    evaluation = measure(data, model, progress=ctx.progress)  # seconds; no transaction
    held_out = measure_held_out(data, model, progress=ctx.progress)
    ctx.progress("storing", 0, 1)
    with session_scope(ctx.engine) as session:
        row = store_model(
            session=session,
            actor=actor,
            data=data,
            model=model,
            evaluation=evaluation,
            held_out_figures=held_out,
        )
        return {"version": row.version, "examples": row.n_examples}


@job(GAP_MINING, every=lambda s: s.gaps_refresh_minutes * 60)
def mine_gaps(ctx: JobContext) -> dict[str, Any]:
    """Group the handed-over questions of the last 30 days (outside any transaction:
    embedding and clustering take a while) and store the result for the page."""
    days = int(ctx.args.get("days", gap_queries.DAYS))
    with session_scope(ctx.engine) as session:
        rows = gap_queries.handed_over(session, days=days)
    questions = [text for text, _ in rows]
    gaps = gap_queries.group(questions, progress=ctx.progress, cases=[n for _, n in rows])
    with session_scope(ctx.engine) as session:
        report = job_actions.store_gap_report(
            session=session,
            days=days,
            questions=len(questions),
            gaps=[
                {"count": g.count, "examples": g.examples, "terms": g.terms, "cases": g.cases}
                for g in gaps
            ],
        )
        return {"report_id": report.id, "questions": len(questions), "groups": len(gaps)}


@job(RECOVER, every=lambda s: 60)
def recover(ctx: JobContext) -> dict[str, Any]:
    """Runs whose process stopped are queued again (or failed when out of attempts);
    queued runs nobody was given are handed over again."""
    from nara.jobs.dispatch import dispatch

    settings: Settings = get_settings()
    stalled_queue_jobs = 0
    if ctx.engine.dialect.name == "postgresql":
        from nara.jobs.queue import fail_stalled_queue_jobs

        stalled_queue_jobs = fail_stalled_queue_jobs(
            ctx.engine, settings, job_actions.STALL_SECONDS
        )
    with session_scope(ctx.engine) as session:
        again = job_actions.recover_stalled(session=session)
    with session_scope(ctx.engine) as session:
        waiting = job_queries.undispatched(session)
    for run_id in sorted(set(again) | set(waiting)):
        dispatch(ctx.engine, run_id)
    return {
        "requeued": len(again),
        "redispatched": len(waiting),
        "stalled_queue_jobs": stalled_queue_jobs,
    }


@job(PRUNE, every=lambda s: 86400)
def prune(ctx: JobContext) -> dict[str, Any]:
    """Finished runs older than NARA_JOB_RUNS_KEEP_DAYS, and expired Idempotency-Keys."""
    keep = get_settings().job_runs_keep_days
    with session_scope(ctx.engine) as session:
        removed = job_actions.prune_runs(session=session, keep_days=keep)
        keys = forget_expired_idempotency_keys(session=session)
        return {"removed": removed, "idempotency_keys": keys}


@job(EVIDENCE_GATHERING, every=lambda s: 3600)
def gather_evidence(ctx: JobContext) -> dict[str, Any]:
    """Every open improvement gathers the new cases that read like its evidence (the
    ``cases.embed`` job stores new cases' vectors every minute)."""
    with session_scope(ctx.engine) as session:
        return {"suggested": gather_all(session=session)}


@job(EFFECT_MEASURING, every=lambda s: 3600)
def measure_effects(ctx: JobContext) -> dict[str, Any]:
    """The effect of every done improvement whose after-window has passed and that has not
    been measured since (``docs/effect.md``); the people who raised it are told."""
    with session_scope(ctx.engine) as session:
        return {"measured": measure_due(session=session)}


@job(FOLLOWUP_ROLLUP, every=lambda s: 3600)
def roll_up_followup(ctx: JobContext) -> dict[str, Any]:
    """The follow-up's finished days not rolled yet, and the last eight again (ratings
    and re-contacts change for a week); today is counted live by the readers."""
    from nara import clock
    from nara.jobs.followup import run_rollup

    def progress(done: int, total: int) -> None:
        ctx.progress("rolling up days", done, total)

    return run_rollup(ctx.engine, actor=SYSTEM, now=clock.now(), progress=progress)


@dataclass
class EmbeddingReport:
    embedded: int = 0
    looked_at: int = 0
    unavailable: str | None = None


def embed_pending(
    engine: Engine,
    *,
    since: datetime | None,
    batch: int = 256,
    embedder: TextEmbedder | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> EmbeddingReport:
    """Embed every case opened from ``since`` that has no vector of the model yet, one
    batch at a time: read in one short transaction, embed outside any, store in another
    (SQLite's single writer is never held while the model works). ``progress(done,
    total)`` after each batch (``total`` grows while full batches are found) and at the end.
    ``threads``: cores the model may use (None: all)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=threads):
        return _embed_pending(engine, since, batch, embedder, progress)


def _embed_pending(
    engine: Engine,
    since: datetime | None,
    batch: int,
    embedder: TextEmbedder | None,
    progress: Callable[[int, int], None] | None,
) -> EmbeddingReport:
    # numpy and the model only in processes that embed (the web app never imports them).
    from nara.domain.case_embeddings import pending_texts, store_case_embeddings
    from nara.improvements.similarity import default_embedder, embed_unique
    from nara.queries.similar_cases import cases_to_embed
    from nara.selfservice.errors import EmbeddingUnavailable

    report = EmbeddingReport()
    try:
        model = embedder or default_embedder()
    except EmbeddingUnavailable as exc:  # cases are still opened; they wait for a later run
        log.warning("cases are not embedded: %s", exc)
        report.unavailable = str(exc)
        return report
    after = 0
    while True:
        with session_scope(engine) as session:
            ids = cases_to_embed(
                session, model=model.name, since=since, after_id=after, limit=batch
            )
            pending = pending_texts(session, case_ids=ids, model=model.name)
        if not ids:
            if progress is not None:
                progress(report.looked_at, report.looked_at)
            return report
        after = ids[-1]
        report.looked_at += len(ids)
        if pending.case_ids:
            vectors = embed_unique(model, pending.texts)
            with session_scope(engine) as session:
                report.embedded += store_case_embeddings(
                    session=session,
                    model=model.name,
                    case_ids=pending.case_ids,
                    texts=pending.texts,
                    vectors=vectors,
                )
        if progress is not None:
            progress(report.looked_at, report.looked_at + (batch if len(ids) == batch else 0))


@job(CASE_EMBEDDING, every=lambda s: s.case_embedding_seconds)
def embed_cases(ctx: JobContext) -> dict[str, Any]:
    """Newly opened cases get their vector for the similar-case search (the last
    ``RECENT_DAYS`` days; older ones are ``nara improvements embed-cases``'s)."""
    from nara import clock
    from nara.domain.case_embeddings import RECENT_DAYS

    since = clock.now() - timedelta(days=RECENT_DAYS)
    report = embed_pending(
        ctx.engine,
        since=since,
        progress=lambda done, total: ctx.progress("embedding cases", done, total),
        threads=ctx.threads,
    )
    result: dict[str, Any] = {"embedded": report.embedded}
    if report.unavailable is not None:
        result["unavailable"] = report.unavailable
    return result
