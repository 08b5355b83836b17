"""Concurrent writers on the real database (real commits, several connections).

On SQLite writes serialise on the database lock; on PostgreSQL case numbers come from a
row-locked upsert and idempotent retries meet on a unique key inside a savepoint.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from nara import clock
from nara.config import get_settings
from nara.domain.actors import Actor, actor_for_user
from nara.domain.auth import log_in
from nara.domain.calendars import set_team_calendar
from nara.domain.callbacks import book_callback, cancel_callback
from nara.domain.cases import open_case
from nara.domain.errors import Conflict, RateLimited
from nara.models import Callback, CallbackSlot, Case, CaseEvent, IdempotencyKey, User
from tests import factories

T = TypeVar("T")
NUMBER = re.compile(r"^NA-(\d{4})-(\d{6})$")


@dataclass(frozen=True)
class Setup:
    customer_id: int
    topic_id: int
    agent: Actor
    customer: Actor


def _setup(engine: Engine) -> Setup:
    """Teams, a topic, an agent and a customer with a login, committed."""
    with Session(engine) as session:
        factories.team(session, fallback=True)
        cards = factories.team(session)
        topic = factories.topic(session, teams=[cards])
        agent = factories.user(session, teams=[cards])
        customer = factories.customer(session, with_login=True)
        assert customer.user_id is not None
        login = session.get(type(agent), customer.user_id)
        assert login is not None
        setup = Setup(
            customer_id=customer.id,
            topic_id=topic.id,
            agent=actor_for_user(session, agent),
            customer=actor_for_user(session, login),
        )
        session.commit()
    return setup


def _run_together(count: int, work: Callable[[Session], T], engine: Engine) -> list[T]:
    """Run ``work`` in ``count`` threads released at the same moment, each with its own
    session; each thread commits its own transaction."""
    barrier = threading.Barrier(count, timeout=30)
    factory = sessionmaker(bind=engine, expire_on_commit=False)

    def one() -> T:
        barrier.wait()  # no connection is held while waiting
        with factory() as session:
            try:
                result = work(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            return result

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(one) for _ in range(count)]
        return [future.result(timeout=120) for future in futures]


def test_case_numbers_are_unique_under_concurrency(committed_engine: Engine) -> None:
    setup = _setup(committed_engine)

    def open_one(session: Session) -> str:
        return open_case(
            session=session,
            actor=setup.agent,
            message="Samtidigt ärende",
            customer_id=setup.customer_id,
            topic_id=setup.topic_id,
            channel="phone",
        ).case.number

    numbers = _run_together(16, open_one, committed_engine)
    assert len(numbers) == 16
    assert len(set(numbers)) == 16, sorted(numbers)
    matches = [NUMBER.match(n) for n in numbers]
    assert all(matches), numbers
    years = {m.group(1) for m in matches if m}
    assert len(years) == 1
    serials = sorted(int(m.group(2)) for m in matches if m)
    assert serials == list(range(serials[0], serials[0] + 16)), serials  # no gaps
    with Session(committed_engine) as session:
        stored = set(session.scalars(select(Case.number)))
        assert stored == set(numbers)
        opened = session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.type == "case.opened")
        )
        assert opened == 16


def test_idempotent_retries_at_the_same_moment_create_one_case(committed_engine: Engine) -> None:
    setup = _setup(committed_engine)

    def retry(session: Session) -> tuple[str, bool]:
        opened = open_case(
            session=session,
            actor=setup.agent,
            message="Kortet har inte kommit",
            customer_id=setup.customer_id,
            topic_id=setup.topic_id,
            channel="phone",
            idempotency_key="order-4711",
        )
        return opened.case.number, opened.created

    results = _run_together(12, retry, committed_engine)
    numbers = {number for number, _ in results}
    assert len(numbers) == 1, results
    assert sum(created for _, created in results) == 1, results
    with Session(committed_engine) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
        case = session.scalar(select(Case))
        assert case is not None and case.number in numbers
        types = list(
            session.scalars(
                select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            )
        )
        assert types == ["case.opened", "case.routed", "case.assigned"]  # the opener keeps it


def test_idempotent_customer_retries(committed_engine: Engine) -> None:
    """The same race from the customer portal (a double-clicked submit)."""
    setup = _setup(committed_engine)

    def retry(session: Session) -> tuple[str, bool]:
        opened = open_case(
            session=session,
            actor=setup.customer,
            message="Hej, jag har en fråga.",
            channel="chat",
            idempotency_key="5f0e6a0c-form",
        )
        return opened.case.number, opened.created

    results = _run_together(8, retry, committed_engine)
    assert len({number for number, _ in results}) == 1, results
    assert sum(created for _, created in results) == 1
    with Session(committed_engine) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_different_keys_at_the_same_moment_create_different_cases(
    committed_engine: Engine,
) -> None:
    setup = _setup(committed_engine)
    keys = iter(f"key-{i}" for i in range(8))
    lock = threading.Lock()

    def open_with_own_key(session: Session) -> str:
        with lock:
            key = next(keys)
        return open_case(
            session=session,
            actor=setup.agent,
            message="Eget ärende",
            customer_id=setup.customer_id,
            idempotency_key=key,
        ).case.number

    numbers = _run_together(8, open_with_own_key, committed_engine)
    assert len(set(numbers)) == 8
    with Session(committed_engine) as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 8


def test_next_case_never_gives_one_case_to_two_agents(committed_engine: Engine) -> None:
    """Many agents press "Next case" at the same moment: every case is claimed once,
    and with more agents than cases the rest get nothing (no error)."""
    from nara.domain.queue import take_next_case
    from nara.models import WorkSession

    cases, agents = 10, 14
    with Session(committed_engine) as session:
        factories.team(session, fallback=True)
        cards = factories.team(session)
        topic = factories.topic(session, teams=[cards])
        customer = factories.customer(session)
        for i in range(cases):
            open_case(
                session=session,
                actor=factories.SYSTEM,
                message=f"Ärende {i}",
                customer_id=customer.id,
                topic_id=topic.id,
            )
        actors = [
            actor_for_user(session, factories.user(session, teams=[cards])) for _ in range(agents)
        ]
        session.commit()
    queue = list(actors)
    lock = threading.Lock()

    def claim(session: Session) -> tuple[int, str | None]:
        with lock:
            me = queue.pop()
        case = take_next_case(session=session, actor=me)
        assert me.user_id is not None
        return me.user_id, case.number if case else None

    results = _run_together(agents, claim, committed_engine)
    numbers = [number for _, number in results if number is not None]
    assert len(numbers) == cases
    assert len(set(numbers)) == cases  # nobody got a case someone else got
    with Session(committed_engine) as session:
        owners = dict(session.execute(select(Case.number, Case.owner_id)).all())
        for user_id, number in results:
            if number is not None:
                assert owners[number] == user_id
        assignments = session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.type == "case.assigned")
        )
        assert assignments == cases
        assert session.scalar(select(func.count()).select_from(WorkSession)) == cases


MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo("Europe/Stockholm"))
SLOT = datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("Europe/Stockholm"))


def _callers(session: Session, count: int, capacity: int) -> list[tuple[Actor, str]]:
    """A team open Monday 09-12 with callback slots of ``capacity``, and ``count``
    customers with a case each: their actors and case numbers (call at ``MONDAY_9``)."""
    factories.team(session, fallback=True)
    cards = factories.team(session)
    topic = factories.topic(session, teams=[cards])
    set_team_calendar(
        session=session,
        actor=factories.SYSTEM,
        team_id=cards.id,
        hours={"mon": "09:00-12:00"},
        callback_slot_minutes=30,
        callback_capacity=capacity,
    )
    callers = []
    for _ in range(count):
        customer = factories.customer(session, with_login=True)
        user = session.get(User, customer.user_id)
        assert user is not None
        who = actor_for_user(session, user)
        number = open_case(
            session=session, actor=who, message="Ring mig", topic_id=topic.id
        ).case.number
        callers.append((who, number))
    return callers


def test_callback_slot_is_never_overbooked(committed_engine: Engine) -> None:
    """Twelve customers book the same slot (capacity 3) at the same moment."""
    bookers, capacity = 12, 3
    with Session(committed_engine) as session, clock.frozen_at(MONDAY_9):
        queue = _callers(session, bookers, capacity)
        session.commit()
    lock = threading.Lock()

    def book(session: Session) -> bool:
        with lock:
            who, number = queue.pop()
        with clock.frozen_at(MONDAY_9):
            try:
                book_callback(
                    session=session, actor=who, number=number, starts_at=SLOT, phone="070-123 45 67"
                )
            except Conflict:
                return False
        return True

    results = _run_together(bookers, book, committed_engine)
    assert results.count(True) == capacity
    with Session(committed_engine) as session:
        row = session.scalar(select(CallbackSlot))
        assert row is not None and row.booked == capacity
        assert session.scalar(select(func.count()).select_from(Callback)) == capacity


def test_a_callback_cancelled_twice_at_once_gives_back_one_place(committed_engine: Engine) -> None:
    """A double click on "Cancel": one request cancels, the other is told it changed;
    the slot's counter drops by exactly one."""
    with Session(committed_engine) as session, clock.frozen_at(MONDAY_9):
        callers = _callers(session, 2, capacity=3)
        ids = [
            book_callback(
                session=session, actor=who, number=number, starts_at=SLOT, phone="070-123 45 67"
            ).id
            for who, number in callers
        ]
        session.commit()

    def cancel(session: Session) -> bool:
        try:
            cancel_callback(session=session, actor=callers[0][0], callback_id=ids[0])
        except Conflict:
            return False
        return True

    results = _run_together(2, cancel, committed_engine)
    assert sorted(results) == [False, True]
    with Session(committed_engine) as session:
        row = session.scalar(select(CallbackSlot))
        assert row is not None and row.booked == 1  # the other customer's place stays


