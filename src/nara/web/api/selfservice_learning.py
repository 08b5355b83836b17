"""/api/v1/selfservice/suggestions and /models: what the front line suggests for
training (reviewed by leads in bulk) and how trained model versions did on the fixed
held-out slice. Leads and admins only; agents and customers get 403."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from nara.domain.training_suggestions import MAX_REVIEW, review_suggestions
from nara.models import Topic
from nara.queries import training_suggestions as suggestion_queries
from nara.queries.access import require_lead
from nara.web.api.schemas import SLUG, In
from nara.web.deps import DB, CurrentActor

router = APIRouter(tags=["self-service"])

Status = Literal["suggested", "accepted", "discarded", "all"]
Kind = Literal["example", "counter_example"]


class SuggestionOut(BaseModel):
    id: int
    kind: Kind = Field(
        description="example: the text is `topic`; counter_example: the answer of "
        "`not_topic` did not help (accepted, it is trained as out of scope)."
    )
    status: Literal["suggested", "accepted", "discarded"]
    source: Literal["correction", "confirmed", "rejection"]
    text: str
    lang: str | None
    topic: str | None = Field(description="The topic's slug; null: none (out of scope).")
    not_topic: str | None = Field(description="Counter-examples: the rejected answer's topic.")
    case_number: str | None
    suggested_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: str | None


class SuggestionListOut(BaseModel):
    items: list[SuggestionOut]
    total: int


class ReviewIn(In):
    ids: list[int] = Field(min_length=1, max_length=MAX_REVIEW)
    action: Literal["accept", "move", "discard"]
    topic: str | None = Field(
        None,
        max_length=64,
        pattern=SLUG,
        description='For "move": the slug of the topic to move to, or "oos" (not ours).',
    )


class ReviewOut(BaseModel):
    reviewed: int
    items: list[SuggestionOut]


class ModelVersionOut(BaseModel):
    version: str
    created_at: datetime
    n_examples: int
    is_active: bool
    held_out_questions: int | None = Field(
        description="The size of the held-out slice it was measured on (null: trained "
        "before the slice existed)."
    )
    coverage: float | None
    precision: float | None
    coverage_change: float | None = Field(description="Against the version before it.")
    precision_change: float | None


def _slug(topic: Topic | None) -> str | None:
    return topic.slug if topic is not None else None


def _out(item: suggestion_queries.Suggestion) -> SuggestionOut:
    return SuggestionOut(
        id=item.id,
        kind=item.kind,
        status=item.status,
        source=item.source,
        text=item.text,
        lang=item.lang,
        topic=_slug(item.topic),
        not_topic=_slug(item.not_topic),
        case_number=item.case_number,
        suggested_at=item.suggested_at,
        reviewed_at=item.reviewed_at,
        reviewed_by=item.reviewed_by,
    )


@router.get("/selfservice/suggestions", response_model=SuggestionListOut)
def suggestions(
    db: DB,
    actor: CurrentActor,
    status: Status = "suggested",
    kind: Kind | None = None,
    topic: Annotated[str | None, Query(max_length=64, pattern=SLUG)] = None,
    lang: Annotated[str | None, Query(pattern="^(sv|en)$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_REVIEW)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> SuggestionListOut:
    """Training suggestions from the front line, oldest first (leads and admins)."""
    flt = suggestion_queries.SuggestionFilter(
        status=None if status == "all" else status,
        kind=kind,
        topic=topic.strip() if topic else None,
        lang=lang,
    )
    page = suggestion_queries.list_suggestions(db, actor, flt, limit=limit, offset=offset)
    return SuggestionListOut(items=[_out(i) for i in page.items], total=page.total)


@router.post("/selfservice/suggestions/review", response_model=ReviewOut)
def review(body: ReviewIn, db: DB, actor: CurrentActor) -> ReviewOut:
    """Accept, move (to ``topic``) or discard many suggestions at once, all or none; the
    next training uses the accepted ones."""
    rows = review_suggestions(
        session=db, actor=actor, ids=body.ids, action=body.action, topic=body.topic
    )
    db.commit()
    page = suggestion_queries.list_suggestions(
        db,
        actor,
        suggestion_queries.SuggestionFilter(status=None),
        limit=MAX_REVIEW,
        ids=[r.id for r in rows],
    )
    return ReviewOut(reviewed=len(rows), items=[_out(i) for i in page.items])


@router.get("/selfservice/models", response_model=list[ModelVersionOut])
def models(
    db: DB,
    actor: CurrentActor,
    target: Annotated[float | None, Query(ge=0.5, lt=1.0)] = None,
) -> list[ModelVersionOut]:
    """Trained model versions, newest first, with coverage and answered precision on the
    fixed held-out slice at ``target`` (default: the active model's precision target)
    and the change from the version before (leads and admins)."""
    require_lead(actor, "see self-service models")
    chosen = target if target is not None else suggestion_queries.active_target(db)
    return [
        ModelVersionOut(
            version=v.version,
            created_at=v.created_at,
            n_examples=v.n_examples,
            is_active=v.is_active,
            held_out_questions=v.questions,
            coverage=v.coverage,
            precision=v.precision,
            coverage_change=v.coverage_change,
            precision_change=v.precision_change,
        )
        for v in suggestion_queries.model_versions(db, target=chosen)
    ]
