"""/api/v1/cases through HTTP: opening, listing, reading, replying, notes, status,
assignment, priority, case numbers and idempotent retries."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM
from nara.models import Case, IdempotencyKey
from nara.web.deps import get_db
from tests import factories

API = "/api/v1"
CASES = f"{API}/cases"
PROBLEM = "application/problem+json"
NUMBER = re.compile(r"^NA-(\d{4})-(\d{6})$")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(app: FastAPI, db: Session) -> FastAPI:
    """Like the application's own ``get_db``, roll back what a failed request wrote (the
    shared fixture hands out the test's session without doing so)."""

    def _db() -> Iterator[Session]:
        try:
            yield db
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_db] = _db
    return app


@pytest.fixture
def w(db: Session) -> factories.World:
    return factories.world(db)


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen_at(T0):
        yield


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def as_(db: Session, user: Any) -> dict[str, str]:
    return factories.headers(db, user)


def event_types(case: dict[str, Any]) -> list[str]:
    return [e["type"] for e in case["events"]]


# ---- opening ----
def test_customer_opens_own_case_routed_by_topic(
    client: TestClient, db: Session, w: factories.World
) -> None:
    response = client.post(
        CASES,
        json={
            "message": "Kortet har inte kommit.\nJag beställde för två veckor sedan.",
            "topic_id": w.card_topic.id,
        },
        headers=as_(db, w.alice_user),
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert response.headers["location"] == f"{CASES}/{case['number']}"
    assert NUMBER.match(case["number"])
    assert case["customer"] == {"id": w.alice.id, "name": w.alice.name}
    assert case["team"]["id"] == w.cards.id
    assert case["topic"]["id"] == w.card_topic.id
    assert case["status"] == "new"
    assert case["status_category"] == "open"
    assert case["channel"] == "web"
    assert case["priority"] == "normal"
    assert case["owner"] is None
    assert case["first_response_at"] is None
    assert case["subject"] == "Kortet har inte kommit."
    # The customer sees the opening message, not the internal routing.
    assert event_types(case) == ["case.opened"]
    assert case["events"][0]["body"].startswith("Kortet har inte kommit.")
    # Staff see why it went where it did.
    staff = client.get(f"{CASES}/{case['number']}", headers=as_(db, w.card_agent)).json()
    routed = next(e for e in staff["events"] if e["type"] == "case.routed")
    assert routed["data"] == {
        "team": w.cards.name_sv,
        "team_en": w.cards.name_en,
        "team_id": w.cards.id,
        "reason": "topic",
    }


@pytest.mark.parametrize("who", ["customer", "staff", "lead for an agent", "admin for a team"])
def test_the_answer_to_an_opening_is_the_case_as_read_afterwards(
    client: TestClient, db: Session, w: factories.World, who: str
) -> None:
    """The answer to POST /cases is built from what the opening wrote (no second read of
    the timeline); it must say exactly what GET says of the case to the same caller:
    a customer sees the public events only, staff every one, in order."""
    body: dict[str, Any] = {"message": "Dubbeldragning på kortet", "topic_id": w.card_topic.id}
    headers = as_(db, w.alice_user)
    if who == "staff":
        body.update(customer_id=w.alice.id, channel="phone")
        headers = as_(db, w.card_agent)
    elif who == "lead for an agent":
        body.update(customer_id=w.alice.id, owner_id=w.card_agent.id, team_id=w.cards.id)
        headers = as_(db, w.card_lead)
    elif who == "admin for a team":
        body.update(customer_id=w.bob.id, team_id=w.loans.id, topic_id=None, subject="Lån")
        headers = as_(db, w.admin)
    opened = client.post(CASES, json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    read = client.get(f"{CASES}/{opened.json()['number']}", headers=headers)
    assert read.status_code == 200, read.text
    assert opened.json() == read.json()
    types = event_types(opened.json())
    if who == "customer":
        assert types == ["case.opened"]
    else:
        assert types[:2] == ["case.opened", "case.routed"]
    ids = [e["id"] for e in opened.json()["events"]]
    assert ids == sorted(ids) and all(isinstance(i, int) for i in ids)


@pytest.mark.parametrize("with_topic", [False, True], ids=["no topic", "topic of no team"])
def test_case_without_a_handling_team_goes_to_the_fallback_team(
    client: TestClient, db: Session, w: factories.World, with_topic: bool
) -> None:
    body: dict[str, Any] = {"message": "Något annat"}
    if with_topic:
        body["topic_id"] = factories.topic(db).id
    response = client.post(CASES, json=body, headers=as_(db, w.alice_user))
    assert response.status_code == 201, response.text
    number = response.json()["number"]
    assert response.json()["team"]["id"] == w.front.id
    staff = client.get(f"{CASES}/{number}", headers=as_(db, w.admin)).json()
    routed = next(e for e in staff["events"] if e["type"] == "case.routed")
    assert routed["data"]["reason"] == "fallback"
    assert routed["data"]["team_id"] == w.front.id


def test_staff_open_a_case_for_a_customer(
    client: TestClient, db: Session, w: factories.World
) -> None:
    response = client.post(
        CASES,
        json={
            "message": "Ringde om lånet",
            "customer_id": w.bob.id,
            "channel": "phone",
            "topic_id": w.loan_topic.id,
            "priority": "high",
            "subject": "Lånefråga",
        },
        headers=as_(db, w.loan_agent),
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["customer"]["id"] == w.bob.id
    assert case["channel"] == "phone"
    assert case["priority"] == "high"
    assert case["subject"] == "Lånefråga"
    assert case["team"]["id"] == w.loans.id
    # Bob sees it in his list.
    bob = client.get(CASES, headers=as_(db, w.bob_user)).json()
    assert case["number"] in [c["number"] for c in bob["items"]]


def test_staff_choose_team_and_owner(client: TestClient, db: Session, w: factories.World) -> None:
    response = client.post(
        CASES,
        json={
            "message": "Direkt till lån",
            "customer_id": w.alice.id,
            "team_id": w.loans.id,
            "owner_id": w.loan_agent.id,
        },
        headers=as_(db, w.admin),
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["team"]["id"] == w.loans.id
    assert case["owner"]["id"] == w.loan_agent.id
    assert event_types(case) == ["case.opened", "case.routed", "case.assigned"]
    assert case["events"][1]["data"]["reason"] == "chosen"
    # An owner who is not in the chosen team is refused.
    refused = client.post(
        CASES,
        json={
            "message": "x",
            "customer_id": w.alice.id,
            "team_id": w.loans.id,
            "owner_id": w.card_agent.id,
        },
        headers=as_(db, w.admin),
    )
    problem(refused, 422, "owner_id")
    unknown_team = client.post(
        CASES,
        json={"message": "x", "customer_id": w.alice.id, "team_id": 999_999},
        headers=as_(db, w.admin),
    )
    problem(unknown_team, 422, "team_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "message"),
        ({"message": ""}, "message"),
        ({"message": "   \n\t "}, "message"),
        ({"message": None}, "message"),
        ({"message": 42}, "message"),
        ({"message": "hej", "channel": "fax"}, "channel"),
        ({"message": "hej", "topic_id": "kort"}, "topic_id"),
        ({"message": "hej", "subject": "x" * 401}, "subject"),
        ({"message": "hej", "surprise": True}, "surprise"),
        ({"message": "x" * 20_001}, "message"),
    ],
)
def test_invalid_case_input_is_422_naming_the_field(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any], field: str
) -> None:
    alice = as_(db, w.alice_user)
    before = client.get(CASES, headers=alice).json()["items"]
    response = client.post(CASES, json=body, headers=alice)
    result = problem(response, 422, field)
    assert all(set(e) == {"field", "message"} and e["message"] for e in result["errors"])
    assert client.get(CASES, headers=alice).json()["items"] == before


def test_unknown_or_inactive_topic_is_422(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = as_(db, w.alice_user)
    body = problem(
        client.post(CASES, json={"message": "x", "topic_id": 999_999}, headers=alice),
        422,
        "topic_id",
    )
    assert "999999" in body["detail"]
    team_actions.update_topic(session=db, actor=SYSTEM, topic_id=w.loan_topic.id, is_active=False)
    problem(
        client.post(CASES, json={"message": "x", "topic_id": w.loan_topic.id}, headers=alice),
        422,
        "topic_id",
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"team_id": "loans"},
        {"priority": "urgent"},
        {"owner_id": "card_agent"},
        {"customer_id": "bob"},
    ],
    ids=["team", "priority", "owner", "another customer"],
)
def test_customer_may_not_choose_team_owner_priority_or_customer(
    client: TestClient, db: Session, w: factories.World, extra: dict[str, str]
) -> None:
    ids = {"loans": w.loans.id, "card_agent": w.card_agent.id, "bob": w.bob.id}
    body: dict[str, Any] = {"message": "Snälla", **{k: ids.get(v, v) for k, v in extra.items()}}
    alice = as_(db, w.alice_user)
    response = client.post(CASES, json=body, headers=alice)
    problem(response, 403)
    assert [c["number"] for c in client.get(CASES, headers=alice).json()["items"]] == [
        w.alice_case.number
    ]


def test_customer_opens_only_on_web_or_chat(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = as_(db, w.alice_user)
    assert (
        client.post(CASES, json={"message": "x", "channel": "chat"}, headers=alice).status_code
        == 201
    )
    problem(
        client.post(CASES, json={"message": "x", "channel": "phone"}, headers=alice), 422, "channel"
    )
    # Customer_id equal to their own is fine.
    own = client.post(CASES, json={"message": "x", "customer_id": w.alice.id}, headers=alice)
    assert own.status_code == 201


def test_staff_must_name_an_existing_customer(
    client: TestClient, db: Session, w: factories.World
) -> None:
    agent = as_(db, w.card_agent)
    problem(client.post(CASES, json={"message": "x"}, headers=agent), 422, "customer_id")
    problem(
        client.post(CASES, json={"message": "x", "customer_id": 999_999}, headers=agent),
        422,
        "customer_id",
    )


def test_long_first_line_makes_a_short_subject(
    client: TestClient, db: Session, w: factories.World
) -> None:
    message = "Ö" * 300 + "\nmer text"
    response = client.post(CASES, json={"message": message}, headers=as_(db, w.alice_user))
    assert response.status_code == 201
    assert response.json()["subject"] == "Ö" * 120
    assert response.json()["events"][0]["body"] == message
    at_limit = client.post(CASES, json={"message": "x" * 20_000}, headers=as_(db, w.alice_user))
    assert at_limit.status_code == 201


# ---- case numbers ----
def test_case_numbers_are_yearly_and_increasing(client: TestClient, db: Session) -> None:
    # 23:59 on New Year's Eve in Stockholm (the display time zone, where the year counts).
    with clock.frozen_at(datetime(2031, 12, 31, 22, 59, tzinfo=UTC)):
        w = factories.world(db)
        alice = as_(db, w.alice_user)
        numbers = [w.alice_case.number, w.bob_case.number]
        for _ in range(3):
            response = client.post(CASES, json={"message": "x"}, headers=alice)
            assert response.status_code == 201
            numbers.append(response.json()["number"])
        parsed = [NUMBER.match(n) for n in numbers]
        assert all(p is not None and p.group(1) == "2031" for p in parsed)
        serials = [int(p.group(2)) for p in parsed if p]
        assert serials == sorted(serials)
        assert len(set(serials)) == len(serials)
        assert serials == list(range(serials[0], serials[0] + 5))
        clock.advance(timedelta(minutes=2))
        new_year = client.post(CASES, json={"message": "Gott nytt år"}, headers=alice)
        assert new_year.json()["number"] == "NA-2032-000001"
        assert new_year.json()["opened_at"] == "2031-12-31T23:01:00Z"


def test_case_number_lookup_ignores_case_and_spaces(
    client: TestClient, db: Session, w: factories.World
) -> None:
    number = w.alice_case.number
    alice = as_(db, w.alice_user)
    response = client.get(f"{CASES}/%20{number.lower()}%20", headers=alice)
    assert response.status_code == 200
    assert response.json()["number"] == number
    problem(client.get(f"{CASES}/NA-1999-000001", headers=alice), 404)
    problem(client.get(f"{CASES}/inte-ett-nummer", headers=alice), 404)


# ---- listing ----
def _numbers(client: TestClient, headers: dict[str, str], query: str = "") -> list[str]:
    response = client.get(f"{CASES}?limit=100{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [c["number"] for c in response.json()["items"]]


def test_list_filters(client: TestClient, db: Session, frozen: None) -> None:
    w = factories.world(db)
    admin = as_(db, w.admin)
    agent = as_(db, w.card_agent)

    def open_(body: dict[str, Any], headers: dict[str, str]) -> str:
        clock.advance(timedelta(minutes=1))
        response = client.post(CASES, json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["number"])

    phone = open_(
        {
            "message": "Telefon",
            "customer_id": w.bob.id,
            "channel": "phone",
            "topic_id": w.card_topic.id,
            "priority": "urgent",
            "subject": "Spärrat kort",
        },
        admin,
    )
    mine = open_(
        {
            "message": "Mitt",
            "customer_id": w.alice.id,
            "topic_id": w.card_topic.id,
            "owner_id": w.card_agent.id,
        },
        admin,
    )
    fallback = open_({"message": "Övrigt", "customer_id": w.alice.id}, admin)
    alice_case, bob_case = w.alice_case.number, w.bob_case.number
    url = f"{CASES}/{phone}"
    assert (
        client.post(
            f"{url}/status", json={"status": "waiting_on_customer"}, headers=agent
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"{CASES}/{bob_case}/status", json={"status": "resolved"}, headers=admin
        ).status_code
        == 200
    )

    every = _numbers(client, admin)
    assert every == [fallback, mine, phone, bob_case, alice_case]
    assert _numbers(client, admin, "&status=waiting_on_customer") == [phone]
    assert _numbers(client, admin, "&status=resolved&status=waiting_on_customer") == [
        phone,
        bob_case,
    ]
    assert _numbers(client, admin, "&category=open") == [fallback, mine, alice_case]
    assert _numbers(client, admin, "&category=resolved") == [bob_case]
    assert _numbers(client, admin, f"&team_id={w.cards.id}") == [mine, phone, alice_case]
    assert _numbers(client, admin, f"&team_id={w.front.id}") == [fallback]
    assert _numbers(client, admin, f"&owner={w.card_agent.id}") == [mine]
    assert _numbers(client, agent, "&owner=me") == [mine]
    assert _numbers(client, admin, "&owner=me") == []
    assert _numbers(client, admin, "&owner=none") == [fallback, phone, bob_case, alice_case]
    assert _numbers(client, admin, f"&topic_id={w.loan_topic.id}") == [bob_case]
    assert _numbers(client, admin, "&channel=phone") == [phone]
    assert _numbers(client, admin, "&priority=urgent") == [phone]
    assert _numbers(client, admin, f"&customer_id={w.bob.id}") == [phone, bob_case]
    assert _numbers(client, admin, f"&q={phone}") == [phone]
    assert _numbers(client, admin, f"&q={phone.lower()}") == [phone]
    assert _numbers(client, admin, "&q=spärrat") == [phone]
    assert _numbers(client, admin, f"&q={w.bob.name}") == [phone, bob_case]
    assert _numbers(client, admin, "&q=100%25") == []
    assert _numbers(client, admin, "&q=_") == []
    # Filters combine.
    assert _numbers(client, admin, f"&team_id={w.cards.id}&customer_id={w.alice.id}") == [
        mine,
        alice_case,
    ]
    assert _numbers(client, agent, f"&category=open&owner=none&team_id={w.cards.id}") == [
        alice_case
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=stängd", "status"),
        ("category=new", "category"),
        ("owner=someone", "owner"),
        ("owner=-1", "owner"),
        ("team_id=cards", "team_id"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-5", "limit"),
        ("limit=many", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_invalid_list_parameters_are_422(
    client: TestClient, db: Session, w: factories.World, query: str, field: str
) -> None:
    problem(client.get(f"{CASES}?{query}", headers=as_(db, w.admin)), 422, field)


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        "{}",
        "null",
        "42",
        '"x"',
        '["2026-01-01T00:00:00", 1, 2]',
        '["yesterday", 1]',
        '["2026-01-01T00:00:00", "one"]',
        '["2026-01-01T00:00:00", NaN]',
        '["2026-01-01T00:00:00", Infinity]',
        '["2026-01-01T00:00:00", 1e400]',
        '["2026-01-01T00:00:00", 100000000000000000000000000000]',
        '["2026-01-01T00:00:00", -100000000000000000000000000000]',
        "[20260101, 1]",
        "\u00ff\u00fe",
    ],
)
def test_tampered_cursors_are_422(
    client: TestClient, db: Session, w: factories.World, raw: str
) -> None:
    response = client.get(f"{CASES}?cursor={_cursor(raw)}", headers=as_(db, w.admin))
    problem(response, 422, "cursor")


@pytest.mark.parametrize("same_instant", [False, True], ids=["spread", "same instant"])
def test_cursor_pagination_walks_every_case_once(
    client: TestClient, db: Session, same_instant: bool
) -> None:
    with clock.frozen_at(T0):
        w = factories.world(db)
        admin = as_(db, w.admin)
        for i in range(7):
            if not same_instant:
                clock.advance(timedelta(seconds=1))
            response = client.post(
                CASES, json={"message": f"Ärende {i}", "customer_id": w.bob.id}, headers=admin
            )
            assert response.status_code == 201
    everything = _numbers(client, admin)
    assert len(everything) == 9
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(f"{CASES}?{query}", headers=admin)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen.extend(c["number"] for c in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 20
    assert seen == everything  # same order, no duplicates, no gaps
    assert pages == 5
    opened = [c for c in everything]
    assert len(set(opened)) == 9
    # A page that ends exactly at the last case has no next cursor.
    full = client.get(f"{CASES}?limit=9", headers=admin).json()
    assert len(full["items"]) == 9
    assert full["next_cursor"] is None
    # A cursor keeps working when new cases arrive: they are newer, so not on later pages.
    first = client.get(f"{CASES}?limit=4", headers=admin).json()
    client.post(CASES, json={"message": "Nytt", "customer_id": w.bob.id}, headers=admin)
    rest = client.get(f"{CASES}?limit=100&cursor={first['next_cursor']}", headers=admin).json()
    assert [c["number"] for c in first["items"] + rest["items"]] == everything


def test_list_items_are_summaries(client: TestClient, db: Session, w: factories.World) -> None:
    page = client.get(CASES, headers=as_(db, w.card_agent)).json()
    assert page["next_cursor"] is None
    (item,) = page["items"]
    assert "events" not in item
    assert item["number"] == w.alice_case.number
    assert item["team"] == {
        "id": w.cards.id,
        "slug": w.cards.slug,
        "name_sv": w.cards.name_sv,
        "name_en": w.cards.name_en,
    }


# ---- reading ----
def test_get_case_with_events(client: TestClient, db: Session, w: factories.World) -> None:
    agent = as_(db, w.card_agent)
    response = client.get(f"{CASES}/{w.alice_case.number}", headers=agent)
    assert response.status_code == 200
    case = response.json()
    assert event_types(case) == ["case.opened", "case.routed"]
    opened = case["events"][0]
    assert opened["public"] is True
    assert opened["body"] == "Mitt kort har inte kommit."
    assert opened["actor"] == {"id": w.alice_user.id, "display_name": w.alice_user.display_name}
    assert opened["summary"] == "Ärendet öppnades"
    events = client.get(f"{CASES}/{w.alice_case.number}/events", headers=agent)
    assert events.status_code == 200
    assert events.json() == case["events"]


# ---- replies ----
def test_staff_reply_is_the_first_response_and_opens_the_case(
    client: TestClient, db: Session, w: factories.World, frozen: None
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    clock.advance(timedelta(minutes=42))
    response = client.post(
        f"{url}/replies", json={"body": "Vi skickar ett nytt kort."}, headers=agent
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["status"] == "open"
    assert case["first_response_at"] == "2026-03-02T09:42:00Z"
    reply = case["events"][-2]
    assert reply["type"] == "message.agent"
    assert reply["body"] == "Vi skickar ett nytt kort."
    assert case["events"][-1]["type"] == "case.status_changed"
    assert case["events"][-1]["data"] == {"old": "new", "new": "open"}
    clock.advance(timedelta(hours=1))
    again = client.post(f"{url}/replies", json={"body": "En sak till."}, headers=agent).json()
    assert again["first_response_at"] == "2026-03-02T09:42:00Z"
    assert event_types(again)[-1] == "message.agent"


def test_customer_reply_does_not_count_as_a_response(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    response = client.post(f"{url}/replies", json={"body": "Hallå?"}, headers=as_(db, w.alice_user))
    assert response.status_code == 201
    assert response.json()["status"] == "new"
    assert response.json()["first_response_at"] is None
    assert event_types(response.json())[-1] == "message.customer"


@pytest.mark.parametrize("waiting_status", ["waiting_on_customer", "resolved"])
def test_customer_reply_reopens_a_case_waiting_on_them(
    client: TestClient, db: Session, w: factories.World, waiting_status: str
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    changed = client.post(f"{url}/status", json={"status": waiting_status}, headers=agent)
    assert changed.json()["status"] == waiting_status
    response = client.post(
        f"{url}/replies", json={"body": "Här är kvittot."}, headers=as_(db, w.alice_user)
    )
    assert response.status_code == 201
    case = response.json()
    assert case["status"] == "open"
    assert case["resolved_at"] is None
    assert case["events"][-1]["data"] == {"old": waiting_status, "new": "open"}


def test_customer_reply_leaves_a_case_waiting_on_a_team(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    client.post(f"{url}/status", json={"status": "waiting_on_team"}, headers=as_(db, w.card_agent))
    response = client.post(f"{url}/replies", json={"body": "?"}, headers=as_(db, w.alice_user))
    assert response.json()["status"] == "waiting_on_team"


def test_no_replies_to_a_closed_case(client: TestClient, db: Session, w: factories.World) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    assert client.post(f"{url}/status", json={"status": "closed"}, headers=agent).status_code == 200
    for who in (agent, as_(db, w.alice_user)):
        problem(client.post(f"{url}/replies", json={"body": "Hej"}, headers=who), 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": " \u0000 "}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": ["x"]}, "body"),
        ({"body": "x", "to": 1}, "to"),
    ],
)
def test_invalid_reply_is_422(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any], field: str
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    problem(client.post(f"{url}/replies", json=body, headers=agent), 422, field)
    problem(client.post(f"{url}/notes", json=body, headers=agent), 422, field)
    after = client.get(url, headers=agent).json()
    assert event_types(after) == ["case.opened", "case.routed"]
    assert after["status"] == "new"


# ---- notes ----
def test_notes_are_internal(client: TestClient, db: Session, w: factories.World) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    response = client.post(f"{url}/notes", json={"body": "Kunden verkar stressad."}, headers=agent)
    assert response.status_code == 201
    case = response.json()
    note = case["events"][-1]
    assert note["type"] == "note.added"
    assert note["public"] is False
    assert note["body"] == "Kunden verkar stressad."
    assert case["status"] == "new"  # a note is not a response
    assert case["first_response_at"] is None
    alice = as_(db, w.alice_user)
    problem(client.post(f"{url}/notes", json={"body": "Min anteckning"}, headers=alice), 404)
    seen = client.get(url, headers=alice).json()
    assert "note.added" not in event_types(seen)
    assert "stressad" not in str(seen)


# ---- status ----
def test_status_changes_and_timestamps(
    client: TestClient, db: Session, w: factories.World, frozen: None
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)

    def set_status(status: str) -> dict[str, Any]:
        clock.advance(timedelta(minutes=5))
        response = client.post(f"{url}/status", json={"status": status}, headers=agent)
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert set_status("open")["status_category"] == "open"
    assert set_status("waiting_on_team")["status_category"] == "waiting_on_team"
    resolved = set_status("resolved")
    assert resolved["resolved_at"] == "2026-03-02T09:15:00Z"
    assert resolved["closed_at"] is None
    reopened = set_status("open")
    assert reopened["resolved_at"] is None
    same = set_status("open")
    assert event_types(same).count("case.status_changed") == 4  # no event for no change
    closed = set_status("closed")
    assert closed["closed_at"] == "2026-03-02T09:30:00Z"
    assert closed["resolved_at"] == "2026-03-02T09:30:00Z"
    assert set_status("closed")["closed_at"] == "2026-03-02T09:30:00Z"
    for status in ("open", "resolved", "waiting_on_customer"):
        problem(client.post(f"{url}/status", json={"status": status}, headers=agent), 409)
    assert client.get(url, headers=agent).json()["status"] == "closed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": "OPEN"}, "status"),
        ({"status": ""}, "status"),
        ({"status": "new"}, "status"),
        ({}, "status"),
        ({"status": 1}, "status"),
    ],
)
def test_invalid_status_is_422(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any], field: str
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    client.post(f"{url}/status", json={"status": "open"}, headers=agent)
    result = problem(client.post(f"{url}/status", json=body, headers=agent), 422, field)
    if body.get("status") == "done":
        assert "waiting_on_customer" in result["detail"]  # says what is allowed
    assert client.get(url, headers=agent).json()["status"] == "open"


# ---- assignment ----
def test_assign_claim_and_unassign(client: TestClient, db: Session, w: factories.World) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    lead = as_(db, w.card_lead)
    agent = as_(db, w.card_agent)
    assigned = client.post(f"{url}/assign", json={"owner_id": w.card_agent.id}, headers=lead)
    assert assigned.status_code == 200
    assert assigned.json()["owner"] == {
        "id": w.card_agent.id,
        "display_name": w.card_agent.display_name,
    }
    assert assigned.json()["events"][-1]["data"]["owner_id"] == w.card_agent.id
    claimed = client.post(f"{url}/claim", headers=lead)
    assert claimed.json()["owner"]["id"] == w.card_lead.id
    again = client.post(f"{url}/claim", headers=lead).json()
    assert event_types(again).count("case.assigned") == 2  # claiming what you own: no event
    # Omitting owner_id keeps the owner; an explicit null unassigns.
    kept = client.post(f"{url}/assign", json={}, headers=agent).json()
    assert kept["owner"]["id"] == w.card_lead.id
    unassigned = client.post(f"{url}/assign", json={"owner_id": None}, headers=agent).json()
    assert unassigned["owner"] is None
    assert unassigned["events"][-1]["type"] == "case.unassigned"


@pytest.mark.parametrize("who", ["loan_agent", "alice_user", "inactive", "nobody"])
def test_owner_must_be_active_staff_in_the_cases_team(
    client: TestClient, db: Session, w: factories.World, who: str
) -> None:
    ids = {"loan_agent": w.loan_agent.id, "alice_user": w.alice_user.id, "nobody": 999_999}
    if who == "inactive":
        gone = factories.user(db, teams=[w.cards])
        client.patch(f"{API}/users/{gone.id}", json={"is_active": False}, headers=as_(db, w.admin))
        ids[who] = gone.id
    url = f"{CASES}/{w.alice_case.number}"
    response = client.post(
        f"{url}/assign", json={"owner_id": ids[who]}, headers=as_(db, w.card_lead)
    )
    problem(response, 422, "owner_id")
    assert client.get(url, headers=as_(db, w.card_lead)).json()["owner"] is None


def test_claim_needs_membership_of_the_cases_team(
    client: TestClient, db: Session, w: factories.World
) -> None:
    admin = as_(db, w.admin)
    problem(client.post(f"{CASES}/{w.alice_case.number}/claim", headers=admin), 422, "owner_id")
    team_actions.add_team_member(session=db, actor=SYSTEM, team_id=w.cards.id, user_id=w.admin.id)
    claimed = client.post(f"{CASES}/{w.alice_case.number}/claim", headers=admin)
    assert claimed.status_code == 200
    assert claimed.json()["owner"]["id"] == w.admin.id


def test_hand_over_team_and_owner_together(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    client.post(f"{url}/claim", headers=agent)
    moved = client.post(
        f"{url}/assign",
        json={"team_id": w.loans.id, "owner_id": w.loan_agent.id, "reason": "Ett lån"},
        headers=agent,
    )
    assert moved.status_code == 200
    case = moved.json()
    assert case["team"]["id"] == w.loans.id
    assert case["owner"]["id"] == w.loan_agent.id
    assert event_types(case)[-1] == "case.handed_over"
    assert case["events"][-1]["data"]["from_team_id"] == w.cards.id
    # An owner from the old team together with the hand-over is refused; nothing moves.
    back = client.post(
        f"{url}/assign",
        json={"team_id": w.cards.id, "owner_id": w.loan_agent.id, "reason": "Tillbaka"},
        headers=as_(db, w.loan_agent),
    )
    problem(back, 422, "owner_id")
    after = client.get(url, headers=as_(db, w.loan_agent)).json()
    assert after["team"]["id"] == w.loans.id
    assert after["owner"]["id"] == w.loan_agent.id


def test_assigning_another_team_is_a_hand_over_that_needs_a_reason(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    admin = as_(db, w.admin)
    client.post(f"{url}/assign", json={"owner_id": w.card_agent.id}, headers=admin)
    refused = client.post(f"{url}/assign", json={"team_id": w.loans.id}, headers=admin)
    problem(refused, 422, "reason")
    assert "reason" in refused.json()["detail"]
    moved = client.post(
        f"{url}/assign", json={"team_id": w.loans.id, "reason": "Lånefråga"}, headers=admin
    ).json()
    assert moved["team"]["id"] == w.loans.id
    assert moved["owner"] is None
    assert event_types(moved)[-1] == "case.handed_over"
    # Naming the team it is already in changes nothing (no hand-over, no reason needed).
    same = client.post(f"{url}/assign", json={"team_id": w.loans.id}, headers=admin).json()
    assert same["events"] == moved["events"]
    unknown = {"team_id": 999_999, "reason": "Fel"}
    problem(client.post(f"{url}/assign", json=unknown, headers=admin), 422, "team_id")


def test_closed_cases_cannot_be_assigned(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    client.post(f"{url}/status", json={"status": "closed"}, headers=agent)
    problem(client.post(f"{url}/claim", headers=agent), 409)
    problem(client.post(f"{url}/assign", json={"team_id": w.loans.id}, headers=agent), 409)
    handover = {"team": w.loans.slug, "reason": "Ett lån"}
    problem(client.post(f"{url}/handover", json=handover, headers=agent), 409)


# ---- priority ----
def test_priority(client: TestClient, db: Session, w: factories.World) -> None:
    url = f"{CASES}/{w.alice_case.number}"
    agent = as_(db, w.card_agent)
    changed = client.post(f"{url}/priority", json={"priority": "urgent"}, headers=agent)
    assert changed.status_code == 200
    assert changed.json()["priority"] == "urgent"
    assert changed.json()["events"][-1]["data"] == {"old": "normal", "new": "urgent"}
    same = client.post(f"{url}/priority", json={"priority": "urgent"}, headers=agent).json()
    assert event_types(same).count("case.priority_changed") == 1
    problem(
        client.post(f"{url}/priority", json={"priority": "asap"}, headers=agent), 422, "priority"
    )
    problem(client.post(f"{url}/priority", json={}, headers=agent), 422, "priority")
    assert _numbers(client, agent, "&priority=urgent") == [w.alice_case.number]
    # The customer does not see the internal priority change event.
    seen = client.get(url, headers=as_(db, w.alice_user)).json()
    assert "case.priority_changed" not in event_types(seen)


# ---- idempotent retries ----
def _count_cases(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def test_idempotency_key_returns_the_same_case(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = as_(db, w.alice_user) | {"Idempotency-Key": "9b2f1c6e-retry"}
    body = {"message": "Kortet är borta", "topic_id": w.card_topic.id}
    before = _count_cases(db)
    first = client.post(CASES, json=body, headers=alice)
    assert first.status_code == 201
    second = client.post(CASES, json=body, headers=alice)
    assert second.status_code == 200
    assert second.json()["number"] == first.json()["number"]
    assert second.headers["location"] == first.headers["location"]
    assert second.json()["events"] == first.json()["events"]
    assert _count_cases(db) == before + 1
    listed = [c["number"] for c in client.get(CASES, headers=alice).json()["items"]]
    assert listed.count(first.json()["number"]) == 1
    assert len(listed) == 2
    # Surrounding white space in the message is the same request.
    third = client.post(CASES, json={**body, "message": "  Kortet är borta \n"}, headers=alice)
    assert third.status_code == 200
    assert third.json()["number"] == first.json()["number"]


@pytest.mark.parametrize(
    "change",
    [{"message": "Något annat"}, {"topic_id": None}, {"channel": "chat"}, {"subject": "Ny"}],
)
def test_idempotency_key_with_another_request_is_422(
    client: TestClient, db: Session, w: factories.World, change: dict[str, Any]
) -> None:
    alice = as_(db, w.alice_user) | {"Idempotency-Key": "samma-nyckel"}
    body = {"message": "Kortet är borta", "topic_id": w.card_topic.id}
    assert client.post(CASES, json=body, headers=alice).status_code == 201
    before = _count_cases(db)
    problem(client.post(CASES, json={**body, **change}, headers=alice), 422, "Idempotency-Key")
    assert _count_cases(db) == before


def test_idempotency_keys_belong_to_one_user(
    client: TestClient, db: Session, w: factories.World
) -> None:
    key = {"Idempotency-Key": "delad-nyckel"}
    agent_a = as_(db, w.card_agent) | key
    agent_b = as_(db, w.card_lead) | key
    body = {"message": "Samtal", "customer_id": w.alice.id, "topic_id": w.card_topic.id}
    first = client.post(CASES, json=body, headers=agent_a)
    second = client.post(CASES, json=body, headers=agent_b)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]
    alice = client.post(CASES, json={"message": "Samtal"}, headers=as_(db, w.alice_user) | key)
    assert alice.status_code == 201
    assert alice.json()["number"] not in (first.json()["number"], second.json()["number"])
    # The same user's retry still finds their own.
    retry = client.post(CASES, json=body, headers=agent_b)
    assert retry.status_code == 200
    assert retry.json()["number"] == second.json()["number"]
    keys = db.scalars(select(IdempotencyKey).where(IdempotencyKey.key == "delad-nyckel")).all()
    assert len(keys) == 3


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_unusable_idempotency_keys_are_422(
    client: TestClient, db: Session, w: factories.World, key: str
) -> None:
    before = _count_cases(db)
    response = client.post(
        CASES, json={"message": "x"}, headers=as_(db, w.alice_user) | {"Idempotency-Key": key}
    )
    problem(response, 422, "Idempotency-Key")
    assert _count_cases(db) == before


def test_failed_request_does_not_burn_the_idempotency_key(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = as_(db, w.alice_user) | {"Idempotency-Key": "forsok-igen"}
    body = {"message": "x", "topic_id": 999_999}
    problem(client.post(CASES, json=body, headers=alice), 422, "topic_id")
    fixed = client.post(CASES, json={**body, "topic_id": w.card_topic.id}, headers=alice)
    assert fixed.status_code == 201
