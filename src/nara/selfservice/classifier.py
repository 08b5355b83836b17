"""The linear classifier: a one-vs-rest linear SVM on lexical + embedding features.

Its decision scores become probabilities through temperature scaling fitted on
out-of-fold scores (see :mod:`nara.selfservice.calibration`). Weights are kept as
plain arrays, so prediction needs numpy only and storage needs no pickle.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

ABSENT = -1e3
"""Intercept given to a class that a fold never saw: it never wins."""


@dataclass(frozen=True)
class LinearWeights:
    """Per-class weights for the lexical block, the embedding block and intercepts."""

    lexical: NDArray[np.float32]
    embedding: NDArray[np.float32]
    intercept: NDArray[np.float32]

    def decision(
        self, lexical: sp.csr_matrix, embedding: NDArray[np.float32]
    ) -> NDArray[np.float64]:
        """Scores ``(n_rows, n_classes)``."""
        if lexical.shape[0] == 1:  # one question: gather the weights of its few terms
            lex = (lexical.data @ self._lexical_by_term[lexical.indices])[None]
        else:
            lex = lexical @ self.lexical.T
        scores: NDArray[np.float64] = np.asarray(lex, dtype=np.float64)
        return scores + embedding.astype(np.float64) @ self._embedding_t + self.intercept

    @cached_property
    def _lexical_by_term(self) -> NDArray[np.float32]:
        return np.ascontiguousarray(self.lexical.T, dtype=np.float32)

    @cached_property
    def _embedding_t(self) -> NDArray[np.float64]:
        return np.ascontiguousarray(self.embedding.T, dtype=np.float64)

    def shifted(self, intercept: NDArray[np.float64]) -> LinearWeights:
        """These weights with ``intercept`` added, rounded to float16 precision (half the
        storage; the model keeps the rounded values, so a round trip changes nothing)."""
        return LinearWeights(
            lexical=self.lexical.astype(np.float16).astype(np.float32),
            embedding=self.embedding.astype(np.float16).astype(np.float32),
            intercept=(self.intercept + intercept).astype(np.float32),
        )


@dataclass(frozen=True)
class Settings:
    """Hyper-parameters: the SVM's ``c`` and the weight of the embedding block next to
    the two unit-length TF-IDF blocks."""

    c: float
    embedding_weight: float


def fit(
    lexical: sp.csr_matrix,
    embedding: NDArray[np.float32],
    truth: NDArray[np.intp],
    n_classes: int,
    settings: Settings,
) -> LinearWeights:
    """Fit on labelled rows; ``truth`` holds class indices in ``range(n_classes)``."""
    n_lexical = lexical.shape[1]
    dense = sp.csr_matrix(embedding * np.float32(settings.embedding_weight))
    matrix = sp.hstack([lexical, dense], format="csr", dtype=np.float32)
    n_features = matrix.shape[1]
    coef = np.zeros((n_classes, n_features), dtype=np.float32)
    intercept = np.full(n_classes, ABSENT, dtype=np.float32)
    present = np.unique(truth)
    if len(present) == 1:
        intercept[present[0]] = 0.0
    else:
        svm = LinearSVC(C=settings.c, dual="auto", max_iter=3000, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.fit(matrix, truth)
        w = np.asarray(svm.coef_, dtype=np.float32)
        b = np.asarray(svm.intercept_, dtype=np.float32)
        if len(present) == 2:  # binary: one hyperplane, the second class is its positive side
            w, b = np.vstack([-w, w]), np.r_[-b, b]
        coef[present] = w
        intercept[present] = b
    return LinearWeights(
        lexical=np.ascontiguousarray(coef[:, :n_lexical]),
        embedding=coef[:, n_lexical:] * np.float32(settings.embedding_weight),
        intercept=intercept,
    )


def assign_folds(truth: NDArray[np.intp], n_folds: int, seed: int = 0) -> NDArray[np.intp]:
    """A fold number per row, spreading each class evenly over the folds."""
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(truth), dtype=np.intp)
    offset = 0
    for label in np.unique(truth):
        rows = rng.permutation(np.flatnonzero(truth == label))
        folds[rows] = (np.arange(len(rows)) + offset) % n_folds
        offset += len(rows)
    return folds


def out_of_fold_scores(
    lexical: sp.csr_matrix,
    embedding: NDArray[np.float32],
    truth: NDArray[np.intp],
    n_classes: int,
    settings: Settings,
    *,
    n_folds: int,
    threads: int,
    progress: Callable[[int, int], None] | None = None,
) -> NDArray[np.float64]:
    """Decision scores of every row from a model that did not see it."""
    folds = assign_folds(truth, n_folds)
    scores = np.zeros((len(truth), n_classes), dtype=np.float64)
    done = 0

    def run(fold: int) -> tuple[int, NDArray[np.float64]]:
        train = folds != fold
        weights = fit(lexical[train], embedding[train], truth[train], n_classes, settings)
        return fold, weights.decision(lexical[~train], embedding[~train])

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for fold, fold_scores in pool.map(run, range(n_folds)):
            scores[folds == fold] = fold_scores
            done += 1
            if progress is not None:
                progress(done, n_folds)
    return scores
