"""``nara bench seed``: seeded history into the demo organisation, on SQLite and on
PostgreSQL (COPY). The demo organisation is loaded and the cases seeded once for the
module, in a transaction rolled back at the end; every test runs in a savepoint of it.

The seeded rows are checked the way the app reads them: the domain's promise check
finds nothing left to raise, ``open_case`` numbers on after them, and the case page and
the API render them."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.demo.loader import load_demo
from nara.domain import auth as auth_actions
from nara.domain.actors import SYSTEM, actor_for_user
from nara.domain.cases import open_case
from nara.domain.promises import check_promises, next_promise_alert, refresh_due_times
from nara.models import (
    ACTIVE_STATUSES,
    ArticleVersion,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseTask,
    Conversation,
    ConversationTurn,
    Customer,
    ResponsePolicy,
    SatisfactionRating,
    Team,
    TeamMember,
    TeamTopic,
    Topic,
    User,
    WaitEstimate,
    WorkSession,
)
from nara.simulation.seed import NothingToSeed, Seeder, SeedReport, seed_cases
from nara.web.deps import SESSION_COOKIE
from tests import factories

CASES = 1500
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday morning
NUMBER = re.compile(r"^NA-(\d{4})-(\d{6})$")


@dataclass
class Seeded:
    connection: Connection
    report: SeedReport
    now: datetime


@pytest.fixture(scope="module")
def seeded(engine: Engine) -> Iterator[Seeded]:
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    with clock.frozen_at(NOW):  # the same history every run
        load_demo(session, cases=0, history=0)
        report = seed_cases(session, cases=CASES, seed=7, chunk_size=700)  # three chunks
    session.commit()
    session.close()
    yield Seeded(connection, report, NOW)
    transaction.rollback()
    connection.close()


@pytest.fixture
def db(seeded: Seeded) -> Iterator[Session]:
    """This module's session: a savepoint in the seeded transaction."""
    savepoint = seeded.connection.begin_nested()
    session = Session(bind=seeded.connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    savepoint.rollback()


def count(db: Session, model: type, *where: object) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def seeded_cases(db: Session) -> list[Case]:
    return list(db.scalars(select(Case).order_by(Case.id)))  # the demo brought none


# ---- what is created ----
def test_counts_follow_the_report(db: Session, seeded: Seeded) -> None:
    report = seeded.report
    assert report.cases == count(db, Case) == CASES
    assert report.customers == count(db, Customer) - 60  # the demo's 60 customers
    assert abs(report.customers - CASES / 5) <= 2  # one customer per about five cases
    assert report.events == count(db, CaseEvent)
    assert report.estimates == count(db, WaitEstimate)
    assert report.work_sessions == count(db, WorkSession)
    assert 5 <= report.events / CASES <= 9  # about 5-8 events per case


def test_customers_and_their_logins(db: Session, seeded: Seeded) -> None:
    logins = db.execute(
        select(Customer, User).join(User, User.id == Customer.user_id).where(Customer.id > 60)
    ).all()
    assert 0.4 * seeded.report.customers < len(logins) < 0.8 * seeded.report.customers
    for customer, user in logins:
        assert user.role == "customer" and user.email == customer.email == user.email.lower()
        assert customer.email is not None and customer.email.endswith("@example.com")
    assert count(db, Customer, Customer.personnummer.is_not(None)) == 10  # the demo's only
    opened_by = Counter(db.scalars(select(User.role).join(Case, Case.created_by_id == User.id)))
    assert opened_by["customer"] > 0 and opened_by["agent"] > 0  # self-service and staff


def test_timelines_have_the_domains_events(db: Session) -> None:
    events: dict[int, list[CaseEvent]] = {}
    for event in db.scalars(select(CaseEvent).order_by(CaseEvent.id)):
        events.setdefault(event.case_id, []).append(event)
    kinds = Counter(e.type for timeline in events.values() for e in timeline)
    expected = ["case.opened", "case.routed", "promise.set", "case.assigned", "message.agent"]
    expected += ["message.customer", "case.status_changed", "note.added", "promise.breached"]
    for kind in expected:
        assert kinds[kind] > 0, kind
    assert kinds["case.opened"] == kinds["case.routed"] == CASES
    for case in seeded_cases(db):
        timeline = events[case.id]
        assert [e.type for e in timeline[:3]] == ["case.opened", "case.routed", "promise.set"]
        opened = timeline[0]
        assert opened.is_public and opened.body and opened.data["channel"] == case.channel
        assert opened.data["subject"] == case.subject and opened.actor_id == case.created_by_id
        times = [e.created_at for e in timeline]
        assert times == sorted(times) and times[0] == case.opened_at
        assert case.updated_at == times[-1]
        status = "new"
        for change in (e for e in timeline if e.type == "case.status_changed"):
            assert change.data["old"] == status
            status = change.data["new"]
        assert status == case.status


def test_promise_set_matches_the_policy(db: Session) -> None:
    for case in seeded_cases(db)[:300]:
        promise = db.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == "promise.set")
        )
        assert promise is not None
        assert promise.data["first_response_minutes"] == case.first_response_budget_min
        assert promise.data["resolution_minutes"] == case.resolution_budget_min
        assert datetime.fromisoformat(promise.data["first_response_due_at"]) > case.opened_at


