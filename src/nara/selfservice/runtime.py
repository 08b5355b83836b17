"""The bridge between the trained engine and the rest of Nära: a stored model's bytes
become a ``Predictor`` that the conversation domain asks, at the organisation's chosen
precision target."""

from __future__ import annotations

import importlib
from typing import Any

from nara.selfservice.predictions import Candidate, Prediction, Predictor


class EnginePredictor:
    """Adapts the engine's own prediction to the domain's ``Prediction``."""

    def __init__(self, model: Any, precision_target: float) -> None:
        self.model = model
        self.precision_target = precision_target

    def predict(self, text: str) -> Prediction:
        raw = self.model.predict(text, precision_target=self.precision_target)
        return Prediction(
            candidates=[Candidate(str(c.label), float(c.probability)) for c in raw.candidates],
            confidence=float(raw.confidence),
            answer=bool(raw.answer),
            model_version=str(raw.model_version),
        )


def engine() -> Any:
    """The engine module, imported on first use: it pulls in numpy, scikit-learn and the
    embedding model, which the rest of the app (and the CLI) should not pay for."""
    return importlib.import_module("nara.selfservice.engine")


_ONE_THREAD: list[Any] = []


def _one_thread_per_answer() -> None:
    """Answering runs on one thread (OpenMP and BLAS) in this process, once set: a web
    worker answers many questions side by side, and the embedding engine's own thread
    pool fought with them (0.3-5 s a question on a busy machine instead of 55 ms).
    Training sets its own limits for its duration."""
    if not _ONE_THREAD:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        _ONE_THREAD.append(threadpool_limits(limits=1))


def load_predictor(blob: bytes, precision_target: float) -> Predictor:
    predictor = EnginePredictor(engine().Model.from_bytes(blob), precision_target)
    _one_thread_per_answer()
    return predictor
