"""The consultations API: the contract of issue 12, access and bad input over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.models import CaseEvent, Consultation
from tests import factories
from tests.factories import World

API = "/api/v1"


@pytest.fixture
def w(db: Session) -> World:
    world = factories.world(db)
    db.commit()
    return world


def test_journey_ask_answer_close(client: TestClient, db: Session, w: World) -> None:
    card, loan = factories.headers(db, w.card_agent), factories.headers(db, w.loan_agent)
    third_team = factories.team(db)
    outsider = factories.headers(db, factories.user(db, teams=[third_team]))
    db.commit()
    number = w.alice_case.number
    assert client.get(f"{API}/cases/{number}", headers=loan).status_code == 404
    r = client.post(
        f"{API}/cases/{number}/consultations",
        json={"team": w.loans.slug, "question": "Har kunden ett bolån hos er?"},
        headers=card,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert {"id", "case_number", "team", "status", "due_at", "question"} <= body.keys()
    assert body["status"] == "open" and body["team"] == w.loans.slug
    assert body["case_number"] == number and body["question"] == "Har kunden ett bolån hos er?"
    cid = body["id"]
    # the consulted team: sees it in its list, reads the case, writes a note, answers
    listed = client.get(f"{API}/consultations?status=open", headers=loan).json()
    assert [c["id"] for c in listed["items"]] == [cid]
    case = client.get(f"{API}/cases/{number}", headers=loan)
    assert case.status_code == 200
    assert (
        client.post(
            f"{API}/cases/{number}/notes", json={"body": "Kollar."}, headers=loan
        ).status_code
        == 201
    )
    assert (
        client.post(f"{API}/cases/{number}/replies", json={"body": "Hej"}, headers=loan).status_code
        == 403
    )
    assert (
        client.post(
            f"{API}/cases/{number}/status", json={"status": "resolved"}, headers=loan
        ).status_code
        == 403
    )
    assert client.post(f"{API}/cases/{number}/claim", headers=loan).status_code == 403
    # a third team sees nothing of it
    assert client.get(f"{API}/cases/{number}", headers=outsider).status_code == 404
    assert client.get(f"{API}/consultations/{cid}", headers=outsider).status_code == 404
    assert (
        client.post(
            f"{API}/consultations/{cid}/answer", json={"answer": "x"}, headers=outsider
        ).status_code
        == 404
    )
    r = client.post(
        f"{API}/consultations/{cid}/answer", json={"answer": "Ja, ett bolån."}, headers=loan
    )
    assert r.status_code == 200 and r.json()["status"] == "answered"
    assert r.json()["answered_in_time"] is True
    again = client.post(f"{API}/consultations/{cid}/answer", json={"answer": "igen"}, headers=loan)
    assert again.status_code == 409
    assert client.post(f"{API}/consultations/{cid}/close", headers=loan).status_code == 403
    r = client.post(f"{API}/consultations/{cid}/close", headers=card)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    # the owner replies to the customer and resolves; the customer saw no consultation
    assert (
        client.post(
            f"{API}/cases/{number}/replies", json={"body": "Vi har löst det."}, headers=card
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"{API}/cases/{number}/status", json={"status": "resolved"}, headers=card
        ).status_code
        == 200
    )
    customer = factories.headers(db, w.alice_user)
    db.commit()
    seen = client.get(f"{API}/cases/{number}/events", headers=customer).json()
    assert not [e for e in seen if e["type"].startswith("consultation.")]
    assert not [e for e in seen if "bolån" in (e.get("body") or "")]
    staff_view = client.get(f"{API}/cases/{number}/events", headers=card).json()
    kinds = [e["type"] for e in staff_view]
    assert kinds.count("consultation.requested") == 1
    assert kinds.count("consultation.answered") == 1 and kinds.count("consultation.closed") == 1
    # afterwards the loans team reads that case only, and writes nothing
    assert client.get(f"{API}/cases/{number}", headers=loan).status_code == 200
    assert (
        client.post(f"{API}/cases/{number}/notes", json={"body": "x"}, headers=loan).status_code
        == 403
    )
    mine = client.get(f"{API}/consultations?asked_by=me", headers=card).json()
    assert [c["id"] for c in mine["items"]] == [cid]


def test_bad_input(client: TestClient, db: Session, w: World) -> None:
    card = factories.headers(db, w.card_agent)
    customer = factories.headers(db, w.alice_user)
    empty_team = factories.team(db)
    db.commit()
    number = w.alice_case.number
    url = f"{API}/cases/{number}/consultations"
    now = clock.now()
    bad = [
        {"team": w.cards.slug, "question": "q"},  # the owning team itself
        {"team": "finns-inte", "question": "q"},
        {"team": empty_team.slug, "question": "q"},  # no members
        {"team": w.loans.slug, "question": ""},
        {"team": w.loans.slug, "question": "   "},
        {"team": w.loans.slug, "question": "x" * 100_000},
        {"team": w.loans.slug, "question": "q", "due_at": (now - timedelta(hours=1)).isoformat()},
        {"team": w.loans.slug, "question": "q", "due_at": (now + timedelta(days=400)).isoformat()},
        {"team": w.loans.slug, "question": "q", "due_at": "i morgon"},
        {"team": w.loans.slug, "question": "q", "member": w.card_agent.email},
        {"team": w.loans.slug, "question": "q", "extra": 1},
        {"question": "q"},
    ]
    for body in bad:
        r = client.post(url, json=body, headers=card)
        assert 400 <= r.status_code < 500, (body, r.status_code)
        assert r.json()["detail"], body
    assert db.scalar(select(func.count(Consultation.id))) == 0
    assert not db.scalars(select(CaseEvent).where(CaseEvent.type.like("consultation.%"))).all()
    ok = client.post(url, json={"team": w.loans.slug, "question": "q"}, headers=card)
    cid = ok.json()["id"]
    for method, path, body in (
        ("POST", url, {"team": w.loans.slug, "question": "q"}),
        ("GET", f"{API}/consultations", None),
        ("GET", f"{API}/consultations/{cid}", None),
        ("POST", f"{API}/consultations/{cid}/answer", {"answer": "a"}),
        ("POST", f"{API}/consultations/{cid}/close", None),
        ("POST", f"{API}/consultations/{cid}/follow-up", {"question": "f"}),
    ):
        r = client.request(method, path, json=body, headers=customer)
        assert r.status_code == 403, (path, r.status_code)
    assert client.get(f"{API}/consultations?status=bogus", headers=card).status_code == 422
    assert client.get(f"{API}/consultations?cursor=zzz", headers=card).status_code == 422
    assert (
        client.post(
            f"{API}/consultations/999999/answer", json={"answer": "a"}, headers=card
        ).status_code
        == 404
    )


def test_cursor_pagination(client: TestClient, db: Session, w: World) -> None:
    card, loan = factories.headers(db, w.card_agent), factories.headers(db, w.loan_agent)
    db.commit()
    made = [
        client.post(
            f"{API}/cases/{w.alice_case.number}/consultations",
            json={"team": w.loans.slug, "question": f"Fråga {i}"},
            headers=card,
        ).json()["id"]
        for i in range(5)
    ]
    seen: list[int] = []
    url = f"{API}/consultations?limit=2"
    while url:
        page = client.get(url, headers=loan).json()
        seen += [c["id"] for c in page["items"]]
        url = (
            f"{API}/consultations?limit=2&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else ""
        )
    assert sorted(seen) == sorted(made) and len(seen) == 5
