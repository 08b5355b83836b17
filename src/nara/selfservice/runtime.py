"""The bridge between the trained engine and the rest of Nära: a stored model's bytes
become a ``Predictor`` that the conversation domain asks."""

from __future__ import annotations

import importlib

from nara.domain.selfservice import Candidate, Prediction, Predictor


class EnginePredictor:
    """Adapts the engine's own prediction to the domain's ``Prediction``."""

    def __init__(self, model: object) -> None:
        self.model = model

    def predict(self, text: str) -> Prediction:
        raw = self.model.predict(text)  # type: ignore[attr-defined]
        return Prediction(
            candidates=[Candidate(str(c.label), float(c.probability)) for c in raw.candidates],
            confidence=float(raw.confidence),
            answer=bool(raw.answer),
            model_version=str(self.model.version),  # type: ignore[attr-defined]
        )


def load_predictor(blob: bytes) -> Predictor:
    # Imported on first use: the engine pulls in numpy, scikit-learn and the embedding
    # model, which the rest of the app (and the CLI) should not pay for at start-up.
    engine = importlib.import_module("nara.selfservice.engine")
    return EnginePredictor(engine.Model.from_bytes(blob))
