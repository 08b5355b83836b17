"""Hand-overs that reach the right people: unsure hand-overs go to the front line without
a topic (the fallback team, or the team chosen to receive them) with the engine's guesses
as hints; sure ones are routed by the topic. Agents correct the topic in one action, and
the correction is suggested for training. The measurement of where hand-overs land."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM, Actor
from nara.domain.cases import change_status
from nara.domain.consultations import ask_consultation
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.handover_evaluation import measure_handovers
from nara.domain.knowledge import save_article
from nara.domain.routing import front_line_team
from nara.domain.selfservice import ask, ask_for_person, give_feedback, start_conversation
from nara.domain.selfservice_models import training_data
from nara.domain.teams import set_unsure_team, update_team
from nara.domain.topic_correction import correct_topic
from nara.domain.training_suggestions import review_suggestions
from nara.models import AuditEntry, Case, CaseEvent, Conversation, Team, Topic, TrainingExample
from nara.queries.handover_hints import handover_hints
from nara.selfservice.predictions import Candidate, Prediction
from tests import factories

CORRECTED = "selfservice.example_corrected"


@dataclass
class Engine:
    """Sure of the card topic when the question says "kort"; otherwise guesses weakly."""

    def predict(self, text: str) -> Prediction:
        if "kort" in text.lower():
            return Prediction([Candidate("kort", 0.97), Candidate("lan", 0.02)], 0.97, True, "t")
        if "fotboll" in text.lower():
            return Prediction([Candidate("oos", 0.8), Candidate("lan", 0.1)], 0.8, False, "t")
        return Prediction([Candidate("lan", 0.41), Candidate("kort", 0.3)], 0.41, False, "t")


@dataclass
class Bank:
    front: Team
    cards: Team
    loans: Team
    card_topic: Topic
    loan_topic: Topic
    front_agent: Actor
    card_agent: Actor
    customer: Actor
    customer_id: int


@pytest.fixture
def bank(db: Session) -> Bank:
    return make_bank(db)


def make_bank(db: Session) -> Bank:
    """A front line, cards and loans teams, a card and a loan topic with articles, a
    customer with a login and an agent in the front line and in cards."""
    front, cards, loans = factories.team(db, fallback=True), factories.team(db), factories.team(db)
    card_topic = factories.topic(db, teams=[cards], slug="kort")
    loan_topic = factories.topic(db, teams=[loans], slug="lan")
    for topic in (card_topic, loan_topic):
        save_article(
            session=db,
            actor=SYSTEM,
            topic_id=topic.id,
            lang="sv",
            title=f"Om {topic.slug}",
            body_md="Så här gör du.",
        )
    customer = factories.customer(db, with_login=True)
    assert customer.user_id is not None
    from nara.models import User

    login = db.get(User, customer.user_id)
    assert login is not None
    return Bank(
        front=front,
        cards=cards,
        loans=loans,
        card_topic=card_topic,
        loan_topic=loan_topic,
        front_agent=factories.actor(db, factories.user(db, teams=[front])),
        card_agent=factories.actor(db, factories.user(db, teams=[cards])),
        customer=factories.actor(db, login),
        customer_id=customer.id,
    )


def _conversation(db: Session, bank: Bank) -> Conversation:
    return start_conversation(session=db, actor=bank.customer, channel="portal", lang="sv")


def _handed_over(db: Session, bank: Bank, question: str, *, then_person: bool = False) -> Case:
    conversation = _conversation(db, bank)
    reply = ask(
        session=db,
        actor=bank.customer,
        conversation=conversation,
        question=question,
        predictor=Engine(),
    )
    if then_person:
        assert reply.case is None
        reply = ask_for_person(session=db, actor=bank.customer, conversation=conversation)
    assert reply.case is not None
    return reply.case


def _event(db: Session, case: Case, kind: str) -> CaseEvent:
    found = db.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == kind))
    assert found is not None, kind
    return found


# ---- the two paths ----


def test_unsure_goes_to_the_front_line_without_a_topic_with_hints(db: Session, bank: Bank) -> None:
    case = _handed_over(db, bank, "Jag ärvde min pappas konto, vad gör jag?")
    assert case.team_id == bank.front.id and case.topic_id is None
    assert _event(db, case, "selfservice.handed_over").data["path"] == "unsure_front_line"
    assert _event(db, case, "case.routed").data["reason"] == "front_line"
    hints = handover_hints(db, case)
    assert hints is not None and hints.path == "unsure_front_line"
    assert [(h.topic.id, h.score) for h in hints.hints] == [
        (bank.loan_topic.id, 0.41),
        (bank.card_topic.id, 0.3),
    ]


def test_out_of_scope_goes_to_the_front_line_and_oos_is_no_hint(db: Session, bank: Bank) -> None:
    case = _handed_over(db, bank, "Vem vann fotbollsmatchen i går?")
    assert case.team_id == bank.front.id and case.topic_id is None
    hints = handover_hints(db, case)
    assert hints is not None and [h.topic.slug for h in hints.hints] == ["lan"]


def test_sure_topic_and_asked_for_a_person_is_routed_by_the_topic(db: Session, bank: Bank) -> None:
    case = _handed_over(db, bank, "Mitt kort har inte kommit", then_person=True)
    assert case.team_id == bank.cards.id and case.topic_id == bank.card_topic.id
    assert _event(db, case, "selfservice.handed_over").data["path"] == "sure_topic"
    assert _event(db, case, "case.routed").data["reason"] == "topic"


def test_a_rejected_answer_is_not_sure(db: Session, bank: Bank) -> None:
    conversation = _conversation(db, bank)
    ask(
        session=db,
        actor=bank.customer,
        conversation=conversation,
        question="Mitt kort har inte kommit",
        predictor=Engine(),
    )
    reply = give_feedback(session=db, actor=bank.customer, conversation=conversation, solved=False)
    assert reply is not None and reply.case is not None
    assert reply.case.team_id == bank.front.id and reply.case.topic_id is None
    hints = handover_hints(db, reply.case)
    assert hints is not None and hints.path == "unsure_front_line"
    assert hints.hints[0].topic.id == bank.card_topic.id


def test_asking_for_a_person_before_any_question_goes_to_the_front_line(
    db: Session, bank: Bank
) -> None:
    conversation = _conversation(db, bank)
    reply = ask_for_person(session=db, actor=bank.customer, conversation=conversation)
    assert reply.case is not None and reply.case.team_id == bank.front.id
    hints = handover_hints(db, reply.case)
    assert hints is not None and hints.path == "unsure_front_line" and hints.hints == []


# ---- the team that receives unsure hand-overs ----


def test_unsure_hand_overs_go_to_the_team_an_admin_chose(db: Session, bank: Bank) -> None:
    admin = factories.actor(db, factories.user(db, role="admin"))
    desk = factories.team(db)
    set_unsure_team(session=db, actor=admin, team_id=desk.id)
    assert front_line_team(db).id == desk.id
    case = _handed_over(db, bank, "Jag ärvde min pappas konto")
    assert case.team_id == desk.id and case.topic_id is None
    sure = _handed_over(db, bank, "Mitt kort har inte kommit", then_person=True)
    assert sure.team_id == bank.cards.id  # sure hand-overs are routed as before
    entry = db.scalar(
        select(AuditEntry)
        .where(AuditEntry.object_id == str(desk.id))
        .order_by(AuditEntry.id.desc())
    )
    assert entry is not None and entry.action == "team.updated"
    assert (
        entry.changes == {"receives_unsure": [False, True]} and entry.actor_user_id == admin.user_id
    )
    # Another team takes over the role: the first gives it up, both audited.
    update_team(session=db, actor=admin, team_id=bank.loans.id, receives_unsure=True)
    db.refresh(desk)
    assert not desk.receives_unsure and front_line_team(db).id == bank.loans.id
    gave_up = db.scalar(
        select(AuditEntry)
        .where(AuditEntry.object_id == str(desk.id))
        .order_by(AuditEntry.id.desc())
    )
    assert gave_up is not None and gave_up.changes == {"receives_unsure": [True, False]}
    # None: the fallback team again (the default).
    set_unsure_team(session=db, actor=admin, team_id=None)
    assert front_line_team(db).id == bank.front.id


def test_only_admins_choose_and_never_an_inactive_team(db: Session, bank: Bank) -> None:
    lead = factories.actor(db, factories.user(db, role="lead", teams=[bank.cards]))
    with pytest.raises(PermissionDenied):
        set_unsure_team(session=db, actor=lead, team_id=bank.cards.id)
    with pytest.raises(PermissionDenied):
        update_team(session=db, actor=lead, team_id=bank.cards.id, receives_unsure=True)
    admin = factories.actor(db, factories.user(db, role="admin"))
    update_team(session=db, actor=admin, team_id=bank.loans.id, is_active=False)
    with pytest.raises(Conflict):
        set_unsure_team(session=db, actor=admin, team_id=bank.loans.id)
    # A chosen team made inactive later no longer receives them: the fallback team does.
    set_unsure_team(session=db, actor=admin, team_id=bank.cards.id)
    update_team(session=db, actor=admin, team_id=bank.cards.id, is_active=False)
    assert front_line_team(db).id == bank.front.id


# ---- correcting the topic ----


def test_the_front_line_corrects_the_topic_and_it_is_suggested_for_training(
    db: Session, bank: Bank
) -> None:
    case = _handed_over(db, bank, "Jag ärvde min pappas konto, vad gör jag?")
    corrected = correct_topic(
        session=db, actor=bank.front_agent, number=case.number, topic_id=bank.card_topic.id
    )
    assert corrected.topic_id == bank.card_topic.id and corrected.team_id == bank.front.id
    event = _event(db, case, "case.topic_changed")
    assert event.actor_id == bank.front_agent.user_id and not event.is_public
    assert event.data["old_topic_id"] is None and event.data["topic_id"] == bank.card_topic.id
    example = db.scalar(select(TrainingExample).where(TrainingExample.source == "correction"))
    assert example is not None
    assert example.text == "Jag ärvde min pappas konto, vad gör jag?"
    assert example.topic_id == bank.card_topic.id and example.lang == "sv"
    assert example.status == "suggested" and example.kind == "example"
    assert example.case_id == case.id and example.suggested_at is not None
    # A suggestion: not trained on until a lead accepts it.
    assert ("Jag ärvde min pappas konto, vad gör jag?", "kort") not in training_data(db)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == CORRECTED))
    assert entry is not None and entry.object_type == "training_example"
    assert entry.object_id == str(example.id)
    assert entry.actor_user_id == bank.front_agent.user_id
    assert entry.changes == {
        "status": [None, "suggested"],
        "kind": [None, "example"],
        "topic_id": [None, bank.card_topic.id],
        "case": [None, case.number],
    }
    # A second correction replaces the suggestion's topic: one per conversation.
    correct_topic(
        session=db, actor=bank.front_agent, number=case.number, topic_id=bank.loan_topic.id
    )
    examples = list(
        db.scalars(select(TrainingExample).where(TrainingExample.source == "correction"))
    )
    assert [(e.id, e.topic_id) for e in examples] == [(example.id, bank.loan_topic.id)]
    last = db.scalar(
        select(AuditEntry).where(AuditEntry.action == CORRECTED).order_by(AuditEntry.id.desc())
    )
    assert last is not None and last.changes["topic_id"] == [bank.card_topic.id, bank.loan_topic.id]
    review_suggestions(session=db, actor=SYSTEM, ids=[example.id], action="accept")
    pairs = training_data(db)
    assert ("Jag ärvde min pappas konto, vad gör jag?", "lan") in pairs
    assert ("Jag ärvde min pappas konto, vad gör jag?", "kort") not in pairs


def test_setting_the_same_topic_changes_nothing(db: Session, bank: Bank) -> None:
    case = _handed_over(db, bank, "Mitt kort har inte kommit", then_person=True)
    correct_topic(
        session=db, actor=bank.card_agent, number=case.number, topic_id=bank.card_topic.id
    )
    events = db.scalars(select(CaseEvent.type).where(CaseEvent.case_id == case.id)).all()
    assert "case.topic_changed" not in events
    assert db.scalar(select(TrainingExample).where(TrainingExample.source == "correction")) is None


def test_a_case_without_a_conversation_keeps_no_training_example(db: Session, bank: Bank) -> None:
    customer = factories.customer(db)
    case = factories.case(db, the_customer=customer, the_topic=bank.loan_topic)
    lead = factories.actor(db, factories.user(db, role="lead", teams=[bank.loans]))
    correct_topic(session=db, actor=lead, number=case.number, topic_id=bank.card_topic.id)
    assert case.topic_id == bank.card_topic.id
    assert db.scalar(select(TrainingExample).where(TrainingExample.source == "correction")) is None


def test_only_the_owning_side_corrects_the_topic(db: Session, bank: Bank) -> None:
    case = _handed_over(db, bank, "Jag ärvde min pappas konto")
    with pytest.raises(PermissionDenied):  # customers never, not even their own case
        correct_topic(
            session=db, actor=bank.customer, number=case.number, topic_id=bank.card_topic.id
        )
    with pytest.raises(NotFound):  # another team does not see the case
        correct_topic(
            session=db, actor=bank.card_agent, number=case.number, topic_id=bank.card_topic.id
        )
    ask_consultation(
        session=db,
        actor=bank.front_agent,
        number=case.number,
        team=bank.cards.slug,
        question="Är det här ert?",
    )
    with pytest.raises(PermissionDenied):  # consulted: reads, but does not change the case
        correct_topic(
            session=db, actor=bank.card_agent, number=case.number, topic_id=bank.card_topic.id
        )
    assert case.topic_id is None
    assert db.scalar(select(TrainingExample).where(TrainingExample.source == "correction")) is None
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == CORRECTED)) is None


def test_bad_topics_and_closed_cases_are_refused(db: Session, bank: Bank) -> None:
    case = _handed_over(db, bank, "Jag ärvde min pappas konto")
    for bad in (None, 0, 10**9, "1"):
        with pytest.raises(ValidationFailed) as refused:
            correct_topic(session=db, actor=bank.front_agent, number=case.number, topic_id=bad)
        assert refused.value.field == "topic_id"
    retired = factories.topic(db)
    retired.is_active = False
    with pytest.raises(ValidationFailed):
        correct_topic(session=db, actor=bank.front_agent, number=case.number, topic_id=retired.id)
    change_status(session=db, actor=bank.front_agent, number=case.number, status="closed")
    with pytest.raises(Conflict):
        correct_topic(
            session=db, actor=bank.front_agent, number=case.number, topic_id=bank.card_topic.id
        )


# ---- the measurement ----


@dataclass(frozen=True)
class Entry:
    text: str
    lang: str
    topic: str | None
    kind: str = "test"


def test_measure_counts_where_hand_overs_land_and_keeps_nothing(db: Session, bank: Bank) -> None:
    entries = [
        Entry("Mitt kort har inte kommit", "sv", "kort"),  # sure, routed to cards: right
        Entry("Kortet kom aldrig fram", "sv", "kort"),  # sure: right
        Entry("Jag vill låna till en bil", "sv", "lan"),  # unsure: front line, not loans
        Entry("Vem vann fotbollsmatchen?", "sv", None),  # no topic: front line, right
        Entry("What is the meaning of life?", "en", None),  # no topic: front line, right
    ]
    cases_before = db.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    result = measure_handovers(session=db, questions=entries, predictor=Engine())
    assert [landing.path for landing in result.landings] == [
        "sure_topic",
        "sure_topic",
        "unsure_front_line",
        "unsure_front_line",
        "unsure_front_line",
    ]
    assert [landing.right for landing in result.landings] == [True, True, False, True, True]
    assert (result.share().right, result.share().total) == (4, 5)
    assert result.share(path="sure_topic").share == 1.0
    assert result.share(path="unsure_front_line").right == 2
    assert result.share(has_topic=False).share == 1.0
    # Routing by the top guess would have sent the unknown question to the loans team.
    assert [landing.by_guess_right for landing in result.landings] == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert db.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == cases_before
    with pytest.raises(ValidationFailed):
        measure_handovers(
            session=db, questions=[Entry("x", "sv", "finns-inte")], predictor=Engine()
        )
