"""Training, storing and tuning the self-service engine."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.audit import diff, record_audit
from nara.domain.errors import Conflict, NotFound, ValidationFailed
from nara.domain.jobs import GAP_MINING, TRAINING, TRAINING_ATTEMPTS, request_job
from nara.domain.training import OUT_OF_SCOPE
from nara.i18n import N_
from nara.models import (
    Case,
    CaseEvent,
    CaseStatus,
    JobRun,
    SelfServiceModel,
    SuggestionStatus,
    Topic,
    TrainingExample,
)
from nara.queries.access import require_lead
from nara.selfservice import held_out, scorecard
from nara.selfservice.runtime import engine
from nara.selfservice.scorecard import Question

Progress = Callable[[str, int, int], None]
TARGETS = (0.9, 0.95, 0.97, 0.98, 0.99)


def _require_lead(actor: Actor) -> None:
    require_lead(actor, "train or tune self-service")


def _check_target(target: float) -> float:
    if not 0.5 <= target < 1.0:
        raise ValidationFailed(
            "the precision target must be between 0.5 and 0.999",
            field="precision_target",
            template=N_("The precision target must be between 0.5 and 0.999."),
        )
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
    """Labelled examples (the accepted ones: the front line's suggestions only once a
    lead accepted them), plus the first customer message of every resolved or closed
    case that has a topic (what customers actually write). ``prepare_training`` holds
    the fixed slice (``nara.selfservice.held_out``) out of it."""
    slugs = dict(session.execute(select(Topic.id, Topic.slug)).all())
    pairs = [
        (text, slugs[topic_id] if topic_id is not None else OUT_OF_SCOPE)
        for text, topic_id in session.execute(
            select(TrainingExample.text, TrainingExample.topic_id).where(
                TrainingExample.status == SuggestionStatus.accepted.value
            )
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


@dataclass(frozen=True)
class TrainingInput:
    examples: list[tuple[str, str]]
    topics: int
    precision_target: float
    questions: tuple[Question, ...] = ()
    """The evaluation set the trained model is measured on (none: not measured)."""
    held_out: tuple[Question, ...] = ()
    """The organisation's own examples in the fixed held-out slice: never trained on,
    every model version is measured on them."""


def split_held_out(
    pairs: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], tuple[Question, ...]]:
    """The examples to train on, and the held-out slice as questions (``oos`` rows are
    questions without a topic)."""
    trained: list[tuple[str, str]] = []
    held: list[Question] = []
    for text, label in pairs:
        if held_out.in_slice(text):
            held.append(Question(text, "", None if label == OUT_OF_SCOPE else label, True))
        else:
            trained.append((text, label))
    return trained, tuple(held)


def evaluation_questions(session: Session) -> tuple[Question, ...]:
    """The questions to measure a new model on, written apart from its training data.
    Today only the demo bank has such a set (``nara.demo.evaluation_set``): it applies
    when every topic it names is one of the organisation's topics."""
    from nara.demo.evaluation_set import EVALUATION_SET, is_held_out

    slugs = set(session.scalars(select(Topic.slug)))
    if not {q.topic for q in EVALUATION_SET if q.topic is not None} <= slugs:
        return ()
    return tuple(Question(q.text, q.lang, q.topic, is_held_out(q)) for q in EVALUATION_SET)


def measure(
    data: TrainingInput, model: Any, *, progress: Progress | None = None
) -> dict[str, Any] | None:
    """The model's figures on the evaluation set at every precision target the lead can
    choose (seconds: one prediction per question); ``None`` without a set."""
    if not data.questions:
        return None
    targets = sorted(set(TARGETS) | {data.precision_target})
    return scorecard.evaluate(model, data.questions, targets, progress)


def measure_held_out(
    data: TrainingInput, model: Any, *, progress: Progress | None = None
) -> dict[str, Any] | None:
    """The model's coverage and answered precision on the held-out slice at every
    precision target the lead can choose (``None`` when the slice is empty). Stored with
    the model (``metrics["held_out"]``) so versions can be compared."""
    if not data.held_out:
        return None
    targets = sorted(set(TARGETS) | {data.precision_target})
    outcomes = scorecard.predict(model, data.held_out, progress)
    by_target = {
        f"{target:g}": scorecard.figures(outcomes, model.operating_point(target).threshold)
        for target in targets
    }
    return {
        "model_version": model.version,
        "questions": len(data.held_out),
        "in_scope": sum(1 for q in data.held_out if q.topic is not None),
        "targets": by_target,
    }


def store_evaluation(
    *, session: Session, actor: Actor, model_id: int, evaluation: dict[str, Any]
) -> SelfServiceModel:
    """Keep a model's figures on the evaluation set with it (``nara selfservice
    evaluate-demo`` measures a model trained before the set existed)."""
    _require_lead(actor)
    row = session.get(SelfServiceModel, model_id)
    if row is None:
        raise NotFound("no such self-service model")
    if evaluation.get("model_version") != row.version:
        raise Conflict("these figures were measured on another model")
    row.metrics = {**row.metrics, "evaluation": evaluation}
    session.flush()
    return row


def prepare_training(
    *, session: Session, actor: Actor, precision_target: float = 0.97
) -> TrainingInput:
    """Check who asks and read what to train on (a short read; the training itself
    then runs outside any transaction)."""
    _require_lead(actor)
    target = _check_target(precision_target)
    examples, held = split_held_out(training_data(session))
    topics = {label for _, label in examples if label != OUT_OF_SCOPE}
    if len(topics) < 2:
        raise Conflict(
            "self-service needs labelled examples of at least two topics",
            template=N_("Self-service needs labelled examples of at least two topics."),
        )
    return TrainingInput(
        examples=examples,
        topics=len(topics),
        precision_target=target,
        questions=evaluation_questions(session),
        held_out=held,
    )