REFERENCES = (
    (CaseEvent.case_id, Case.id),
    (CaseEvent.actor_id, User.id),
    (Case.customer_id, Customer.id),
    (Case.topic_id, Topic.id),
    (Case.team_id, Team.id),
    (Case.owner_id, User.id),
    (Case.created_by_id, User.id),
    (Case.promise_policy_id, ResponsePolicy.id),
    (Customer.user_id, User.id),
    (WaitEstimate.case_id, Case.id),
    (WaitEstimate.team_id, Team.id),
    (WorkSession.case_id, Case.id),
    (WorkSession.user_id, User.id),
    (WorkSession.team_id, Team.id),
    (SatisfactionRating.case_id, Case.id),
    (SatisfactionRating.customer_id, Customer.id),
    (CaseTask.case_id, Case.id),
    (CaseTask.done_by_id, User.id),
    (Conversation.customer_id, Customer.id),
    (Conversation.case_id, Case.id),
    (Conversation.topic_id, Topic.id),
    (ConversationTurn.conversation_id, Conversation.id),
    (ConversationTurn.topic_id, Topic.id),
    (ConversationTurn.article_version_id, ArticleVersion.id),
)


def test_every_reference_exists(db: Session) -> None:
    """What the foreign keys would check (on PostgreSQL a superuser writes the rows
    without the per-row checks)."""
    for column, target in REFERENCES:
        orphans = db.scalar(
            select(func.count())
            .select_from(column.table)
            .where(column.is_not(None), column.not_in(select(target)))
        )
        assert orphans == 0, column


def test_the_database_may_check_every_reference(db: Session, is_postgres: bool) -> None:
    superuser = is_postgres and db.scalar(text("SELECT current_setting('is_superuser')")) == "on"
    assert Seeder(db, cases=1).skips_reference_checks == superuser
    checked = Seeder(db, cases=60, seed=9, check_references=True)
    assert not checked.skips_reference_checks
    assert checked.seed_chunk(0).cases == 60
    if is_postgres:
        quick = Seeder(db, cases=60, seed=9)
        quick.seed_chunk(0)  # the triggers are back on after the chunk
        assert db.scalar(text("SHOW session_replication_role")) == "origin"


# ---- statuses, teams and owners ----
def test_the_backlog_is_small_and_recent(db: Session, seeded: Seeded) -> None:
    month_ago = seeded.now - timedelta(days=30)
    active = count(db, Case, Case.status.in_(ACTIVE_STATUSES))
    assert active == seeded.report.active
    assert 1 <= active <= 0.03 * CASES
    assert count(db, Case, Case.status.in_(ACTIVE_STATUSES), Case.opened_at < month_ago) == 0
    old = Counter(db.scalars(select(Case.status).where(Case.opened_at < month_ago)))
    assert set(old) <= {"resolved", "closed"} and old["closed"] > 4 * old["resolved"]
    for case in seeded_cases(db):
        if case.status == "closed":
            assert case.closed_at is not None and case.resolved_at is not None
        if case.status not in ("new",):
            assert case.first_response_at is not None and case.owner_id is not None
        if case.status == "waiting_on_customer":
            assert case.promise_paused_at is not None and case.first_response_due_at is None
        else:
            assert case.promise_paused_at is None
    opened = db.scalars(select(Case.opened_at).order_by(Case.id)).all()
    assert opened == sorted(opened)  # numbered and stored in the order they came in
    assert seeded.now - timedelta(days=366) < opened[0] and opened[-1] < seeded.now


