"""Storing cases' embeddings (the vectors the similar-case search reads).

Embedding takes milliseconds per case, so the job and the backfill read a batch in one
transaction, embed outside any transaction and store in another
(:func:`store_case_embeddings`); :func:`embed_cases` does all three in the caller's
session for a few cases (the demo loader, tests). Opening a case never embeds: an
embedding model that cannot be loaded can never stop a case from being opened."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from nara import clock
from nara.improvements.similarity import TextEmbedder, embed_unique, encode, text_hash
from nara.models import Case, CaseEmbedding
from nara.queries.similar_cases import stored_hashes, texts_of_cases

RECENT_DAYS = 2
"""The periodic job ``cases.embed`` (``nara.jobs.tasks``) looks at the cases opened this
many days back; older ones are the backfill's (``nara improvements embed-cases``)."""


@dataclass(frozen=True)
class Pending:
    """Cases whose text is to be embedded (those whose stored vector is of the same
    model and text are left out)."""

    case_ids: list[int]
    texts: list[str]


def pending_texts(session: Session, *, case_ids: Sequence[int], model: str) -> Pending:
    texts = texts_of_cases(session, case_ids)
    known = stored_hashes(session, texts, model)
    fresh = [(i, t) for i, t in sorted(texts.items()) if known.get(i) != text_hash(t)]
    return Pending([i for i, _ in fresh], [t for _, t in fresh])


def store_case_embeddings(
    *,
    session: Session,
    model: str,
    case_ids: Sequence[int],
    texts: Sequence[str],
    vectors: NDArray[np.float32],
) -> int:
    """Insert or replace the vectors of ``case_ids`` (their ``texts`` give the hash);
    cases deleted meanwhile are skipped. One statement: a concurrent store of the same
    case (the job and a backfill) ends with one row."""
    if len(case_ids) != len(texts) or len(case_ids) != vectors.shape[0]:
        raise ValueError("one text and one vector per case")
    existing = set(session.scalars(select(Case.id).where(Case.id.in_(sorted(set(case_ids))))))
    now = clock.now()
    rows = [
        {
            "case_id": case_id,
            "model": model,
            "dim": int(vectors.shape[1]),
            "vector": encode(vectors[index]),
            "text_hash": text_hash(texts[index]),
            "created_at": now,
        }
        for index, case_id in enumerate(case_ids)
        if case_id in existing
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(CaseEmbedding).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CaseEmbedding.case_id],
        set_={
            "model": stmt.excluded.model,
            "dim": stmt.excluded.dim,
            "vector": stmt.excluded.vector,
            "text_hash": stmt.excluded.text_hash,
            "created_at": stmt.excluded.created_at,
        },
    )
    session.execute(stmt)
    return len(rows)


def embed_cases(
    *,
    session: Session,
    case_ids: Sequence[int],
    embedder: TextEmbedder,
    batch: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed and store ``case_ids`` in the caller's session (the demo's history, tests).
    A text met in an earlier batch is not embedded again (the demo's seeded year has
    twenty thousand cases written with a few dozen texts). Returns how many vectors were
    written."""
    written, total = 0, len(case_ids)
    known: dict[str, NDArray[np.float32]] = {}
    for start in range(0, total, batch):
        chunk = case_ids[start : start + batch]
        pending = pending_texts(session, case_ids=chunk, model=embedder.name)
        if pending.case_ids:
            new = sorted({t for t in pending.texts if t not in known})
            if new:
                known.update(zip(new, embed_unique(embedder, new), strict=True))
            vectors = np.stack([known[t] for t in pending.texts])
            written += store_case_embeddings(
                session=session,
                model=embedder.name,
                case_ids=pending.case_ids,
                texts=pending.texts,
                vectors=vectors,
            )
        if progress is not None:
            progress(min(start + batch, total), total)
    session.flush()
    return written
