"""Training, storing and tuning the self-service engine."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.errors import Conflict, PermissionDenied, ValidationFailed
from nara.domain.training import OUT_OF_SCOPE
from nara.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Role,
    SelfServiceModel,
    Topic,
    TrainingExample,
)
from nara.selfservice.runtime import engine

Progress = Callable[[str, int, int], None]
TARGETS = (0.9, 0.95, 0.97, 0.98, 0.99)


def _require_lead(actor: Actor) -> None:
    if not (actor.is_system or actor.role in (Role.lead, Role.admin)):
        raise PermissionDenied("only leads and admins train or tune self-service")


def _check_target(target: float) -> float:
    if not 0.5 <= target < 1.0:
        raise ValidationFailed("the precision target must be between 0.5 and 0.999",
                               field="precision_target")  # fmt: skip
    return round(target, 4)


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def point_json(point: Any) -> dict[str, float | None]:
    """An operating point as strict JSON for ``selfservice_models.metrics`` (PostgreSQL's
    ``json`` refuses ``Infinity`` and ``NaN``): a threshold of ``None`` is one that never
    answers (the engine's ``inf``). Rows stored before this may hold ``Infinity`` (only
    on SQLite, which accepted it); they load as ``inf`` and nothing reads it back."""
    return {
        "threshold": _finite(point.threshold),
        "coverage": _finite(point.coverage),
        "oos_abstain_rate": _finite(point.oos_abstain_rate),
    }


def training_data(session: Session) -> list[tuple[str, str]]:
    """Labelled examples, plus the first customer message of every resolved or closed
    case that has a topic (what customers actually write)."""
    slugs = dict(session.execute(select(Topic.id, Topic.slug)).all())
    pairs = [
        (text, slugs[topic_id] if topic_id is not None else OUT_OF_SCOPE)
        for text, topic_id in session.execute(
            select(TrainingExample.text, TrainingExample.topic_id)
        )
    ]
    first_messages = session.execute(
        select(CaseEvent.body, Case.topic_id)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.type == "case.opened",
            Case.topic_id.is_not(None),
            Case.status.in_([CaseStatus.resolved.value, CaseStatus.closed.value]),
        )
    )
    pairs += [
        (body, slugs[topic_id])
        for body, topic_id in first_messages
        if topic_id is not None and body.strip()
    ]
    return pairs


def train_model(
    *,
    session: Session,
    actor: Actor,
    precision_target: float = 0.97,
    progress: Progress | None = None,
) -> SelfServiceModel:
    """Train on everything labelled, store the model and make it the active one."""
    _require_lead(actor)
    target = _check_target(precision_target)
    examples = training_data(session)
    topics = {label for _, label in examples if label != OUT_OF_SCOPE}
    if len(topics) < 2:
        raise Conflict("self-service needs labelled examples of at least two topics")
    ss = engine()

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    try:
        model = ss.train(examples, precision_target=target, progress=report)
    except ss.TrainingDataError as exc:
        raise ValidationFailed(f"the training data cannot be used: {exc}") from None
    points = {
        f"{p:g}": point_json(model.operating_point(p)) for p in sorted(set(TARGETS) | {target})
    }
    session.execute(update(SelfServiceModel).values(is_active=False))
    same = session.scalar(select(SelfServiceModel).where(SelfServiceModel.version == model.version))
    if same is not None:
        # The same data trains the same model (versions are content hashes): reuse it.
        same.is_active, same.precision_target = True, target
        same.metrics = {**same.metrics, "operating_points": points}
        session.flush()
        return same
    row = SelfServiceModel(
        version=model.version, created_at=clock.now(), n_examples=len(examples),
        precision_target=target, blob=model.to_bytes(), is_active=True,
        metrics={"operating_points": points, "topics": len(topics)},
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def set_precision_target(
    *, session: Session, actor: Actor, precision_target: float
) -> SelfServiceModel:
    """Change the expected precision the active model answers at (its coverage follows)."""
    _require_lead(actor)
    target = _check_target(precision_target)
    row = session.scalar(select(SelfServiceModel).where(SelfServiceModel.is_active.is_(True)))
    if row is None:
        raise Conflict("no self-service model is trained yet")
    row.precision_target = target
    if f"{target:g}" not in row.metrics.get("operating_points", {}):
        point = engine().Model.from_bytes(row.blob).operating_point(target)
        points = dict(row.metrics.get("operating_points", {}))
        points[f"{target:g}"] = point_json(point)
        row.metrics = {**row.metrics, "operating_points": points}
    session.flush()
    return row