def test_every_case_is_with_a_team_handling_its_topic(db: Session) -> None:
    handles = {(a, b) for a, b in db.execute(select(TeamTopic.team_id, TeamTopic.topic_id))}
    members = {(a, b) for a, b in db.execute(select(TeamMember.team_id, TeamMember.user_id))}
    fallback = db.scalar(select(Team.id).where(Team.is_fallback.is_(True)))
    for case in seeded_cases(db):
        if case.topic_id is None:
            assert case.team_id == fallback
        else:
            assert (case.team_id, case.topic_id) in handles
        if case.owner_id is not None:
            assert (case.team_id, case.owner_id) in members
    sessions = db.execute(
        select(WorkSession.team_id, WorkSession.user_id, Case.team_id, Case.owner_id).join(
            Case, Case.id == WorkSession.case_id
        )
    ).all()
    assert sessions
    for team_id, user_id, case_team, owner in sessions:
        assert team_id == case_team and user_id == owner and (team_id, user_id) in members


def test_answered_cases_have_their_wait_estimate(db: Session) -> None:
    estimates = {
        e.case_id: e
        for e in db.scalars(select(WaitEstimate).where(WaitEstimate.context == "opened"))
    }
    for case in seeded_cases(db):
        estimate = estimates[case.id]
        assert estimate.made_at == case.opened_at and estimate.team_id == case.team_id
        assert estimate.expected_seconds > 0 and estimate.expected_at > case.opened_at
        if case.first_response_at is None:
            assert estimate.actual_seconds is None
        else:
            waited = (case.first_response_at - case.opened_at).total_seconds()
            assert estimate.actual_seconds == pytest.approx(waited, abs=0.01)


# ---- promises ----
def test_promise_alerts_are_the_events_and_the_check_has_nothing_left(
    db: Session, seeded: Seeded
) -> None:
    alerts = db.execute(
        select(CaseEvent.case_id, CaseEvent.type, CaseEvent.data).where(
            CaseEvent.type.in_(("promise.warning", "promise.breached"))
        )
    ).all()
    assert any(kind == "promise.breached" for _, kind, _ in alerts)  # some promises missed
    raised = Counter(
        (case_id, f"{data['promise']}.{kind.split('.')[1]}@{data['due_at']}")
        for case_id, kind, data in alerts
    )
    stored = Counter((case.id, alert) for case in seeded_cases(db) for alert in case.promise_alerts)
    assert raised == stored
    for case in seeded_cases(db):
        for alert in case.promise_alerts:
            kind = alert.split(".")[0]
            due = case.first_response_due_at if kind == "first_response" else None
            if due is not None:  # the key names the stored due time, as _alert writes it
                assert alert.endswith(f"@{due.isoformat()}")
    report = check_promises(session=db, actor=SYSTEM, now=seeded.now)
    assert (report.warnings, report.breaches) == (0, 0)
    later = check_promises(session=db, actor=SYSTEM, now=seeded.now + timedelta(days=5))
    assert later.warnings > 0  # the backlog's promises come due after now


PROMISE_TIMES = (
    "first_response_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "promise_paused_at",
    "promise_check_at",
)


def test_promise_times_are_the_ones_the_domain_stores(db: Session) -> None:
    """Due, warning and next-check times as ``refresh_due_times`` computes them from the
    seeded timeline with the team's calendar (to the second)."""
    cases = seeded_cases(db)
    sample = [c for c in cases if c.status in ACTIVE_STATUSES] + cases[::5]
    assert any(c.promise_check_at is not None for c in sample)
    for case in sample:
        stored = {name: getattr(case, name) for name in PROMISE_TIMES}
        refresh_due_times(db, case)
        for name, value in stored.items():
            again = getattr(case, name)
            if value is None or again is None:
                assert value == again, (case.number, name)
            else:
                assert abs((value - again).total_seconds()) < 1, (case.number, name)
        assert case.promise_check_at == next_promise_alert(case)


