"""Training: embeddings + lexical features → linear classifier → calibration on
out-of-fold scores → the neighbour vote blended in → the confidence model, fitted on
held-out predictions → the abstention threshold for a precision target."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from nara.selfservice.calibration import fit_scale, softmax
from nara.selfservice.classifier import Settings, assign_folds, fit, out_of_fold_scores
from nara.selfservice.confidence import (
    ConfidenceModel,
    blend,
    cross_fitted,
    features,
    fit_confidence,
    row_weights,
    top_topic,
)
from nara.selfservice.embeddings import E5Embedder, get_embedder
from nara.selfservice.errors import TrainingDataError
from nara.selfservice.features import LexicalFeatures
from nara.selfservice.model import DEFAULT_PRECISION, OOS, Model, summarise
from nara.selfservice.neighbours import keep, out_of_fold

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: ``embedding``, ``cross-validation``,
``final model``."""

FORMAT_TAG = "ss2"


@dataclass(frozen=True)
class Config:
    """Hyper-parameters, chosen by cross-validation (see ``benchmarks/README.md``)."""

    c: float = 0.5
    embedding_weight: float = 4.0
    folds: int = 5
    oos_handover: float = 0.9
    """With out-of-scope (``oos``) examples: the share of them, held out, that must come
    out as out-of-scope; the oos score is shifted up until it does (a prior shift)."""
    neighbour_k: int = 10
    neighbour_tau: float = 0.02
    neighbour_weight: float = 0.35
    """The share of the neighbour vote in the blended topic probabilities (0: off)."""


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def train(
    examples: Iterable[tuple[str, str]],
    *,
    precision_target: float = DEFAULT_PRECISION,
    progress: Progress | None = None,
    threads: int | None = None,
    config: Config | None = None,
    embedder: E5Embedder | None = None,
) -> Model:
    """Train on ``(text, label)`` pairs. The label ``"oos"`` marks out-of-scope questions:
    the model learns them as a class of its own, and predicting it means handing over.

    Raises :class:`TrainingDataError` for unusable data and
    :class:`~nara.selfservice.errors.EmbeddingUnavailable` if the embedding model cannot load.
    """
    if not 0.0 < precision_target <= 1.0:
        raise ValueError("precision_target must be in (0, 1]")
    config = config or Config()
    texts, labels = _clean(examples)
    classes = tuple(sorted(set(labels)))
    index = {label: i for i, label in enumerate(classes)}
    truth = np.array([index[label] for label in labels], dtype=np.intp)
    settings = Settings(c=config.c, embedding_weight=config.embedding_weight)
    report = progress or _silent
    embedder = embedder or get_embedder()
    threads = threads or available_cores()
    with threadpool_limits(limits=threads):
        embedding = embedder.embed(texts, lambda d, t: report("embedding", d, t))
        lexical_features = LexicalFeatures.fit(texts)
        lexical = lexical_features.transform(texts)
        n_folds = _n_folds(truth, config.folds)
        oof = out_of_fold_scores(
            lexical,
            embedding,
            truth,
            len(classes),
            settings,
            n_folds=n_folds,
            threads=threads,
            progress=lambda d, t: report("cross-validation", d, t),
        )
        scale, shift = _calibrate(oof, truth, index.get(OOS), config)
        linear = softmax(oof + shift, scale)
        neighbour = out_of_fold(
            embedding,
            truth,
            assign_folds(truth, n_folds),
            len(classes),
            config.neighbour_k,
            config.neighbour_tau,
        )
        blended = blend(linear, neighbour, config.neighbour_weight)
        confidence_model, held_out = _confidence(
            linear, neighbour, blended, texts, truth, index.get(OOS), n_folds
        )
        report("final model", 0, 1)
        weights = fit(lexical, embedding, truth, len(classes), settings).shifted(shift)
        report("final model", 1, 1)
    return Model(
        labels=classes,
        features=lexical_features,
        weights=weights,
        scale=scale,
        curve=summarise(blended, truth, index.get(OOS), confidence=held_out),
        settings=settings,
        precision_target=precision_target,
        version=_version(texts, labels, config),
        n_examples=len(texts),
        embedder=embedder,
        neighbours=keep(embedding, truth, len(classes), config.neighbour_k, config.neighbour_tau),
        neighbour_weight=config.neighbour_weight,
        confidence=confidence_model,
    )


def _confidence(
    linear: NDArray[np.float64],
    neighbour: NDArray[np.float64],
    blended: NDArray[np.float64],
    texts: list[str],
    truth: NDArray[np.intp],
    oos: int | None,
    n_folds: int,
) -> tuple[ConfidenceModel | None, NDArray[np.float64] | None]:
    """The confidence model fitted on all held-out rows, and each row's confidence
    from a model that did not see it (for the thresholds); ``(None, None)`` when the
    rows cannot teach one."""
    in_scope = np.array([i for i in range(linear.shape[1]) if i != oos], dtype=np.intp)
    top = top_topic(blended, in_scope)
    lengths = np.array([len(text) for text in texts], dtype=np.float64)
    signals = features(linear, neighbour, blended, top, lengths, oos)
    correct = top == truth
    weights = row_weights(truth == oos) if oos is not None else None
    model = fit_confidence(signals, correct, weights)
    if model is None:
        return None, None
    held_out = cross_fitted(signals, correct, assign_folds(truth, n_folds, seed=1), weights)
    if held_out is None:
        return None, None
    return model, held_out


def _calibrate(
    oof: NDArray[np.float64], truth: NDArray[np.intp], oos: int | None, config: Config
) -> tuple[float, NDArray[np.float64]]:
    """The temperature-scaling factor and the per-class score shift (non-zero for the
    out-of-scope class only), both fitted on out-of-fold scores."""
    scale = fit_scale(oof, truth)
    shift = np.zeros(oof.shape[1])
    if oos is not None:
        shift[oos] = oos_shift(oof * scale, truth, oos, config.oos_handover) / scale
    return scale, shift


def oos_shift(
    logits: NDArray[np.float64], truth: NDArray[np.intp], oos: int, handover: float
) -> float:
    """How much to add to the out-of-scope logit so that a ``handover`` share of the
    held-out out-of-scope rows score it above every topic (never negative)."""
    topics = np.delete(logits, oos, axis=1).max(axis=1)
    gap = (topics - logits[:, oos])[truth == oos]
    return max(0.0, float(np.quantile(gap, handover)) + 1e-6)


def _silent(stage: str, done: int, total: int) -> None:
    del stage, done, total


def _clean(examples: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for text, label in examples:
        text, label = str(text).strip(), str(label).strip()
        if text and label:
            texts.append(text)
            labels.append(label)
    topics = {label for label in labels if label != OOS}
    if len(topics) < 2:
        raise TrainingDataError(
            f"need examples of at least two topics, got {len(topics)} "
            f"(from {len(texts)} usable examples)"
        )
    return texts, labels


def _n_folds(truth: NDArray[np.intp], wanted: int) -> int:
    """As many folds as the smallest class allows (2 to ``wanted``)."""
    smallest = min(Counter(truth.tolist()).values())
    return max(2, min(wanted, smallest))


def _version(texts: list[str], labels: list[str], config: Config) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([FORMAT_TAG, asdict(config)], sort_keys=True).encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(json.dumps([text, label]).encode())
    return f"{FORMAT_TAG}-{digest.hexdigest()[:12]}"
