"""Background jobs: the run log, one run at a time, retries, recovery of runs whose
process died (training survives a restart), at most one active model, periodic jobs
once per tick across workers and the promise check in batches that never deadlock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.db import session_scope
from nara.domain import jobs as job_actions
from nara.domain import promises as promise_actions
from nara.domain.actors import SYSTEM, actor_for_user
from nara.domain.cases import open_case
from nara.domain.errors import Conflict, PermissionDenied, ValidationFailed
from nara.domain.promises import create_policy
from nara.domain.selfservice_models import request_training
from nara.domain.training import add_training_examples
from nara.jobs import embedded
from nara.jobs.registry import SPECS, JobContext, JobSpec
from nara.jobs.runner import execute_run, run_periodic
from nara.jobs.tasks import check_promises as promise_job
from nara.jobs.tasks import recover as recover_job
from nara.models import CaseEvent, JobRun, SelfServiceModel
from nara.queries import jobs as job_queries
from tests import factories

calls: list[dict[str, Any]] = []


def _ok(ctx: JobContext) -> dict[str, Any]:
    ctx.progress("counting", 1, 2)
    ctx.progress("counting", 2, 2)
    calls.append(ctx.args)
    return {"counted": 2}


def _flaky(ctx: JobContext) -> dict[str, Any]:
    calls.append(ctx.args)
    if ctx.args.get("fail", True) and len(calls) < 3:
        raise RuntimeError("the disk is full")
    return {}


def _refused(ctx: JobContext) -> dict[str, Any]:
    raise ValidationFailed("the data cannot be used", template="Invalid input")


@pytest.fixture
def test_jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    calls.clear()
    for spec in (
        JobSpec("test.ok", _ok),
        JobSpec("test.flaky", _flaky, max_attempts=2),
        JobSpec("test.refused", _refused, max_attempts=3),
    ):
        monkeypatch.setitem(SPECS, spec.name, spec)
    yield
    calls.clear()


def _request(engine: Engine, task: str, **kwargs: Any) -> int:
    with session_scope(engine) as session:
        return job_actions.request_job(session=session, actor=SYSTEM, task=task, **kwargs).id


def _run(engine: Engine, run_id: int) -> JobRun:
    with Session(engine) as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        return run


def test_a_run_records_its_progress_result_and_times(
    committed_engine: Engine, test_jobs: None
) -> None:
    run_id = _request(committed_engine, "test.ok", args={"n": 1})
    assert _run(committed_engine, run_id).status == "queued"
    assert execute_run(committed_engine, run_id) == ("succeeded", 0)
    run = _run(committed_engine, run_id)
    assert run.result == {"counted": 2} and run.attempts == 1 and run.error is None
    assert run.progress == {"stage": "counting", "done": 1, "total": 2}  # throttled: 1 s
    assert run.started_at is not None and run.finished_at is not None
    assert run.worker and calls == [{"n": 1}]
    # A run is executed once, whoever else is handed it.
    assert execute_run(committed_engine, run_id) == ("skipped", 0)
    assert calls == [{"n": 1}]


def test_a_failing_run_is_retried_then_failed_and_an_admin_can_retry_it(
    committed_engine: Engine, test_jobs: None
) -> None:
    run_id = _request(committed_engine, "test.flaky", max_attempts=2)
    status, wait = execute_run(committed_engine, run_id)
    assert status == "queued" and wait == 30
    assert execute_run(committed_engine, run_id) == ("failed", 0)
    run = _run(committed_engine, run_id)
    assert run.attempts == 2 and run.error and "RuntimeError: the disk is full" in run.error
    with Session(committed_engine) as session:
        agent = actor_for_user(session, factories.user(session, role="lead"))
        with pytest.raises(PermissionDenied):
            job_actions.retry_run(session=session, actor=agent, run_id=run_id)
        session.rollback()
    with session_scope(committed_engine) as session:
        job_actions.retry_run(session=session, actor=SYSTEM, run_id=run_id)
    assert execute_run(committed_engine, run_id) == ("succeeded", 0)
    run = _run(committed_engine, run_id)
    assert run.attempts == 3 and run.status == "succeeded"
    with session_scope(committed_engine) as session, pytest.raises(Conflict):
        job_actions.retry_run(session=session, actor=SYSTEM, run_id=run_id)


def test_a_refused_run_is_not_retried_and_says_why(
    committed_engine: Engine, test_jobs: None
) -> None:
    run_id = _request(committed_engine, "test.refused", max_attempts=3)
    assert execute_run(committed_engine, run_id) == ("failed", 0)
    run = _run(committed_engine, run_id)
    assert run.attempts == 1 and run.error == "the data cannot be used"
    assert run.result["template"] == "Invalid input"


def test_one_run_per_lock_at_a_time_across_sessions(
    committed_engine: Engine, test_jobs: None
) -> None:
    first = _request(committed_engine, "test.ok", lock_key="test.ok")
    with pytest.raises(Conflict):
        _request(committed_engine, "test.ok", lock_key="test.ok")
    _request(committed_engine, "test.ok")  # without a lock key, no restriction
    execute_run(committed_engine, first)
    assert _request(committed_engine, "test.ok", lock_key="test.ok") > first


def _training_data(engine: Engine) -> None:
    with session_scope(engine) as session:
        w = factories.world(session)
        add_training_examples(
            session=session,
            actor=SYSTEM,
            source="import",
            examples=[
                *[(f"mitt kort {i} har inte kommit", w.card_topic.slug) for i in range(8)],
                *[(f"räntan på lånet {i} har höjts", w.loan_topic.slug) for i in range(8)],
            ],
        )


def test_training_survives_a_restart_with_its_status_visible_everywhere(
    committed_engine: Engine,
) -> None:
    _training_data(committed_engine)
    with session_scope(committed_engine) as session:
        run_id = request_training(session=session, actor=SYSTEM, precision_target=0.95).id
    # A process takes the run and dies without a word.
    with session_scope(committed_engine) as session:
        assert job_actions.start_run(session=session, run_id=run_id, worker="gone:1") is not None
    with Session(committed_engine) as other_process:
        seen = job_queries.latest_run(other_process, "selfservice.train")
        assert seen is not None and seen.id == run_id and seen.status == "running"
    with session_scope(committed_engine) as session:  # heartbeat still fresh: left alone
        assert job_actions.recover_stalled(session=session) == []
    later = clock.now() + timedelta(seconds=job_actions.STALL_SECONDS + 1)
    with session_scope(committed_engine) as session:
        assert job_actions.recover_stalled(session=session, now=later) == [run_id]
    assert _run(committed_engine, run_id).status == "queued"
    assert execute_run(committed_engine, run_id) == ("succeeded", 0)
    run = _run(committed_engine, run_id)
    assert run.attempts == 2 and run.result["version"]
    with Session(committed_engine) as session:
        active = session.scalars(select(SelfServiceModel).where(SelfServiceModel.is_active))
        assert [m.version for m in active] == [run.result["version"]]
    # Out of attempts, a run whose process died is failed, visibly.
    with session_scope(committed_engine) as session:
        run_id = request_training(session=session, actor=SYSTEM).id
        session.flush()
        session.get(JobRun, run_id).max_attempts = 1  # type: ignore[union-attr]
    with session_scope(committed_engine) as session:
        job_actions.start_run(session=session, run_id=run_id, worker="gone:2")
    with session_scope(committed_engine) as session:
        assert job_actions.recover_stalled(session=session, now=later + timedelta(hours=1)) == []
    assert _run(committed_engine, run_id).status == "failed"


def test_at_most_one_active_model(db: Session) -> None:
    def model(version: str) -> SelfServiceModel:
        return SelfServiceModel(
            version=version,
            created_at=clock.now(),
            n_examples=1,
            precision_target=0.97,
            metrics={},
            blob=b"",
            is_active=True,
        )

    db.add(model("a"))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(model("b"))
        db.flush()


def test_the_embedded_worker_runs_what_a_previous_process_left_queued(
    committed_engine: Engine, test_jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NARA_PROMISE_CHECK_SECONDS", "0")
    monkeypatch.setenv("NARA_GAPS_REFRESH_MINUTES", "0")
    monkeypatch.setenv("NARA_CASE_EMBEDDING_SECONDS", "0")
    get_settings.cache_clear()
    left = _request(committed_engine, "test.ok", args={"left": True})
    worker = embedded.LocalWorker(committed_engine)
    try:
        worker.start(get_settings())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _run(committed_engine, left).status != "succeeded":
            time.sleep(0.1)
        assert _run(committed_engine, left).status == "succeeded"
    finally:
        worker.close()
        get_settings.cache_clear()


def _overdue_cases(engine: Engine, n: int) -> list[int]:
    with session_scope(engine) as session:
        factories.team(session, fallback=True)
        customer = factories.customer(session)
        with clock.frozen_at(clock.now() - timedelta(days=30)):
            create_policy(
                session=session, actor=SYSTEM, first_response_minutes=60, resolution_minutes=600
            )
            return [
                open_case(
                    session=session, actor=SYSTEM, message=f"Hjälp {i}", customer_id=customer.id
                ).case.id
                for i in range(n)
            ]


def _concurrently(n: int, target: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(target())
        except BaseException as exc:  # collected for the assertions
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _breaches(engine: Engine) -> Counter[int]:
    with Session(engine) as session:
        return Counter(
            session.scalars(select(CaseEvent.case_id).where(CaseEvent.type == "promise.breached"))
        )


def test_periodic_runs_never_overlap_and_alert_once(committed_engine: Engine) -> None:
    """However many processes tick at once (and `nara jobs promises` from cron), one
    check runs; the others skip their tick."""
    ids = _overdue_cases(committed_engine, 6)
    results = _concurrently(4, lambda: run_periodic(committed_engine, "promises.check")[0])
    assert not [r for r in results if isinstance(r, BaseException)]
    assert "succeeded" in results and set(results) <= {"succeeded", "skipped"}
    assert _breaches(committed_engine) == {case_id: 2 for case_id in ids}


running_now: list[int] = []
most_at_once: list[int] = [0]


def _slow(ctx: JobContext) -> dict[str, Any]:
    running_now.append(1)
    most_at_once[0] = max(most_at_once[0], len(running_now))
    time.sleep(0.5)
    running_now.pop()
    return {}


def test_a_slow_periodic_run_makes_later_ticks_skip_and_each_tick_runs_once(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SPECS, "test.slow", JobSpec("test.slow", _slow, every=lambda s: 1))
    most_at_once[0] = 0
    ticks = iter(range(1000, 1004))
    lock = threading.Lock()

    def tick() -> str:
        with lock:
            at = next(ticks)
        return run_periodic(committed_engine, "test.slow", at)[0]

    results = _concurrently(4, tick)
    assert most_at_once[0] == 1  # never two at once
    assert results.count("succeeded") >= 1 and "skipped" in results
    done = list(range(1000, 1004))
    with Session(committed_engine) as session:
        ran = session.scalars(select(JobRun.tick).where(JobRun.task == "test.slow")).all()
    assert sorted(ran) == sorted(set(ran)) and set(ran) <= set(done)
    # A tick that has had its run is not run again, by this process or another.
    first = sorted(ran)[0]
    assert run_periodic(committed_engine, "test.slow", first) == ("skipped", None)


def test_a_run_taken_over_after_a_stall_is_finished_by_its_new_worker_only(
    committed_engine: Engine, test_jobs: None
) -> None:
    run_id = _request(committed_engine, "test.ok", max_attempts=2)
    with session_scope(committed_engine) as session:
        job_actions.start_run(session=session, run_id=run_id, worker="a")
    later = clock.now() + timedelta(seconds=job_actions.STALL_SECONDS + 1)
    with session_scope(committed_engine) as session:
        assert job_actions.recover_stalled(session=session, now=later) == [run_id]
    with session_scope(committed_engine) as session:
        assert job_actions.start_run(session=session, run_id=run_id, worker="b") is not None
    with session_scope(committed_engine) as session:  # the first worker wakes up
        assert not job_actions.heartbeat(session=session, run_id=run_id, worker="a", attempt=1)
        assert (
            job_actions.finish_run(
                session=session, run_id=run_id, worker="a", attempt=1, error="late"
            )
            is None
        )
    with session_scope(committed_engine) as session:
        assert job_actions.heartbeat(session=session, run_id=run_id, worker="b", attempt=2)
        done = job_actions.finish_run(
            session=session, run_id=run_id, worker="b", attempt=2, result={"by": "b"}
        )
        assert done is not None and done.status == "succeeded"
    run = _run(committed_engine, run_id)
    assert run.result == {"by": "b"} and run.error is None and run.attempts == 2


def _taken_over(ctx: JobContext) -> dict[str, Any]:
    from sqlalchemy import update

    with session_scope(ctx.engine) as session:
        session.execute(update(JobRun).where(JobRun.id == ctx.run_id).values(worker="other"))
    return {"mine": True}


def test_the_runner_writes_nothing_for_a_run_another_process_took_over(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SPECS, "test.taken", JobSpec("test.taken", _taken_over))
    run_id = _request(committed_engine, "test.taken")
    assert execute_run(committed_engine, run_id) == ("lost", 0)
    run = _run(committed_engine, run_id)
    assert run.status == "running" and run.worker == "other" and run.result == {}


def test_a_job_asked_for_by_someone_deactivated_since_is_refused(
    committed_engine: Engine,
) -> None:
    _training_data(committed_engine)
    with session_scope(committed_engine) as session:
        lead = factories.user(session, role="lead")
        run_id = request_training(session=session, actor=actor_for_user(session, lead)).id
        lead.is_active = False
    assert execute_run(committed_engine, run_id) == ("failed", 0)
    run = _run(committed_engine, run_id)
    assert run.attempts == 1 and "can no longer run it" in (run.error or "")
    with Session(committed_engine) as session:
        assert session.scalar(select(func.count()).select_from(SelfServiceModel)) == 0


def test_concurrent_checks_on_postgresql_alert_once_and_never_deadlock(
    committed_engine: Engine, is_postgres: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not is_postgres:
        pytest.skip("row locks (SKIP LOCKED) are PostgreSQL's; SQLite runs one check at a time")
    ids = _overdue_cases(committed_engine, 24)
    monkeypatch.setattr(promise_actions.check_promise_batch, "__kwdefaults__", {"limit": 5})
    ctx = JobContext(engine=committed_engine, run_id=0, args={}, requested_by_id=None)
    results = _concurrently(4, lambda: promise_job(ctx))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r["breaches"] for r in results) == 48
    # Both promises of every case breached, each exactly once.
    assert _breaches(committed_engine) == {case_id: 2 for case_id in ids}


def test_the_check_takes_no_row_another_transaction_holds(
    committed_engine: Engine, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("row locks (SKIP LOCKED) are PostgreSQL's; SQLite locks the whole file")
    ids = _overdue_cases(committed_engine, 3)
    from nara.models import Case

    with Session(committed_engine) as agent:
        agent.scalar(select(Case).where(Case.id == ids[0]).with_for_update())
        started = time.monotonic()
        report = promise_job(
            JobContext(engine=committed_engine, run_id=0, args={}, requested_by_id=None)
        )
        assert time.monotonic() - started < 10
        assert report["breaches"] == 4  # the two other cases; the held one next tick
        agent.rollback()
    report = promise_job(
        JobContext(engine=committed_engine, run_id=0, args={}, requested_by_id=None)
    )
    assert report["breaches"] == 2


def test_two_workers_run_each_periodic_tick_once(
    committed_engine: Engine, is_postgres: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not is_postgres:
        pytest.skip("procrastinate's workers need PostgreSQL; SQLite runs jobs in-process")
    from nara.jobs.queue import ThreadWorker

    monkeypatch.setenv("NARA_PROMISE_CHECK_SECONDS", "1")
    monkeypatch.setenv("NARA_GAPS_REFRESH_MINUTES", "0")
    monkeypatch.setenv("NARA_CASE_EMBEDDING_SECONDS", "0")
    get_settings.cache_clear()
    try:
        workers = [ThreadWorker(committed_engine, get_settings()) for _ in range(2)]
        for w in workers:
            w.start()
        time.sleep(6)
        for w in workers:
            w.close()
    finally:
        get_settings.cache_clear()
    with Session(committed_engine) as session:
        runs = session.scalars(select(JobRun).where(JobRun.task == "promises.check")).all()
        assert len(runs) >= 3
        ticks = Counter(run.args["tick"] for run in runs)
        assert max(ticks.values()) == 1  # never two runs for one tick
        assert all(run.status == "succeeded" for run in runs if run.finished_at)


def test_check_warns_about_failed_runs_and_a_missing_worker(db: Session, is_postgres: bool) -> None:
    assert not [w for w in job_queries.job_warnings(db, jobs_in_app=True) if "failed" in w]
    run = job_actions.request_job(session=db, actor=SYSTEM, task="promises.check")
    job_actions.start_run(session=db, run_id=run.id, worker="w")
    job_actions.finish_run(session=db, run_id=run.id, worker="w", attempt=1, error="boom")
    warnings = job_queries.job_warnings(db, jobs_in_app=True)
    assert "1 background job run(s) failed in the last day" in warnings[0]
    no_worker = [w for w in job_queries.job_warnings(db, jobs_in_app=False) if "nara worker" in w]
    assert len(no_worker) == (1 if is_postgres else 0)
    assert job_queries.live_workers(db) == (0 if is_postgres else None)


def test_a_requested_run_goes_through_procrastinate_to_a_worker(
    committed_engine: Engine, is_postgres: bool, test_jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not is_postgres:
        pytest.skip("procrastinate's queue needs PostgreSQL; SQLite runs jobs in-process")
    from nara.jobs.dispatch import dispatch
    from nara.jobs.queue import ThreadWorker, close_deferrers, fail_stalled_queue_jobs

    monkeypatch.setenv("NARA_PROMISE_CHECK_SECONDS", "0")
    monkeypatch.setenv("NARA_GAPS_REFRESH_MINUTES", "0")
    monkeypatch.setenv("NARA_CASE_EMBEDDING_SECONDS", "0")
    get_settings.cache_clear()
    run_id = _request(committed_engine, "test.ok", args={"via": "queue"})
    try:
        dispatch(committed_engine, run_id)
        first_job = _run(committed_engine, run_id).queue_job_id  # procrastinate's job id
        assert first_job
        # Its worker is killed and the job marked failed before the run started: the
        # recovery hands the run to the queue again.
        with session_scope(committed_engine) as session:
            session.execute(
                text("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = :id"),
                {"id": first_job},
            )
            session.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(queued_at=clock.now() - timedelta(minutes=5))
            )
        report = recover_job(
            JobContext(engine=committed_engine, run_id=0, args={}, requested_by_id=None)
        )
        assert report["redispatched"] == 1
        assert _run(committed_engine, run_id).queue_job_id not in (None, first_job)
        worker = ThreadWorker(committed_engine, get_settings())
        worker.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _run(committed_engine, run_id).status != "succeeded":
            time.sleep(0.2)
        worker.close()
        assert _run(committed_engine, run_id).status == "succeeded"
        assert calls == [{"via": "queue"}]
        assert fail_stalled_queue_jobs(committed_engine, get_settings(), 60) == 0
    finally:
        close_deferrers()
        get_settings.cache_clear()


def test_the_clean_up_forgets_old_runs_and_expired_idempotency_keys(
    committed_engine: Engine, test_jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nara.jobs.tasks import prune
    from nara.models import IdempotencyKey

    with session_scope(committed_engine) as session:
        w = factories.world(session)
        case = w.alice_case
        for key, age in (("old", timedelta(hours=25)), ("new", timedelta(hours=1))):
            session.add(
                IdempotencyKey(
                    user_id=w.card_agent.id,
                    key=key,
                    request_hash="h",
                    case_id=case.id,
                    created_at=clock.now() - age,
                )
            )
    old = _request(committed_engine, "test.ok")
    execute_run(committed_engine, old)
    with session_scope(committed_engine) as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == old)
            .values(queued_at=clock.now() - timedelta(days=30))
        )
    recent = _request(committed_engine, "test.ok")
    execute_run(committed_engine, recent)
    waiting = _request(committed_engine, "test.ok")
    ctx = JobContext(engine=committed_engine, run_id=0, args={}, requested_by_id=None)
    monkeypatch.setenv("NARA_JOB_RUNS_KEEP_DAYS", "0")  # kept for ever
    get_settings.cache_clear()
    try:
        assert prune(ctx) == {"removed": 0, "idempotency_keys": 1}
        monkeypatch.setenv("NARA_JOB_RUNS_KEEP_DAYS", "14")
        get_settings.cache_clear()
        assert prune(ctx)["removed"] == 1
    finally:
        get_settings.cache_clear()
    with Session(committed_engine) as session:
        left = set(session.scalars(select(JobRun.id)))
        assert old not in left and {recent, waiting} <= left
        assert session.scalars(select(IdempotencyKey.key)).all() == ["new"]


def test_a_customer_still_waiting_after_the_time_shown_gets_a_new_one(
    committed_engine: Engine,
) -> None:
    from nara.jobs.tasks import refresh_waits
    from nara.models import Case, WaitEstimate
    from nara.queries.case_service import latest_estimate

    with session_scope(committed_engine) as session:
        w = factories.world(session)
        case_id = w.alice_case.id
        first = latest_estimate(session, case_id)
        assert first is not None
        answered = factories.case(session, the_customer=w.alice, message="Svara mig")
        answered.first_response_at = clock.now()
        waiting = session.scalar(
            select(func.count()).select_from(Case).where(Case.first_response_at.is_(None))
        )
        latest = max(e.expected_at for e in session.scalars(select(WaitEstimate)))
    assert waiting >= 2
    ctx = JobContext(engine=committed_engine, run_id=0, args={}, requested_by_id=None)
    assert refresh_waits(ctx) == {"refreshed": 0, "teams": 3}  # nobody waited past their time
    later = latest + timedelta(minutes=5)
    with clock.frozen_at(later):
        assert refresh_waits(ctx)["refreshed"] == waiting  # not the answered one
        assert refresh_waits(ctx)["refreshed"] == 0  # the new time has not passed
    with Session(committed_engine) as session:
        newest = latest_estimate(session, case_id)
        assert newest is not None and newest.context == "refreshed"
        assert newest.made_at == later and newest.expected_at > later
        # and every team's handling times were stored for the estimates to read
        from nara.queries.service import stored_history, team_history

        assert stored_history(session, w.cards.id, later) == team_history(
            session, w.cards.id, later
        )
        assert stored_history(session, w.cards.id, later + timedelta(minutes=6)) is None


def test_stalled_queue_jobs_are_checked_also_from_inside_an_event_loop(
    committed_engine: Engine, is_postgres: bool
) -> None:
    """A caller that already runs an event loop (an async app, a browser driver) can run
    the recovery too: the coroutine gets a thread of its own."""
    if not is_postgres:
        pytest.skip("procrastinate's queue needs PostgreSQL; SQLite runs jobs in-process")
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from nara.jobs.queue import fail_stalled_queue_jobs

    async def inside() -> int:
        return fail_stalled_queue_jobs(committed_engine, get_settings(), 60)

    # A thread of its own runs the event loop (this one may have one running already).
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(lambda: asyncio.run(inside())).result() == 0
