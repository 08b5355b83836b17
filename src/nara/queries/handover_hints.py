"""What self-service knew when it handed a case over: which path the hand-over took
and the engine's candidate topics with their scores (hints for the agent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.models import Case, CaseEvent, Topic

PATHS = ("sure_topic", "unsure_front_line")
HANDED_OVER = "selfservice.handed_over"


@dataclass(frozen=True)
class TopicHint:
    topic: Topic
    score: float  # the engine's blended probability, 0..1


@dataclass(frozen=True)
class HandoverHints:
    path: str | None  # None for hand-overs recorded before paths were
    hints: list[TopicHint] = field(default_factory=list)


def handover_hints(
    session: Session, case: Case, events: Sequence[CaseEvent] | None = None
) -> HandoverHints | None:
    """The hand-over's path and the candidate topics that are active topics, best
    first; None when the case did not come from self-service. ``events``: the case's
    whole timeline when the caller has it already (no query then for a case that did
    not come from self-service). Staff only: callers check who asks."""
    if events is not None:
        handed = [e.data for e in events if e.type == HANDED_OVER]
        data = handed[-1] if handed else None
    else:
        data = session.scalar(
            select(CaseEvent.data)
            .where(CaseEvent.case_id == case.id, CaseEvent.type == HANDED_OVER)
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
    if data is None:
        return None
    candidates = [c for c in data.get("candidates") or [] if isinstance(c, dict)]
    slugs = [str(c.get("label")) for c in candidates]
    topics = {
        t.slug: t
        for t in session.scalars(select(Topic).where(Topic.slug.in_(slugs), Topic.is_active))
    }
    hints = [
        TopicHint(topics[str(c.get("label"))], float(c.get("probability") or 0.0))
        for c in candidates
        if str(c.get("label")) in topics
    ]
    path = data.get("path")
    return HandoverHints(path=path if path in PATHS else None, hints=hints)
