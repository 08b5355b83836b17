"""Probability calibration and the maths of operating points.

An *operating point* is a threshold on the engine's confidence: questions whose top
topic reaches it are answered, the rest are handed over. Rows whose most likely class
is out-of-scope are never answered. *Coverage* is the share of in-scope questions
answered; *precision* is the share of answered questions whose topic was right, where
an answered out-of-scope question always counts as wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]

NEVER = math.inf
"""The threshold of an operating point that answers nothing."""
_EPS = 1e-12


def softmax(scores: NDArray[np.floating], scale: float) -> NDArray[np.float64]:
    """Row-wise softmax of ``scale * scores``."""
    z = np.asarray(scores, dtype=np.float64) * scale
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def fit_scale(scores: NDArray[np.floating], truth: NDArray[np.integer]) -> float:
    """Temperature scaling: the factor on decision scores that minimises the negative
    log-likelihood of the true classes (fitted on held-out scores)."""
    rows = np.arange(len(truth))

    def nll(log_scale: float) -> float:
        p = softmax(scores, math.exp(log_scale))[rows, truth]
        return float(-np.log(np.clip(p, _EPS, 1.0)).mean())

    found = minimize_scalar(nll, bounds=(-3.0, 5.0), method="bounded", options={"xatol": 1e-4})
    return float(math.exp(found.x))


@dataclass(frozen=True)
class Curve:
    """Held-out predictions summarised for threshold maths.

    ``confidence``: the top in-scope topic's probability per row; ``correct``: that topic
    is the true one; ``in_scope``: the true class is not out-of-scope; ``answerable``:
    the most likely class is not out-of-scope.
    """

    confidence: NDArray[np.float64]
    correct: NDArray[np.bool_]
    in_scope: NDArray[np.bool_]
    answerable: NDArray[np.bool_]

    @property
    def n_in_scope(self) -> int:
        return int(self.in_scope.sum())

    @property
    def n_out_of_scope(self) -> int:
        return int((~self.in_scope).sum())


@dataclass(frozen=True)
class OperatingPoint:
    """What a threshold means on held-out data."""

    threshold: float
    precision: float | None
    coverage: float
    oos_abstain_rate: float | None
    precision_target: float | None = None


@dataclass(frozen=True)
class _Steps:
    """Cumulative counts after each distinct confidence value, highest first."""

    thresholds: NDArray[np.float64]
    precision: NDArray[np.float64]
    coverage: NDArray[np.float64]
    oos_answered: NDArray[np.int64]


def _steps(curve: Curve) -> _Steps:
    order = np.argsort(-curve.confidence[curve.answerable], kind="stable")
    conf = curve.confidence[curve.answerable][order]
    correct = np.cumsum(curve.correct[curve.answerable][order])
    in_scope = np.cumsum(curve.in_scope[curve.answerable][order])
    answered = np.arange(1, len(conf) + 1)
    last_of_tie = np.r_[conf[1:] != conf[:-1], True] if len(conf) else np.zeros(0, dtype=bool)
    n_in = max(curve.n_in_scope, 1)
    return _Steps(
        thresholds=conf[last_of_tie],
        precision=correct[last_of_tie] / answered[last_of_tie],
        coverage=in_scope[last_of_tie] / n_in,
        oos_answered=(answered - in_scope)[last_of_tie],
    )


def at_threshold(curve: Curve, threshold: float, target: float | None = None) -> OperatingPoint:
    """Precision, coverage and out-of-scope hand-over rate when answering at ``threshold``."""
    answered = curve.answerable & (curve.confidence >= threshold)
    n_answered = int(answered.sum())
    n_oos = curve.n_out_of_scope
    oos_answered = int((answered & ~curve.in_scope).sum())
    return OperatingPoint(
        threshold=threshold,
        precision=float(curve.correct[answered].sum() / n_answered) if n_answered else None,
        coverage=float((answered & curve.in_scope).sum() / max(curve.n_in_scope, 1)),
        oos_abstain_rate=1.0 - oos_answered / n_oos if n_oos else None,
        precision_target=target,
    )


def threshold_for_precision(curve: Curve, target: float) -> float:
    """The lowest threshold whose answered rows reach ``target`` precision (the most
    coverage at that precision); :data:`NEVER` when no threshold does."""
    steps = _steps(curve)
    ok = np.flatnonzero(steps.precision >= target - _EPS)
    if not len(ok):
        return NEVER
    return float(steps.thresholds[ok[-1]])


def point_for_precision(curve: Curve, target: float) -> OperatingPoint:
    return at_threshold(curve, threshold_for_precision(curve, target), target)


def coverage_at_precision(curve: Curve, target: float) -> float:
    return point_for_precision(curve, target).coverage


def precision_at_coverage(curve: Curve, coverage: float) -> float | None:
    """Precision at the highest threshold that answers at least ``coverage`` of the
    in-scope rows; ``None`` when no threshold covers that much."""
    steps = _steps(curve)
    reached = np.flatnonzero(steps.coverage >= coverage - _EPS)
    if not len(reached):
        return None
    return float(steps.precision[reached[0]])
