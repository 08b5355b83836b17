"""The read side of the front line's training suggestions (for leads) and of the model
versions measured on the held-out slice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from nara.domain.actors import Actor
from nara.models import Case, SelfServiceModel, Topic, TrainingExample, User
from nara.queries.access import require_lead

SUGGESTION_SOURCES = ("correction", "confirmed", "rejection")
STATUSES = ("suggested", "accepted", "discarded")
KINDS = ("example", "counter_example")
PAGE = 100

LabelTopic = aliased(Topic)
NotTopic = aliased(Topic)
Reviewer = aliased(User)


@dataclass(frozen=True)
class SuggestionFilter:
    status: str | None = "suggested"
    kind: str | None = None
    topic: str | None = None
    """A topic slug: suggestions of that topic, and counter-examples of its answers."""
    lang: str | None = None


@dataclass(frozen=True)
class Suggestion:
    id: int
    kind: str
    status: str
    source: str
    text: str
    lang: str | None
    topic: Topic | None
    not_topic: Topic | None
    case_number: str | None
    suggested_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: str | None


@dataclass(frozen=True)
class SuggestionPage:
    items: list[Suggestion]
    total: int


def _where(flt: SuggestionFilter) -> list[Any]:
    clauses: list[Any] = [TrainingExample.source.in_(SUGGESTION_SOURCES)]
    if flt.status:
        clauses.append(TrainingExample.status == flt.status)
    if flt.kind:
        clauses.append(TrainingExample.kind == flt.kind)
    if flt.lang:
        clauses.append(TrainingExample.lang == flt.lang)
    if flt.topic:
        topic_id = select(Topic.id).where(Topic.slug == flt.topic).scalar_subquery()
        clauses.append(
            or_(TrainingExample.topic_id == topic_id, TrainingExample.not_topic_id == topic_id)
        )
    return clauses


def list_suggestions(
    session: Session,
    actor: Actor,
    flt: SuggestionFilter,
    *,
    limit: int = PAGE,
    offset: int = 0,
    ids: list[int] | None = None,
) -> SuggestionPage:
    """Suggestions matching ``flt`` (and among ``ids`` when given), oldest waiting first
    (leads and admins only)."""
    require_lead(actor, "review training suggestions")
    where = _where(flt)
    if ids is not None:
        where.append(TrainingExample.id.in_(ids))
    total = session.scalar(select(func.count()).select_from(TrainingExample).where(*where)) or 0
    rows = session.execute(
        select(TrainingExample, LabelTopic, NotTopic, Case.number, Reviewer.display_name)
        .outerjoin(LabelTopic, LabelTopic.id == TrainingExample.topic_id)
        .outerjoin(NotTopic, NotTopic.id == TrainingExample.not_topic_id)
        .outerjoin(Case, Case.id == TrainingExample.case_id)
        .outerjoin(Reviewer, Reviewer.id == TrainingExample.reviewed_by_id)
        .where(*where)
        .order_by(TrainingExample.suggested_at, TrainingExample.id)
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        Suggestion(
            id=row.id,
            kind=row.kind,
            status=row.status,
            source=row.source,
            text=row.text,
            lang=row.lang,
            topic=topic,
            not_topic=not_topic,
            case_number=number,
            suggested_at=row.suggested_at or row.created_at,
            reviewed_at=row.reviewed_at,
            reviewed_by=reviewer,
        )
        for row, topic, not_topic, number, reviewer in rows
    ]
    return SuggestionPage(items=items, total=total)


def waiting_count(session: Session) -> int:
    """Suggestions waiting for a lead."""
    return (
        session.scalar(
            select(func.count())
            .select_from(TrainingExample)
            .where(
                TrainingExample.source.in_(SUGGESTION_SOURCES),
                TrainingExample.status == "suggested",
            )
        )
        or 0
    )


@dataclass(frozen=True)
class VersionFigures:
    """One trained model version and its figures on the held-out slice at one precision
    target; ``None`` where it was not measured (trained before the slice existed)."""

    version: str
    created_at: datetime
    n_examples: int
    is_active: bool
    questions: int | None
    coverage: float | None
    precision: float | None
    coverage_change: float | None = None
    """Against the version trained before it (percentage points / 100)."""
    precision_change: float | None = None


def active_target(session: Session) -> float:
    """The precision target the active model answers at (0.97 before the first)."""
    target = session.scalar(
        select(SelfServiceModel.precision_target).where(SelfServiceModel.is_active.is_(True))
    )
    return target if target is not None else 0.97


def model_versions(session: Session, *, target: float, limit: int = 12) -> list[VersionFigures]:
    """The newest ``limit`` model versions, newest first, with coverage and answered
    precision on the held-out slice at ``target`` and the change from the version
    before (the model blobs are not read)."""
    rows = session.execute(
        select(
            SelfServiceModel.version,
            SelfServiceModel.created_at,
            SelfServiceModel.n_examples,
            SelfServiceModel.is_active,
            SelfServiceModel.metrics,
        )
        .order_by(SelfServiceModel.created_at.desc(), SelfServiceModel.id.desc())
        .limit(limit + 1)
    ).all()
    plain = [
        _figures(version, created, n, active, metrics, target)
        for version, created, n, active, metrics in rows
    ]
    out: list[VersionFigures] = []
    for index, row in enumerate(plain[:limit]):
        before = plain[index + 1] if index + 1 < len(plain) else None
        out.append(
            replace(
                row,
                coverage_change=_change(row.coverage, before.coverage if before else None),
                precision_change=_change(row.precision, before.precision if before else None),
            )
        )
    return out


def _figures(
    version: str,
    created_at: datetime,
    n_examples: int,
    is_active: bool,
    metrics: Any,
    target: float,
) -> VersionFigures:
    held = metrics.get("held_out") if isinstance(metrics, dict) else None
    figures = None
    if isinstance(held, dict) and isinstance(held.get("targets"), dict):
        figures = held["targets"].get(f"{target:g}")
    return VersionFigures(
        version=version,
        created_at=created_at,
        n_examples=n_examples,
        is_active=is_active,
        questions=held.get("questions") if isinstance(held, dict) else None,
        coverage=figures.get("coverage") if isinstance(figures, dict) else None,
        precision=figures.get("precision") if isinstance(figures, dict) else None,
    )


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 4)
