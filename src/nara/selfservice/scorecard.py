"""How a trained model does on questions written apart from its training data.

Cross-validation over an organisation's own examples flatters the engine: the folds hold
questions much like the ones it learnt from. An *evaluation set* (questions phrased the
way customers write, some about things the organisation has no topic for, never trained
on) shows what a precision setting really gives. For each setting:

- **answered precision**: answered questions whose topic was right / answered questions
  (an answered question without a topic is wrong);
- **coverage**: questions with a topic answered with the right one / questions with a
  topic;
- **out-of-scope hand-over**: questions without a topic not answered / such questions.

Figures are given in total, per language and for the held-out part. The result is plain
JSON, stored with the model (``selfservice_models.metrics["evaluation"]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from nara.selfservice.model import Model

Progress = Callable[[str, int, int], None]
ANSWERABLE = ("confident", "low_confidence", "several_topics")
"""Reasons of a prediction that a lower threshold could turn into an answer."""


@dataclass(frozen=True)
class Question:
    """One evaluation question: ``topic`` is the true topic (``None``: no topic, the
    right outcome is a hand-over); ``held_out`` marks the part kept out of sight while
    the training data was improved."""

    text: str
    lang: str
    topic: str | None
    held_out: bool = False


@dataclass(frozen=True)
class Outcome:
    """The model's answer to one question, before any threshold."""

    question: Question
    label: str | None
    confidence: float
    answerable: bool
    """False when the model would never answer (out of scope, no words)."""
    other_topic: float = 0.0
    """How confidently a part of the question is another topic (several questions in
    one message); at the threshold or above the model hands over."""

    def answered(self, threshold: float) -> bool:
        return self.answerable and self.confidence >= threshold and self.other_topic < threshold

    @property
    def right(self) -> bool:
        return self.question.topic is not None and self.label == self.question.topic


def predict(
    model: Model, questions: Sequence[Question], progress: Progress | None = None
) -> list[Outcome]:
    """Each question through ``Model.predict`` (one CPU thread, as in the app)."""
    outcomes: list[Outcome] = []
    with threadpool_limits(limits=1):
        for done, question in enumerate(questions, 1):
            prediction = model.predict(question.text)
            answerable = prediction.reason in ANSWERABLE
            outcomes.append(
                Outcome(
                    question=question,
                    label=prediction.label,
                    confidence=prediction.confidence,
                    answerable=answerable,
                    other_topic=(
                        model.other_topic_confidence(question.text, prediction.label)
                        if answerable
                        else 0.0
                    ),
                )
            )
            if progress is not None and (done % 25 == 0 or done == len(questions)):
                progress("evaluating", done, len(questions))
    return outcomes


def figures(outcomes: Iterable[Outcome], threshold: float) -> dict[str, Any]:
    """Answered precision, coverage and out-of-scope hand-over at ``threshold`` (``None``
    where there is nothing to divide by), with the counts behind them."""
    rows = list(outcomes)
    in_scope = [o for o in rows if o.question.topic is not None]
    no_topic = [o for o in rows if o.question.topic is None]
    answered = [o for o in rows if o.answered(threshold)]
    right = sum(1 for o in answered if o.right)
    handed_over = sum(1 for o in no_topic if not o.answered(threshold))
    return {
        "questions": len(rows),
        "in_scope": len(in_scope),
        "no_topic": len(no_topic),
        "answered": len(answered),
        "answered_right": right,
        "precision": _ratio(right, len(answered)),
        "coverage": _ratio(right, len(in_scope)),
        "oos_handover": _ratio(handed_over, len(no_topic)),
    }


def scorecard(
    model: Model, outcomes: Sequence[Outcome], targets: Sequence[float]
) -> dict[str, Any]:
    """The figures at each precision target's threshold (as the model chose it on its
    training data): in total, per language and for the held-out part."""
    langs = sorted({o.question.lang for o in outcomes})
    parts: dict[str, list[Outcome]] = {"all": list(outcomes)}
    parts.update({lang: [o for o in outcomes if o.question.lang == lang] for lang in langs})
    held_out = [o for o in outcomes if o.question.held_out]
    if held_out:
        parts["held_out"] = held_out
    by_target: dict[str, Any] = {}
    for target in targets:
        threshold = model.operating_point(target).threshold
        by_target[f"{target:g}"] = {name: figures(rows, threshold) for name, rows in parts.items()}
    return {"model_version": model.version, "targets": by_target}


def evaluate(
    model: Model,
    questions: Sequence[Question],
    targets: Sequence[float],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Predict every question once and read the figures off at every target."""
    return scorecard(model, predict(model, questions, progress), targets)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
