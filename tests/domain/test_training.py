"""Training examples: all or nothing, topics by slug, out-of-scope rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.errors import PermissionDenied, ValidationFailed
from nara.domain.training import add_training_examples
from nara.models import TrainingExample
from tests import factories


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(TrainingExample)) or 0


def test_examples_and_out_of_scope_are_stored(db: Session) -> None:
    topic = factories.topic(db, slug="swish-exempel")
    stored = add_training_examples(
        session=db, actor=SYSTEM, source="import", lang="sv",
        examples=[("Swish fungerar inte", "swish-exempel"), ("Vad blir det för väder?", "oos")],
    )  # fmt: skip
    assert stored == 2
    rows = list(db.scalars(select(TrainingExample).order_by(TrainingExample.id)))
    assert [(r.topic_id, r.text) for r in rows[-2:]] == [
        (topic.id, "Swish fungerar inte"),
        (None, "Vad blir det för väder?"),
    ]


def test_an_unknown_topic_refuses_the_whole_batch(db: Session) -> None:
    factories.topic(db, slug="kort-exempel")
    before = count(db)
    with pytest.raises(ValidationFailed) as raised:
        add_training_examples(session=db, actor=SYSTEM, source="import",
                              examples=[("ok", "kort-exempel"), ("nej", "finns-inte")])  # fmt: skip
    assert "row 2" in raised.value.detail
    assert count(db) == before


def test_empty_text_is_refused(db: Session) -> None:
    factories.topic(db, slug="tomt-exempel")
    with pytest.raises(ValidationFailed):
        add_training_examples(session=db, actor=SYSTEM, source="import",
                              examples=[("  ", "tomt-exempel")])  # fmt: skip


def test_agents_cannot_teach(db: Session) -> None:
    agent = factories.actor(db, factories.user(db, role="agent"))
    with pytest.raises(PermissionDenied):
        add_training_examples(session=db, actor=agent, source="import", examples=[])
