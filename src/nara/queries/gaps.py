"""Knowledge gaps: the questions self-service handed over, grouped by similarity, as a
starting point for new articles (most frequent first, with examples)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock, textsearch
from nara.models import Conversation, ConversationTurn, Outcome

HANDED_OVER = (Outcome.abstained, Outcome.answered_rejected, Outcome.asked_for_person)
DAYS = 30
# Grouping is quadratic in the number of questions: the newest this many are grouped.
MAX_QUESTIONS = 3000


@dataclass
class Gap:
    count: int
    examples: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def handed_over_questions(session: Session, *, days: int = DAYS) -> list[str]:
    """The first question of every conversation handed over in the last ``days``
    (the newest ``MAX_QUESTIONS``), oldest first."""
    since = clock.now() - timedelta(days=days)
    first_question = (
        select(ConversationTurn.text)
        .join(Conversation, Conversation.id == ConversationTurn.conversation_id)
        .where(
            Conversation.started_at >= since,
            Conversation.outcome.in_([o.value for o in HANDED_OVER]),
            ConversationTurn.role == "customer",
            ConversationTurn.text != "",
        )
        .order_by(ConversationTurn.id.desc())
        .limit(MAX_QUESTIONS)
    )
    return list(reversed(session.scalars(first_question).all()))


def group(
    questions: list[str],
    *,
    similarity: float = 0.875,
    max_examples: int = 5,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Gap]:
    """Agglomerative grouping (average linkage, cosine) on the self-service engine's
    sentence embeddings (multilingual e5), so that "arv" and "bouppteckning" meet; each
    group is labelled with its most frequent longer word stems."""
    if not questions:
        return []
    if len(questions) == 1:
        return [Gap(count=1, examples=questions[:1], terms=_terms(questions))]
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
        )
        for members in groups.values()
    ]
    gaps.sort(key=lambda g: (-g.count, g.examples[0]))
    return gaps


def _terms(texts: list[str], top: int = 4) -> list[str]:
    counts = Counter(
        stem for text in texts for stem in set(textsearch.terms(text, "sv")) if len(stem) >= 4
    )
    return [stem for stem, _ in counts.most_common(top)]
