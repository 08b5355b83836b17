"""Similar texts for the outer loop: which cases look like an improvement's evidence, and
which open improvements look like the one being raised.

Texts are embedded with the self-service engine's bundled model (multilingual-e5-small,
``nara.selfservice.embeddings``) and compared by cosine. The thresholds were chosen by
measurement on Exempelbanken's labelled questions (``docs/improvements-similarity.md``,
``python benchmarks/similarity.py``). Nothing here touches the database: the stored
vectors are read by ``nara.queries.similar_cases``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger("nara.improvements.similarity")

SUGGESTION_THRESHOLD = 0.92
"""A case on the same topic is suggested as evidence from this cosine on (staff confirm
each suggestion, so precision comes first: see docs/improvements-similarity.md)."""
DUPLICATE_THRESHOLD = 0.90
"""An open improvement is offered as a possible duplicate from this cosine on (the
person raising decides; a few extra candidates cost a glance)."""
MAX_CANDIDATES = 20_000
"""Newest cases compared per search (brute force: about 10 ms per 10,000 vectors)."""
MAX_DUPLICATE_CANDIDATES = 500
"""Open improvements compared when raising one (their texts are embedded on the fly)."""
VECTOR_DTYPE = np.dtype("<f2")
"""How a vector is stored: float16, little-endian (768 bytes for 384 dimensions)."""


class TextEmbedder(Protocol):
    """What the search needs of an embedder (``selfservice.embeddings.E5Embedder``, or
    a small deterministic one in tests): L2-normalised float32 rows."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


def default_embedder() -> TextEmbedder:
    """The process-wide e5 embedder (raises ``EmbeddingUnavailable`` if it cannot load)."""
    from nara.selfservice.embeddings import get_embedder

    return get_embedder()


def embed_unique(embedder: TextEmbedder, texts: Sequence[str]) -> NDArray[np.float32]:
    """One row per text, each distinct text embedded once (many cases open with the same
    words: a web form's fixed choices, a copied template)."""
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    vectors = embedder.embed(distinct)
    row_of = {text: index for index, text in enumerate(distinct)}
    return vectors[[row_of[text] for text in texts]]


def case_text(subject: str, first_message: str, customer_text: str = "") -> str:
    """What a case is about, in the customer's words: a self-service hand-over's
    customer turns when there are any (the transcript also holds the answers shown),
    otherwise the first message, led by the subject when the subject is not already its
    first line (staff often type a subject of their own)."""
    if customer_text.strip():
        return customer_text.strip()
    subject, body = subject.strip(), first_message.strip()
    if not body:
        return subject
    if not subject or body.startswith(subject):
        return body
    return f"{subject}\n{body}"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode(vector: NDArray[np.floating]) -> bytes:
    """One L2-normalised vector as stored (float16, little-endian)."""
    row = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(row))
    if norm > 0:
        row = row / norm
    return row.astype(VECTOR_DTYPE).tobytes()


def decode(blobs: Sequence[bytes], dim: int) -> NDArray[np.float32]:
    """Stored vectors as a ``(len(blobs), dim)`` float32 matrix (rows renormalised, so
    the float16 rounding does not move a cosine by more than about 0.001)."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=VECTOR_DTYPE).astype(np.float32)
    matrix = matrix.reshape(len(blobs), dim)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def rank(
    queries: NDArray[np.float32],
    matrix: NDArray[np.float32],
    ids: Sequence[int],
    *,
    threshold: float,
    limit: int | None = None,
) -> list[tuple[int, float]]:
    """``(id, cosine)`` of the rows of ``matrix`` whose best cosine with any of the
    ``queries`` (normalised rows) reaches ``threshold``, best first (ties by id)."""
    if len(ids) == 0 or queries.size == 0:
        return []
    scores = (matrix @ queries.reshape(-1, matrix.shape[1]).T).max(axis=1)
    kept = np.flatnonzero(scores >= threshold)
    order = sorted(kept.tolist(), key=lambda i: (-float(scores[i]), ids[i]))
    if limit is not None:
        order = order[:limit]
    return [(int(ids[i]), round(float(scores[i]), 4)) for i in order]


def similar_texts(
    query: str,
    candidates: Sequence[tuple[int, str]],
    threshold: float = DUPLICATE_THRESHOLD,
    *,
    limit: int | None = 10,
    embedder: TextEmbedder | None = None,
) -> list[tuple[int, float]]:
    """The candidates ``(id, text)`` whose text is like ``query``, as ``(id, cosine)``
    best first: for possible duplicates when an improvement is raised (pass each open
    improvement's title and description as one text). The candidates are embedded on
    the fly, at most :data:`MAX_DUPLICATE_CANDIDATES` of them (the first ones given).
    When the embedding model cannot be loaded there are no suggestions (logged), never
    an error: raising an improvement must not depend on it."""
    from nara.selfservice.errors import EmbeddingUnavailable

    kept = [(i, t) for i, t in candidates[:MAX_DUPLICATE_CANDIDATES] if t.strip()]
    if not query.strip() or not kept:
        return []
    try:
        model = embedder or default_embedder()
        vectors = model.embed([query, *(t for _, t in kept)])
    except EmbeddingUnavailable as exc:
        log.warning("no duplicate suggestions: %s", exc)
        return []
    return rank(vectors[:1], vectors[1:], [i for i, _ in kept], threshold=threshold, limit=limit)
