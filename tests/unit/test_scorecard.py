"""The evaluation-set figures: answered precision, coverage, out-of-scope hand-over."""

from __future__ import annotations

from dataclasses import dataclass

from nara.selfservice.scorecard import Question, evaluate


@dataclass(frozen=True)
class _Point:
    threshold: float


@dataclass(frozen=True)
class _Prediction:
    label: str | None
    confidence: float
    reason: str


class _Model:
    """Answers from a table: text → (label, confidence, reason)."""

    version = "test-1"

    def __init__(self, table: dict[str, tuple[str | None, float, str]]) -> None:
        self.table = table

    def predict(self, text: str) -> _Prediction:
        return _Prediction(*self.table[text])

    def other_topic_confidence(self, text: str, label: str | None) -> float:
        return 0.96 if text == "right and sure" else 0.0  # a second question in it

    def operating_point(self, precision: float) -> _Point:
        return _Point({0.9: 0.5, 0.99: 0.95}[precision])


QUESTIONS = [
    Question("right and sure", "sv", "kort", held_out=True),
    Question("right, unsure", "sv", "kort"),
    Question("right, other part unsure", "sv", "kort"),
    Question("wrong and sure", "en", "swish"),
    Question("not ours, answered", "sv", None, held_out=True),
    Question("not ours, out of scope", "en", None),
    Question("no words", "sv", None),
]
TABLE = {
    "right and sure": ("kort", 0.99, "confident"),
    "right, unsure": ("kort", 0.6, "low_confidence"),
    "wrong and sure": ("kort", 0.97, "confident"),
    "not ours, answered": ("swish", 0.7, "confident"),
    "right, other part unsure": ("kort", 0.99, "several_topics"),
    "not ours, out of scope": ("kort", 0.99, "out_of_scope"),
    "no words": (None, 0.0, "no_words"),
}


def test_figures_per_target_language_and_held_out_part() -> None:
    seen: list[int] = []
    result = evaluate(
        _Model(TABLE),
        QUESTIONS,
        [0.9, 0.99],  # type: ignore[arg-type]
        lambda stage, done, total: seen.append(done),
    )
    assert result["model_version"] == "test-1" and seen[-1] == len(QUESTIONS)
    loose = result["targets"]["0.9"]
    assert loose["all"] == {
        "questions": 7,
        "in_scope": 4,
        "no_topic": 3,
        "answered": 4,
        "answered_right": 2,
        "precision": 0.5,
        "coverage": 0.5,
        "oos_handover": 0.6667,
    }
    assert loose["sv"]["precision"] == 0.6667 and loose["sv"]["oos_handover"] == 0.5
    assert loose["en"]["precision"] == 0.0 and loose["en"]["oos_handover"] == 1.0
    # a second question in "right and sure" is confidently another topic: handed over
    assert loose["held_out"] == {
        "questions": 2,
        "in_scope": 1,
        "no_topic": 1,
        "answered": 1,
        "answered_right": 0,
        "precision": 0.0,
        "coverage": 0.0,
        "oos_handover": 0.0,
    }
    strict = result["targets"]["0.99"]["all"]
    assert strict["answered"] == 2 and strict["precision"] == 0.5
    assert strict["coverage"] == 0.25 and strict["oos_handover"] == 1.0


def test_nothing_to_divide_by_gives_none() -> None:
    only_ours = [Question("right, unsure", "sv", "kort")]
    figures = evaluate(_Model(TABLE), only_ours, [0.99])["targets"]["0.99"]  # type: ignore[arg-type]
    assert figures["all"]["precision"] is None and figures["all"]["oos_handover"] is None
    assert figures["all"]["coverage"] == 0.0 and "held_out" not in figures
