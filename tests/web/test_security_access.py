"""Findings of the security review about who may do what: taking over another team's
topic, idempotent retries of cases one can no longer see, searches by personnummer and
anonymous conversations from the page forms."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM
from nara.domain.routing import set_topic_routing
from nara.models import Role
from tests import factories

API = "/api/v1"


@pytest.fixture
def w(db: Session) -> factories.World:
    return factories.world(db)


def _status(response: Any, expected: int) -> Any:
    assert response.status_code == expected, response.text
    return response


# ---- a lead cannot take over another team's topic ----


def test_a_lead_cannot_link_their_team_to_another_teams_topic(
    client: TestClient, db: Session, w: factories.World
) -> None:
    lead = factories.headers(db, w.card_lead)
    # The card lead tries to pull the loans team's topic to cards with a better rank.
    body = _status(
        client.put(f"{API}/teams/{w.cards.id}/topics/{w.loan_topic.id}", headers=lead), 403
    ).json()
    assert "only their lead or an admin" in body["detail"]
    routing = client.get(f"{API}/topics/{w.loan_topic.id}/routing", headers=lead).json()
    assert [r["team_id"] for r in routing] == [w.loans.id]
    # New cases on the topic still go to loans, and the loans lead still manages it.
    case = factories.case(db, the_customer=w.alice, the_topic=w.loan_topic)
    assert case.team_id == w.loans.id
    loan_lead = factories.user(db, role="lead", teams=[w.loans])
    renamed = client.patch(
        f"{API}/topics/{w.loan_topic.id}",
        json={"name_en": "Loans 2"},
        headers=factories.headers(db, loan_lead),
    )
    _status(renamed, 200)


def test_a_lead_of_every_handling_team_or_an_admin_may_link(
    client: TestClient, db: Session, w: factories.World
) -> None:
    both = factories.user(db, role="lead", teams=[w.cards, w.loans])
    _status(
        client.put(
            f"{API}/teams/{w.cards.id}/topics/{w.loan_topic.id}",
            headers=factories.headers(db, both),
        ),
        200,
    )
    admin = factories.headers(db, w.admin)
    _status(client.put(f"{API}/teams/{w.front.id}/topics/{w.loan_topic.id}", headers=admin), 200)
    # A topic nobody handles yet is free for any lead to take on.
    fresh = factories.topic(db)
    lead = factories.headers(db, w.card_lead)
    _status(client.put(f"{API}/teams/{w.cards.id}/topics/{fresh.id}", headers=lead), 200)


def test_a_lead_cannot_rerank_their_link_to_a_shared_topic(
    client: TestClient, db: Session, w: factories.World
) -> None:
    # An admin made cards a second team for the loans topic, behind loans.
    team_actions.add_team_topic(
        session=db, actor=SYSTEM, team_id=w.cards.id, topic_id=w.loan_topic.id
    )
    set_topic_routing(
        session=db,
        actor=SYSTEM,
        topic_id=w.loan_topic.id,
        team_id=w.loans.id,
        rank=0,
        accepts_overflow=False,
    )
    set_topic_routing(
        session=db,
        actor=SYSTEM,
        topic_id=w.loan_topic.id,
        team_id=w.cards.id,
        rank=5,
        accepts_overflow=False,
    )
    lead = factories.headers(db, w.card_lead)
    url = f"{API}/topics/{w.loan_topic.id}/routing/{w.cards.id}"
    _status(client.put(url, json={"rank": 0, "accepts_overflow": True}, headers=lead), 403)
    admin = factories.headers(db, w.admin)
    _status(client.put(url, json={"rank": 1, "accepts_overflow": True}, headers=admin), 200)
    # Its own topic's routing stays the lead's.
    own = f"{API}/topics/{w.card_topic.id}/routing/{w.cards.id}"
    _status(client.put(own, json={"rank": 2, "accepts_overflow": False}, headers=lead), 200)
    assert w.card_lead.role == Role.lead


# ---- every search by a full personnummer shares one limit ----

ALICE_PNR = "19800426-2385"  # factories.world gives Alice 198004262385


def _tries(count: int) -> list[str]:
    """Check-digit-valid endings of Alice's birth date, as someone trying them would."""
    from nara import personnummer

    valid = (f"19800426-{n:03d}{c}" for n in range(1000) for c in range(10))
    found = [p for p in valid if personnummer.luhn_ok(p[2:8] + p[9:])]
    return [p for p in found if p != ALICE_PNR][:count]


