"""Similar cases: the read side of the outer loop's evidence search.

A case's text (what the customer wrote first) is embedded once and stored in
``case_embeddings`` (``domain/case_embeddings.py``, filled by the ``cases.embed`` job).
A search embeds its query text, reads the stored vectors of the cases on the given
topics in the time window (newest :data:`~nara.improvements.similarity.MAX_CANDIDATES`,
an index range of ``ix_cases_topic_opened``) and ranks them by cosine in numpy.

The search reads no access rules: it returns case ids for a domain function to suggest
as evidence; whoever shows them checks that the reader may see each case.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from nara.improvements.similarity import (
    MAX_CANDIDATES,
    SUGGESTION_THRESHOLD,
    VECTOR_DTYPE,
    TextEmbedder,
    case_text,
    decode,
    default_embedder,
    one_thread_per_search,
    rank,
)
from nara.models import Case, CaseEmbedding, CaseEvent, Conversation, ConversationTurn

log = logging.getLogger("nara.queries.similar_cases")

OPENED = "case.opened"
HANDED_OVER = "selfservice.handed_over"


def texts_of_cases(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """Each case's text to embed (``similarity.case_text``), in a few index-bound
    queries per batch: subjects, first messages, and for self-service hand-overs the
    customer's own turns."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    subjects = dict(session.execute(select(Case.id, Case.subject).where(Case.id.in_(ids))).all())
    first: dict[int, str] = {}
    conversation_of: dict[str, int] = {}
    events = session.execute(
        select(CaseEvent.case_id, CaseEvent.type, CaseEvent.body, CaseEvent.data)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.type.in_([OPENED, HANDED_OVER]))
        .order_by(CaseEvent.case_id, CaseEvent.id)
    )
    for case_id, kind, body, data in events:
        if kind == OPENED:
            first.setdefault(case_id, body or "")
        elif isinstance(data, dict) and isinstance(data.get("conversation"), str):
            conversation_of.setdefault(data["conversation"], case_id)
    customer = _customer_texts(session, conversation_of)
    return {
        case_id: case_text(subject, first.get(case_id, ""), customer.get(case_id, ""))
        for case_id, subject in subjects.items()
    }


def _customer_texts(session: Session, conversation_of: dict[str, int]) -> dict[int, str]:
    """What the customer wrote in each handed-over conversation, by case id."""
    if not conversation_of:
        return {}
    rows = session.execute(
        select(Conversation.public_id, ConversationTurn.text)
        .join(ConversationTurn, ConversationTurn.conversation_id == Conversation.id)
        .where(
            Conversation.public_id.in_(sorted(conversation_of)),
            ConversationTurn.role == "customer",
            ConversationTurn.text != "",
        )
        .order_by(Conversation.id, ConversationTurn.id)
    )
    parts: dict[int, list[str]] = {}
    for public_id, text in rows:
        if text.strip():
            parts.setdefault(conversation_of[public_id], []).append(text.strip())
    return {case_id: "\n".join(lines) for case_id, lines in parts.items()}


