"""The service-level API: Next case, presence, a case's promises and expected wait,
callbacks, calendars, response promises and routing rules, with bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara import clock
from tests import factories

API = "/api/v1"
STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=STHLM)


@pytest.fixture
def w(db: Session) -> Iterator[factories.World]:
    with clock.frozen_at(MONDAY_9 - timedelta(minutes=30)):
        world = factories.world(db)
    with clock.frozen_at(MONDAY_9):
        yield world


def h(db: Session, user: Any) -> dict[str, str]:
    return factories.headers(db, user)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["detail"]
    return body


def test_next_case_and_presence(client: TestClient, db: Session, w: factories.World) -> None:
    agent = h(db, w.card_agent)
    mine = client.get(f"{API}/me/presence", headers=agent).json()
    assert mine == [
        {"team_id": w.cards.id, "user_id": w.card_agent.id, "status": "away", "away_until": None}
    ]
    got = client.post(f"{API}/queue/next", headers=agent)
    assert got.status_code == 200 and got.json()["number"] == w.alice_case.number
    assert got.json()["owner"]["id"] == w.card_agent.id
    # pressing Next made the agent available (they asked for work)
    assert client.get(f"{API}/me/presence", headers=agent).json()[0]["status"] == "available"
    empty = client.post(f"{API}/queue/next", headers=agent)
    assert empty.status_code == 204 and empty.content == b""
    back = (MONDAY_9 + timedelta(minutes=30)).isoformat()
    away = client.put(
        f"{API}/me/presence",
        headers=agent,
        json={"team_id": w.cards.id, "status": "away", "until": back},
    )
    assert away.status_code == 200 and away.json()["status"] == "away"
    problem(
        client.put(
            f"{API}/me/presence", headers=agent, json={"team_id": w.cards.id, "status": "asleep"}
        ),
        422,
    )
    problem(
        client.put(
            f"{API}/me/presence",
            headers=agent,
            json={
                "team_id": w.cards.id,
                "status": "away",
                "until": (MONDAY_9 - timedelta(hours=1)).isoformat(),
            },
        ),
        422,
    )
    problem(
        client.put(
            f"{API}/me/presence",
            headers=agent,
            json={"team_id": w.cards.id, "status": "away", "until": "soon"},
        ),
        422,
    )
    team = client.get(f"{API}/teams/{w.cards.id}/presence", headers=h(db, w.card_lead)).json()
    assert {p["user_id"]: p["status"] for p in team} == {w.card_agent.id: "away"}


def test_customer_sees_expected_wait_and_promise(
    client: TestClient, db: Session, w: factories.World
) -> None:
    created = client.post(
        f"{API}/promises",
        headers=h(db, w.admin),
        json={"first_response_minutes": 120, "resolution_minutes": 960},
    )
    assert created.status_code == 201
    alice = h(db, w.alice_user)
    opened = client.post(
        f"{API}/cases",
        headers=alice,
        json={"message": "Mitt kort är spärrat", "topic_id": w.card_topic.id},
    )
    assert opened.status_code == 201
    case = opened.json()
    assert case["first_response_due_at"] is not None and case["routing_flag"] is None
    view = client.get(f"{API}/cases/{case['number']}/service", headers=alice).json()
    assert view["expected_wait"]["queue_ahead"] is None  # staff only
    assert view["expected_wait"]["expected_minutes"] > 0
    assert datetime.fromisoformat(view["expected_wait"]["expected_at"]) > MONDAY_9
    kinds = {p["kind"]: p for p in view["promises"]}
    assert kinds["first_response"]["state"] == "ok"
    assert kinds["first_response"]["budget_minutes"] == 120
    assert view["tasks"] == []
    staff = client.get(f"{API}/cases/{case['number']}/service", headers=h(db, w.card_agent))
    # alice's earlier case was opened before any promise existed: it sorts after this one
    assert staff.json()["expected_wait"]["queue_ahead"] == 0


def test_callbacks_through_the_api(client: TestClient, db: Session, w: factories.World) -> None:
    alice = h(db, w.alice_user)
    number = w.alice_case.number
    slots = client.get(f"{API}/cases/{number}/callback-slots", headers=alice).json()
    assert slots and all(s["free"] == 1 for s in slots)
    first = slots[0]["starts_at"]
    booked = client.post(
        f"{API}/cases/{number}/callbacks",
        headers=alice,
        json={"starts_at": first, "phone": "070-123 45 67"},
    )
    assert booked.status_code == 201, booked.text
    cb = booked.json()
    assert cb["status"] == "booked" and cb["attempt"] == 1
    # the slot is now full for everyone else (capacity 1 by default)
    bob_case = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, by=w.bob_user)
    full = client.post(
        f"{API}/cases/{bob_case.number}/callbacks",
        headers=h(db, w.bob_user),
        json={"starts_at": first, "phone": "070-765 43 21"},
    )
    problem(full, 409)
    after = client.get(
        f"{API}/cases/{bob_case.number}/callback-slots", headers=h(db, w.bob_user)
    ).json()
    assert after[0]["starts_at"] == first and after[0]["free"] == 0
    problem(
        client.post(
            f"{API}/cases/{number}/callbacks",
            headers=alice,
            json={"starts_at": "2020-01-01T10:00:00+01:00", "phone": "070"},
        ),
        409,
    )
    problem(
        client.post(
            f"{API}/callbacks/{cb['id']}/move",
            headers=alice,
            json={"starts_at": "2020-01-01T10:00:00+01:00"},
        ),
        422,
    )
    problem(
        client.post(
            f"{API}/callbacks/{cb['id']}/move", headers=alice, json={"starts_at": "not a time"}
        ),
        422,
    )
    moved = client.post(
        f"{API}/callbacks/{cb['id']}/move", headers=alice, json={"starts_at": slots[1]["starts_at"]}
    )
    assert moved.status_code == 200 and moved.json()["starts_at"] == slots[1]["starts_at"]
    # bob cannot touch alice's callback; the agent records the outcome
    problem(client.post(f"{API}/callbacks/{cb['id']}/cancel", headers=h(db, w.bob_user)), 404)
    problem(
        client.post(f"{API}/callbacks/{cb['id']}/outcome", headers=alice, json={"reached": True}),
        403,
    )
    due = client.get(f"{API}/callbacks/due", headers=h(db, w.card_agent)).json()
    assert [d["id"] for d in due] == [cb["id"]]
    done = client.post(
        f"{API}/callbacks/{cb['id']}/outcome",
        headers=h(db, w.card_agent),
        json={"reached": False, "note": "Inget svar"},
    )
    assert done.json()["status"] == "not_reached"
    view = client.get(f"{API}/cases/{number}/service", headers=alice).json()
    assert [c["status"] for c in view["callbacks"]] == ["not_reached"]
    events = client.get(f"{API}/cases/{number}/events", headers=alice).json()
    assert "callback.not_reached" in [e["type"] for e in events]


def test_calendar_promises_and_routing_admin(
    client: TestClient, db: Session, w: factories.World
) -> None:
    lead = h(db, w.card_lead)
    cal = client.get(f"{API}/teams/{w.cards.id}/calendar", headers=lead).json()
    assert cal["is_default"] and cal["hours"]["mon"] == "08:00-17:00" and cal["hours"]["sat"] == ""
    put = client.put(
        f"{API}/teams/{w.cards.id}/calendar",
        headers=lead,
        json={
            "hours": {"mon": "09:00-12:00, 13:00-16:00"},
            "closed_dates": ["2026-12-28"],
            "callback_capacity": 3,
        },
    )
    assert put.status_code == 200, put.text
    assert put.json()["hours"]["mon"] == "09:00-12:00, 13:00-16:00"
    assert put.json()["closed_dates"] == ["2026-12-28"] and not put.json()["is_default"]
    for bad in (
        {"hours": {}},
        {"hours": {"mon": "9-17"}},
        {"hours": {"mon": "08:00-17:00"}, "timezone": "Mars/Base"},
    ):
        problem(client.put(f"{API}/teams/{w.cards.id}/calendar", headers=lead, json=bad), 422)
    problem(
        client.put(
            f"{API}/teams/{w.loans.id}/calendar",
            headers=lead,
            json={"hours": {"mon": "08:00-17:00"}},
        ),
        403,
    )
    problem(
        client.post(
            f"{API}/promises",
            headers=lead,
            json={"first_response_minutes": 0, "resolution_minutes": 60},
        ),
        422,
    )
    urgent = {"first_response_minutes": 60, "resolution_minutes": 600, "priority": "urgent"}
    # the organisation-wide promises are the admins'; a lead sets those of their topics
    denied = problem(client.post(f"{API}/promises", headers=lead, json=urgent), 403)
    assert "organisation-wide" in denied["detail"]
    other_team = {**urgent, "topic_id": w.loan_topic.id}
    problem(client.post(f"{API}/promises", headers=lead, json=other_team), 403)
    org_wide = client.post(f"{API}/promises", headers=h(db, w.admin), json=urgent)
    assert org_wide.status_code == 201
    oid = org_wide.json()["id"]
    body = {"first_response_minutes": 50, "resolution_minutes": 500}
    problem(client.put(f"{API}/promises/{oid}", headers=lead, json=body), 403)
    problem(client.delete(f"{API}/promises/{oid}", headers=lead), 403)
    ours = {**urgent, "topic_id": w.card_topic.id}
    ok = client.post(f"{API}/promises", headers=lead, json=ours)
    assert ok.status_code == 201
    problem(
        client.post(
            f"{API}/promises",
            headers=lead,
            json={**ours, "first_response_minutes": 30},
        ),
        409,
    )
    pid = ok.json()["id"]
    upd = client.put(
        f"{API}/promises/{pid}",
        headers=lead,
        json={"first_response_minutes": 45, "resolution_minutes": 30},
    )
    problem(upd, 422)
    assert client.delete(f"{API}/promises/{pid}", headers=lead).status_code == 204
    problem(client.delete(f"{API}/promises/{pid}", headers=lead), 404)
    routing = client.put(
        f"{API}/topics/{w.card_topic.id}/routing/{w.cards.id}",
        headers=lead,
        json={"rank": 2, "accepts_overflow": False},
    )
    assert routing.status_code == 200
    listed = client.get(f"{API}/topics/{w.card_topic.id}/routing", headers=lead).json()
    assert listed == [
        {"topic_id": w.card_topic.id, "team_id": w.cards.id, "rank": 2, "accepts_overflow": False}
    ]
    problem(
        client.put(
            f"{API}/topics/{w.card_topic.id}/routing/{w.cards.id}", headers=lead, json={"rank": 500}
        ),
        422,
    )
