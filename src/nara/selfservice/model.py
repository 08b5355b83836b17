"""The trained model: predicts a topic with calibrated confidence and knows when to
abstain. Built by :func:`nara.selfservice.training.train`."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from nara.selfservice import storage
from nara.selfservice.calibration import Curve, OperatingPoint, point_for_precision, softmax
from nara.selfservice.classifier import LinearWeights, Settings
from nara.selfservice.confidence import ConfidenceModel, blend, features, top_topic
from nara.selfservice.embeddings import EMBEDDER_NAME, get_embedder
from nara.selfservice.errors import ModelFormatError
from nara.selfservice.features import LexicalFeatures
from nara.selfservice.neighbours import NeighbourVote
from nara.selfservice.text import normalise, parts, words

OOS = "oos"
"""The training label of out-of-scope questions (not one of the organisation's topics)."""
DEFAULT_PRECISION = 0.97
TOP_CANDIDATES = 5


class Embedder(Protocol):
    name: str
    dim: int

    def embed_one(self, text: str) -> NDArray[np.float32]: ...


@dataclass(frozen=True)
class Candidate:
    label: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    """One question's outcome. ``confidence`` is the probability that ``label`` is the
    right topic (from the confidence model; ``candidates`` carry the blended topic
    probabilities). ``answer`` is true when ``confidence`` reaches ``threshold`` and the
    question does not look out-of-scope. ``reason`` is ``"confident"``,
    ``"low_confidence"``, ``"out_of_scope"``, ``"several_topics"`` (the message joins
    questions of which one alone is confidently another topic) or ``"no_words"``."""

    label: str | None
    confidence: float
    answer: bool
    reason: str
    threshold: float
    out_of_scope: float
    candidates: tuple[Candidate, ...]
    model_version: str


class Model:
    """A trained self-service model; immutable, thread-safe to share."""

    def __init__(
        self,
        *,
        labels: tuple[str, ...],
        features: LexicalFeatures,
        weights: LinearWeights,
        scale: float,
        curve: Curve,
        settings: Settings,
        precision_target: float,
        version: str,
        n_examples: int,
        embedder: Embedder | None = None,
        neighbours: NeighbourVote | None = None,
        neighbour_weight: float = 0.0,
        confidence: ConfidenceModel | None = None,
    ) -> None:
        self.labels = labels
        self.features = features
        self.weights = weights
        self.scale = scale
        self.curve = curve
        self.settings = settings
        self.precision_target = precision_target
        self.version = version
        self.n_examples = n_examples
        self._embedder = embedder
        self.neighbours = neighbours
        self.neighbour_weight = neighbour_weight if neighbours is not None else 0.0
        self.confidence = confidence
        self._oos = labels.index(OOS) if OOS in labels else None
        self._in_scope = np.array([i for i in range(len(labels)) if i != self._oos], dtype=np.intp)
        self._default = self.operating_point(precision_target)

    @property
    def topics(self) -> tuple[str, ...]:
        """The in-scope labels the model can answer with."""
        return tuple(self.labels[i] for i in self._in_scope)

    @property
    def threshold(self) -> float:
        """The confidence threshold for the model's precision target (``inf``: never)."""
        return self._default.threshold

    def operating_point(self, precision: float) -> OperatingPoint:
        """Threshold, expected precision, coverage (share of in-scope questions answered)
        and out-of-scope hand-over rate for a precision target, as measured on
        held-out folds of the training data."""
        if not 0.0 < precision <= 1.0:
            raise ValueError("precision must be in (0, 1]")
        return point_for_precision(self.curve, precision)

    def predict(self, text: str, *, precision_target: float | None = None) -> Prediction:
        """Topic, confidence, ranked candidates and whether to answer, for raw ``text``."""
        threshold = self.threshold
        if precision_target is not None:
            threshold = self.operating_point(precision_target).threshold
        if not words(normalise(text)):
            return self._no_words(threshold)
        blended, top, confidence = self._score(text)
        prediction = self._prediction(blended, top, confidence, threshold)
        if prediction.answer and self.other_topic_confidence(text, self.labels[top]) >= threshold:
            return replace(prediction, answer=False, reason="several_topics")
        return prediction

    def _score(self, text: str) -> tuple[NDArray[np.float64], int, float]:
        """The blended probabilities, the top in-scope topic and its confidence."""
        embedder = self._embedder or get_embedder()
        lexical = self.features.transform([text])
        embedding = embedder.embed_one(text)
        linear = softmax(self.weights.decision(lexical, embedding), self.scale)
        if self.neighbours is not None:
            neighbour = self.neighbours.probs(embedding)
            blended = blend(linear, neighbour, self.neighbour_weight)
        else:
            neighbour = blended = linear
        top = top_topic(blended, self._in_scope)
        if self.confidence is not None:
            lengths = np.array([len(text.strip())], dtype=np.float64)
            signals = features(linear, neighbour, blended, top, lengths, self._oos)
            confidence = float(self.confidence(signals)[0])
        else:
            confidence = float(blended[0, top[0]])
        return blended[0], int(top[0]), confidence

    def other_topic_confidence(self, text: str, label: str | None) -> float:
        """Several questions in one message ("… and also …", "…? …"): the highest
        confidence with which one of them, on its own, is another topic than ``label``
        (0 when the message is one question). At the threshold or above, a person takes
        over rather than the customer getting half an answer."""
        pieces = parts(text)
        if len(pieces) < 2 or not words(normalise(text)):
            return 0.0
        highest = 0.0
        for piece in pieces:
            probs, top, confidence = self._score(piece)
            out_of_scope = self._oos is not None and probs[self._oos] > probs[top]
            if self.labels[top] != label and not out_of_scope:
                highest = max(highest, confidence)
        return highest

    def _prediction(
        self, probs: NDArray[np.float64], top: int, confidence: float, threshold: float
    ) -> Prediction:
        """``probs``: the blended topic probabilities; ``confidence``: the probability
        that ``top`` is right, on which the threshold is applied."""
        ranked = self._in_scope[np.argsort(-probs[self._in_scope], kind="stable")]
        oos = float(probs[self._oos]) if self._oos is not None else 0.0
        out_of_scope = oos > float(probs[top])
        answer = not out_of_scope and confidence >= threshold
        reason = "out_of_scope" if out_of_scope else "confident" if answer else "low_confidence"
        return Prediction(
            label=self.labels[top],
            confidence=confidence,
            answer=answer,
            reason=reason,
            threshold=threshold,
            out_of_scope=oos,
            candidates=tuple(
                Candidate(self.labels[i], float(probs[i])) for i in ranked[:TOP_CANDIDATES]
            ),
            model_version=self.version,
        )

    def _no_words(self, threshold: float) -> Prediction:
        return Prediction(
            label=None,
            confidence=0.0,
            answer=False,
            reason="no_words",
            threshold=threshold,
            out_of_scope=0.0,
            candidates=(),
            model_version=self.version,
        )

    def to_bytes(self) -> bytes:
        """A self-contained, pickle-free serialisation (store it in the database)."""
        lexical_meta, lexical_arrays = self.features.state()
        header: dict[str, Any] = {
            "embedder": EMBEDDER_NAME,
            "labels": list(self.labels),
            "scale": self.scale,
            "c": self.settings.c,
            "embedding_weight": self.settings.embedding_weight,
            "precision_target": self.precision_target,
            "version": self.version,
            "n_examples": self.n_examples,
            **lexical_meta,
        }
        if self.neighbours is not None:
            header["neighbours"] = {
                "k": self.neighbours.k,
                "tau": self.neighbours.tau,
                "weight": self.neighbour_weight,
            }
        arrays = {
            **lexical_arrays,
            "coef_lexical": self.weights.lexical.astype(np.float16),
            "coef_embedding": self.weights.embedding.astype(np.float16),
            "intercept": self.weights.intercept,
            "oof_confidence": self.curve.confidence,
            "oof_correct": self.curve.correct,
            "oof_in_scope": self.curve.in_scope,
            "oof_answerable": self.curve.answerable,
        }
        if self.neighbours is not None:
            arrays["neighbour_embedding"] = self.neighbours.embedding.astype(np.float16)
            arrays["neighbour_labels"] = self.neighbours.labels.astype(np.int32)
        if self.confidence is not None:
            arrays.update(self.confidence.arrays())
        return storage.pack(header, arrays)

    @classmethod
    def from_bytes(cls, data: bytes, *, embedder: Embedder | None = None) -> Model:
        """Rebuild a model stored with :meth:`to_bytes`; predictions are identical."""
        header, arrays = storage.unpack(data)
        try:
            return cls._rebuild(header, arrays, embedder)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelFormatError(f"damaged model: {exc}") from exc

    @classmethod
    def _rebuild(
        cls, header: dict[str, Any], arrays: dict[str, NDArray[Any]], embedder: Embedder | None
    ) -> Model:
        if header["embedder"] != EMBEDDER_NAME:
            raise ModelFormatError(f"model needs embedder {header['embedder']!r}")
        weights = LinearWeights(
            lexical=arrays["coef_lexical"].astype(np.float32),
            embedding=arrays["coef_embedding"].astype(np.float32),
            intercept=arrays["intercept"].astype(np.float32),
        )
        curve = Curve(
            confidence=arrays["oof_confidence"].astype(np.float64),
            correct=arrays["oof_correct"].astype(bool),
            in_scope=arrays["oof_in_scope"].astype(bool),
            answerable=arrays["oof_answerable"].astype(bool),
        )
        labels = tuple(str(label) for label in header["labels"])
        features = LexicalFeatures.from_state(header, arrays)
        if weights.lexical.shape != (len(labels), features.size):
            raise ModelFormatError("model weights do not match its vocabulary")
        neighbours = None
        if "neighbours" in header:  # models trained before the vote have none
            neighbours = NeighbourVote(
                embedding=arrays["neighbour_embedding"].astype(np.float32),
                labels=arrays["neighbour_labels"].astype(np.intp),
                n_classes=len(labels),
                k=int(header["neighbours"]["k"]),
                tau=float(header["neighbours"]["tau"]),
            )
            weight = float(header["neighbours"]["weight"])
            if not (
                neighbours.k >= 1
                and math.isfinite(neighbours.tau)
                and neighbours.tau > 0
                and math.isfinite(weight)
                and 0.0 <= weight <= 1.0
            ):
                raise ModelFormatError("the neighbour vote's settings are out of range")
            shape, found = neighbours.embedding.shape, neighbours.labels
            if (
                len(shape) != 2
                or shape[0] != len(found)
                or shape[1] != weights.embedding.shape[1]
                or (len(found) and (int(found.min()) < 0 or int(found.max()) >= len(labels)))
            ):
                raise ModelFormatError("the neighbour vote does not match the labels")
        return cls(
            labels=labels,
            features=features,
            weights=weights,
            scale=float(header["scale"]),
            curve=curve,
            settings=Settings(
                c=float(header["c"]), embedding_weight=float(header["embedding_weight"])
            ),
            precision_target=float(header["precision_target"]),
            version=str(header["version"]),
            n_examples=int(header["n_examples"]),
            embedder=embedder,
            neighbours=neighbours,
            neighbour_weight=float(header["neighbours"]["weight"]) if neighbours else 0.0,
            confidence=ConfidenceModel.from_arrays(arrays),
        )


def summarise(
    probs: NDArray[np.float64],
    truth: NDArray[np.intp],
    oos: int | None,
    *,
    confidence: NDArray[np.float64] | None = None,
) -> Curve:
    """The :class:`Curve` of held-out probabilities against true class indices;
    ``confidence`` (default: the top topic's probability) is what thresholds apply to."""
    in_scope_cols = np.array([i for i in range(probs.shape[1]) if i != oos], dtype=np.intp)
    top = top_topic(probs, in_scope_cols)
    top_probability = probs[np.arange(len(truth)), top]
    answerable = np.ones(len(truth), dtype=bool)
    if oos is not None:
        answerable = probs[:, oos] <= top_probability
    if confidence is None:
        confidence = top_probability
    return Curve(
        confidence=np.asarray(confidence, dtype=np.float64),
        correct=top == truth,
        in_scope=truth != oos if oos is not None else np.ones(len(truth), dtype=bool),
        answerable=answerable,
    )
