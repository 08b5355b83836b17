"""The improvements API: the contract of issue 15, access and bad input over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import improvements as imp
from nara.models import Improvement, ImprovementEffect
from tests import factories
from tests.factories import World

API = "/api/v1"


@pytest.fixture
def w(db: Session) -> World:
    world = factories.world(db)
    db.commit()
    return world


def body(w: World, **change: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "title": "Kortet har inte kommit",
        "description": "Kunder ringer för att kortet dröjer.",
        "kind": "fix",
        "topics": [w.card_topic.slug],
        "case_number": w.alice_case.number,
    }
    made.update(change)
    return made


def test_journey_raise_evidence_accept_done(client: TestClient, db: Session, w: World) -> None:
    agent, lead = factories.headers(db, w.card_agent), factories.headers(db, w.card_lead)
    loan = factories.headers(db, w.loan_agent)
    db.commit()
    r = client.post(f"{API}/improvements", json=body(w), headers=agent)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["status"] == "raised" and isinstance(made["id"], int)
    assert made["owner_team"]["slug"] == w.cards.slug and made["evidence_count"] == 1
    iid = made["id"]
    # Another team's agent reads it, but not the evidence case (only its count).
    seen = client.get(f"{API}/improvements/{iid}", headers=loan).json()
    assert seen["evidence_count"] == 1 and seen["evidence"] == [] and seen["hidden_evidence"] == 1
    assert seen["effect"] is None and seen["effect_status"] == "not_measured"
    assert len(seen["trend"]) == 12 and seen["cost"]["handle_source"] == "default"
    # ... and may not link a case of the cards team (404), but one of their own.
    r = client.post(
        f"{API}/improvements/{iid}/evidence",
        json={"case_number": w.alice_case.number},
        headers=loan,
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/improvements/{iid}/evidence", json={"case_number": w.bob_case.number}, headers=loan
    )
    assert r.status_code == 201 and r.json()["status"] == "confirmed"
    assert client.get(f"{API}/improvements/{iid}", headers=agent).json()["evidence_count"] == 2
    # The status contract.
    assert (
        client.post(
            f"{API}/improvements/{iid}/status", json={"status": "in_progress"}, headers=lead
        ).status_code
        == 409
    )
    target = (clock.now().date() + timedelta(days=40)).isoformat()
    r = client.post(
        f"{API}/improvements/{iid}/status",
        json={"status": "accepted", "target_date": target},
        headers=agent,
    )
    assert r.status_code == 403
    r = client.post(
        f"{API}/improvements/{iid}/status",
        json={"status": "accepted", "target_date": target},
        headers=lead,
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["target_date"] == target
    r = client.post(f"{API}/improvements/{iid}/status", json={"status": "done"}, headers=agent)
    assert r.status_code == 422 and "live" in r.json()["detail"]
    future = (imp.today() + timedelta(days=2)).isoformat()
    r = client.post(
        f"{API}/improvements/{iid}/status",
        json={"status": "done", "live_at": future},
        headers=agent,
    )
    assert r.status_code == 422
    r = client.post(
        f"{API}/improvements/{iid}/status",
        json={"status": "done", "live_at": imp.today().isoformat()},
        headers=agent,
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert r.json()["effect_due"] is not None
    listed = client.get(f"{API}/improvements?status=done", headers=loan).json()
    assert [i["id"] for i in listed["items"]] == [iid]
    assert client.get(f"{API}/improvements?status=raised", headers=loan).json()["items"] == []
    timeline = client.get(f"{API}/improvements/{iid}/events", headers=agent).json()
    assert [e["type"] for e in timeline][-2:] == ["improvement.accepted", "improvement.done"]
    mine = client.get(f"{API}/improvements?mine=true", headers=agent).json()
    assert [i["id"] for i in mine["items"]] == [iid]


def test_measurement_settings(client: TestClient, db: Session, w: World) -> None:
    agent = factories.headers(db, w.card_agent)
    db.commit()
    r = client.post(
        f"{API}/improvements",
        json=body(w, count_topic_contacts=False, weeks_before=8, weeks_after=4),
        headers=agent,
    )
    assert r.status_code == 201
    made = r.json()
    assert (made["count_topic_contacts"], made["weeks_before"], made["weeks_after"]) == (
        False,
        8,
        4,
    )
    r = client.post(f"{API}/improvements", json=body(w, weeks_after=0), headers=agent)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "weeks_after"


def test_effect_when_measured(client: TestClient, db: Session, w: World) -> None:
    agent = factories.headers(db, w.card_agent)
    db.commit()
    iid = client.post(f"{API}/improvements", json=body(w), headers=agent).json()["id"]
    improvement = db.get(Improvement, iid)
    assert improvement is not None
    improvement.live_at = imp.today() - timedelta(weeks=7)
    improvement.status = "done"
    db.add(
        ImprovementEffect(
            improvement_id=iid,
            measured_at=clock.now(),
            status="measured",
            relative_change=-0.38,
            ci_low=-0.49,
            ci_high=-0.25,
            before_rate=41.0,
            after_rate=25.4,
            details={"method": "test"},
        )
    )
    db.commit()
    got = client.get(f"{API}/improvements/{iid}", headers=agent).json()
    assert got["effect_status"] == "measured"
    effect = got["effect"]
    assert {"relative_change", "ci_low", "ci_high", "before_rate", "after_rate", "verdict"} <= (
        effect.keys()
    )
    assert effect["relative_change"] == -0.38
    assert "38" in effect["verdict"] and "25–49" in effect["verdict"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"title": ""}, 422, "title"),
        ({"title": "x" * 100_000}, 422, "title"),
        ({"title": "   "}, 422, "title"),
        ({"topics": ["finns-inte"]}, 422, "topics"),
        ({"kind": "wish"}, 422, "kind"),
        ({"description": ""}, 422, "description"),
    ],
)
def test_bad_input_when_raising(
    client: TestClient, db: Session, w: World, change: dict[str, Any], status: int, field: str
) -> None:
    agent = factories.headers(db, w.card_agent)
    db.commit()
    r = client.post(f"{API}/improvements", json=body(w, **change), headers=agent)
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["detail"]
    assert any(e["field"] == field for e in problem.get("errors", [])), problem


def test_a_case_the_caller_may_not_read(client: TestClient, db: Session, w: World) -> None:
    agent = factories.headers(db, w.card_agent)
    db.commit()
    r = client.post(
        f"{API}/improvements", json=body(w, case_number=w.bob_case.number), headers=agent
    )
    assert r.status_code == 404
    r = client.post(f"{API}/improvements", json=body(w, case_number="NOPE-1"), headers=agent)
    assert r.status_code == 404


def test_decline_needs_a_reason(client: TestClient, db: Session, w: World) -> None:
    agent, lead = factories.headers(db, w.card_agent), factories.headers(db, w.card_lead)
    db.commit()
    iid = client.post(f"{API}/improvements", json=body(w), headers=agent).json()["id"]
    r = client.post(f"{API}/improvements/{iid}/status", json={"status": "declined"}, headers=lead)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(
        f"{API}/improvements/{iid}/status",
        json={"status": "declined", "reason": "Ingår redan i nästa release."},
        headers=lead,
    )
    assert r.status_code == 200 and r.json()["decline_reason"] == "Ingår redan i nästa release."
    r = client.get(f"{API}/notifications?unread=true", headers=agent).json()
    assert [n["kind"] for n in r["items"]] == ["improvement.declined"]
    r = client.post(
        f"{API}/improvements/{iid}/status",
        json={"status": "done", "live_at": "2026-01-01"},
        headers=lead,
    )
    assert r.status_code == 409
    r = client.post(
        f"{API}/improvements/{iid}/status",
        json={"status": "accepted", "target_date": "2020-01-01"},
        headers=lead,
    )
    assert r.status_code == 409  # the transition is checked first... declined → raised only


def test_past_target_date_and_bad_dates(client: TestClient, db: Session, w: World) -> None:
    agent, lead = factories.headers(db, w.card_agent), factories.headers(db, w.card_lead)
    db.commit()
    iid = client.post(f"{API}/improvements", json=body(w), headers=agent).json()["id"]
    for wrong in ({"target_date": "2020-01-01"}, {}, {"target_date": "not-a-date"}):
        r = client.post(
            f"{API}/improvements/{iid}/status", json={"status": "accepted", **wrong}, headers=lead
        )
        assert r.status_code == 422, (wrong, r.text)
    r = client.post(f"{API}/improvements/{iid}/status", json={"status": "closed"}, headers=lead)
    assert r.status_code == 422


def test_customers_are_refused_everywhere(client: TestClient, db: Session, w: World) -> None:
    agent = factories.headers(db, w.card_agent)
    alice = factories.headers(db, w.alice_user)
    db.commit()
    iid = client.post(f"{API}/improvements", json=body(w), headers=agent).json()["id"]
    for method, url, payload in [
        ("GET", f"{API}/improvements", None),
        ("GET", f"{API}/improvements/{iid}", None),
        ("POST", f"{API}/improvements", body(w)),
        ("POST", f"{API}/improvements/{iid}/comments", {"body": "Hej"}),
        ("POST", f"{API}/improvements/{iid}/support", None),
    ]:
        r = client.request(method, url, json=payload, headers=alice)
        assert r.status_code == 403, (method, url)


def test_comments_support_follow_merge_and_ranked(
    client: TestClient, db: Session, w: World
) -> None:
    agent, lead = factories.headers(db, w.card_agent), factories.headers(db, w.card_lead)
    loan = factories.headers(db, w.loan_agent)
    db.commit()
    first = client.post(f"{API}/improvements", json=body(w), headers=agent).json()["id"]
    second = client.post(
        f"{API}/improvements", json=body(w, title="Kort dröjer", case_number=None), headers=loan
    ).json()["id"]
    r = client.post(
        f"{API}/improvements/{first}/comments", json={"body": "Samma här"}, headers=loan
    )
    assert r.status_code == 201 and r.json()["body"] == "Samma här"
    r = client.post(f"{API}/improvements/{first}/support", headers=loan)
    assert r.json()["supporters"] == 1 and r.json()["my_role"] == "supporter"
    assert client.post(f"{API}/improvements/{first}/unfollow", headers=agent).status_code == 409
    r = client.post(f"{API}/improvements/{second}/merge", json={"into": first}, headers=lead)
    assert r.status_code == 200 and r.json()["id"] == first
    merged = client.get(f"{API}/improvements/{second}", headers=agent).json()
    assert merged["merged_into_id"] == first
    again = client.post(f"{API}/improvements/{second}/merge", json={"into": first}, headers=lead)
    assert again.status_code == 409
    ranked = client.get(f"{API}/improvements/ranked", headers=lead).json()
    assert [line["improvement"]["id"] for line in ranked] == [first]
    assert ranked[0]["cost"]["typical_source"] == "default"
    assert ranked[0]["cost"]["typical_effect"] == -0.25


def test_unknown_improvement_is_404(client: TestClient, db: Session, w: World) -> None:
    agent = factories.headers(db, w.card_agent)
    db.commit()
    assert client.get(f"{API}/improvements/999999", headers=agent).status_code == 404
    r = client.post(
        f"{API}/improvements/999999/status", json={"status": "in_progress"}, headers=agent
    )
    assert r.status_code == 404
