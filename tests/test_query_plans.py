"""Every statement the load test's requests send stays index-bound on PostgreSQL: with
a seeded history (50,000 cases over a year, a small recent backlog) and fresh planner
statistics, no statement reads a table that grows with the history from end to end.

The same requests and checks run against a database of any size with
``benchmarks/load/plans.py`` (the table of figures is in benchmarks/README.md)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from nara import clock
from nara.demo.loader import load_demo
from nara.domain import auth as auth_actions
from nara.models import Case, Customer, TeamMember, Topic, User
from nara.simulation.plans import captured, explain, large_tables
from nara.simulation.seed import seed_cases
from nara.web.deps import SESSION_COOKIE

CASES = 50_000
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
AGENT = "oskar@exempelbanken.se"
LEAD = "karin.lead@exempelbanken.se"


@dataclass
class Seeded:
    connection: Connection


@pytest.fixture(scope="module")
def seeded(engine: Engine) -> Iterator[Seeded]:
    if engine.dialect.name != "postgresql":
        pytest.skip("query plans are PostgreSQL's (the production database)")
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    with clock.frozen_at(NOW):
        load_demo(session, cases=0, history=0)
        seed_cases(session, cases=CASES, seed=3)
    session.commit()
    session.close()
    connection.execute(text("ANALYZE"))  # the statistics a live database keeps
    yield Seeded(connection)
    transaction.rollback()
    connection.close()


@pytest.fixture
def db(seeded: Seeded) -> Iterator[Session]:
    savepoint = seeded.connection.begin_nested()
    session = Session(bind=seeded.connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    savepoint.rollback()


def _log_in(client: TestClient, db: Session, email: str) -> str:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    started = auth_actions.start_session(session=db, user=user)
    client.cookies.set(SESSION_COOKIE, started.token)
    return started.session.csrf_token


def test_every_page_and_endpoint_of_the_load_test_is_index_bound(
    app: object, db: Session, engine: Engine, seeded: Seeded
) -> None:
    agent_client, lead_client = TestClient(app), TestClient(app)  # type: ignore[arg-type]
    with clock.frozen_at(NOW):
        csrf = _log_in(agent_client, db, AGENT)
        _log_in(lead_client, db, LEAD)
        agent = db.scalar(select(User).where(User.email == AGENT))
        assert agent is not None
        team_id = db.scalar(select(TeamMember.team_id).where(TeamMember.user_id == agent.id))
        number = db.scalar(
            select(Case.number).where(Case.team_id == team_id).order_by(Case.id.desc()).limit(1)
        )
        customer_id = db.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1))
        topic_id = db.scalar(select(Topic.id).order_by(Topic.id).limit(1))
        body = {
            "customer_id": customer_id,
            "topic_id": topic_id,
            "channel": "phone",
            "message": "Mitt kort nekas i butik",
        }
        requests = [
            (agent_client, "POST", "/api/v1/cases"),
            (agent_client, "GET", f"/api/v1/cases?team_id={team_id}&limit=25"),
            (agent_client, "GET", f"/api/v1/cases/{number}"),
            (agent_client, "GET", f"/cases/{number}"),
            (agent_client, "GET", "/cases?tab=mine"),
            (agent_client, "GET", "/cases?tab=unassigned"),
            (agent_client, "GET", "/cases?tab=team"),
            (agent_client, "GET", "/cases?tab=team&status=closed"),
            (agent_client, "GET", "/cases?tab=team&q=kort"),
            (agent_client, "GET", f"/api/v1/customers/{customer_id}/overview"),
            (agent_client, "GET", f"/customers/{customer_id}"),
            (agent_client, "GET", "/notifications"),
            (lead_client, "GET", "/api/v1/service/results"),
            (lead_client, "GET", "/admin/service"),
        ]
        large = large_tables(seeded.connection)
        assert {"cases", "case_events", "work_sessions", "wait_estimates"} <= large
        scans: list[str] = []
        for client, method, path in requests:
            with captured(engine) as statements:
                answer = client.request(
                    method,
                    path,
                    json=body if method == "POST" else None,
                    headers={"X-CSRF-Token": csrf},
                )
            assert answer.status_code in (200, 201), (path, answer.text[:300])
            assert statements, path
            for statement in statements:
                plan = explain(seeded.connection, statement, large=large)
                if plan.full_scans:
                    scans.append(f"{path}: {plan.full_scans} in {statement.sql[:200]}")
    assert not scans, "\n".join(scans)


@pytest.mark.parametrize(
    ("tab", "index"), [("team", "ix_cases_pull_team"), ("mine", "ix_cases_pull_owner")]
)
def test_a_backlog_page_in_pull_order_is_an_index_range(
    db: Session, engine: Engine, seeded: Seeded, tab: str, index: str
) -> None:
    """The page of a backlog tab can be read in pull order from its index (migration
    0023), never every active case of the team or the owner sorted for the 50 shown (at
    1 M cases that sort took 14 ms a page; with the index it reads 50 rows). With this
    test's small backlog a sort is as cheap, so sorting is ruled out for the check: what
    it guards is that the order's expressions stay those the indexes were made of (a
    change to ``pull_order`` that the index no longer serves fails here)."""
    from nara.domain.actors import actor_for_user
    from nara.queries.inbox import InboxQuery, inbox

    agent = db.scalar(select(User).where(User.email == AGENT))
    assert agent is not None
    actor = actor_for_user(db, agent)
    with clock.frozen_at(NOW), captured(engine) as statements:
        page = inbox(db, actor, InboxQuery(tab=tab))
    assert page.items
    pages = [s for s in statements if "ORDER BY" in s.sql and "LIMIT" in s.sql]
    assert len(pages) == 1
    seeded.connection.execute(text("SET enable_sort = off"))
    try:
        plan = explain(seeded.connection, pages[0])
        cursor = seeded.connection.connection.cursor()
        try:
            cursor.execute("EXPLAIN " + pages[0].sql, pages[0].parameters)
            text_plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.close()
    finally:
        seeded.connection.execute(text("RESET enable_sort"))
    assert plan.indexes[:1] == [index], text_plan
    assert "Sort" not in text_plan, text_plan
