"""The neighbour vote and the confidence model: the pieces that decide which topic the
engine would answer with and how sure it is, on numbers built here; and that a model
stored before they existed still loads and answers as it did."""

from __future__ import annotations

import numpy as np
import pytest

from nara.selfservice import neighbours
from nara.selfservice.confidence import (
    FEATURES,
    ConfidenceModel,
    blend,
    cross_fitted,
    features,
    fit_confidence,
    row_weights,
    top_topic,
)
from nara.selfservice.engine import Model, ModelFormatError, train
from nara.selfservice.model import summarise
from nara.selfservice.neighbours import keep, out_of_fold, vote


def unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


REFERENCE = unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.95, 0.05], [0, 0, 1]])
LABELS = np.array([0, 0, 1, 1, 2], dtype=np.intp)


# --- the neighbour vote ------------------------------------------------------------------


def test_the_closest_questions_vote_for_their_topic() -> None:
    shares = vote(unit([[1, 0.05, 0], [0.02, 1, 0.01]]), REFERENCE, LABELS, 3, k=2, tau=0.02)
    assert shares.argmax(axis=1).tolist() == [0, 1]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert shares[0, 0] > 0.99  # both neighbours agree


def test_a_closer_neighbour_weighs_more() -> None:
    # between topic 0 and topic 2, a little nearer to topic 2
    shares = vote(unit([[0.9, 0, 1]]), REFERENCE, LABELS, 3, k=2, tau=0.02)
    assert shares[0, 2] > shares[0, 0] > 0.0


def test_k_larger_than_the_reference_and_an_empty_reference() -> None:
    shares = vote(unit([[1, 0, 0]]), REFERENCE, LABELS, 3, k=50, tau=0.02)
    assert shares.argmax() == 0 and np.isclose(shares.sum(), 1.0)
    empty = vote(unit([[1, 0, 0]]), REFERENCE[:0], LABELS[:0], 3, k=10, tau=0.02)
    assert np.allclose(empty, 1 / 3)


def test_out_of_fold_votes_never_see_the_row_itself() -> None:
    # each row alone in its fold: the only exact match is itself, so the vote must come
    # from the others (row 4, topic 2, has no other example of its topic)
    held_out = out_of_fold(REFERENCE, LABELS, np.arange(5), 3, k=1, tau=0.02)
    assert held_out[4, 2] == 0.0
    assert held_out[0].argmax() == 0  # its paraphrase, row 1


def test_the_kept_vote_is_sampled_over_every_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neighbours, "MAX_ROWS", 40)
    rng = np.random.default_rng(1)
    embedding = rng.normal(size=(200, 3)).astype(np.float32)
    labels = np.r_[np.zeros(190), np.ones(10)].astype(np.intp)
    kept = keep(embedding, labels, 2, k=10, tau=0.02)
    assert len(kept.labels) <= 40
    assert set(kept.labels.tolist()) == {0, 1}
    assert kept.embedding.dtype == np.float32
    # stored at float16 precision: what is kept is what a stored model gets back
    assert np.array_equal(kept.embedding, kept.embedding.astype(np.float16).astype(np.float32))


# --- the confidence model ------------------------------------------------------------------


