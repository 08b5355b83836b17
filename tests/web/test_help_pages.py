"""The assistant page /help, for anonymous visitors and logged-in customers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.auth import start_session
from nara.domain.knowledge import save_article
from nara.models import ArticleVersion, Case, CaseEvent, Conversation
from nara.selfservice.predictions import Candidate, Prediction
from nara.web.deps import SESSION_COOKIE
from nara.web.ui import help as help_pages
from tests import factories


@dataclass
class Engine:
    def predict(self, text: str) -> Prediction:
        sure = "kort" in text.lower()
        return Prediction([Candidate("kort-har-inte-kommit", 0.99 if sure else 0.3)],
                          0.99 if sure else 0.3, sure, "t-1")  # fmt: skip


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(help_pages, "active_predictor", lambda db: Engine())
    yield


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    topic = factories.topic(db, teams=[world.cards], slug="kort-har-inte-kommit")
    save_article(session=db, actor=SYSTEM, topic_id=topic.id, lang="sv",
                 title="Kortet har inte kommit", body_md="Vänta **fem** bankdagar.")  # fmt: skip
    return world


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def conversation_id(html: str) -> str:
    match = re.search(r'name="conversation" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_anonymous_gets_the_article_and_is_asked_if_it_helped(
    client: TestClient, w: factories.World
) -> None:
    page = client.get("/help")
    assert page.status_code == 200 and 'lang="sv"' in page.text
    answer = client.post("/help/ask", data={"csrf_token": csrf(page.text),
                                            "question": "Mitt kort har inte kommit"})  # fmt: skip
    assert answer.status_code == 200
    assert "Kortet har inte kommit" in answer.text
    assert "<strong>fem</strong>" in answer.text
    assert "Löste det här ditt problem?" in answer.text
    token, cid = csrf(answer.text), conversation_id(answer.text)
    no = client.post("/help/feedback", data={"csrf_token": token, "conversation": cid,
                                             "solved": "no"})  # fmt: skip
    assert "En person hjälper dig" in no.text  # asks how to reach them
    details = {"csrf_token": token, "conversation": cid, "name": "Eva", "email": "e@example.test"}
    done = client.post("/help/contact", data=details)
    number = re.search(r"NA-\d{4}-\d{6}", done.text)
    assert number, done.text


def test_customer_is_taken_to_the_case(client: TestClient, db: Session, w: factories.World) -> None:
    new = start_session(session=db, user=w.alice_user)
    client.cookies.set(SESSION_COOKIE, new.token)
    response = client.post("/help/ask", data={"csrf_token": new.session.csrf_token,
                                              "question": "Något helt annat"},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/cases/NA-") and "handed_over=1" in location
    case_page = client.get(location)
    assert "Något helt annat" in case_page.text  # the conversation is in the case
    assert "En person tar över härifrån" in case_page.text


def test_forms_need_the_csrf_token(client: TestClient, db: Session, w: factories.World) -> None:
    client.get("/help")
    response = client.post("/help/ask", data={"csrf_token": "forged", "question": "kort"})
    assert response.status_code == 403
    assert db.scalar(select(Conversation.id)) is None
    assert db.scalar(select(Case.id).where(Case.subject == "kort")) is None


def test_empty_question_shows_the_error_in_swedish(client: TestClient, w: factories.World) -> None:
    page = client.get("/help")
    response = client.post("/help/ask", data={"csrf_token": csrf(page.text), "question": " "})
    assert response.status_code == 422
    assert "Fältet får inte vara tomt." in response.text
    assert 'aria-invalid="true"' in response.text


def test_search_finds_articles(client: TestClient, w: factories.World) -> None:
    page = client.get("/help", params={"q": "kortet"})
    assert "Kortet har inte kommit" in page.text
    nothing = client.get("/help", params={"q": "zzzz"})
    assert "Inga artiklar matchade" in nothing.text


def test_english_page(client: TestClient, w: factories.World) -> None:
    page = client.get("/help", headers={"Accept-Language": "en"})
    assert 'lang="en"' in page.text and "Ask us" in page.text


def test_every_answer_shows_a_way_on_before_the_article(
    client: TestClient, db: Session, w: factories.World
) -> None:
    """ "Not what you asked? Talk to a person" comes first, and rejects the answer: the
    hand-over notes the article version the customer said no to."""
    new = start_session(session=db, user=w.alice_user)
    client.cookies.set(SESSION_COOKIE, new.token)
    page = client.get("/help")
    answer = client.post(
        "/help/ask", data={"csrf_token": csrf(page.text), "question": "Mitt kort har inte kommit"}
    )
    html = answer.text
    assert html.index("Inte det du frågade om?") < html.index("<strong>fem</strong>")
    way_on = re.search(r'<form[^>]*class="row way-on".*?</form>', html, re.S)
    assert way_on and 'name="solved" value="no"' in way_on.group(0)
    assert "Prata med en person" in way_on.group(0)
    handed = client.post(
        "/help/feedback",
        data={"csrf_token": csrf(html), "solved": "no", "conversation": conversation_id(html)},
        follow_redirects=False,
    )
    assert handed.status_code == 303 and "handed_over=1" in handed.headers["location"]
    conversation = db.scalar(select(Conversation).where(Conversation.case_id.is_not(None)))
    assert conversation is not None and conversation.outcome == "answered_rejected"
    event = db.scalar(
        select(CaseEvent).where(
            CaseEvent.case_id == conversation.case_id, CaseEvent.type == "selfservice.handed_over"
        )
    )
    assert event is not None and event.data["reason"] == "rejected"
    shown = db.scalar(
        select(ArticleVersion.id).where(ArticleVersion.title == "Kortet har inte kommit")
    )
    assert event.data["rejected_article_version"] == shown == event.data["articles_shown"][-1]


def test_the_english_way_on(client: TestClient, w: factories.World) -> None:
    page = client.get("/help", headers={"Accept-Language": "en"})
    answer = client.post(
        "/help/ask",
        data={"csrf_token": csrf(page.text), "question": "My kort has not arrived"},
        headers={"Accept-Language": "en"},
    )
    assert "Not what you asked?" in answer.text
