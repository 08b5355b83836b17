"""Labelled examples the self-service engine learns from."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.audit import record_audit
from nara.domain.errors import ValidationFailed
from nara.i18n import N_
from nara.models import Topic, TrainingExample
from nara.queries.access import require_lead

SOURCES = ("demo", "import", "case")
OUT_OF_SCOPE = "oos"


def add_training_examples(
    *,
    session: Session,
    actor: Actor,
    examples: Iterable[tuple[str, str]],
    source: str,
    lang: str | None = None,
) -> int:
    """Store ``(text, topic slug)`` pairs; the slug ``oos`` marks "not one of ours".
    All or nothing: an unknown topic refuses the whole batch."""
    require_lead(actor, "add training examples")
    if source not in SOURCES:
        raise ValidationFailed(f"source must be one of {', '.join(SOURCES)}", field="source")
    topics = {slug: topic_id for slug, topic_id in session.execute(select(Topic.slug, Topic.id))}
    now = clock.now()
    rows = []
    for index, (text, slug) in enumerate(examples, start=1):
        clean = validation.text(text, field=f"row {index}: text", max_length=2000)
        label = slug.strip()
        if label != OUT_OF_SCOPE and label not in topics:
            raise ValidationFailed(
                f"row {index}: unknown topic {label!r}",
                field="topic",
                template=N_('Row %(index)s: unknown topic "%(label)s".'),
                params={"index": index, "label": label},
            )
        rows.append(
            TrainingExample(
                topic_id=topics.get(label), lang=lang, text=clean, source=source, created_at=now
            )
        )
    session.add_all(rows)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="selfservice.examples_added",
        object_type="selfservice_model",
        object_id=None,
        changes={"count": [None, len(rows)], "source": [None, source]},
    )
    return len(rows)
