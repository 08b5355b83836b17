"""Self-service learns from the front line.

A self-service conversation that was handed over becomes a *suggested* training example
once an agent has set or confirmed its case's topic, and an answer the customer rejected
("No, that did not help") a suggested *counter-example*. Nothing the front line suggests
is trained on until a lead has reviewed it (:func:`review_suggestions`): accept, move to
another topic (or to "not ours"), or discard, many at once.

One row per conversation (``training_examples.conversation_id`` is unique): what is
learnt later about the same conversation updates that row instead of adding another.

- **Rejected answer** (:func:`suggest_counter_example`): the question the customer said
  the answer did not help with, ``kind = counter_example``, no topic, ``not_topic_id`` the
  rejected answer's topic. Accepted, it is trained as out of scope (``oos``): the engine
  learns to hand such a question to a person instead of answering it (see
  ``docs/selfservice.md``, "Learning from the front line").
- **Topic set** (:func:`suggest_from_case`, ``source = "correction"``): an agent corrected
  the case's topic. The customer's words become an example of that topic; a waiting
  counter-example of the conversation turns into this example (the right topic is known,
  which says more than "not that one"). A correction that contradicts a reviewed row
  puts it back for review.
- **Topic confirmed** (``source = "confirmed"``): a member of staff resolved or closed the
  case with the topic it has. Adds an example only when the conversation has none yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.audit import diff, record_audit
from nara.domain.errors import ValidationFailed
from nara.domain.training import OUT_OF_SCOPE
from nara.i18n import N_
from nara.models import (
    Case,
    Conversation,
    ConversationTurn,
    ExampleKind,
    SuggestionStatus,
    Topic,
    TrainingExample,
)
from nara.queries.access import require_lead

CORRECTION = "correction"
"""``training_examples.source``: an agent set the topic of a self-service hand-over."""
CONFIRMED = "confirmed"
"""``training_examples.source``: staff resolved a hand-over's case with its topic."""
REJECTION = "rejection"
"""``training_examples.source``: the customer said an answer did not help."""
SUGGESTION_SOURCES = (CORRECTION, CONFIRMED, REJECTION)
ACTIONS = ("accept", "move", "discard")
MAX_REVIEW = 500
"""The most suggestions one review takes at once."""
MAX_TEXT = 2000

Action = Literal["accept", "move", "discard"]


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


def _row(session: Session, conversation_id: int) -> TrainingExample | None:
    return session.scalar(
        select(TrainingExample)
        .where(TrainingExample.conversation_id == conversation_id)
        .with_for_update()
    )


def _label(row: TrainingExample) -> tuple[str, int | None]:
    return row.kind, row.topic_id


def suggest_from_case(
    *, session: Session, actor: Actor, case: Case, source: str
) -> TrainingExample | None:
    """The case's self-service conversation as a suggested example of the case's topic
    (``source``: ``correction`` when an agent set the topic, ``confirmed`` when staff
    resolved the case with it). ``None`` when the case did not come from self-service,
    has no topic or the customer wrote nothing. A correction is in the audit log
    (``selfservice.example_corrected``) as before."""
    if case.topic_id is None or source not in (CORRECTION, CONFIRMED):
        return None
    conversation = session.scalar(select(Conversation).where(Conversation.case_id == case.id))
    if conversation is None:
        return None
    text = customer_text(session, conversation.id)[:MAX_TEXT]
    if not text:
        return None
    row = _row(session, conversation.id)
    now = clock.now()
    before = {"status": row.status, "kind": row.kind, "topic_id": row.topic_id} if row else {}
    if row is None:
        row = TrainingExample(
            conversation_id=conversation.id,
            created_at=now,
            suggested_at=now,
            status=SuggestionStatus.suggested.value,
        )
        session.add(row)
    elif source == CONFIRMED and not (
        row.kind == ExampleKind.counter_example and row.status == SuggestionStatus.suggested
    ):
        return row  # what is there already says as much or more
    elif _label(row) == (ExampleKind.example.value, case.topic_id):
        return row  # nothing new
    elif row.status != SuggestionStatus.suggested:
        # A correction contradicts what a lead reviewed: the lead looks again.
        row.status = SuggestionStatus.suggested.value
        row.reviewed_by_id, row.reviewed_at, row.suggested_at = None, None, now
    row.kind = ExampleKind.example.value
    row.topic_id = case.topic_id
    row.text = text
    row.lang = conversation.lang
    row.source = source
    row.case_id = case.id
    session.flush()
    if source == CORRECTION:
        after = {"status": row.status, "kind": row.kind, "topic_id": row.topic_id}
        record_audit(
            session=session,
            actor=actor,
            action="selfservice.example_corrected",
            object_type="training_example",
            object_id=row.id,
            changes={**diff(before, after), "case": [None, case.number]},
        )
    return row


