"""Transactions behave the same on SQLite and PostgreSQL: the caller owns the
transaction, and a savepoint inside it (``begin_nested``) never commits on its own."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM
from nara.domain.cases import open_case
from nara.models import Case, CaseEvent, IdempotencyKey, Team
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
