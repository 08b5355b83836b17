"""An agent corrects a case's topic in one action; for a self-service hand-over the
correction is kept as a training example (the customer's own words with the right
topic), so that the next training learns from it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.audit import record_audit
from nara.domain.errors import Conflict, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.domain.resolution import mark_earlier_answers_unresolved
from nara.i18n import N_
from nara.models import Case, CaseStatus, Conversation, ConversationTurn, Topic, TrainingExample
from nara.queries.access import get_case_for, require_staff

CORRECTION = "correction"
"""``training_examples.source`` of an example kept from an agent's correction."""


def _active_topic(session: Session, topic_id: object) -> Topic:
    topic = session.get(Topic, topic_id) if isinstance(topic_id, int) else None
    if topic is None or not topic.is_active:
        raise ValidationFailed(
            f"no active topic with id {topic_id}",
            field="topic_id",
            template=N_("Choose one of the active topics."),
        )
    return topic


def customer_text(session: Session, conversation_id: int) -> str:
    """What the customer wrote in a self-service conversation, question by question."""
    texts = session.scalars(
        select(ConversationTurn.text)
        .where(
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.role == "customer",
            ConversationTurn.text != "",
        )
        .order_by(ConversationTurn.id)
    )
    return "\n".join(t.strip() for t in texts if t.strip())


def _keep_for_training(
    session: Session, actor: Actor, case: Case, topic: Topic
) -> TrainingExample | None:
    """Store (or replace) the conversation's customer text with the corrected topic; a
    change of the training data, so it is in the audit log."""
    conversation = session.scalar(select(Conversation).where(Conversation.case_id == case.id))
    if conversation is None:
        return None
    text = customer_text(session, conversation.id)
    if not text:
        return None
    example = session.scalar(
        select(TrainingExample).where(TrainingExample.conversation_id == conversation.id)
    )
    before = example.topic_id if example is not None else None
    if example is None:
        example = TrainingExample(conversation_id=conversation.id, source=CORRECTION)
        session.add(example)
    example.topic_id = topic.id
    example.lang = conversation.lang
    example.text = text[:2000]
    example.created_at = clock.now()
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="selfservice.example_corrected",
        object_type="training_example",
        object_id=example.id,
        changes={"topic_id": [before, topic.id], "case": [None, case.number]},
    )
    return example


def correct_topic(*, session: Session, actor: Actor, number: str, topic_id: object) -> Case:
    """Set the case's topic (only its owning side may). The change is on the timeline
    (the case's audit trail); a self-service hand-over's customer text is kept for
    training with the corrected topic (in the audit log as a change of training data).
    The team stays: hand over separately if another team should own the case. Setting
    the topic it already has changes nothing."""
    if actor.is_customer:
        raise PermissionDenied("customers cannot change a case's topic")
    require_staff(actor)
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    topic = _active_topic(session, topic_id)
    if case.topic_id == topic.id:
        return case
    if case.status == CaseStatus.closed:
        raise Conflict(
            f"case {case.number} is closed",
            template=N_("This case is closed. Its topic can no longer be changed."),
        )
    old = session.get(Topic, case.topic_id) if case.topic_id is not None else None
    case.topic_id = topic.id
    data = {
        "old_topic_id": old.id if old else None,
        "old_topic": old.name_sv if old else None,
        "old_topic_en": old.name_en if old else None,
        "topic_id": topic.id,
        "topic": topic.name_sv,
        "topic_en": topic.name_en,
    }
    append_event(session, case=case, type="case.topic_changed", actor=actor, data=data)
    mark_earlier_answers_unresolved(session, customer_id=case.customer_id, topic_id=topic.id)
    _keep_for_training(session, actor, case, topic)
    session.flush()
    return case