# ---- numbers ----
def test_counters_end_at_the_highest_number_and_open_case_goes_on(db: Session) -> None:
    highest: dict[int, int] = {}
    for number in db.scalars(select(Case.number)):
        match = NUMBER.match(number)
        assert match, number
        year, value = int(match[1]), int(match[2])
        highest[year] = max(highest.get(year, 0), value)
    counters = {c.year: c.last_value for c in db.scalars(select(CaseNumberCounter))}
    assert counters == highest
    assert sum(highest.values()) == CASES  # gap-free: 1..n in every year
    agent = db.scalar(select(User).where(User.email == "oskar@exempelbanken.se"))
    assert agent is not None
    customer = db.scalars(select(Customer).order_by(Customer.id.desc())).first()
    assert customer is not None
    year = clock.now().astimezone(ZoneInfo(get_settings().display_timezone)).year
    opened = open_case(
        session=db,
        actor=actor_for_user(db, agent),
        message="Efter seedningen",
        customer_id=customer.id,
        channel="phone",
    ).case
    assert opened.number == f"NA-{year}-{highest.get(year, 0) + 1:06d}"


def test_seeding_again_appends(db: Session) -> None:
    before = count(db, Case)
    report = seed_cases(db, cases=120, seed=8)
    assert report.cases == 120 and count(db, Case) == before + 120
    numbers = db.scalars(select(Case.number)).all()
    assert len(set(numbers)) == len(numbers)
    counters = {c.year: c.last_value for c in db.scalars(select(CaseNumberCounter))}
    assert sum(counters.values()) == before + 120


def test_without_an_organisation_there_is_nothing_to_seed(db: Session) -> None:
    db.execute(TeamTopic.__table__.delete())
    with pytest.raises(NothingToSeed, match="nara demo"):
        Seeder(db, cases=10)
    with pytest.raises(ValueError, match="at least 1"):
        Seeder(db, cases=0)


# ---- the app reads seeded cases ----
def _sample(db: Session) -> list[Case]:
    """A closed case with alerts, a case waiting on the customer and the newest cases."""
    cases = seeded_cases(db)
    picks = [c for c in cases if c.status == "closed" and c.promise_alerts][:1]
    picks += [c for c in cases if c.status == "waiting_on_customer"][:1]
    picks += [c for c in cases if c.status in ACTIVE_STATUSES][-2:]
    return picks + cases[-1:]


def test_the_case_page_and_the_api_render_seeded_cases(client: TestClient, db: Session) -> None:
    for case in _sample(db):
        member = db.scalar(select(User).where(User.id == case.owner_id)) or db.scalar(
            select(User).join(TeamMember).where(TeamMember.team_id == case.team_id)
        )
        assert member is not None
        started = auth_actions.start_session(session=db, user=member)
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, started.token)
        page = client.get(f"/cases/{case.number}")
        assert page.status_code == 200, page.text
        assert case.subject.replace("&", "&amp;") in page.text or case.number in page.text
        client.cookies.clear()
        detail = client.get(f"/api/v1/cases/{case.number}", headers=factories.headers(db, member))
        assert detail.status_code == 200, detail.text
        body = detail.json()
        assert body["number"] == case.number
        assert [e["type"] for e in body["events"]][:2] == ["case.opened", "case.routed"]
        json.dumps(body)


def test_keep_thins_a_topic_after_a_moment(db: Session, seeded: Seeded) -> None:
    """``keep`` makes a change in contacts true in the seeded history: no contacts about
    one topic after a moment, the other topics as before (and numbering stays gap-free)."""
    topic_id = db.scalar(select(Topic.id).where(Topic.slug == "kort-har-inte-kommit"))
    cut = (seeded.now - timedelta(days=120)).timestamp()
    with clock.frozen_at(seeded.now):
        report = seed_cases(
            db,
            cases=1000,
            seed=8,
            keep=lambda topic, at: 0.0 if topic == topic_id and at >= cut else 1.0,
        )
    new = list(db.scalars(select(Case).order_by(Case.id.desc()).limit(report.cases)))
    assert 850 < report.cases < 1000  # about 6 % of contacts have the topic
    thinned = [c for c in new if c.topic_id == topic_id]
    assert thinned, "the topic's contacts before the cut are kept"
    assert all(c.opened_at.timestamp() < cut for c in thinned)
    assert any(c.opened_at.timestamp() >= cut for c in new)
    numbers = sorted(
        int(NUMBER.match(c.number).group(2)) for c in new if c.number.startswith("NA-2026")
    )  # type: ignore[union-attr]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