def fit_model(
    data: TrainingInput, *, progress: Progress | None = None, threads: int | None = None
) -> Any:
    """Train the engine (minutes on a large organisation; no database)."""
    ss = engine()

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    try:
        return ss.train(
            data.examples, precision_target=data.precision_target, progress=report, threads=threads
        )
    except ss.TrainingDataError as exc:
        raise ValidationFailed(
            f"the training data cannot be used: {exc}",
            template=N_(
                "The training data cannot be used: it needs examples of at least two topics."
            ),
        ) from None


def store_model(
    *,
    session: Session,
    actor: Actor,
    data: TrainingInput,
    model: Any,
    evaluation: dict[str, Any] | None = None,
    held_out_figures: dict[str, Any] | None = None,
) -> SelfServiceModel:
    """Store a trained model and make it the only active one, with its figures on the
    evaluation set (``measure``) and on the held-out slice (``measure_held_out``), both
    taken before: no transaction waits on predictions."""
    _require_lead(actor)
    target = data.precision_target
    points = {
        f"{p:g}": point_json(model.operating_point(p)) for p in sorted(set(TARGETS) | {target})
    }
    measured = {"evaluation": evaluation} if evaluation is not None else {}
    if held_out_figures is not None:
        measured["held_out"] = held_out_figures
    previous = _active(session)
    session.execute(update(SelfServiceModel).values(is_active=False))
    same = session.scalar(select(SelfServiceModel).where(SelfServiceModel.version == model.version))
    if same is not None:
        # The same data trains the same model (versions are content hashes): reuse it.
        same.is_active, same.precision_target = True, target
        same.metrics = {**same.metrics, "operating_points": points, **measured}
        session.flush()
        _record_training(session, actor, same, previous)
        return same
    row = SelfServiceModel(
        version=model.version,
        created_at=clock.now(),
        n_examples=len(data.examples),
        precision_target=target,
        blob=model.to_bytes(),
        is_active=True,
        metrics={"operating_points": points, "topics": data.topics, **measured},
    )
    session.add(row)
    session.flush()
    _record_training(session, actor, row, previous)
    return row


def train_model(
    *,
    session: Session,
    actor: Actor,
    precision_target: float = 0.97,
    progress: Progress | None = None,
    threads: int | None = None,
) -> SelfServiceModel:
    """Train on everything labelled, store the model and make it the active one, in
    the caller's transaction (the demo loader, tests; the background job runs the three
    steps in transactions of their own)."""
    data = prepare_training(session=session, actor=actor, precision_target=precision_target)
    model = fit_model(data, progress=progress, threads=threads)
    evaluation = measure(data, model, progress=progress)
    return store_model(
        session=session,
        actor=actor,
        data=data,
        model=model,
        evaluation=evaluation,
        held_out_figures=measure_held_out(data, model, progress=progress),
    )


def request_training(
    *, session: Session, actor: Actor, precision_target: float | None = None
) -> JobRun:
    """Queue a training (one at a time; the run log shows its progress everywhere).
    Without a target, the active model's is kept (0.97 before the first model)."""
    _require_lead(actor)
    if precision_target is None:
        active = session.scalar(
            select(SelfServiceModel).where(SelfServiceModel.is_active.is_(True))
        )
        precision_target = active.precision_target if active else 0.97
    target = _check_target(precision_target)
    return request_job(
        session=session,
        actor=actor,
        task=TRAINING,
        args={"precision_target": target},
        lock_key=TRAINING,
        max_attempts=TRAINING_ATTEMPTS,
    )


def request_gap_mining(*, session: Session, actor: Actor) -> JobRun:
    """Group the handed-over questions again now (it also runs by itself)."""
    _require_lead(actor)
    return request_job(session=session, actor=actor, task=GAP_MINING, lock_key=GAP_MINING)


def _active(session: Session) -> SelfServiceModel | None:
    return session.scalar(select(SelfServiceModel).where(SelfServiceModel.is_active.is_(True)))


def _record_training(
    session: Session, actor: Actor, row: SelfServiceModel, previous: SelfServiceModel | None
) -> None:
    """A trained model (what it learnt from) and its activation (which model it replaced)."""
    record_audit(
        session=session,
        actor=actor,
        action="selfservice.model_trained",
        object_type="selfservice_model",
        object_id=row.id,
        changes={
            "version": [None, row.version],
            "n_examples": [None, row.n_examples],
            "precision_target": [None, row.precision_target],
        },
    )
    before = {"version": previous.version if previous is not None else None}
    record_audit(
        session=session,
        actor=actor,
        action="selfservice.model_activated",
        object_type="selfservice_model",
        object_id=row.id,
        changes=diff(before, {"version": row.version}),
    )


def set_precision_target(
    *, session: Session, actor: Actor, precision_target: float
) -> SelfServiceModel:
    """Change the expected precision the active model answers at (its coverage follows)."""
    _require_lead(actor)
    target = _check_target(precision_target)
    row = _active(session)
    if row is None:
        raise Conflict(
            "no self-service model is trained yet",
            template=N_("No self-service model is trained yet."),
        )
    before = row.precision_target
    row.precision_target = target
    if f"{target:g}" not in row.metrics.get("operating_points", {}):
        point = engine().Model.from_bytes(row.blob).operating_point(target)
        points = dict(row.metrics.get("operating_points", {}))
        points[f"{target:g}"] = point_json(point)
        row.metrics = {**row.metrics, "operating_points": points}
    session.flush()
    if before != target:
        record_audit(
            session=session,
            actor=actor,
            action="selfservice.settings_changed",
            object_type="selfservice_settings",
            object_id=row.id,
            changes={"precision_target": [before, target]},
        )
    return row
