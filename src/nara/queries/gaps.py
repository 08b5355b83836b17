"""Knowledge gaps: the questions self-service handed over, grouped by similarity, as a
starting point for new articles (most frequent first, with examples)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock, textsearch
from nara.models import Conversation, ConversationTurn, Outcome

HANDED_OVER = (Outcome.abstained, Outcome.answered_rejected, Outcome.asked_for_person)


@dataclass
class Gap:
    count: int
    examples: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def handed_over_questions(session: Session, *, days: int = 30) -> list[str]:
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
        .order_by(ConversationTurn.id)
    )
    return [text for text in session.scalars(first_question)]


def group(questions: list[str], *, similarity: float = 0.875, max_examples: int = 5) -> list[Gap]:
    """Agglomerative grouping (average linkage, cosine) on the self-service engine's
    sentence embeddings (multilingual e5), so that "arv" and "bouppteckning" meet; each
    group is labelled with its most frequent longer word stems."""
    if not questions:
        return []
    if len(questions) == 1:
        return [Gap(count=1, examples=questions[:1], terms=_terms(questions))]
    from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

    from nara.selfservice.embeddings import get_embedder

    vectors = get_embedder().embed(questions)
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


def knowledge_gaps(session: Session, *, days: int = 30, limit: int = 20) -> list[Gap]:
    return group(handed_over_questions(session, days=days))[:limit]
