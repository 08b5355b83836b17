"""Offline evaluation behind ``nara eval selfservice`` (a fixed contract).

Train on one labelled CSV (``text,category``; ``oos`` marks out-of-scope), predict every
row of another one at a time through :meth:`Model.predict` on one CPU thread, and report
accuracy, macro-F1, precision/coverage trade-offs, out-of-scope hand-over and latency.
"""

from __future__ import annotations

import csv
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from nara.selfservice.calibration import (
    Curve,
    OperatingPoint,
    at_threshold,
    point_for_precision,
    precision_at_coverage,
)
from nara.selfservice.model import OOS, Model, Prediction
from nara.selfservice.scorecard import ANSWERABLE
from nara.selfservice.training import Config, Progress, train

COVERAGES = ("0.7", "0.8", "0.9")
PRECISIONS = ("0.95", "0.97", "0.99")
OOS_PRECISION = 0.99
WARM_UP = 20

Example = tuple[str, str]


class DataFileError(Exception):
    """A CSV that cannot be used; the message says why and names the file."""


def read_examples(path: Path, labels: tuple[str, ...] = ("category",)) -> list[Example]:
    """``(text, label)`` rows of a UTF-8 CSV with a ``text`` column and the first of
    ``labels`` its header has (``text,category`` for the benchmarks; ``nara selfservice
    import`` also takes ``text,topic``). The one reader of training data files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from exc
    if "\x00" in content:
        raise DataFileError(f"{path}: contains NUL bytes; is it a binary file?")
    return _parse(path, content, labels)


def _parse(path: Path, content: str, labels: tuple[str, ...]) -> list[Example]:
    reader = csv.reader(content.splitlines())
    expected = f"'text,{labels[0]}'"
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if not header:
            raise DataFileError(f"{path}: empty file; expected a header {expected}")
        label = next((name for name in labels if name in header), labels[0])
        missing = [c for c in ("text", label) if c not in header]
        if missing:
            raise DataFileError(
                f"{path}: missing column(s) {', '.join(missing)}; expected a header "
                f"{expected}, found {','.join(header)!r}"
            )
        text_at, category_at = header.index("text"), header.index(label)
        rows = [
            _row(path, reader.line_num, fields, text_at, category_at)
            for fields in reader
            if any(f.strip() for f in fields)
        ]
    except csv.Error as exc:
        raise DataFileError(
            f"{path}: not a valid CSV file (line {reader.line_num}: {exc})"
        ) from exc
    if not rows:
        raise DataFileError(f"{path}: no data rows after the header")
    return rows


def _row(path: Path, line: int, fields: list[str], text_at: int, category_at: int) -> Example:
    if len(fields) <= max(text_at, category_at):
        raise DataFileError(f"{path}: line {line}: expected {max(text_at, category_at) + 1} fields")
    text, category = fields[text_at].strip(), fields[category_at].strip()
    if not text or not category:
        raise DataFileError(f"{path}: line {line}: empty text or category")
    return text, category


def sample_shots(examples: list[Example], shots: int, seed: int) -> list[Example]:
    """``shots`` examples per category (all of a smaller one), drawn with ``seed``. The
    out-of-scope rows count as one category: a new organisation has few of those too."""
    by_category: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_category[example[1]].append(example)
    rng = random.Random(seed)  # noqa: S311 - sampling, not security
    chosen: list[Example] = []
    for category in sorted(by_category):
        rows = by_category[category]
        chosen += rng.sample(rows, min(shots, len(rows)))
    return chosen


@dataclass(frozen=True)
class Scored:
    """Predictions for the test rows and how long each took."""

    predictions: list[Prediction]
    seconds: list[float]


def predict_all(model: Model, texts: list[str], progress: Progress | None = None) -> Scored:
    """Each text alone through ``Model.predict`` on one CPU thread, after a warm-up."""
    predictions: list[Prediction] = []
    seconds: list[float] = []
    with threadpool_limits(limits=1):
        for text in texts[:WARM_UP]:
            model.predict(text)
        for i, text in enumerate(texts, 1):
            start = time.perf_counter()
            predictions.append(model.predict(text))
            seconds.append(time.perf_counter() - start)
            if progress is not None and (i % 250 == 0 or i == len(texts)):
                progress("predicting", i, len(texts))
    return Scored(predictions, seconds)


def curve_of(predictions: list[Prediction], truth: list[str]) -> Curve:
    return Curve(
        confidence=np.array([p.confidence for p in predictions], dtype=np.float64),
        correct=np.array([p.label == t for p, t in zip(predictions, truth, strict=True)]),
        in_scope=np.array([t != OOS for t in truth]),
        answerable=np.array([p.reason in ANSWERABLE for p in predictions]),
    )


def top_label(prediction: Prediction) -> str:
    if prediction.reason == "out_of_scope":
        return OOS
    return prediction.label or ""


def evaluate(
    train_rows: list[Example],
    test_rows: list[Example],
    *,
    progress: Progress | None = None,
    threads: int | None = None,
    config: Config | None = None,
) -> dict[str, Any]:
    """Train on ``train_rows``, evaluate on ``test_rows``; the contract's JSON object."""
    start = time.perf_counter()
    model = train(train_rows, progress=progress, threads=threads, config=config)
    train_seconds = time.perf_counter() - start
    truth = [category for _, category in test_rows]
    scored = predict_all(model, [text for text, _ in test_rows], progress)
    return {
        "n_train": model.n_examples,
        "n_test": len(test_rows),
        **quality(scored.predictions, truth),
        "latency_ms": latency(scored.seconds),
        "train_seconds": round(train_seconds, 2),
        "model_version": model.version,
        "engine_operating_points": engine_points(model, curve_of(scored.predictions, truth)),
    }


