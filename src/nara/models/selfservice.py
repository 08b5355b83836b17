"""Self-service: training examples, trained models, conversations and their turns."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class Outcome(enum.StrEnum):
    answered_confirmed = "answered_confirmed"
    answered_no_feedback = "answered_no_feedback"
    answered_rejected = "answered_rejected"  # "No" → handed over
    abstained = "abstained"  # not sure → handed over
    asked_for_person = "asked_for_person"


class SuggestionStatus(enum.StrEnum):
    """Whether an example is trained on: imported and demo examples are ``accepted``;
    the front line's suggestions wait as ``suggested`` until a lead reviews them."""

    suggested = "suggested"
    accepted = "accepted"
    discarded = "discarded"


class ExampleKind(enum.StrEnum):
    example = "example"  # the text is this topic
    counter_example = "counter_example"  # the answer of ``not_topic_id`` did not help


class TrainingExample(Base):
    """A labelled question: its topic, or no topic for "not ours" (out of scope).

    Rows the front line suggests (from a self-service hand-over whose topic an agent set
    or confirmed, or from an answer the customer rejected) carry the conversation and
    case they came from and wait for a lead (``status``); only ``accepted`` rows are
    trained on."""

    __tablename__ = "training_examples"
    __table_args__ = (
        Index("ix_training_examples_topic", "topic_id"),
        Index("ix_training_examples_status", "status", "suggested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    lang: Mapped[str | None] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # demo, import, case; suggestions: correction, confirmed, rejection
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    # A suggestion: the self-service conversation it came from (one row per
    # conversation; later information about it updates that row).
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(
        String(16),
        default=SuggestionStatus.accepted.value,
        server_default=SuggestionStatus.accepted.value,
    )
    kind: Mapped[str] = mapped_column(
        String(16), default=ExampleKind.example.value, server_default=ExampleKind.example.value
    )
    # A counter-example: the topic whose answer the customer said did not help.
    not_topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    suggested_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]


class SelfServiceModel(Base):
    """A trained engine, stored in the database so that every app process can load it."""

    __tablename__ = "selfservice_models"
    __table_args__ = (
        # At most one active model, whatever runs at once.
        Index(
            "uq_selfservice_models_one_active",
            "is_active",
            unique=True,
            postgresql_where=text("is_active"),
            sqlite_where=text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    n_examples: Mapped[int] = mapped_column(Integer)
    precision_target: Mapped[float] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_customer_started", "customer_id", "started_at"),
        # Resolving a case looks up its self-service conversation (a training suggestion).
        Index("ix_conversations_case_id", "case_id"),
        # The follow-up counts each day's conversations.
        Index("ix_conversations_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))  # portal, widget
    lang: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    model_version: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    # False when the same customer came back on the same topic within 7 days of an
    # answer; None until then (unknown), True is never set by guessing.
    resolved: Mapped[bool | None]


class ConversationTurn(Base):
    __tablename__ = "conversation_turns"
    __table_args__ = (Index("ix_conversation_turns_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))  # customer, assistant
    text: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    confidence: Mapped[float | None] = mapped_column(Float)
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    article_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
