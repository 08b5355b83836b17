"""Unsure hand-overs over HTTP: the hints and the path on the agent's case page (never
on the customer's), correcting the topic with one form post or one API call, refusals,
and the admin's choice of the team that receives unsure hand-overs (page and API)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.knowledge import save_article
from nara.domain.selfservice import ask, start_conversation
from nara.models import Case, Team, TrainingExample, User
from nara.selfservice.predictions import Candidate, Prediction
from tests import factories
from tests.web.test_pages import assert_field_error, log_in, page, post, redirected, visible

API = "/api/v1"


@dataclass
class Guessing:
    """Not sure: the card topic at 41 %, the loan topic at 30 %."""

    cards: str
    loans: str

    def predict(self, text: str) -> Prediction:
        candidates = [Candidate(self.cards, 0.41), Candidate(self.loans, 0.3)]
        return Prediction(candidates, 0.41, False, "t")


@dataclass
class Setup:
    w: factories.World
    front_agent: User
    number: str


@pytest.fixture
def s(db: Session) -> Setup:
    w = factories.world(db)
    save_article(
        session=db,
        actor=SYSTEM,
        topic_id=w.card_topic.id,
        lang="sv",
        title="Kort",
        body_md="Om kort.",
    )
    front_agent = factories.user(db, teams=[w.front])
    alice = factories.actor(db, w.alice_user)
    conversation = start_conversation(session=db, actor=alice, channel="portal", lang="sv")
    reply = ask(
        session=db,
        actor=alice,
        conversation=conversation,
        question="Jag ärvde min pappas konto",
        predictor=Guessing(w.card_topic.slug, w.loan_topic.slug),
    )
    assert reply.case is not None and reply.case.team_id == w.front.id
    db.commit()
    return Setup(w=w, front_agent=front_agent, number=reply.case.number)


def _case(db: Session, number: str) -> Case:
    case = db.scalar(select(Case).where(Case.number == number))
    assert case is not None
    db.refresh(case)
    return case


# ---- the case page ----


def test_the_agent_sees_the_path_and_the_hints_with_scores(
    client: TestClient, db: Session, s: Setup
) -> None:
    log_in(client, db, s.front_agent)
    text = page(client.get(f"/cases/{s.number}"))
    words = visible(text)
    assert "Självservice var inte säker på vad ärendet gäller" in words
    assert 'id="topic-hints"' in text
    hints = text[text.index('id="topic-hints"') : text.index('id="topic-form"')]
    assert hints.index(s.w.card_topic.name_sv) < hints.index(s.w.loan_topic.name_sv)
    assert "41 %" in visible(hints) and "30 %" in visible(hints)
    assert f'name="topic_id" value="{s.w.card_topic.id}"' in hints
    assert "Front line" not in words  # Swedish page: no English
    client.cookies.set("nara_lang", "en")
    english = visible(page(client.get(f"/cases/{s.number}")))
    assert "Self-service was not sure what this is about" in english
    assert "score 41 %" in english


def test_the_customer_sees_no_hints(client: TestClient, db: Session, s: Setup) -> None:
    log_in(client, db, s.w.alice_user)
    text = page(client.get(f"/cases/{s.number}"))
    assert 'id="topic-hints"' not in text and 'id="handover-path"' not in text
    assert s.w.loan_topic.name_sv not in text


def test_one_form_post_corrects_the_topic(client: TestClient, db: Session, s: Setup) -> None:
    csrf = log_in(client, db, s.front_agent)
    response = post(client, f"/cases/{s.number}/topic", csrf, topic_id=str(s.w.loan_topic.id))
    redirected(response, f"/cases/{s.number}")
    case = _case(db, s.number)
    assert case.topic_id == s.w.loan_topic.id and case.team_id == s.w.front.id
    example = db.scalar(select(TrainingExample).where(TrainingExample.source == "correction"))
    assert example is not None and example.text == "Jag ärvde min pappas konto"
    words = visible(page(client.get(f"/cases/{s.number}")))
    assert "Ämne ändrat" in words and "Vald" in words


def test_a_bad_topic_is_shown_at_the_field(client: TestClient, db: Session, s: Setup) -> None:
    csrf = log_in(client, db, s.front_agent)
    text = page(post(client, f"/cases/{s.number}/topic", csrf, topic_id="999999"), 422)
    assert_field_error(text, "f-topic")
    assert "Välj ett av de aktiva ämnena." in text
    assert _case(db, s.number).topic_id is None


def test_another_team_cannot_correct_the_topic(client: TestClient, db: Session, s: Setup) -> None:
    csrf = log_in(client, db, s.w.card_agent)
    response = post(client, f"/cases/{s.number}/topic", csrf, topic_id=str(s.w.card_topic.id))
    assert response.status_code == 404
    assert _case(db, s.number).topic_id is None


# ---- the API ----


def test_the_api_shows_hints_and_corrects_in_one_call(
    client: TestClient, db: Session, s: Setup
) -> None:
    agent = factories.headers(db, s.front_agent)
    detail = client.get(f"{API}/cases/{s.number}", headers=agent).json()
    assert detail["topic"] is None
    assert detail["selfservice"]["path"] == "unsure_front_line"
    assert [(h["topic"]["id"], h["score"]) for h in detail["selfservice"]["topic_hints"]] == [
        (s.w.card_topic.id, 0.41),
        (s.w.loan_topic.id, 0.3),
    ]
    customer = client.get(f"{API}/cases/{s.number}", headers=factories.headers(db, s.w.alice_user))
    assert customer.json()["selfservice"] is None
    corrected = client.post(
        f"{API}/cases/{s.number}/topic", json={"topic_id": s.w.card_topic.id}, headers=agent
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["topic"]["id"] == s.w.card_topic.id
    assert corrected.json()["events"][-1]["type"] == "case.topic_changed"


def test_the_api_refuses_others_and_bad_input(client: TestClient, db: Session, s: Setup) -> None:
    url = f"{API}/cases/{s.number}/topic"
    body = {"topic_id": s.w.card_topic.id}
    alice = factories.headers(db, s.w.alice_user)
    assert client.post(url, json=body, headers=alice).status_code == 403
    other = factories.headers(db, s.w.card_agent)
    assert client.post(url, json=body, headers=other).status_code == 404
    agent = factories.headers(db, s.front_agent)
    bad = client.post(url, json={"topic_id": 10**6}, headers=agent)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "topic_id"
    assert client.post(url, json={}, headers=agent).status_code == 422
    assert _case(db, s.number).topic_id is None
    closed = client.post(f"{API}/cases/{s.number}/status", json={"status": "closed"}, headers=agent)
    assert closed.status_code == 200
    assert client.post(url, json=body, headers=agent).status_code == 409


# ---- the team that receives unsure hand-overs ----


def test_an_admin_chooses_the_team_for_unsure_hand_overs(
    client: TestClient, db: Session, s: Setup
) -> None:
    url = f"{API}/teams/{s.w.loans.id}"
    lead = client.patch(
        url, json={"receives_unsure": True}, headers=factories.headers(db, s.w.card_lead)
    )
    assert lead.status_code == 403
    admin = factories.headers(db, s.w.admin)
    chosen = client.patch(url, json={"receives_unsure": True}, headers=admin)
    assert chosen.status_code == 200 and chosen.json()["receives_unsure"] is True
    csrf = log_in(client, db, s.w.admin)
    text = page(client.get(f"/admin/teams/{s.w.loans.id}"))
    assert "Tar emot osäkra överlämningar" in visible(text)
    redirected(
        post(client, f"/admin/teams/{s.w.cards.id}/unsure", csrf, receives_unsure="on"),
        f"/admin/teams/{s.w.cards.id}",
    )
    db.expire_all()
    assert [t.id for t in db.scalars(select(Team).where(Team.receives_unsure.is_(True)))] == [
        s.w.cards.id
    ]
    redirected(
        post(client, f"/admin/teams/{s.w.cards.id}/unsure", csrf, receives_unsure=""),
        f"/admin/teams/{s.w.cards.id}",
    )
    db.expire_all()
    assert db.scalar(select(Team).where(Team.receives_unsure.is_(True))) is None
