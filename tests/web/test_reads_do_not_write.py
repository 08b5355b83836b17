"""A GET never writes (so pages and the API can be served from a read replica): the
expected wait a customer is shown is stored by the domain when the wait changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import auth as auth_actions
from nara.domain.actors import SYSTEM
from nara.domain.cases import assign_case
from nara.domain.presence import set_presence
from nara.models import WaitEstimate
from tests import factories

API = "/api/v1"
TUESDAY_9 = datetime(2026, 11, 24, 9, tzinfo=ZoneInfo("Europe/Stockholm"))


@contextmanager
def writes(engine: Engine) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements sent to the database inside the block."""
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE", "MERGE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _cookie(client: TestClient, db: Session, user: Any) -> None:
    new = auth_actions.start_session(session=db, user=user)
    db.commit()
    client.cookies.clear()
    client.cookies.set("nara_session", new.token)


@pytest.fixture
def w(db: Session) -> factories.World:
    return factories.world(db)


def test_case_pages_and_the_service_endpoint_do_not_write(
    client: TestClient, db: Session, engine: Engine, w: factories.World
) -> None:
    with clock.frozen_at(TUESDAY_9):
        case = factories.case(db, the_customer=w.alice, the_topic=w.card_topic)
        db.commit()
        clock.advance(timedelta(minutes=10))  # the estimate shown is no longer fresh
        token = factories.headers(db, w.card_agent)
        client.get(f"{API}/me", headers=token)  # the token's first use is recorded
        _cookie(client, db, w.card_agent)
        with writes(engine) as seen:
            assert client.get(f"/cases/{case.number}").status_code == 200
            assert client.get("/cases", params={"tab": "team"}).status_code == 200
            service = client.get(f"{API}/cases/{case.number}/service", headers=token)
            assert service.status_code == 200
            assert service.json()["expected_wait"] is not None
            assert client.get(f"{API}/cases/{case.number}", headers=token).status_code == 200
        assert seen == []
        _cookie(client, db, w.alice_user)
        with writes(engine) as seen:
            page = client.get(f"/cases/{case.number}")
            assert page.status_code == 200
            assert client.get("/cases").status_code == 200
        assert seen == []


def test_the_estimate_is_stored_when_the_wait_changes(db: Session, w: factories.World) -> None:
    agent = factories.actor(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="available")
        case = factories.case(db, the_customer=w.alice, the_topic=w.card_topic)
        assign_case(
            session=db, actor=SYSTEM, number=case.number, team_id=w.loans.id, reason="Ett lån"
        )
        assign_case(session=db, actor=SYSTEM, number=case.number, owner_id=w.loan_agent.id)
        assign_case(session=db, actor=SYSTEM, number=case.number, owner_id=None)
        assign_case(session=db, actor=SYSTEM, number=case.number)  # nothing changes
    contexts = db.scalars(
        select(WaitEstimate.context)
        .where(WaitEstimate.case_id == case.id)
        .order_by(WaitEstimate.id)
    ).all()
    assert contexts == ["opened", "moved", "assigned", "assigned"]
    teams = db.scalars(
        select(WaitEstimate.team_id)
        .where(WaitEstimate.case_id == case.id)
        .order_by(WaitEstimate.id)
    ).all()
    assert teams == [w.cards.id, w.loans.id, w.loans.id, w.loans.id]


def test_a_passed_estimate_says_so(client: TestClient, db: Session, w: factories.World) -> None:
    with clock.frozen_at(TUESDAY_9):
        case = factories.case(db, the_customer=w.alice, the_topic=w.card_topic)
        estimate = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == case.id)).one()
        clock.advance(estimate.expected_at - clock.now() + timedelta(minutes=1))
        _cookie(client, db, w.alice_user)
        client.cookies.set("nara_lang", "en")
        page = client.get(f"/cases/{case.number}")
    assert page.status_code == 200
    assert "It is taking longer than we thought" in page.text