def synthetic_signals(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Signals where being right depends on the first one (the linear probability)."""
    rng = np.random.default_rng(seed)
    signals = rng.normal(size=(n, len(FEATURES)))
    correct = rng.random(n) < 1 / (1 + np.exp(-3 * signals[:, 0]))
    return signals, correct


def test_the_confidence_model_learns_what_predicts_a_right_answer() -> None:
    signals, correct = synthetic_signals(2000)
    model = fit_confidence(signals, correct)
    assert model is not None
    low, high = signals.copy()[:1], signals.copy()[:1]
    low[0, 0], high[0, 0] = -2.0, 2.0
    assert model(high)[0] > 0.9 > 0.1 > model(low)[0]
    held_out = cross_fitted(signals, correct, np.arange(2000) % 5)
    assert held_out is not None and held_out.shape == (2000,)
    assert ((held_out > 0.5) == correct).mean() > 0.75


def test_out_of_scope_rows_weigh_as_much_as_the_rest_together() -> None:
    weights = row_weights(np.array([True, False, False, False, True, False]))
    assert weights.tolist() == [2.0, 1.0, 1.0, 1.0, 2.0, 1.0]
    assert row_weights(np.zeros(3, dtype=bool)).tolist() == [1.0, 1.0, 1.0]
    assert row_weights(np.ones(2, dtype=bool)).tolist() == [1.0, 1.0]
    # weighted, the few rows that look out of scope pull the confidence down more
    rng = np.random.default_rng(3)
    signals = rng.normal(size=(400, len(FEATURES)))
    out = np.zeros(400, dtype=bool)
    out[:20] = True
    signals[out, 9] += 2.0  # their out-of-scope score is high, and they are all wrong
    correct = ~out & (rng.random(400) < 0.9)
    plain = fit_confidence(signals, correct)
    weighted = fit_confidence(signals, correct, row_weights(out))
    assert plain is not None and weighted is not None
    assert weighted(signals[out]).mean() < plain(signals[out]).mean()


def test_nothing_to_learn_from_gives_no_confidence_model() -> None:
    signals, _ = synthetic_signals(100)
    assert fit_confidence(signals, np.ones(100, dtype=bool)) is None
    assert fit_confidence(signals, np.zeros(100, dtype=bool)) is None
    assert fit_confidence(signals[:5], np.array([True, False, True, False, True])) is None
    # a fold whose other rows are all right cannot be fitted: no cross-fitted figures
    correct = np.ones(100, dtype=bool)
    correct[:3] = False
    assert cross_fitted(signals, correct, (np.arange(100) >= 3).astype(np.intp)) is None


def test_the_confidence_model_round_trips_and_refuses_a_wrong_shape() -> None:
    signals, correct = synthetic_signals(500)
    model = fit_confidence(signals, correct)
    assert model is not None
    again = ConfidenceModel.from_arrays(model.arrays())
    assert again is not None and np.array_equal(again(signals), model(signals))
    assert ConfidenceModel.from_arrays({}) is None
    broken = {**model.arrays(), "confidence_coef": np.zeros(3)}
    with pytest.raises(ValueError, match="features"):
        ConfidenceModel.from_arrays(broken)


def test_a_pasted_page_does_not_look_surer_than_its_first_600_characters() -> None:
    linear = np.array([[0.6, 0.4], [0.6, 0.4]])
    rows = features(linear, linear, linear, np.array([0, 0]), np.array([600.0, 20_000.0]), None)
    assert np.array_equal(rows[0], rows[1])


def test_signals_describe_the_blended_top_topic() -> None:
    linear = np.array([[0.7, 0.2, 0.1], [0.3, 0.1, 0.6]])  # class 2 is out-of-scope
    neighbour = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    blended = blend(linear, neighbour, 0.5)
    top = top_topic(blended, np.array([0, 1]))
    assert top.tolist() == [0, 1]  # the out-of-scope column is never the topic
    rows = features(linear, neighbour, blended, top, np.array([10.0, 200.0]), oos=2)
    named = dict(zip(FEATURES, rows.T, strict=True))
    assert named["linear_agrees"].tolist() == [1.0, 0.0]
    assert named["neighbour_agrees"].tolist() == [1.0, 1.0]
    assert np.allclose(named["neighbour_p"], [1.0, 1.0])
    assert np.allclose(np.exp(named["log_out_of_scope"]), [0.1, 0.6], atol=1e-6)
    # a row the blend sends out of scope is not answerable, whatever its confidence
    curve = summarise(blended, np.array([0, 2]), 2, confidence=np.array([0.9, 0.99]))
    assert curve.answerable.tolist() == [True, True]
    sure_oos = blend(np.array([[0.05, 0.05, 0.9]]), np.array([[0.0, 0.0, 1.0]]), 0.35)
    assert not summarise(sure_oos, np.array([2]), 2).answerable[0]


# --- the engine with both ----------------------------------------------------------------

DATA = [
    ("My card has not arrived yet", "card"),
    ("Where is my new bank card?", "card"),
    ("still waiting for my debit card", "card"),
    ("Mitt kort har inte kommit", "card"),
    ("How do I change my PIN code?", "pin"),
    ("I forgot my PIN, how do I reset it", "pin"),
    ("change the four digit code of my card", "pin"),
    ("Hur byter jag pinkod?", "pin"),
    ("I have moved, how do I update my address?", "address"),
    ("Change the postal address on my account", "address"),
    ("my address is wrong in your system", "address"),
    ("Jag har flyttat, ny adress", "address"),
    ("What's the weather tomorrow?", "oos"),
    ("Tell me a joke", "oos"),
    ("Who won the football match?", "oos"),
]


@pytest.fixture(scope="module")
def trained() -> Model:
    return train(DATA, threads=1)


def test_a_trained_model_keeps_its_neighbours_and_stores_them(trained: Model) -> None:
    assert trained.neighbours is not None
    assert len(trained.neighbours.labels) == len(DATA)
    assert trained.neighbour_weight == pytest.approx(0.35)
    again = Model.from_bytes(trained.to_bytes())
    assert again.neighbours is not None
    assert np.array_equal(again.neighbours.embedding, trained.neighbours.embedding)
    prediction = trained.predict("my card never came")
    assert prediction.label == "card"
    assert 0.0 <= prediction.confidence <= 1.0
    assert again.predict("my card never came") == prediction


def test_a_model_stored_before_the_vote_still_answers_as_it_did(trained: Model) -> None:
    old = Model(
        labels=trained.labels,
        features=trained.features,
        weights=trained.weights,
        scale=trained.scale,
        curve=trained.curve,
        settings=trained.settings,
        precision_target=trained.precision_target,
        version="ss1-0123456789ab",
        n_examples=trained.n_examples,
    )
    blob = old.to_bytes()
    assert b"neighbour_embedding" not in blob and b"confidence_coef" not in blob
    again = Model.from_bytes(blob)
    assert again.neighbours is None and again.confidence is None
    prediction = again.predict("my card never came")
    # without the vote and the confidence model, confidence is the linear probability
    assert prediction.confidence == pytest.approx(prediction.candidates[0].probability)
    assert prediction.label == "card"


def test_a_damaged_neighbour_vote_is_refused(trained: Model) -> None:
    from nara.selfservice import storage

    header, arrays = storage.unpack(trained.to_bytes())
    header = {k: v for k, v in header.items() if k != "format"}
    labels = arrays["neighbour_labels"]
    embedding = arrays["neighbour_embedding"]
    for name, broken in [
        ("neighbour_labels", labels[:-1]),
        ("neighbour_labels", labels - 1),  # a negative class index
        ("neighbour_labels", labels + len(trained.labels)),
        ("neighbour_embedding", embedding[:, :-1]),
    ]:
        with pytest.raises(ModelFormatError, match="neighbour"):
            Model.from_bytes(storage.pack(header, {**arrays, name: broken}))
    for settings in ({"k": 0}, {"tau": 0.0}, {"tau": -1.0}, {"weight": float("nan")},
                     {"weight": 1.5}):  # fmt: skip
        bad = {**header, "neighbours": {**header["neighbours"], **settings}}
        with pytest.raises(ModelFormatError, match="neighbour"):
            Model.from_bytes(storage.pack(bad, arrays))
    fitted = fit_confidence(*synthetic_signals(300))
    assert fitted is not None
    for name, value in (("confidence_scale", 0.0), ("confidence_coef", np.nan)):
        broken = fitted.arrays()
        broken[name] = broken[name].copy()
        broken[name][0] = value
        with pytest.raises(ModelFormatError, match="confidence"):
            Model.from_bytes(storage.pack(header, {**arrays, **broken}))
    short = np.zeros(len(FEATURES) - 1)
    damaged = {**arrays, "confidence_mean": short, "confidence_scale": short + 1,
               "confidence_coef": short, "confidence_intercept": np.zeros(1)}  # fmt: skip
    with pytest.raises(ModelFormatError, match="confidence"):
        Model.from_bytes(storage.pack(header, damaged))
