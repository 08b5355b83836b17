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
import threading
from collections import OrderedDict
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
"""Newest cases compared per search: brute force, reading the vectors dominates (about
0.4 s for 20,000 on PostgreSQL on a busy two-core machine; see the doc)."""
MAX_DUPLICATE_CANDIDATES = 500
"""Open improvements compared when raising one (texts this process has not embedded yet
cost 50-250 ms each: pass the few that share a topic with the new one)."""
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


_ONE_THREAD: list[object] = []


def one_thread_per_search() -> None:
    """Searches embed their query on one thread (OpenMP and BLAS) in this process, once
    set, as self-service answers do (``selfservice.runtime``): with the model's own
    thread pool a query took 1-3 s on a busy two-core machine instead of 50 ms.
    Batch embedding (the job, the backfill) and training set their own limits."""
    if not _ONE_THREAD:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        _ONE_THREAD.append(threadpool_limits(limits=1))


def embed_unique(embedder: TextEmbedder, texts: Sequence[str]) -> NDArray[np.float32]:
    """One row per text, each distinct text embedded once (many cases open with the same
    words: a web form's fixed choices, a copied template), shortest first so that the
    model's batches pad little."""
    distinct = sorted(set(texts), key=lambda t: (len(t), t))
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
    """Stored vectors as a ``(len(blobs), dim)`` float32 matrix. Rows are not normalised
    again: float16 keeps a unit vector's length within 0.0001, so a cosine moves by less
    than 0.001 (and renormalising would double the time of a search)."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=VECTOR_DTYPE).astype(np.float32)
    return matrix.reshape(len(blobs), dim)


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
    improvement's title and description as one text). At most
    :data:`MAX_DUPLICATE_CANDIDATES` candidates (the first ones given) are compared;
    their vectors are kept in the process (by text), so only new or edited texts are
    embedded. When the embedding model cannot be loaded there are no suggestions
    (logged), never an error: raising an improvement must not depend on it."""
    from nara.selfservice.errors import EmbeddingUnavailable

    kept = [(i, t) for i, t in candidates[:MAX_DUPLICATE_CANDIDATES] if t.strip()]
    if not query.strip() or not kept:
        return []
    try:
        model = embedder or default_embedder()
        one_thread_per_search()
        vectors = _cached_vectors(model, [query, *(t for _, t in kept)])
    except EmbeddingUnavailable as exc:
        log.warning("no duplicate suggestions: %s", exc)
        return []
    return rank(vectors[:1], vectors[1:], [i for i, _ in kept], threshold=threshold, limit=limit)


CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, str], NDArray[np.float32]] = OrderedDict()
_cache_lock = threading.Lock()


def _cached_vectors(model: TextEmbedder, texts: Sequence[str]) -> NDArray[np.float32]:
    """Rows for ``texts``, embedding only those this process has not seen (the newest
    :data:`CACHE_SIZE` texts are kept, about 6 MB)."""
    keys = [(model.name, text_hash(t)) for t in texts]
    with _cache_lock:
        known = {k: _cache[k] for k in keys if k in _cache}
    missing = sorted({t for k, t in zip(keys, texts, strict=True) if k not in known}, key=len)
    if missing:
        fresh = model.embed(missing)
        for text, row in zip(missing, fresh, strict=True):
            known[(model.name, text_hash(text))] = row
    with _cache_lock:
        for key in keys:
            _cache[key] = known[key]
            _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return np.stack([known[k] for k in keys]).astype(np.float32)