def test_parallel_wrong_passwords_lock_every_address_alike(committed_engine: Engine) -> None:
    """A burst of guesses at once: each attempt is counted before its password is checked,
    so no more than the limit get an answer, for an address with an account or without,
    and what the next attempt gets does not tell the two apart."""
    with Session(committed_engine) as session:
        agent = factories.user(session, password=factories.PASSWORD)
        email = agent.email
        session.commit()
    limit = get_settings().login_max_failures
    outcomes: dict[str, list[str]] = {}
    for address in (email, "no.account@example.test"):

        def guess(session: Session, address: str = address) -> str:
            try:
                return (
                    "401" if log_in(session=session, email=address, password="x") is None else "200"
                )
            except RateLimited:
                return "429"

        burst = _run_together(limit + 4, guess, committed_engine)
        assert sorted(burst) == ["401"] * limit + ["429"] * 4, burst
        after = _run_together(1, guess, committed_engine)
        outcomes[address] = after
    assert outcomes[email] == outcomes["no.account@example.test"] == ["429"]


def _beside_a_held_opener(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    held: str,
    open_one: Callable[[Session, str], T],
) -> tuple[T, T]:
    """``open_one`` twice: a slow opener held inside ``domain.cases.<held>`` and, meanwhile,
    a fast one that gives up after a 3-second lock timeout if it has to wait on the slow
    one. Returns what the fast and the slow one opened."""
    from nara.domain import cases as case_actions

    inside, release = threading.Event(), threading.Event()
    real = getattr(case_actions, held)

    def holding(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "slow-opener":
            inside.set()
            assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(case_actions, held, holding)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    slow: list[T] = []

    def run_slow() -> None:
        with factory() as session:
            slow.append(open_one(session, "Det långsamma ärendet"))

    thread = threading.Thread(target=run_slow, name="slow-opener")
    thread.start()
    try:
        assert inside.wait(30)
        with factory() as session:
            session.execute(text("SET LOCAL lock_timeout = '3s'"))
            fast = open_one(session, "Det snabba ärendet")
    finally:
        release.set()
        thread.join(60)
    assert slow, "the held opener did not finish"
    return fast, slow[0]


def test_an_opener_in_the_middle_of_its_work_does_not_hold_up_the_next(
    committed_engine: Engine, is_postgres: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter row is locked only from the number's update to the commit: while one
    opener is still routing and estimating (held here inside the wait estimate), another
    opens, numbers and commits its case without waiting (PostgreSQL would give up after
    the lock timeout if the first held the counter). Numbers stay gap-free and follow
    commit order."""
    if not is_postgres:
        pytest.skip("SQLite serialises every writer on its database lock by design")
    setup = _setup(committed_engine)

    def open_one(session: Session, message: str) -> str:
        number = open_case(
            session=session,
            actor=setup.agent,
            message=message,
            customer_id=setup.customer_id,
            topic_id=setup.topic_id,
            channel="phone",
        ).case.number
        session.commit()
        return number

    fast, slow = _beside_a_held_opener(committed_engine, monkeypatch, "new_estimate", open_one)
    first, second = (NUMBER.match(n) for n in (fast, slow))
    assert first and second
    assert int(second.group(2)) == int(first.group(2)) + 1
    with Session(committed_engine) as session:
        numbers = set(session.scalars(select(Case.number)))
    assert numbers == {fast, slow}


def test_parallel_decisions_never_pass_the_customers_limit_together(
    committed_engine: Engine, is_postgres: bool
) -> None:
    """Ten agents refund 300 kr to the same customer at the same moment, through the API,
    with a limit of 500 per decision and 1,000 per customer: exactly three are taken at
    once (900 kr), the other seven go for approval; never more than the limit."""
    if not is_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite lets one writer at a time")
    from decimal import Decimal

    from fastapi.testclient import TestClient

    from nara.domain import mandates
    from nara.domain.actors import SYSTEM
    from nara.models import Decision
    from nara.web.app import create_app

    agents = 10
    with Session(committed_engine) as session:
        factories.team(session, fallback=True)
        cards = factories.team(session)
        topic = factories.topic(session, teams=[cards])
        customer = factories.customer(session)
        number = factories.case(session, the_customer=customer, the_topic=topic).number
        refund = mandates.create_decision_type(
            session=session,
            actor=SYSTEM,
            slug="refund-fee",
            name_sv="Återbetalning",
            name_en="Refund",
            kind="amount",
        )
        mandates.create_rule(
            session=session,
            actor=SYSTEM,
            decision_type_id=refund.id,
            name="Kort",
            holder={"kind": "team", "team_id": cards.id},
            limit="500",
            customer_limit="1000",
            window_days=365,
        )
        mandates.create_rule(
            session=session,
            actor=SYSTEM,
            decision_type_id=refund.id,
            name="Admin",
            holder={"kind": "role", "role": "admin"},
            limit=None,
        )
        factories.user(session, role="admin")
        tokens = [
            factories.token(session, factories.user(session, teams=[cards])) for _ in range(agents)
        ]
        session.commit()
    app = create_app(committed_engine)
    lock = threading.Lock()

    def decide(_session: Session) -> int:
        with lock:
            token = tokens.pop()
        with TestClient(app) as client:
            response = client.post(
                f"/api/v1/cases/{number}/decisions",
                json={"type": "refund-fee", "amount": "300.00", "reason": "Fel avgift"},
                headers={"Authorization": f"Bearer {token}"},
            )
        return response.status_code

    statuses = _run_together(agents, decide, committed_engine)
    assert sorted(statuses) == [201] * 3 + [202] * 7
    with Session(committed_engine) as session:
        taken = session.scalars(select(Decision).where(Decision.state == "taken")).all()
        assert sum((d.amount for d in taken if d.amount is not None), Decimal(0)) == Decimal("900")


def test_first_satisfaction_answers_at_the_same_moment_make_one_rating(
    committed_engine: Engine, is_postgres: bool
) -> None:
    """Eight answers to "How well did we help you?" on the same resolved case at the same
    moment, through the API: one is the first answer (201), the others change it (200);
    one row, never a 500."""
    if not is_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite lets one writer at a time")
    from fastapi.testclient import TestClient

    from nara.domain.actors import SYSTEM
    from nara.domain.cases import change_status
    from nara.models import SatisfactionRating
    from nara.web.app import create_app

    setup = _setup(committed_engine)
    with Session(committed_engine) as session:
        case = open_case(
            session=session,
            actor=setup.customer,
            message="Mitt kort har inte kommit",
            topic_id=setup.topic_id,
        ).case
        change_status(session=session, actor=SYSTEM, number=case.number, status="resolved")
        customer = session.get(User, setup.customer.user_id)
        assert customer is not None
        headers = factories.headers(session, customer)
        number = case.number
        session.commit()
    app = create_app(committed_engine)
    barrier = threading.Barrier(8, timeout=30)

    def answer(score: int) -> int:
        with TestClient(app) as client:
            barrier.wait()
            response = client.post(
                f"/api/v1/cases/{number}/satisfaction",
                json={"score": score, "comment": f"Svar {score}"},
                headers=headers,
            )
            return response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(answer, [1, 2, 3, 4, 5, 1, 2, 3]))
    assert sorted(statuses) == [200] * 7 + [201], statuses
    with Session(committed_engine) as session:
        rows = session.scalars(select(SatisfactionRating)).all()
        assert len(rows) == 1 and rows[0].via == "api"
        events = session.scalars(
            select(CaseEvent.type).where(CaseEvent.type.like("satisfaction.%"))
        ).all()
        assert events.count("satisfaction.rated") == 1


def test_one_agents_openings_do_not_wait_on_each_others_work_sessions(
    committed_engine: Engine, is_postgres: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agent who keeps the case they open ends whatever they worked on before. While
    one of their openings has done that and is still on its way to the number (held here
    just before the counter), a second opening by the same agent ends, numbers and
    commits without waiting on the first one's lock of that work session (it would give
    up after the lock timeout). Both cases keep their work sessions, and the agent's next
    start of work ends every one still open."""
    if not is_postgres:
        pytest.skip("SQLite serialises every writer on its database lock by design")
    setup = _setup(committed_engine)
    from nara.domain.presence import current_work, start_work
    from nara.models import WorkSession

    factory = sessionmaker(bind=committed_engine, expire_on_commit=False)

    def open_one(session: Session, message: str) -> Case:
        case = open_case(
            session=session,
            actor=setup.agent,
            message=message,
            customer_id=setup.customer_id,
            topic_id=setup.topic_id,
            channel="phone",
        ).case
        session.commit()
        return case

    with factory() as session:
        first = open_one(session, "Det första ärendet")  # an open work session to end
    assert first.owner_id == setup.agent.user_id

    fast, slow = _beside_a_held_opener(committed_engine, monkeypatch, "_number_case", open_one)
    agent_id = setup.agent.user_id
    assert agent_id is not None
    with Session(committed_engine) as session:
        open_cases = set(
            session.scalars(
                select(WorkSession.case_id).where(
                    WorkSession.user_id == agent_id, WorkSession.ended_at.is_(None)
                )
            )
        )
        assert first.id not in open_cases  # the first opening's session was ended
        assert {fast.id, slow.id} <= open_cases
        start_work(session, user_id=agent_id, team_id=first.team_id, case_id=first.id,
                   now=clock.now())  # fmt: skip
        session.commit()
        work = current_work(session, agent_id)
        assert work is not None and work.case_id == first.id
        still_open = session.scalar(
            select(func.count())
            .select_from(WorkSession)
            .where(WorkSession.user_id == agent_id, WorkSession.ended_at.is_(None))
        )
        assert still_open == 1