def cases_to_embed(
    session: Session,
    *,
    model: str,
    since: datetime | None = None,
    after_id: int = 0,
    limit: int = 256,
) -> list[int]:
    """Ids of cases (opened from ``since``, ids above ``after_id``) with no vector of
    ``model`` yet, lowest id first: the job's and the backfill's next batch."""
    query = (
        select(Case.id)
        .outerjoin(CaseEmbedding, CaseEmbedding.case_id == Case.id)
        .where(
            Case.id > after_id,
            or_(CaseEmbedding.case_id.is_(None), CaseEmbedding.model != model),
        )
        .order_by(Case.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(Case.opened_at >= since)
    return list(session.scalars(query))


def stored_hashes(session: Session, case_ids: Iterable[int], model: str) -> dict[int, str]:
    """The text hash stored for each case that has a vector of ``model``."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    return dict(
        session.execute(
            select(CaseEmbedding.case_id, CaseEmbedding.text_hash).where(
                CaseEmbedding.case_id.in_(ids), CaseEmbedding.model == model
            )
        ).all()
    )


def _candidates(
    topic_ids: Sequence[int], since: datetime | None, until: datetime | None, model: str
) -> Select[int, bytes, int]:
    query = (
        select(Case.id, CaseEmbedding.vector, CaseEmbedding.dim)
        .join(CaseEmbedding, CaseEmbedding.case_id == Case.id)
        .where(
            Case.topic_id.in_(sorted(set(topic_ids))),
            Case.merged_into_id.is_(None),
            CaseEmbedding.model == model,
        )
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(MAX_CANDIDATES)
    )
    if since is not None:
        query = query.where(Case.opened_at >= since)
    if until is not None:
        query = query.where(Case.opened_at < until)
    return query


def _rank_candidates(
    session: Session,
    wanted: NDArray[np.float32],
    model_name: str,
    *,
    topic_ids: Sequence[int],
    since: datetime | None,
    until: datetime | None,
    exclude_case_ids: Iterable[int],
    limit: int,
    threshold: float,
) -> list[tuple[int, float]]:
    rows = session.execute(_candidates(topic_ids, since, until, model_name)).all()
    excluded = set(exclude_case_ids)
    dim = wanted.shape[1]
    rows = [row for row in rows if row[0] not in excluded and row[2] == dim]
    if not rows:
        return []
    matrix = decode([row[1] for row in rows], dim)
    return rank(wanted, matrix, [row[0] for row in rows], threshold=threshold, limit=limit)


def similar_cases(
    session: Session,
    *,
    text: str,
    topic_ids: Sequence[int],
    since: datetime | None,
    exclude_case_ids: Iterable[int] = (),
    limit: int = 50,
    until: datetime | None = None,
    threshold: float = SUGGESTION_THRESHOLD,
    embedder: TextEmbedder | None = None,
) -> list[tuple[int, float]]:
    """Cases on one of ``topic_ids`` opened from ``since`` (and before ``until``) whose
    text is like ``text``: ``(case_id, cosine)`` at or above ``threshold``, best first,
    at most ``limit``. Duplicates merged into another case and ``exclude_case_ids`` are
    left out; so are cases not embedded yet. No suggestions (logged), never an error,
    when the embedding model cannot be loaded."""
    from nara.selfservice.errors import EmbeddingUnavailable

    if not text.strip() or not topic_ids or limit <= 0:
        return []
    try:
        model = embedder or default_embedder()
        one_thread_per_search()
        wanted = model.embed([text])
    except EmbeddingUnavailable as exc:
        log.warning("no similar cases: %s", exc)
        return []
    return _rank_candidates(
        session,
        wanted,
        model.name,
        topic_ids=topic_ids,
        since=since,
        until=until,
        exclude_case_ids=exclude_case_ids,
        limit=limit,
        threshold=threshold,
    )


def similar_to_cases(
    session: Session,
    *,
    case_ids: Sequence[int],
    topic_ids: Sequence[int],
    since: datetime | None,
    exclude_case_ids: Iterable[int] = (),
    limit: int = 50,
    until: datetime | None = None,
    threshold: float = SUGGESTION_THRESHOLD,
    model: str | None = None,
) -> list[tuple[int, float]]:
    """Like :func:`similar_cases`, with the stored vectors of ``case_ids`` (an
    improvement's confirmed evidence, say) as the query: a candidate's score is its best
    cosine with any of them. Needs no model (nothing is embedded); the given cases
    themselves are never returned."""
    if not case_ids or not topic_ids or limit <= 0:
        return []
    model_name = model or _default_name()
    rows = session.execute(
        select(CaseEmbedding.vector, CaseEmbedding.dim).where(
            CaseEmbedding.case_id.in_(sorted(set(case_ids))), CaseEmbedding.model == model_name
        )
    ).all()
    if not rows:
        return []
    dim = rows[0][1]
    wanted = decode([vector for vector, d in rows if d == dim], dim)
    return _rank_candidates(
        session,
        wanted,
        model_name,
        topic_ids=topic_ids,
        since=since,
        until=until,
        exclude_case_ids={*exclude_case_ids, *case_ids},
        limit=limit,
        threshold=threshold,
    )


def _default_name() -> str:
    from nara.selfservice.embeddings import EMBEDDER_NAME

    return EMBEDDER_NAME


def groups_like_case(
    session: Session,
    *,
    case_id: int,
    groups: Mapping[int, Sequence[int]],
    threshold: float = SUGGESTION_THRESHOLD,
    model: str | None = None,
) -> list[tuple[int, float]]:
    """The groups of cases (an open improvement's id → its confirmed evidence cases) that
    ``case_id`` looks like: ``(group_id, best cosine with any of its cases)`` at or above
    ``threshold``, best first; for suggesting improvements on a case's page. Stored
    vectors only (nothing is embedded); empty while the case has no vector yet."""
    model_name = model or _default_name()
    wanted_ids = {c for cases in groups.values() for c in cases} | {case_id}
    rows = dict(
        session.execute(
            select(CaseEmbedding.case_id, CaseEmbedding.vector).where(
                CaseEmbedding.case_id.in_(sorted(wanted_ids)), CaseEmbedding.model == model_name
            )
        ).all()
    )
    own = rows.pop(case_id, None)
    if own is None or not rows:
        return []
    dim = len(own) // VECTOR_DTYPE.itemsize
    ids = sorted(rows)
    scores = decode([rows[i] for i in ids], dim) @ decode([own], dim)[0]
    score_of = dict(zip(ids, scores.tolist(), strict=True))
    best = {
        group: max(score_of[c] for c in cases if c in score_of)
        for group, cases in groups.items()
        if any(c in score_of for c in cases if c != case_id)
    }
    found = [(g, round(s, 4)) for g, s in best.items() if s >= threshold]
    return sorted(found, key=lambda item: (-item[1], item[0]))
