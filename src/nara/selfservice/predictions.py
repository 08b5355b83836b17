"""What the engine answers about a question, as the rest of Nära sees it (light: no
numpy or model imports, so domain and queries can name these types)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Candidate:
    label: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    candidates: list[Candidate]
    confidence: float
    answer: bool  # the engine is sure enough at its operating point
    model_version: str


class Predictor(Protocol):
    def predict(self, text: str) -> Prediction: ...