def quality(predictions: list[Prediction], truth: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and the precision/coverage figures of the contract."""
    curve = curve_of(predictions, truth)
    predicted = [top_label(p) for p in predictions]
    in_scope = [i for i, t in enumerate(truth) if t != OOS]
    topics = sorted({truth[i] for i in in_scope})
    accuracy = float(np.mean([predicted[i] == truth[i] for i in in_scope])) if in_scope else None
    macro_f1 = (
        float(f1_score(truth, predicted, labels=topics, average="macro", zero_division=0))
        if topics
        else None
    )
    strict = point_for_precision(curve, OOS_PRECISION)
    return {
        "accuracy": _round(accuracy),
        "macro_f1": _round(macro_f1),
        "precision_at_coverage": {
            c: _round(precision_at_coverage(curve, float(c))) for c in COVERAGES
        },
        "coverage_at_precision": {
            p: _round(point_for_precision(curve, float(p)).coverage) for p in PRECISIONS
        },
        "oos_abstain_rate": _round(strict.oos_abstain_rate),
    }


def engine_points(model: Model, curve: Curve) -> dict[str, Any]:
    """The engine's own thresholds (chosen on its training folds) applied to the test
    rows: what a deployment would really get, next to what training expected."""
    out: dict[str, Any] = {}
    for target in PRECISIONS:
        expected = model.operating_point(float(target))
        realised = at_threshold(curve, expected.threshold)
        out[target] = {
            "threshold": None if np.isinf(expected.threshold) else _round(expected.threshold),
            "expected": _point(expected),
            "test": _point(realised),
        }
    return out


def _point(point: OperatingPoint) -> dict[str, float | None]:
    return {
        "precision": _round(point.precision),
        "coverage": _round(point.coverage),
        "oos_abstain_rate": _round(point.oos_abstain_rate),
    }


def latency(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds or [0.0]) * 1000.0
    return {
        "p50": round(float(np.percentile(ms, 50)), 2),
        "p95": round(float(np.percentile(ms, 95)), 2),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
