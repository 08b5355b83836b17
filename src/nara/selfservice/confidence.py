"""The confidence model: how likely the topic the engine would answer with is right.

The engine's topic comes from a blend of the linear model's calibrated probabilities and
the neighbour vote (:mod:`nara.selfservice.neighbours`). Whether to answer is decided on
a separate number: a logistic regression, fitted on held-out predictions of the training
data, that reads signals of a safe answer (the linear model's own probability and margin,
whether it and the neighbours agree on the topic, the blend's margin, the out-of-scope
score, the question's length) and gives the probability that the topic is right. On
Banking77 it answers 2–3 points more questions at 99 % precision than the linear
model's probability alone (``benchmarks/README.md``).

Everything here is plain numpy at prediction time; the fitted state is four arrays.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

FEATURES = (
    "log_linear_p",
    "log_linear_top",
    "log_linear_second",
    "linear_agrees",
    "neighbour_p",
    "neighbour_agrees",
    "log_blend_top",
    "blend_margin",
    "linear_entropy",
    "log_out_of_scope",
    "log_length",
)
C = 0.1
"""Regularisation of the confidence model (chosen on Banking77 fold 0, inner rows)."""
MIN_ROWS = 20
MAX_LENGTH = 600.0
"""Lengths are counted up to this many characters (what the embedding reads): a pasted
page must not look like a long, hence different, kind of question than any trained on."""
_EPS = 1e-9


def blend(
    linear: NDArray[np.float64], neighbour: NDArray[np.float64], weight: float
) -> NDArray[np.float64]:
    """The engine's topic probabilities: ``(1 - weight) * linear + weight * neighbour``."""
    return (1.0 - weight) * linear + weight * neighbour


def top_topic(blended: NDArray[np.float64], in_scope: NDArray[np.intp]) -> NDArray[np.intp]:
    """Per row, the most likely in-scope class."""
    top: NDArray[np.intp] = in_scope[np.argmax(blended[:, in_scope], axis=1)].astype(np.intp)
    return top


def features(
    linear: NDArray[np.float64],
    neighbour: NDArray[np.float64],
    blended: NDArray[np.float64],
    top: NDArray[np.intp],
    lengths: NDArray[np.float64],
    oos: int | None,
) -> NDArray[np.float64]:
    """The signals in :data:`FEATURES` order, one row per question."""
    rows = np.arange(len(top))
    lin_sorted = np.sort(linear, axis=1)
    second = lin_sorted[:, -2] if linear.shape[1] > 1 else np.zeros(len(top))
    blend_sorted = np.sort(blended, axis=1)
    blend_second = blend_sorted[:, -2] if blended.shape[1] > 1 else np.zeros(len(top))
    out_of_scope = linear[:, oos] if oos is not None else np.zeros(len(top))
    return np.column_stack(
        [
            np.log(linear[rows, top] + _EPS),
            np.log(lin_sorted[:, -1] + _EPS),
            np.log(second + _EPS),
            (np.argmax(linear, axis=1) == top).astype(np.float64),
            neighbour[rows, top],
            (np.argmax(neighbour, axis=1) == top).astype(np.float64),
            np.log(blended[rows, top] + _EPS),
            blended[rows, top] - blend_second,
            -(linear * np.log(linear + _EPS)).sum(axis=1),
            np.log(out_of_scope + _EPS),
            np.log1p(np.clip(lengths, 0.0, MAX_LENGTH)),
        ]
    )


@dataclass(frozen=True)
class ConfidenceModel:
    """A standardised logistic regression over :data:`FEATURES`."""

    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    coef: NDArray[np.float64]
    intercept: float

    def __call__(self, signals: NDArray[np.float64]) -> NDArray[np.float64]:
        z = ((signals - self.mean) / self.scale) @ self.coef + self.intercept
        out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))
        return out

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        return {
            "confidence_mean": self.mean,
            "confidence_scale": self.scale,
            "confidence_coef": self.coef,
            "confidence_intercept": np.array([self.intercept]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[np.float64]]) -> ConfidenceModel | None:
        if "confidence_coef" not in arrays:
            return None
        model = cls(
            mean=arrays["confidence_mean"].astype(np.float64),
            scale=arrays["confidence_scale"].astype(np.float64),
            coef=arrays["confidence_coef"].astype(np.float64),
            intercept=float(arrays["confidence_intercept"][0]),
        )
        if not model.mean.shape == model.scale.shape == model.coef.shape == (len(FEATURES),):
            raise ValueError("confidence model does not match its features")
        values = np.r_[model.mean, model.scale, model.coef, model.intercept]
        if not np.isfinite(values).all() or (model.scale <= 0).any():
            raise ValueError("confidence model has values that are not finite or positive")
        return model


def row_weights(out_of_scope: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Out-of-scope rows together weigh as much as the in-scope rows: answering a
    question that is none of ours is the worse mistake, and such examples are few."""
    weights = np.ones(len(out_of_scope), dtype=np.float64)
    n_out = int(out_of_scope.sum())
    if 0 < n_out < len(out_of_scope):
        weights[out_of_scope] = (len(out_of_scope) - n_out) / n_out
    return weights


def fit_confidence(
    signals: NDArray[np.float64],
    correct: NDArray[np.bool_],
    weights: NDArray[np.float64] | None = None,
) -> ConfidenceModel | None:
    """Fit on held-out rows (``weights`` per row, default 1); ``None`` when the rows
    cannot teach it (too few, or all right or all wrong): the engine then uses the
    blended probability itself."""
    if len(correct) < MIN_ROWS or correct.all() or not correct.any():
        return None
    mean = signals.mean(axis=0)
    scale = signals.std(axis=0)
    scale[scale < 1e-9] = 1.0
    regression = LogisticRegression(C=C, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        regression.fit((signals - mean) / scale, correct, sample_weight=weights)
    coef = np.asarray(regression.coef_[0], dtype=np.float64)
    intercept = float(regression.intercept_[0])
    if not (np.isfinite(coef).all() and math.isfinite(intercept)):
        return None
    return ConfidenceModel(mean=mean, scale=scale, coef=coef, intercept=intercept)


def cross_fitted(
    signals: NDArray[np.float64],
    correct: NDArray[np.bool_],
    folds: NDArray[np.intp],
    weights: NDArray[np.float64] | None = None,
) -> NDArray[np.float64] | None:
    """Each row's confidence from a model fitted on the other folds' rows, so that the
    thresholds chosen on them are not flattered by rows the model has seen; ``None``
    when some fold cannot be fitted."""
    out = np.zeros(len(correct), dtype=np.float64)
    for fold in np.unique(folds):
        held = folds == fold
        fold_weights = weights[~held] if weights is not None else None
        model = fit_confidence(signals[~held], correct[~held], fold_weights)
        if model is None:
            return None
        out[held] = model(signals[held])
    return out
