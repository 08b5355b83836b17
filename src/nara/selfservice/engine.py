"""The engine's public API for the rest of Nära (import this module lazily: it loads
numpy, scikit-learn and the embedding engine).

    from nara.selfservice.engine import Model, train

    model = train([(text, topic), ...], precision_target=0.97, progress=callback)
    prediction = model.predict("Mitt kort har inte kommit")
    prediction.answer, prediction.label, prediction.confidence, prediction.candidates
    model.version; model.operating_point(0.97).coverage
    blob = model.to_bytes(); Model.from_bytes(blob)

The training label ``"oos"`` (:data:`OOS`) marks out-of-scope questions; the model
never answers with it.
"""

from nara.selfservice.calibration import OperatingPoint
from nara.selfservice.embeddings import EMBEDDER_NAME, get_embedder
from nara.selfservice.errors import (
    EmbeddingUnavailable,
    ModelFormatError,
    SelfServiceError,
    TrainingDataError,
)
from nara.selfservice.model import DEFAULT_PRECISION, OOS, Candidate, Model, Prediction
from nara.selfservice.training import Config, Progress, available_cores, train

__all__ = [
    "DEFAULT_PRECISION",
    "EMBEDDER_NAME",
    "OOS",
    "Candidate",
    "Config",
    "EmbeddingUnavailable",
    "Model",
    "ModelFormatError",
    "OperatingPoint",
    "Prediction",
    "Progress",
    "SelfServiceError",
    "TrainingDataError",
    "available_cores",
    "get_embedder",
    "train",
]
