"""Transactions behave the same on SQLite and PostgreSQL: the caller owns the
transaction, and a savepoint inside it (``begin_nested``) never commits on its own."""

from __future__ import annotations

from datetime import UTC

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from nara import clock
from nara.config import reset_settings
from nara.db import end_request, make_engine
from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM
from nara.domain.cases import open_case
from nara.models import Case, CaseEvent, IdempotencyKey, Team
from nara.web.app import create_app
from tests import factories


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_released_savepoint_is_undone_by_the_outer_rollback(committed_engine: Engine) -> None:
    with Session(committed_engine) as session:
        session.scalar(select(func.count()).select_from(Team))  # reads first, as requests do
        with session.begin_nested():
            team_actions.create_team(
                session=session, actor=SYSTEM, slug="nested", name_sv="N", name_en="N"
            )
        session.rollback()
    assert _count(committed_engine, Team) == 0


def test_savepoint_as_the_first_statement_does_not_commit(committed_engine: Engine) -> None:
    with Session(committed_engine) as session:
        with session.begin_nested():
            team_actions.create_team(
                session=session, actor=SYSTEM, slug="nested", name_sv="N", name_en="N"
            )
        session.rollback()
    assert _count(committed_engine, Team) == 0


def test_rolled_back_savepoint_keeps_the_outer_work(committed_engine: Engine) -> None:
    with Session(committed_engine) as session:
        team_actions.create_team(
            session=session, actor=SYSTEM, slug="outer", name_sv="O", name_en="O"
        )
        nested = session.begin_nested()
        team_actions.create_team(
            session=session, actor=SYSTEM, slug="inner", name_sv="I", name_en="I"
        )
        nested.rollback()
        session.commit()
    with Session(committed_engine) as session:
        assert list(session.scalars(select(Team.slug))) == ["outer"]


def test_idempotent_open_case_is_undone_with_the_callers_rollback(
    committed_engine: Engine,
) -> None:
    """open_case with an Idempotency-Key works inside a savepoint; the case must still
    belong to the caller's transaction."""
    with Session(committed_engine) as session:
        factories.team(session, fallback=True)
        customer = factories.customer(session)
        agent = factories.user(session)
        session.commit()
        actor = factories.actor(session, agent)
        opened = open_case(
            session=session,
            actor=actor,
            message="Hej",
            customer_id=customer.id,
            idempotency_key="k-1",
        )
        assert opened.created
        session.rollback()
    assert _count(committed_engine, Case) == 0
    assert _count(committed_engine, CaseEvent) == 0
    assert _count(committed_engine, IdempotencyKey) == 0


# ---- how a request's transaction ends (nara.db.end_request) -------------------------


def _endings(engine: Engine) -> list[str]:
    """What the connections of ``engine`` (a test's own) do: "commit" or "rollback"."""
    seen: list[str] = []
    event.listen(engine, "commit", lambda _conn: seen.append("commit"))
    event.listen(engine, "rollback", lambda _conn: seen.append("rollback"))
    return seen


def test_a_request_that_only_read_ends_with_a_commit(database_url: str) -> None:
    """The same round trip as a rollback, but psycopg keeps its prepared statements."""
    engine = make_engine(database_url)
    try:
        seen = _endings(engine)
        session = Session(engine)
        session.scalar(select(func.count()).select_from(Team))
        end_request(session)
        assert seen == ["commit"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("how", ["pending", "flushed", "statement"])
def test_a_request_that_wrote_without_committing_is_rolled_back(
    committed_engine: Engine, how: str
) -> None:
    session = Session(committed_engine)
    session.scalar(select(func.count()).select_from(Team))
    if how == "statement":  # past the unit of work: only the statement shows it
        session.execute(
            insert(Team).values(slug="raw", name_sv="R", name_en="R", created_at=clock.now())
        )
    else:
        session.add(Team(slug="orm", name_sv="O", name_en="O", created_at=clock.now()))
        if how == "flushed":
            session.flush()
    end_request(session)
    assert _count(committed_engine, Team) == 0


def test_a_request_ends_even_when_the_database_failed_its_transaction(
    committed_engine: Engine,
) -> None:
    session = Session(committed_engine)
    with pytest.raises(DBAPIError):
        session.execute(text("SELECT * FROM no_such_table"))
    end_request(session)  # no exception: rolled back and closed
    assert not session.in_transaction()


def test_a_read_request_whose_commit_fails_still_ends(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only transaction has nothing to keep: a failed COMMIT (say, the connection
    was lost) is rolled back and the session closed, without failing the request."""
    session = Session(committed_engine)
    session.scalar(select(func.count()).select_from(Team))

    def lost() -> None:
        raise OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(session, "commit", lost)
    end_request(session)
    assert not session.in_transaction()


def test_read_requests_reuse_prepared_statements(
    database_url: str, committed_engine: Engine
) -> None:
    """A read-only request's statements are prepared once per connection and then run
    with the plan PostgreSQL keeps (on SQLite there is nothing to prepare: the requests
    still answer)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            agent = factories.user(session, teams=[factories.team(session, fallback=True)])
            number = factories.case(session, the_customer=factories.customer(session)).number
            headers = factories.headers(session, agent)
            session.commit()
        with TestClient(create_app(engine)) as client:
            for _ in range(8):  # psycopg prepares from the sixth run on
                assert client.get(f"/api/v1/cases/{number}", headers=headers).status_code == 200
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:  # the one the requests used
                prepared = list(
                    connection.exec_driver_sql(
                        "SELECT statement FROM pg_prepared_statements WHERE statement LIKE "
                        "'%%FROM cases%%'"
                    ).scalars()
                )
            assert prepared, "read requests left no prepared statement"
    finally:
        engine.dispose()  # committed_engine deletes the rows


def test_prepared_statements_can_be_switched_off(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a connection pooler that cannot hold them (NARA_DATABASE_PREPARED_STATEMENTS)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's (psycopg)")
    for setting, threshold in (("true", 5), ("false", None)):
        monkeypatch.setenv("NARA_DATABASE_PREPARED_STATEMENTS", setting)
        reset_settings()
        engine = make_engine(database_url)
        try:
            with engine.connect() as connection:
                driver = connection.connection.driver_connection
                assert getattr(driver, "prepare_threshold", "?") == threshold
        finally:
            engine.dispose()
    monkeypatch.delenv("NARA_DATABASE_PREPARED_STATEMENTS")
    reset_settings()


def test_times_come_back_in_utc(committed_engine: Engine) -> None:
    """Whatever the server's zone: on PostgreSQL the session's zone is UTC, so a time
    read back needs no conversion; on SQLite (naive) it is taken as UTC."""
    with Session(committed_engine) as session:
        team = factories.team(session)
        session.commit()
        session.expire_all()
        created = session.scalar(select(Team.created_at).where(Team.id == team.id))
        assert created is not None and created.tzinfo is UTC
        if committed_engine.dialect.name == "postgresql":
            zone = session.execute(text("SELECT current_setting('TimeZone')")).scalar()
            assert zone == "UTC"