def suggest_counter_example(
    *, session: Session, conversation: Conversation
) -> TrainingExample | None:
    """The customer said the last answer did not help: the question it answered, as a
    suggested counter-example of the answer's topic (once per conversation)."""
    answer = session.scalar(
        select(ConversationTurn)
        .where(
            ConversationTurn.conversation_id == conversation.id,
            ConversationTurn.role == "assistant",
            ConversationTurn.answered.is_(True),
        )
        .order_by(ConversationTurn.id.desc())
        .limit(1)
    )
    if answer is None or answer.topic_id is None:
        return None
    question = session.scalar(
        select(ConversationTurn.text)
        .where(
            ConversationTurn.conversation_id == conversation.id,
            ConversationTurn.role == "customer",
            ConversationTurn.text != "",
            ConversationTurn.id < answer.id,
        )
        .order_by(ConversationTurn.id.desc())
        .limit(1)
    )
    if not question or not question.strip() or _row(session, conversation.id) is not None:
        return None
    now = clock.now()
    row = TrainingExample(
        conversation_id=conversation.id,
        case_id=conversation.case_id,
        topic_id=None,
        not_topic_id=answer.topic_id,
        kind=ExampleKind.counter_example.value,
        status=SuggestionStatus.suggested.value,
        source=REJECTION,
        lang=conversation.lang,
        text=question.strip()[:MAX_TEXT],
        created_at=now,
        suggested_at=now,
    )
    session.add(row)
    session.flush()
    return row


def attach_case(*, session: Session, conversation: Conversation) -> None:
    """An anonymous visitor's hand-over got its case after the rejection: link it."""
    if conversation.case_id is None:
        return
    row = session.scalar(
        select(TrainingExample).where(TrainingExample.conversation_id == conversation.id)
    )
    if row is not None and row.case_id is None:
        row.case_id = conversation.case_id
        session.flush()


def _target_topic(session: Session, topic: str | None) -> Topic | None:
    """The topic a move goes to: an active topic's slug, or ``oos`` (none: not ours)."""
    slug = (topic or "").strip()
    if slug == OUT_OF_SCOPE:
        return None
    found = (
        session.scalar(select(Topic).where(Topic.slug == slug, Topic.is_active.is_(True)))
        if slug
        else None
    )
    if found is None:
        raise ValidationFailed(
            f"no active topic {slug!r} to move the suggestions to",
            field="topic",
            template=N_("Choose the topic to move the suggestions to."),
        )
    return found


def _ids(ids: Sequence[object]) -> list[int]:
    clean = sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})
    if not clean or len(clean) != len(set(ids)):
        raise ValidationFailed(
            "choose at least one suggestion (by its id)",
            field="ids",
            template=N_("Choose at least one suggestion."),
        )
    if len(clean) > MAX_REVIEW:
        raise ValidationFailed(
            f"at most {MAX_REVIEW} suggestions at once",
            field="ids",
            template=N_("Review at most %(max)s suggestions at once."),
            params={"max": MAX_REVIEW},
        )
    return clean


def review_suggestions(
    *,
    session: Session,
    actor: Actor,
    ids: Sequence[object],
    action: str,
    topic: str | None = None,
) -> list[TrainingExample]:
    """A lead accepts, moves (to the topic with slug ``topic``, or ``oos``: not ours) or
    discards suggestions, all or none. An accepted example is trained on with its topic,
    an accepted counter-example as out of scope; a moved one is an example of the new
    topic. Each change is in the audit log (``selfservice.suggestion_reviewed``)."""
    require_lead(actor, "review training suggestions")
    if action not in ACTIONS:
        raise ValidationFailed(
            "action must be accept, move or discard",
            field="action",
            template=N_("Choose accept, move or discard."),
        )
    wanted = _ids(ids)
    target = _target_topic(session, topic) if action == "move" else None
    rows = list(
        session.scalars(
            select(TrainingExample)
            .where(
                TrainingExample.id.in_(wanted),
                TrainingExample.source.in_(SUGGESTION_SOURCES),
            )
            .order_by(TrainingExample.id)
            .with_for_update()
        )
    )
    if len(rows) != len(wanted):
        missing = sorted(set(wanted) - {r.id for r in rows})
        raise ValidationFailed(
            f"not suggestions: {', '.join(map(str, missing[:10]))}",
            field="ids",
            template=N_("Some of the chosen rows are not training suggestions."),
        )
    now = clock.now()
    for row in rows:
        before = {"status": row.status, "kind": row.kind, "topic_id": row.topic_id}
        if action == "discard":
            row.status = SuggestionStatus.discarded.value
        else:
            row.status = SuggestionStatus.accepted.value
        if action == "move":
            row.kind = ExampleKind.example.value
            row.topic_id = target.id if target is not None else None
        row.reviewed_by_id, row.reviewed_at = actor.user_id, now
        after = {"status": row.status, "kind": row.kind, "topic_id": row.topic_id}
        record_audit(
            session=session,
            actor=actor,
            action="selfservice.suggestion_reviewed",
            object_type="training_example",
            object_id=row.id,
            changes={**diff(before, after), "action": [None, action]},
        )
    session.flush()
    return rows
