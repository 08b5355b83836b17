"""The self-service API: ask, answer when sure, hand over with the conversation,
anonymous contact, articles, bad input and the rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.config import reset_settings
from nara.domain.actors import SYSTEM
from nara.domain.knowledge import save_article
from nara.models import Case, CaseEvent, Customer, WaitEstimate
from nara.selfservice.predictions import Candidate, Prediction
from nara.web import ratelimit
from nara.web.api import selfservice as api
from tests import factories

API = "/api/v1"
SS = f"{API}/selfservice/conversations"


@dataclass
class FakeEngine:
    label: str = "kort-har-inte-kommit"
    confidence: float = 0.99

    def predict(self, text: str) -> Prediction:
        sure = self.confidence >= 0.9 and "kort" in text.lower()
        return Prediction([Candidate(self.label, self.confidence)], self.confidence, sure, "t-1")


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    fake = FakeEngine()
    monkeypatch.setattr(api, "active_predictor", lambda db: fake)
    ratelimit.reset()
    yield fake
    ratelimit.reset()


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    topic = factories.topic(db, teams=[world.cards], slug="kort-har-inte-kommit")
    body = "## Vänta fem bankdagar\n\n<script>alert(1)</script> [Spärra](/x)."
    save_article(session=db, actor=SYSTEM, topic_id=topic.id, lang="sv",
                 title="Kortet har inte kommit", body_md=body)  # fmt: skip
    return world


def start(client: TestClient, headers: dict[str, str] | None = None) -> str:
    response = client.post(SS, json={"lang": "sv", "channel": "portal"}, headers=headers or {})
    assert response.status_code == 201, response.text
    return str(response.json()["conversation"])


def ask(client: TestClient, cid: str, question: str, headers: dict[str, str] | None = None) -> Any:
    return client.post(f"{SS}/{cid}/questions", json={"question": question}, headers=headers or {})


def test_sure_question_gets_the_article(client: TestClient, w: factories.World) -> None:
    cid = start(client)
    body = ask(client, cid, "Mitt kort har inte kommit").json()
    assert body["answered"] is True and body["ask_feedback"] is True
    assert body["article"]["title"] == "Kortet har inte kommit"
    assert "<script>" not in body["article"]["html"]
    assert "<h2>Vänta fem bankdagar</h2>" in body["article"]["html"]
    assert body["handed_over"] is False


def test_customer_is_handed_over_with_the_conversation(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.headers(db, w.alice_user)
    cid = start(client, alice)
    ask(client, cid, "Mitt kort har inte kommit", alice)
    body = client.post(f"{SS}/{cid}/feedback", json={"solved": False}, headers=alice).json()
    assert body["handed_over"] is True and body["outcome"] == "answered_rejected"
    case = client.get(f"{API}/cases/{body['case_number']}", headers=alice).json()
    assert "Mitt kort har inte kommit" in case["events"][0]["body"]  # the whole transcript
    # A rejected answer is no sure topic: the front line, without a topic, with hints.
    assert case["team"]["id"] == w.front.id and case["topic"] is None
    assert case["selfservice"] is None  # the customer sees no hints
    staff = client.get(
        f"{API}/cases/{body['case_number']}", headers=factories.headers(db, w.admin)
    ).json()
    handed = next(e for e in staff["events"] if e["type"] == "selfservice.handed_over")
    assert handed["data"]["candidates"][0]["label"] == "kort-har-inte-kommit"
    assert staff["selfservice"]["path"] == "unsure_front_line"
    hint = staff["selfservice"]["topic_hints"][0]
    assert hint["topic"]["slug"] == "kort-har-inte-kommit" and 0 < hint["score"] <= 1


def test_unsure_goes_to_a_person_at_once(
    client: TestClient, db: Session, w: factories.World, fake_engine: FakeEngine
) -> None:
    alice = factories.headers(db, w.alice_user)
    cid = start(client, alice)
    body = ask(client, cid, "Vad är meningen med livet?", alice).json()
    assert body["answered"] is False and body["handed_over"] is True
    assert body["outcome"] == "abstained"


def test_anonymous_visitors_leave_contact_details(
    client: TestClient, db: Session, w: factories.World
) -> None:
    cid = start(client)
    body = client.post(f"{SS}/{cid}/person").json()
    assert body["needs_contact"] is True and body["handed_over"] is False
    before = db.scalar(select(Customer.id).where(Customer.email == "eva@example.test"))
    assert before is None
    response = client.post(f"{SS}/{cid}/contact", json={"name": "Eva", "email": "eva@example.test"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["handed_over"] is True and body["case_number"]
    case = db.scalar(select(Case).where(Case.number == body["case_number"]))
    assert case is not None
    # the visitor is told when a person is expected to answer (the stored estimate)
    expected = datetime.fromisoformat(body["expected_first_response_at"])
    estimate = db.scalar(select(WaitEstimate).where(WaitEstimate.case_id == case.id))
    assert estimate is not None and expected == estimate.expected_at
    again = client.post(f"{SS}/{cid}/contact", json={"name": "Eva", "email": "eva@example.test"})
    # The conversation now belongs to a customer record: an anonymous caller no longer
    # reaches it (no second case, nothing revealed).
    assert again.status_code == 404


def test_conversations_are_private(client: TestClient, db: Session, w: factories.World) -> None:
    alice = factories.headers(db, w.alice_user)
    cid = start(client, alice)
    bob = factories.headers(db, w.bob_user)
    assert ask(client, cid, "Mitt kort", bob).status_code == 404
    assert ask(client, cid, "Mitt kort").status_code == 404  # anonymous
    assert ask(client, "no-such-id", "Mitt kort").status_code == 404


@pytest.mark.parametrize(
    ("question", "status"),
    [
        ("", 422),
        ("   ", 422),
        ("x" * 2001, 422),
        ("😀😀😀", 200),
        ("<script>alert(1)</script>", 200),
        ("Как дела?", 200),
    ],
)
def test_bad_questions_never_500(
    client: TestClient, w: factories.World, question: str, status: int
) -> None:
    cid = start(client)
    response = ask(client, cid, question)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["answered"] is False  # a person, not a guess


def test_ten_kilobytes_is_refused_clearly(client: TestClient, w: factories.World) -> None:
    cid = start(client)
    response = ask(client, cid, "kort " * 2048)
    assert response.status_code == 422
    assert "2000" in response.json()["detail"]


def test_the_public_ask_endpoint_is_rate_limited(
    client: TestClient, w: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NARA_ASK_RATE_LIMIT", "3/minute")
    reset_settings()
    try:
        cid = start(client)
        codes = [ask(client, cid, "Mitt kort har inte kommit").status_code for _ in range(4)]
    finally:
        monkeypatch.undo()
        reset_settings()
    assert codes[:2] == [200, 200]  # the conversation start counted once in its own bucket
    assert codes[-1] == 429
    last = ask(client, cid, "Mitt kort")
    assert last.status_code in (200, 429)


def test_rate_limit_answer_says_when_to_retry(
    client: TestClient, w: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NARA_ASK_RATE_LIMIT", "1/minute")
    reset_settings()
    try:
        cid = start(client)
        ask(client, cid, "Mitt kort har inte kommit")
        response = ask(client, cid, "Mitt kort har inte kommit")
    finally:
        monkeypatch.undo()
        reset_settings()
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "try again in" in response.json()["detail"]


def test_articles_search_and_edit(client: TestClient, db: Session, w: factories.World) -> None:
    found = client.get(f"{API}/articles", params={"q": "kortet kommit"}).json()
    assert found and found[0]["title"] == "Kortet har inte kommit"
    topic_id = found[0]["topic_id"]
    lead = factories.headers(db, w.card_lead)
    english = {"title": "Card not arrived", "body_md": "Wait five days."}
    saved = client.put(f"{API}/topics/{topic_id}/articles/en", headers=lead, json=english)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    agent = factories.headers(db, w.card_agent)
    refused = client.put(f"{API}/topics/{topic_id}/articles/en", headers=agent,
                         json={"title": "x", "body_md": "y"})  # fmt: skip
    assert refused.status_code == 403
    assert client.get(f"{API}/articles/{saved.json()['id']}").status_code == 200
    assert client.get(f"{API}/articles/999999").status_code == 404


def test_handover_event_is_internal(client: TestClient, db: Session, w: factories.World) -> None:
    alice = factories.headers(db, w.alice_user)
    cid = start(client, alice)
    body = client.post(f"{SS}/{cid}/person", headers=alice).json()
    case = client.get(f"{API}/cases/{body['case_number']}", headers=alice).json()
    assert all(e["type"] != "selfservice.handed_over" for e in case["events"])
    stored = db.scalar(select(CaseEvent).where(CaseEvent.type == "selfservice.handed_over"))
    assert stored is not None and stored.data["reason"] == "asked"


def test_the_widget_gets_the_private_link_and_a_phone_number_is_enough(
    client: TestClient, db: Session, w: factories.World
) -> None:
    cid = start(client)
    client.post(f"{SS}/{cid}/person")
    nothing = client.post(f"{SS}/{cid}/contact", json={"name": "Eva"})
    assert nothing.status_code == 422 and "phone number" in nothing.json()["detail"]
    response = client.post(f"{SS}/{cid}/contact", json={"name": "Eva", "phone": "070-1234567"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["handed_over"] is True and body["case_number"]
    assert body["expected_first_response_at"] is not None  # existing fields are kept
    link = body["private_link"]
    assert link.startswith("http://testserver/follow/nl_")
    assert datetime.fromisoformat(body["private_link_valid_until"]) > datetime.fromisoformat(
        body["expected_first_response_at"]
    )
    customer = db.scalar(
        select(Customer)
        .join(Case, Case.customer_id == Customer.id)
        .where(Case.number == body["case_number"])
    )
    assert customer is not None and customer.phone == "070-1234567" and customer.email is None
    page = client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200 and body["case_number"] in page.text
    # The link is shown once: later answers about the conversation do not carry it.
    again = client.post(f"{SS}/{cid}/person")
    assert again.status_code == 404 and "private_link" not in again.json()
