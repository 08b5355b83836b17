"""The mandate API as issue 14 writes it: decision types, a case's mandate, decisions
(201 within the mandate, 202 beyond it), approvals and the what-if."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara.domain import mandates
from nara.domain.actors import SYSTEM
from tests import factories

API = "/api/v1"


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    refund = mandates.create_decision_type(
        session=db,
        actor=SYSTEM,
        slug="refund-fee",
        name_sv="Återbetalning av avgift",
        name_en="Refund a fee",
        kind="amount",
    )
    mandates.create_decision_type(
        session=db,
        actor=SYSTEM,
        slug="extend-deadline",
        name_sv="Förläng betalningsfrist",
        name_en="Extend a payment deadline",
        kind="days",
    )
    mandates.create_decision_type(
        session=db,
        actor=SYSTEM,
        slug="credit-exception",
        name_sv="Undantag från kreditpolicyn",
        name_en="Credit policy exception",
        kind="yes_no",
        topic_ids=[world.loan_topic.id],
    )
    mandates.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=refund.id,
        name="Kort avgifter",
        holder={"kind": "team", "team_id": world.cards.id},
        limit="500",
        customer_limit="1000",
        window_days=365,
    )
    mandates.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=refund.id,
        name="Kortchef",
        holder={"kind": "user", "user_id": world.card_lead.id},
        limit="5000",
    )
    return world


def _as(db: Session, who: Any) -> dict[str, str]:
    return factories.headers(db, who)


def test_decision_types_list_slug_kind_and_names(
    client: TestClient, db: Session, w: factories.World
) -> None:
    got = client.get(f"{API}/decision-types", headers=_as(db, w.card_agent))
    assert got.status_code == 200
    by_slug = {t["slug"]: t for t in got.json()}
    assert by_slug["refund-fee"]["kind"] == "amount"
    assert by_slug["extend-deadline"]["kind"] == "days"
    assert by_slug["credit-exception"]["kind"] == "yes_no"
    assert by_slug["refund-fee"]["name_en"] == "Refund a fee"
    assert client.get(f"{API}/decision-types", headers=_as(db, w.alice_user)).status_code == 403


def test_the_case_mandate_says_limit_use_and_rule(
    client: TestClient, db: Session, w: factories.World
) -> None:
    got = client.get(f"{API}/cases/{w.alice_case.number}/mandate", headers=_as(db, w.card_agent))
    assert got.status_code == 200
    lines = {x["type"]: x for x in got.json()}
    assert "credit-exception" not in lines  # a loans topic's decision
    refund = lines["refund-fee"]
    assert refund["limit"] == "500.00" and refund["remaining"] == "500.00"
    assert refund["used_for_customer"] == "0.00" and refund["may_decide"] is True
    assert refund["rule"]["version"] == 1 and isinstance(refund["rule"]["id"], int)
    extend = lines["extend-deadline"]
    assert extend["rule"] is None and extend["may_decide"] is False


def test_within_the_mandate_201_beyond_it_202_and_the_holder_approves(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"{API}/cases/{w.alice_case.number}/decisions"
    agent = _as(db, w.card_agent)
    taken = client.post(
        url,
        json={"type": "refund-fee", "amount": "250.00", "reason": "Fel avgift"},
        headers=agent,
    )
    assert taken.status_code == 201, taken.text
    body = taken.json()
    assert body["state"] == "taken" and body["rule"]["version"] == 1
    assert body["decision"]["amount"] == "250.00"
    beyond = client.post(
        url, json={"type": "refund-fee", "amount": "3000", "reason": "Goodwill"}, headers=agent
    )
    assert beyond.status_code == 202, beyond.text
    pending = beyond.json()
    assert pending["state"] == "pending_approval"
    approval = pending["approval"]
    assert approval["id"] and approval["due_at"] and approval["holder"]["name"]
    # The requester cannot approve it; the lead sees it in the inbox and approves.
    own = client.post(f"{API}/approvals/{approval['id']}/approve", headers=agent)
    assert own.status_code in (403, 404)
    lead = _as(db, w.card_lead)
    inbox = client.get(f"{API}/approvals?status=pending", headers=lead)
    assert [a["id"] for a in inbox.json()] == [approval["id"]]
    done = client.post(f"{API}/approvals/{approval['id']}/approve", headers=lead)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert done.json()["decision"]["state"] == "taken"
    again = client.post(
        f"{API}/approvals/{approval['id']}/decline", headers=lead, json={"reason": "x"}
    )
    assert again.status_code == 409
    # The customer sees the outcome and the pending notice, never the rule or reason.
    events = client.get(
        f"{API}/cases/{w.alice_case.number}/events", headers=_as(db, w.alice_user)
    ).json()
    types = [e["type"] for e in events]
    assert "decision.outcome" in types and "decision.pending" in types
    assert "decision.taken" not in types and "decision.requested" not in types
    assert "Goodwill" not in str(events) and "Kortchef" not in str(events)


def test_approving_ones_own_request_is_403(
    client: TestClient, db: Session, w: factories.World
) -> None:
    mandates.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=mandates.decision_type_by_slug(db, "refund-fee").id,
        name="Alla agenter",
        holder={"kind": "role", "role": "agent"},
        limit="9000",
    )
    lead = _as(db, w.card_lead)
    made = client.post(
        f"{API}/cases/{w.alice_case.number}/decisions",
        json={"type": "refund-fee", "amount": "7000", "reason": "Stort"},
        headers=lead,
    )
    assert made.status_code == 202
    approval_id = made.json()["approval"]["id"]
    other_agent = factories.user(db, role="agent", teams=[w.cards])
    assert client.post(f"{API}/approvals/{approval_id}/approve", headers=lead).status_code == 403
    ok = client.post(f"{API}/approvals/{approval_id}/approve", headers=_as(db, other_agent))
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"type": "refund-fee", "amount": 250.5, "reason": "r"},
        {"type": "refund-fee", "amount": "-1", "reason": "r"},
        {"type": "refund-fee", "amount": "0", "reason": "r"},
        {"type": "refund-fee", "amount": "1.234", "reason": "r"},
        {"type": "refund-fee", "amount": "abc", "reason": "r"},
        {"type": "refund-fee", "amount": "1000000001", "reason": "r"},
        {"type": "extend-deadline", "days": 0, "reason": "r"},
        {"type": "extend-deadline", "days": 3651, "reason": "r"},
        {"type": "unknown", "amount": "10", "reason": "r"},
        {"type": "credit-exception", "value": True, "reason": "r"},
        {"type": "refund-fee", "amount": "10"},
    ],
)
def test_bad_decisions_are_4xx_with_a_message(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any]
) -> None:
    got = client.post(
        f"{API}/cases/{w.alice_case.number}/decisions", json=body, headers=_as(db, w.card_agent)
    )
    assert got.status_code == 422, got.text
    assert got.json()["detail"]
    listed = client.get(
        f"{API}/cases/{w.alice_case.number}/decisions", headers=_as(db, w.card_agent)
    )
    assert listed.json() == []


def test_what_if_counts_the_requests_a_higher_limit_would_have_decided(
    client: TestClient, db: Session, w: factories.World
) -> None:
    agent = _as(db, w.card_agent)
    for amount in ("600", "800", "3000"):
        got = client.post(
            f"{API}/cases/{w.alice_case.number}/decisions",
            json={"type": "refund-fee", "amount": amount, "reason": "r"},
            headers=agent,
        )
        assert got.status_code == 202
    got = client.get(
        f"{API}/mandates/what-if?type=refund-fee&team={w.cards.slug}&limit=1000&days=90",
        headers=_as(db, w.card_lead),
    )
    assert got.status_code == 200, got.text
    figures = got.json()
    assert figures["requests"] == 3 and figures["would_be_at_once"] == 2
    assert figures["amount_at_once"] == "1400.00" and figures["current_limit"] == "500.00"
    bad = client.get(
        f"{API}/mandates/what-if?type=refund-fee&team={w.cards.slug}&limit=-5",
        headers=_as(db, w.card_lead),
    )
    assert bad.status_code == 422