def _log_in(client: TestClient, db: Session, user: Any) -> str:
    from nara.domain import auth as auth_actions

    new = auth_actions.start_session(session=db, user=user)
    db.commit()
    client.cookies.clear()
    client.cookies.set("nara_session", new.token)
    return new.session.csrf_token


def test_the_inbox_search_by_personnummer_is_limited(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _log_in(client, db, w.card_agent)
    first = client.get("/cases", params={"q": ALICE_PNR, "tab": "team"})
    assert first.status_code == 200
    assert w.alice_case.number in first.text  # it finds the case by the full number
    codes = [
        client.get("/cases", params={"q": pnr, "tab": "team"}).status_code for pnr in _tries(29)
    ]
    assert set(codes) == {200}
    refused = client.get("/cases", params={"q": ALICE_PNR, "tab": "team", "partial": "1"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert w.alice_case.number not in refused.text
    # Other searches still work.
    assert client.get("/cases", params={"q": "Kort", "tab": "team"}).status_code == 200


def test_all_searches_by_personnummer_share_one_limit(
    client: TestClient, db: Session, w: factories.World
) -> None:
    headers = factories.headers(db, w.card_agent)
    _log_in(client, db, w.card_agent)
    tries = _tries(29)
    for pnr in tries[:10]:
        assert client.get("/cases", params={"q": pnr}).status_code == 200
    for pnr in tries[10:20]:
        found = client.get(f"{API}/customers", params={"q": pnr}, headers=headers)
        assert found.status_code == 200
    for pnr in tries[20:]:  # registering with a taken personnummer tells that it exists
        client.post(f"{API}/customers", json={"name": "Test", "personnummer": pnr}, headers=headers)
    taken = {"name": "Probe", "personnummer": ALICE_PNR}
    assert client.post(f"{API}/customers", json=taken, headers=headers).status_code == 409
    # That was the 30th: every path is now refused.
    assert client.get("/cases", params={"q": ALICE_PNR}).status_code == 429
    api = client.get(f"{API}/customers", params={"q": ALICE_PNR}, headers=headers)
    assert api.status_code == 429 and api.headers["retry-after"]
    assert client.post(f"{API}/customers", json=taken, headers=headers).status_code == 429
    patch = {"personnummer": ALICE_PNR}
    changed = client.patch(f"{API}/customers/{w.bob.id}", json=patch, headers=headers)
    assert changed.status_code == 429


def test_the_api_case_list_does_not_match_personnummer(
    client: TestClient, db: Session, w: factories.World
) -> None:
    """The API case list's ``q`` matches numbers, subjects and names only, so it needs no
    limit: a full personnummer finds nothing there."""
    headers = factories.headers(db, w.card_agent)
    for q in (ALICE_PNR, ALICE_PNR.replace("-", ""), ALICE_PNR[2:]):
        listed = client.get(f"{API}/cases", params={"q": q}, headers=headers)
        assert listed.status_code == 200 and listed.json()["items"] == []
    by_name = client.get(f"{API}/cases", params={"q": w.alice.name}, headers=headers)
    assert w.alice_case.number in [c["number"] for c in by_name.json()["items"]]


def test_leads_see_personnummer_and_are_not_limited(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _log_in(client, db, w.card_lead)
    codes = {client.get("/cases", params={"q": pnr}).status_code for pnr in _tries(35)}
    assert codes == {200}


# ---- anonymous conversations from the page forms are limited like the API's ----


def _form_token(client: TestClient) -> str:
    import re

    page = client.get("/help")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def test_the_person_form_is_limited_like_the_api(
    client: TestClient, w: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nara.config import reset_settings

    monkeypatch.setenv("NARA_ASK_RATE_LIMIT", "3/minute")
    reset_settings()
    try:
        token = _form_token(client)
        codes = [
            client.post("/help/person", data={"csrf_token": token}).status_code for _ in range(3)
        ]
        refused = client.post("/help/person", data={"csrf_token": token})
        # The API's conversations share the bucket: it is spent for this client.
        api = client.post(f"{API}/selfservice/conversations", json={"lang": "sv"})
        asked = client.post("/help/ask", data={"csrf_token": token, "question": "Mitt kort"})
    finally:
        monkeypatch.undo()
        reset_settings()
    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert api.status_code == 429 and api.headers["retry-after"]
    assert asked.status_code == 429 and asked.headers["retry-after"]


# ---- an idempotent retry answers only what the caller may see now ----


def test_a_retry_of_a_case_that_left_the_callers_sight_is_404(
    client: TestClient, db: Session, w: factories.World
) -> None:
    agent = factories.headers(db, w.card_agent) | {"Idempotency-Key": "samtal-1"}
    # Opened straight for the loans team (staff who name a team do not keep the case).
    body = {"message": "Kunden ringde om sitt lån", "customer_id": w.alice.id}
    body["team_id"] = w.loans.id
    first = _status(client.post(f"{API}/cases", json=body, headers=agent), 201).json()
    number = first["number"]
    admin = factories.headers(db, w.admin)
    secret = {"body": "Intern: kunden har betalningsanmärkningar"}
    _status(client.post(f"{API}/cases/{number}/notes", json=secret, headers=admin), 201)
    retry = client.post(f"{API}/cases", json=body, headers=agent)
    assert retry.status_code == 404, retry.text
    assert "betalningsanmärkningar" not in retry.text and number not in retry.text


def test_a_retry_is_rendered_as_the_caller_sees_the_case_now(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.headers(db, w.alice_user) | {"Idempotency-Key": "kund-1"}
    body = {"message": "Kortet är borta", "topic_id": w.card_topic.id}
    number = _status(client.post(f"{API}/cases", json=body, headers=alice), 201).json()["number"]
    note = {"body": "Intern anteckning om kunden"}
    staff = factories.headers(db, w.card_agent)
    _status(client.post(f"{API}/cases/{number}/notes", json=note, headers=staff), 201)
    retry = _status(client.post(f"{API}/cases", json=body, headers=alice), 200)
    assert retry.json()["number"] == number
    assert "Intern anteckning" not in retry.text


def test_idempotency_keys_expire_after_a_day(
    client: TestClient, db: Session, w: factories.World
) -> None:
    from datetime import UTC, datetime, timedelta

    from nara import clock

    alice = factories.headers(db, w.alice_user) | {"Idempotency-Key": "kund-2"}
    body = {"message": "Kortet är borta", "topic_id": w.card_topic.id}
    with clock.frozen_at(datetime(2026, 3, 3, 9, tzinfo=UTC)):
        first = _status(client.post(f"{API}/cases", json=body, headers=alice), 201).json()
        clock.advance(timedelta(hours=23, minutes=59))
        same = _status(client.post(f"{API}/cases", json=body, headers=alice), 200).json()
        assert same["number"] == first["number"]
        clock.advance(timedelta(minutes=1))
        new = _status(client.post(f"{API}/cases", json=body, headers=alice), 201).json()
        assert new["number"] != first["number"]
        # The key now names the new case (also with another body after expiry).
        again = _status(client.post(f"{API}/cases", json=body, headers=alice), 200).json()
        assert again["number"] == new["number"]
