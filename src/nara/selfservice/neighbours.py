"""The neighbour vote: the topics of the training questions closest to a question.

Each of the ``k`` most similar training questions (cosine similarity of the e5
embeddings) votes for its topic with weight ``exp((similarity - 1) / tau)``; the votes
are normalised to a probability per class. Blended with the linear model it corrects
some of its mistakes (a near-paraphrase of a training question is strong evidence), and
whether the two agree is one of the signals of the confidence model
(:mod:`nara.selfservice.confidence`). Measured in ``benchmarks/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MAX_ROWS = 50_000
"""At most this many training questions are kept for the vote (a deterministic sample
spread over the classes): memory and the per-question cost stay bounded."""
CHUNK_CELLS = 1 << 24
"""Similarities computed at once while training (about 200 MB with the sort's indices):
questions are compared in chunks of ``CHUNK_CELLS // len(reference)`` rows."""


@dataclass(frozen=True)
class NeighbourVote:
    """Training embeddings (L2-normalised rows) with their class indices."""

    embedding: NDArray[np.float32]
    labels: NDArray[np.intp]
    n_classes: int
    k: int
    tau: float

    def probs(self, queries: NDArray[np.float32]) -> NDArray[np.float64]:
        """``(n_queries, n_classes)`` vote shares; rows sum to 1."""
        return vote(queries, self.embedding, self.labels, self.n_classes, self.k, self.tau)


def vote(
    queries: NDArray[np.float32],
    reference: NDArray[np.float32],
    labels: NDArray[np.intp],
    n_classes: int,
    k: int,
    tau: float,
) -> NDArray[np.float64]:
    """The neighbour vote of ``queries`` among ``reference`` rows labelled ``labels``."""
    out = np.zeros((len(queries), n_classes), dtype=np.float64)
    if len(reference) == 0 or len(queries) == 0:
        out[:] = 1.0 / n_classes
        return out
    k = max(1, min(k, len(reference)))
    chunk = max(16, min(2048, CHUNK_CELLS // len(reference)))
    for start in range(0, len(queries), chunk):
        sims = queries[start : start + chunk] @ reference.T
        if k < len(reference):
            nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        else:
            nearest = np.broadcast_to(np.arange(len(reference)), sims.shape)
        top = np.take_along_axis(sims, nearest, axis=1).astype(np.float64)
        weight = np.exp((np.minimum(top, 1.0) - 1.0) / tau)
        rows = np.repeat(np.arange(len(top)), k)
        block = np.zeros((len(top), n_classes), dtype=np.float64)
        np.add.at(block, (rows, labels[nearest].ravel()), weight.ravel())
        out[start : start + len(top)] = block
    totals = out.sum(axis=1, keepdims=True)
    empty = totals[:, 0] <= 0  # every neighbour too far to count: no opinion
    out[empty] = 1.0
    totals[empty] = n_classes
    shares: NDArray[np.float64] = out / totals
    return shares


def out_of_fold(
    embedding: NDArray[np.float32],
    labels: NDArray[np.intp],
    folds: NDArray[np.intp],
    n_classes: int,
    k: int,
    tau: float,
) -> NDArray[np.float64]:
    """Each row's vote among the rows of the other folds (never itself)."""
    out = np.zeros((len(labels), n_classes), dtype=np.float64)
    for fold in np.unique(folds):
        held = folds == fold
        out[held] = vote(embedding[held], embedding[~held], labels[~held], n_classes, k, tau)
    return out


def keep(
    embedding: NDArray[np.float32], labels: NDArray[np.intp], n_classes: int, k: int, tau: float
) -> NeighbourVote:
    """The vote over the training rows, sampled down to :data:`MAX_ROWS` if needed
    (the same share of every class, seed 0), at the precision it is stored with."""
    rows = np.arange(len(labels))
    if len(rows) > MAX_ROWS:
        rng = np.random.default_rng(0)
        share = MAX_ROWS / len(rows)
        picked = [
            rng.permutation(np.flatnonzero(labels == c))[
                : max(1, int(share * int((labels == c).sum())))
            ]
            for c in np.unique(labels)
        ]
        rows = np.sort(np.concatenate(picked))
    return NeighbourVote(  # float16 precision, as stored: a round trip changes nothing
        embedding=np.ascontiguousarray(embedding[rows].astype(np.float16), dtype=np.float32),
        labels=labels[rows].astype(np.intp),
        n_classes=n_classes,
        k=k,
        tau=tau,
    )
