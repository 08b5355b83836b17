"""Self-service conversations with a stand-in engine: answer only when sure, otherwise a
person at once, with the whole conversation in the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM, Actor
from nara.domain.errors import Conflict, NotFound, ValidationFailed
from nara.domain.knowledge import save_article
from nara.domain.selfservice import (
    ask,
    ask_for_person,
    get_conversation,
    give_feedback,
    start_conversation,
)
from nara.models import Case, CaseEvent, Conversation, Customer, Outcome
from nara.selfservice.predictions import Candidate, Prediction
from tests import factories


@dataclass
class FakeEngine:
    label: str
    confidence: float
    threshold: float = 0.9

    def predict(self, text: str) -> Prediction:
        return Prediction(
            candidates=[Candidate(self.label, self.confidence), Candidate("other", 0.01)],
            confidence=self.confidence,
            answer=self.confidence >= self.threshold,
            model_version="test-1",
        )


@pytest.fixture
def bank(db: Session) -> dict[str, object]:
    front = factories.team(db, fallback=True)
    cards = factories.team(db)
    topic = factories.topic(db, teams=[cards], slug="kort-har-inte-kommit")
    save_article(session=db, actor=SYSTEM, topic_id=topic.id, lang="sv",
                 title="Kortet har inte kommit", body_md="Vänta fem bankdagar.")  # fmt: skip
    customer = factories.customer(db, with_login=True)
    assert customer.user_id is not None
    from nara.models import User

    user = db.get(User, customer.user_id)
    assert user is not None
    return {"front": front, "cards": cards, "topic": topic, "customer": customer,
            "actor": factories.actor(db, user)}  # fmt: skip


def _actor(bank: dict[str, object]) -> Actor:
    actor = bank["actor"]
    assert isinstance(actor, Actor)
    return actor


def _start(db: Session, bank: dict[str, object]) -> Conversation:
    return start_conversation(session=db, actor=_actor(bank), channel="portal", lang="sv")


def test_sure_answers_with_the_article(db: Session, bank: dict[str, object]) -> None:
    conversation = _start(db, bank)
    engine = FakeEngine("kort-har-inte-kommit", 0.99)
    reply = ask(session=db, actor=_actor(bank), conversation=conversation,
                question="Mitt kort har inte kommit", predictor=engine)  # fmt: skip
    assert reply.article is not None and reply.article.title == "Kortet har inte kommit"
    assert not reply.handed_over
    assert conversation.outcome == Outcome.answered_no_feedback
    assert conversation.model_version == "test-1"
    assert reply.turn.article_version_id is not None


def test_unsure_hands_over_at_once_with_the_transcript(
    db: Session, bank: dict[str, object]
) -> None:
    conversation = _start(db, bank)
    ask(session=db, actor=_actor(bank), conversation=conversation, question="Hej!",
        predictor=FakeEngine("kort-har-inte-kommit", 0.99))  # fmt: skip
    give_feedback(session=db, actor=_actor(bank), conversation=conversation, solved=True)
    conversation = _start(db, bank)
    reply = ask(session=db, actor=_actor(bank), conversation=conversation,
                question="Något konstigt hände med mitt kort i Spanien",
                predictor=FakeEngine("kort-har-inte-kommit", 0.4))  # fmt: skip
    assert reply.handed_over and reply.case is not None
    assert conversation.outcome == Outcome.abstained
    case = reply.case
    front = bank["front"]
    assert case.team_id == front.id and case.topic_id is None  # not sure: the front line
    events = list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
    opened = next(e for e in events if e.type == "case.opened")
    assert "Något konstigt hände med mitt kort i Spanien" in opened.body
    handed = next(e for e in events if e.type == "selfservice.handed_over")
    assert handed.data["reason"] == "abstained"
    assert handed.data["path"] == "unsure_front_line"
    assert handed.data["candidates"][0]["label"] == "kort-har-inte-kommit"
    assert handed.is_public is False
    from nara.domain.events import EVENT_TYPES

    for lang in ("sv", "en"):
        summary = EVENT_TYPES[handed.type].summary(lang, handed.data)
        assert "abstained" in summary and "{" not in summary


def test_no_after_an_answer_hands_over_with_everything_said(
    db: Session, bank: dict[str, object]
) -> None:
    conversation = _start(db, bank)
    engine = FakeEngine("kort-har-inte-kommit", 0.99)
    ask(session=db, actor=_actor(bank), conversation=conversation,
        question="Kortet har inte kommit efter tre veckor", predictor=engine)  # fmt: skip
    reply = give_feedback(session=db, actor=_actor(bank), conversation=conversation, solved=False)
    assert reply is not None and reply.case is not None
    assert conversation.outcome == Outcome.answered_rejected
    body = db.scalar(
        select(CaseEvent.body).where(CaseEvent.case_id == reply.case.id,
                                     CaseEvent.type == "case.opened")
    )  # fmt: skip
    assert body is not None
    assert "Kortet har inte kommit efter tre veckor" in body
    assert "Kortet har inte kommit" in body  # the article that was shown
    with pytest.raises(Conflict):
        ask(session=db, actor=_actor(bank), conversation=conversation, question="Hallå?",
            predictor=engine)  # fmt: skip


def test_a_person_can_be_asked_for_at_any_time(db: Session, bank: dict[str, object]) -> None:
    conversation = _start(db, bank)
    reply = ask_for_person(session=db, actor=_actor(bank), conversation=conversation)
    assert reply.case is not None
    assert conversation.outcome == Outcome.asked_for_person
    again = ask_for_person(session=db, actor=_actor(bank), conversation=conversation)
    assert again.case is not None and again.case.id == reply.case.id  # no second case


def test_anonymous_conversations_wait_for_contact_details(db: Session) -> None:
    factories.team(db, fallback=True)
    conversation = start_conversation(session=db, actor=None, channel="widget", lang="en")
    reply = ask(session=db, actor=None, conversation=conversation, question="hello",
                predictor=FakeEngine("nothing-known", 0.2))  # fmt: skip
    assert reply.case is None
    assert conversation.outcome == Outcome.abstained
    assert db.scalar(select(Case.id)) is None


def test_a_new_contact_within_seven_days_marks_the_answer_unresolved(
    db: Session, bank: dict[str, object]
) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        first = _start(db, bank)
        ask(session=db, actor=_actor(bank), conversation=first, question="Kortet?",
            predictor=FakeEngine("kort-har-inte-kommit", 0.99))  # fmt: skip
    with clock.frozen_at(start + timedelta(days=12)):
        late = _start(db, bank)
        ask(session=db, actor=_actor(bank), conversation=late, question="Kortet igen?",
            predictor=FakeEngine("kort-har-inte-kommit", 0.99))  # fmt: skip
    assert first.resolved is None  # 12 days later: not counted against it
    with clock.frozen_at(start + timedelta(days=14)):
        factories.case(db, the_customer=bank["customer"], the_topic=bank["topic"])  # type: ignore[arg-type]
    db.refresh(late)
    assert late.resolved is False  # a case on the same topic 2 days after the answer


@pytest.mark.parametrize(("question", "field"), [("", "question"), ("x" * 2001, "question")])
def test_bad_questions_are_refused(
    db: Session, bank: dict[str, object], question: str, field: str
) -> None:
    conversation = _start(db, bank)
    with pytest.raises(ValidationFailed) as raised:
        ask(session=db, actor=_actor(bank), conversation=conversation, question=question,
            predictor=FakeEngine("kort-har-inte-kommit", 0.99))  # fmt: skip
    assert raised.value.field == field


def test_no_engine_means_a_person(db: Session, bank: dict[str, object]) -> None:
    conversation = _start(db, bank)
    reply = ask(session=db, actor=_actor(bank), conversation=conversation,
                question="Mitt kort har inte kommit", predictor=None)  # fmt: skip
    assert reply.case is not None


def test_conversations_are_private(db: Session, bank: dict[str, object]) -> None:
    conversation = _start(db, bank)
    other = factories.customer(db, with_login=True)
    from nara.models import User

    assert other.user_id is not None
    other_user = db.get(User, other.user_id)
    assert other_user is not None
    with pytest.raises(NotFound):
        get_conversation(db, conversation.public_id, factories.actor(db, other_user))
    with pytest.raises(NotFound):
        get_conversation(db, conversation.public_id, None)
    assert get_conversation(db, conversation.public_id, _actor(bank)) is conversation


def test_anonymous_hand_over_with_contact_details(db: Session) -> None:
    from nara.domain.selfservice import hand_over_with_contact

    factories.team(db, fallback=True)
    conversation = start_conversation(session=db, actor=None, channel="widget", lang="sv")
    ask(session=db, actor=None, conversation=conversation, question="Hjälp med arvet",
        predictor=FakeEngine("okänt", 0.1))  # fmt: skip
    with pytest.raises(ValidationFailed):
        hand_over_with_contact(session=db, conversation=conversation, name="Eva", email="nej")
    case = hand_over_with_contact(
        session=db, conversation=conversation, name="Eva", email="eva@example.test"
    ).case
    customer = db.get(Customer, case.customer_id)
    assert customer is not None and customer.email == "eva@example.test"
    body = db.scalar(select(CaseEvent.body).where(CaseEvent.case_id == case.id,
                                                  CaseEvent.type == "case.opened"))  # fmt: skip
    assert body is not None and "Hjälp med arvet" in body
    with pytest.raises(Conflict):
        hand_over_with_contact(session=db, conversation=conversation, name="Eva",
                               email="eva@example.test")  # fmt: skip
