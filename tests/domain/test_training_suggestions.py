"""Self-service learns from the front line: hand-overs whose topic an agent set or
confirmed become suggested examples, rejected answers suggested counter-examples; leads
review them in bulk; training uses only the accepted ones and never the held-out slice;
model versions are compared on that slice; knowledge gaps carry their cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM, Actor
from nara.domain.cases import change_status
from nara.domain.errors import PermissionDenied, ValidationFailed
from nara.domain.selfservice import (
    ask,
    ask_for_person,
    give_feedback,
    hand_over_with_contact,
    start_conversation,
)
from nara.domain.selfservice_models import prepare_training, split_held_out, training_data
from nara.domain.topic_correction import correct_topic
from nara.domain.training import add_training_examples
from nara.domain.training_suggestions import SUGGESTION_SOURCES, review_suggestions
from nara.models import AuditEntry, Case, Conversation, SelfServiceModel, TrainingExample
from nara.queries import training_suggestions as q
from nara.queries.gaps import group, handed_over
from nara.selfservice.held_out import SHARE, in_slice
from tests import factories
from tests.domain.test_unsure_handover import Bank, Engine, make_bank

REJECTED = "Mitt kort har inte kommit men jag vill spärra det"


@pytest.fixture
def bank(db: Session) -> Bank:
    return make_bank(db)


def _suggestions(db: Session) -> list[TrainingExample]:
    return list(
        db.scalars(
            select(TrainingExample)
            .where(TrainingExample.source.in_(SUGGESTION_SOURCES))
            .order_by(TrainingExample.id)
        )
    )


def _rejected(db: Session, bank: Bank, question: str = REJECTED) -> Case:
    conversation = start_conversation(session=db, actor=bank.customer, channel="portal", lang="sv")
    reply = ask(
        session=db,
        actor=bank.customer,
        conversation=conversation,
        question=question,
        predictor=Engine(),
    )
    assert reply.article is not None
    handed = give_feedback(session=db, actor=bank.customer, conversation=conversation, solved=False)
    assert handed is not None and handed.case is not None
    return handed.case


def _lead(db: Session) -> Actor:
    return factories.actor(db, factories.user(db, role="lead"))


# ---- creating suggestions ----


def test_a_rejected_answer_is_a_suggested_counter_example(db: Session, bank: Bank) -> None:
    case = _rejected(db, bank)
    [row] = _suggestions(db)
    assert (row.kind, row.status, row.source) == ("counter_example", "suggested", "rejection")
    assert row.topic_id is None and row.not_topic_id == bank.card_topic.id
    assert row.text == REJECTED and row.lang == "sv" and row.case_id == case.id
    assert (REJECTED, "oos") not in training_data(db)  # waits for a lead
    review_suggestions(session=db, actor=_lead(db), ids=[row.id], action="accept")
    assert (REJECTED, "oos") in training_data(db)  # "do not answer this": hand it over


def test_the_agents_topic_turns_a_counter_example_into_an_example(db: Session, bank: Bank) -> None:
    case = _rejected(db, bank)
    correct_topic(
        session=db, actor=bank.front_agent, number=case.number, topic_id=bank.loan_topic.id
    )
    [row] = _suggestions(db)  # still one per conversation
    assert (row.kind, row.status, row.source) == ("example", "suggested", "correction")
    assert row.topic_id == bank.loan_topic.id and row.not_topic_id == bank.card_topic.id
    # Resolving it afterwards confirms nothing new.
    change_status(session=db, actor=bank.front_agent, number=case.number, status="resolved")
    assert [(r.id, r.source) for r in _suggestions(db)] == [(row.id, "correction")]


def test_staff_resolving_a_hand_over_confirms_its_topic(db: Session, bank: Bank) -> None:
    conversation = start_conversation(session=db, actor=bank.customer, channel="portal", lang="sv")
    ask(
        session=db,
        actor=bank.customer,
        conversation=conversation,
        question="Mitt kort har inte kommit",
        predictor=Engine(),
    )
    case = ask_for_person(session=db, actor=bank.customer, conversation=conversation).case
    assert case is not None and case.topic_id == bank.card_topic.id  # routed by the sure topic
    change_status(session=db, actor=bank.card_agent, number=case.number, status="resolved")
    [row] = _suggestions(db)
    assert (row.kind, row.source, row.topic_id) == ("example", "confirmed", bank.card_topic.id)
    assert row.status == "suggested"
    # Reopened and resolved again: still one.
    change_status(session=db, actor=bank.card_agent, number=case.number, status="open")
    change_status(session=db, actor=bank.card_agent, number=case.number, status="resolved")
    assert len(_suggestions(db)) == 1


def test_nara_closing_a_case_or_a_case_without_self_service_suggests_nothing(
    db: Session,
    bank: Bank,
) -> None:
    conversation = start_conversation(session=db, actor=bank.customer, channel="portal", lang="sv")
    ask(
        session=db,
        actor=bank.customer,
        conversation=conversation,
        question="Mitt kort har inte kommit",
        predictor=Engine(),
    )
    case = ask_for_person(session=db, actor=bank.customer, conversation=conversation).case
    assert case is not None
    change_status(session=db, actor=SYSTEM, number=case.number, status="closed")
    plain = factories.case(db, the_customer=factories.customer(db), the_topic=bank.loan_topic)
    lead = factories.actor(db, factories.user(db, role="lead", teams=[bank.loans]))
    change_status(session=db, actor=lead, number=plain.number, status="resolved")
    # An unsure hand-over resolved without a topic: nothing to learn either.
    unsure = _unsure(db, bank)
    change_status(session=db, actor=bank.front_agent, number=unsure.number, status="resolved")
    assert _suggestions(db) == []


def _unsure(db: Session, bank: Bank) -> Case:
    conversation = start_conversation(session=db, actor=bank.customer, channel="portal", lang="sv")
    reply = ask(
        session=db,
        actor=bank.customer,
        conversation=conversation,
        question="Jag ärvde min pappas konto",
        predictor=Engine(),
    )
    assert reply.case is not None and reply.case.topic_id is None
    return reply.case


def test_an_anonymous_visitors_rejection_gets_its_case_when_they_leave_details(
    db: Session,
    bank: Bank,
) -> None:
    conversation = start_conversation(session=db, actor=None, channel="widget", lang="sv")
    ask(
        session=db,
        actor=None,
        conversation=conversation,
        question="Mitt kort kom aldrig",
        predictor=Engine(),
    )
    assert give_feedback(session=db, actor=None, conversation=conversation, solved=False)
    [row] = _suggestions(db)
    assert row.case_id is None and row.lang == "sv" and row.kind == "counter_example"
    handed = hand_over_with_contact(
        session=db, conversation=conversation, name="Eva", email="eva@example.test"
    )
    db.refresh(row)
    assert row.case_id == handed.case.id


# ---- reviewing ----


def test_leads_review_in_bulk_and_every_change_is_audited(db: Session, bank: Bank) -> None:
    cases = [_rejected(db, bank, f"{REJECTED} nummer {i}") for i in range(3)]
    assert len(cases) == 3
    ids = [r.id for r in _suggestions(db)]
    lead = _lead(db)
    moved = review_suggestions(session=db, actor=lead, ids=ids[:2], action="move", topic="lan")
    assert {(r.status, r.kind, r.topic_id) for r in moved} == {
        ("accepted", "example", bank.loan_topic.id)
    }
    assert all(r.reviewed_by_id == lead.user_id and r.reviewed_at for r in moved)
    review_suggestions(session=db, actor=lead, ids=[ids[2]], action="discard")
    pairs = training_data(db)
    assert (f"{REJECTED} nummer 0", "lan") in pairs and (f"{REJECTED} nummer 1", "lan") in pairs
    assert not any(text == f"{REJECTED} nummer 2" for text, _ in pairs)
    entries = list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "selfservice.suggestion_reviewed")
            .order_by(AuditEntry.id)
        )
    )
    assert [e.object_id for e in entries] == [str(i) for i in ids]
    assert entries[0].changes == {
        "status": ["suggested", "accepted"],
        "kind": ["counter_example", "example"],
        "topic_id": [None, bank.loan_topic.id],
        "action": [None, "move"],
    }
    assert entries[2].changes["status"] == ["suggested", "discarded"]
    # A lead changes their mind: out of scope after all.
    review_suggestions(session=db, actor=lead, ids=[ids[0]], action="move", topic="oos")
    assert (f"{REJECTED} nummer 0", "oos") in training_data(db)


def test_a_correction_that_contradicts_a_review_puts_it_back_for_review(
    db: Session,
    bank: Bank,
) -> None:
    case = _unsure(db, bank)
    correct_topic(
        session=db, actor=bank.front_agent, number=case.number, topic_id=bank.card_topic.id
    )
    [row] = _suggestions(db)
    review_suggestions(session=db, actor=_lead(db), ids=[row.id], action="accept")
    correct_topic(
        session=db, actor=bank.front_agent, number=case.number, topic_id=bank.loan_topic.id
    )
    db.refresh(row)
    assert (row.status, row.topic_id, row.reviewed_by_id) == ("suggested", bank.loan_topic.id, None)
    assert not any(text == row.text for text, _ in training_data(db))


def test_review_refuses_bad_input_and_other_roles(db: Session, bank: Bank) -> None:
    _rejected(db, bank)
    [row] = _suggestions(db)
    add_training_examples(
        session=db, actor=SYSTEM, source="import", examples=[("Importerad fråga", "kort")]
    )
    imported = db.scalar(select(TrainingExample).where(TrainingExample.text == "Importerad fråga"))
    assert imported is not None and imported.status == "accepted"
    lead = _lead(db)
    bad: list[tuple[list[object], str, str | None, str]] = [
        ([], "accept", None, "ids"),
        (["1"], "accept", None, "ids"),
        ([row.id, 10**9], "accept", None, "ids"),
        ([imported.id], "discard", None, "ids"),  # not a suggestion
        (list(range(1, 502)), "accept", None, "ids"),
        ([row.id], "approve", None, "action"),
        ([row.id], "move", None, "topic"),
        ([row.id], "move", "finns-inte", "topic"),
    ]
    for ids, action, topic, field in bad:
        with pytest.raises(ValidationFailed) as refused:
            review_suggestions(session=db, actor=lead, ids=ids, action=action, topic=topic)
        assert refused.value.field == field, (ids[:3], action)
    bank.loan_topic.is_active = False
    with pytest.raises(ValidationFailed):
        review_suggestions(session=db, actor=lead, ids=[row.id], action="move", topic="lan")
    for who in (bank.front_agent, bank.customer):
        with pytest.raises(PermissionDenied):
            review_suggestions(session=db, actor=who, ids=[row.id], action="accept")
        with pytest.raises(PermissionDenied):
            q.list_suggestions(db, who, q.SuggestionFilter())
    db.refresh(row)
    assert row.status == "suggested"


def test_the_list_filters_by_status_kind_topic_and_language(db: Session, bank: Bank) -> None:
    _rejected(db, bank)
    unsure = _unsure(db, bank)
    correct_topic(
        session=db, actor=bank.front_agent, number=unsure.number, topic_id=bank.loan_topic.id
    )
    lead = _lead(db)

    def texts(**kwargs: str | None) -> list[str]:
        page = q.list_suggestions(db, lead, q.SuggestionFilter(**kwargs))
        assert page.total == len(page.items)
        return [s.text for s in page.items]

    assert texts() == [REJECTED, "Jag ärvde min pappas konto"]
    assert texts(kind="counter_example") == [REJECTED]
    assert texts(topic="kort") == [REJECTED]  # a counter-example of the card topic's answer
    assert texts(topic="lan") == ["Jag ärvde min pappas konto"]
    assert texts(lang="en") == []
    assert texts(status="accepted") == []
    assert q.waiting_count(db) == 2
    assert set(SUGGESTION_SOURCES) == set(q.SUGGESTION_SOURCES)


# ---- training and the held-out slice ----


def test_the_held_out_slice_is_fixed_by_the_text_and_about_a_fifth() -> None:
    texts = [f"Fråga nummer {i} om mitt konto" for i in range(4000)]
    share = sum(in_slice(t) for t in texts) / len(texts)
    assert abs(share - SHARE) < 0.02
    assert in_slice("Mitt  KORT har inte kommit") == in_slice("mitt kort har inte kommit")


def test_training_never_sees_the_slice_nor_waiting_suggestions(db: Session, bank: Bank) -> None:
    texts = [f"Mitt kort nummer {i} har inte kommit" for i in range(30)]
    loans = [f"Räntan på lån nummer {i}" for i in range(30)]
    add_training_examples(
        session=db,
        actor=SYSTEM,
        source="import",
        lang="sv",
        examples=[(t, "kort") for t in texts] + [(t, "lan") for t in loans],
    )
    _rejected(db, bank)
    data = prepare_training(session=db, actor=SYSTEM)
    trained = {text for text, _ in data.examples}
    held = {question.text for question in data.held_out}
    assert held and trained and not trained & held
    assert held == {t for t in texts + loans if in_slice(t)}
    assert REJECTED not in trained | held  # waiting for review
    assert all(question.held_out for question in data.held_out)
    trained_part, slice_part = split_held_out([(t, "kort") for t in texts])
    assert len(trained_part) + len(slice_part) == len(texts)


def _model(db: Session, version: str, minutes: int, held: dict[str, object] | None) -> None:
    metrics: dict[str, object] = {"operating_points": {}}
    if held is not None:
        metrics["held_out"] = held
    db.add(
        SelfServiceModel(
            version=version,
            n_examples=100,
            precision_target=0.97,
            created_at=clock.now() + timedelta(minutes=minutes),
            metrics=metrics,
            blob=b"",
            is_active=False,
        )
    )
    db.flush()


def test_model_versions_show_how_coverage_and_precision_moved(db: Session) -> None:
    def held(coverage: float, precision: float) -> dict[str, object]:
        figures = {"coverage": coverage, "precision": precision}
        return {"questions": 40, "targets": {"0.97": figures, "0.9": figures}}

    _model(db, "ss2-old", 0, None)  # trained before the slice existed
    _model(db, "ss2-first", 1, held(0.5, 0.95))
    _model(db, "ss2-second", 2, held(0.6, 0.97))
    versions = q.model_versions(db, target=0.97)
    assert [v.version for v in versions] == ["ss2-second", "ss2-first", "ss2-old"]
    newest, first, old = versions
    assert (newest.coverage, newest.coverage_change) == (0.6, 0.1)
    assert newest.precision_change == 0.02 and newest.questions == 40
    assert first.coverage_change is None  # nothing measured before it
    assert old.coverage is None and old.questions is None
    assert q.model_versions(db, target=0.95)[0].coverage is None  # not measured there
    assert len(q.model_versions(db, target=0.97, limit=2)) == 2


# ---- knowledge gaps carry their cases ----


def test_gaps_carry_the_cases_the_questions_were_handed_over_into(
    db: Session,
    bank: Bank,
) -> None:
    case = _unsure(db, bank)
    rows = handed_over(db)
    assert ("Jag ärvde min pappas konto", case.number) in rows
    [gap] = group(["Jag ärvde min pappas konto"], cases=[case.number])
    assert gap.cases == [case.number]
    assert db.scalar(select(func.count()).select_from(Conversation)) >= 1
