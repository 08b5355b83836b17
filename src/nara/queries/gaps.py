"""Knowledge gaps: the questions self-service handed over, grouped by similarity, as a
starting point for new articles (most frequent first, with examples)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock, textsearch
from nara.models import Case, Conversation, ConversationTurn, Outcome

HANDED_OVER = (Outcome.abstained, Outcome.answered_rejected, Outcome.asked_for_person)
DAYS = 30
# Grouping is quadratic in the number of questions: the newest this many are grouped.
MAX_QUESTIONS = 3000


MAX_CASES = 200
"""Case numbers kept per group (the evidence a raised improvement starts from)."""


@dataclass
class Gap:
    count: int
    examples: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    """The numbers of the cases the group's questions were handed over into (newest
    last): what a "raise an improvement" form takes as evidence."""


def handed_over(session: Session, *, days: int = DAYS) -> list[tuple[str, str | None]]:
    """Every customer question of the conversations handed over in the last ``days``
    (the newest ``MAX_QUESTIONS``), oldest first, with the number of the case it was
    handed over into (``None``: an anonymous visitor who left no contact details)."""
    since = clock.now() - timedelta(days=days)
    questions = (
        select(ConversationTurn.text, Case.number)
        .join(Conversation, Conversation.id == ConversationTurn.conversation_id)
        .outerjoin(Case, Case.id == Conversation.case_id)
        .where(
            Conversation.started_at >= since,
            Conversation.outcome.in_([o.value for o in HANDED_OVER]),
            ConversationTurn.role == "customer",
            ConversationTurn.text != "",
        )
        .order_by(ConversationTurn.id.desc())
        .limit(MAX_QUESTIONS)
    )
    return [(text, number) for text, number in reversed(session.execute(questions).all())]


def handed_over_questions(session: Session, *, days: int = DAYS) -> list[str]:
    """The questions of ``handed_over``, without their cases."""
    return [text for text, _ in handed_over(session, days=days)]


def group(
    questions: list[str],
    *,
    similarity: float = 0.875,
    max_examples: int = 5,
    progress: Callable[[str, int, int], None] | None = None,
    cases: Sequence[str | None] | None = None,
) -> list[Gap]:
    """Agglomerative grouping (average linkage, cosine) on the self-service engine's
    sentence embeddings (multilingual e5), so that "arv" and "bouppteckning" meet; each
    group is labelled with its most frequent longer word stems. ``cases`` (one per
    question, or none) are gathered per group, each number once."""
    if not questions:
        return []
    numbers: list[str | None] = list(cases) if cases is not None else [None] * len(questions)
    if len(questions) == 1:
        return [
            Gap(
                count=1,
                examples=questions[:1],
                terms=_terms(questions),
                cases=_cases(numbers, [0]),
            )
        ]
    from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

    from nara.selfservice.embeddings import get_embedder

    # The embedder takes its lock per small batch, so customers' questions in the same
    # process wait at most for one batch, never for the whole run.
    vectors = get_embedder().embed(
        questions, progress=None if progress is None else lambda d, t: progress("embedding", d, t)
    )
    if progress is not None:
        progress("grouping", 0, 1)
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - similarity
    )
    labels = clustering.fit_predict(vectors)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    gaps = [
        Gap(
            count=len(members),
            examples=[questions[i] for i in members[:max_examples]],
            terms=_terms([questions[i] for i in members]),
            cases=_cases(numbers, members),
        )
        for members in groups.values()
    ]
    gaps.sort(key=lambda g: (-g.count, g.examples[0]))
    return gaps


def _cases(numbers: list[str | None], members: list[int]) -> list[str]:
    found = [n for n in dict.fromkeys(numbers[i] for i in members) if n is not None]
    return found[-MAX_CASES:]


def _terms(texts: list[str], top: int = 4) -> list[str]:
    counts = Counter(
        stem for text in texts for stem in set(textsearch.terms(text, "sv")) if len(stem) >= 4
    )
    return [stem for stem, _ in counts.most_common(top)]
