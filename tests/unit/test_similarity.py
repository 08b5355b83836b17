"""The similarity maths of the outer loop: stored vectors, ranking, thresholds, the
text a case is embedded by, and duplicate suggestions (once with the real model)."""

from __future__ import annotations

import numpy as np
import pytest

from nara.improvements import similarity
from nara.improvements.similarity import (
    DUPLICATE_THRESHOLD,
    SUGGESTION_THRESHOLD,
    case_text,
    decode,
    embed_unique,
    encode,
    rank,
    similar_texts,
    text_hash,
)
from nara.selfservice.errors import EmbeddingUnavailable
from tests.similarity_fakes import WordEmbedder


def _unit(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    m = rng.normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_a_vector_is_stored_as_768_bytes_and_comes_back_within_float16_rounding() -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 50)
    blobs = [encode(v) for v in vectors]
    assert {len(b) for b in blobs} == {768}
    back = decode(blobs, 384)
    assert back.dtype == np.float32 and back.shape == (50, 384)
    assert np.allclose(np.linalg.norm(back, axis=1), 1.0, atol=1e-3)
    cosines = vectors @ vectors.T
    assert np.abs(back @ back.T - cosines).max() < 2e-3
    # Little-endian float16 whatever the machine.
    assert np.frombuffer(blobs[0], dtype="<f2")[0] == np.float16(vectors[0, 0])


def test_encode_normalises_and_decode_of_nothing_is_empty() -> None:
    assert np.allclose(decode([encode(np.array([3.0, 4.0]))], 2), [[0.6, 0.8]], atol=1e-3)
    assert decode([], 384).shape == (0, 384)
    assert decode([encode(np.zeros(4))], 4).tolist() == [[0.0, 0.0, 0.0, 0.0]]


def test_rank_keeps_what_reaches_the_threshold_best_first_ties_by_id() -> None:
    query = np.array([[1.0, 0.0]], dtype=np.float32)
    matrix = np.array(
        [[1.0, 0.0], [0.6, 0.8], [0.95, np.sqrt(1 - 0.95**2)], [0.6, 0.8], [0.92, 0.392]],
        dtype=np.float32,
    )
    ids = [10, 11, 12, 9, 13]
    assert rank(query, matrix, ids, threshold=0.92) == [(10, 1.0), (12, 0.95), (13, 0.92)]
    assert rank(query, matrix, ids, threshold=0.6) == [
        (10, 1.0),
        (12, 0.95),
        (13, 0.92),
        (9, 0.6),
        (11, 0.6),
    ]
    assert rank(query, matrix, ids, threshold=0.5, limit=2) == [(10, 1.0), (12, 0.95)]
    assert rank(query, matrix, ids, threshold=1.01) == []
    assert rank(query, matrix[:0], [], threshold=0.0) == []


def test_several_queries_score_a_candidate_by_its_best_match() -> None:
    queries = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    matrix = np.array([[0.0, 1.0], [0.7071, 0.7071]], dtype=np.float32)
    assert rank(queries, matrix, [1, 2], threshold=0.5) == [(1, 1.0), (2, 0.7071)]


def test_the_thresholds_are_the_measured_ones() -> None:
    # docs/improvements-similarity.md explains them; change both together.
    assert (SUGGESTION_THRESHOLD, DUPLICATE_THRESHOLD) == (0.92, 0.90)


def test_the_case_text_is_the_customers_first_words() -> None:
    assert case_text("Kortet", "Kortet har inte kommit") == "Kortet har inte kommit"
    assert case_text("Leverans", "Var är kortet?") == "Leverans\nVar är kortet?"
    assert case_text("Ämne", "", "") == "Ämne"
    assert case_text("Fråga", "Kund: hej\nNära (svar): …", "hej\nvar är kortet") == (
        "hej\nvar är kortet"
    )
    assert text_hash("a") != text_hash("b") and len(text_hash("a")) == 64


def test_each_distinct_text_is_embedded_once() -> None:
    embedder = WordEmbedder()
    vectors = embed_unique(embedder, ["a b", "c", "a b", "c", "a b"])
    assert embedder.calls == [["c", "a b"]]  # shortest first
    assert vectors.shape == (5, 384)
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[1], vectors[3])
    assert embed_unique(embedder, []).shape == (0, 384)


def test_similar_texts_with_a_fake_embedder_and_its_threshold() -> None:
    embedder = WordEmbedder()
    candidates = [
        (1, "card has not arrived in the post"),
        (2, "mortgage rate is too high"),
        (3, "the card has not arrived"),
        (4, "   "),
    ]
    found = similar_texts("my card has not arrived", candidates, 0.5, embedder=embedder)
    assert [i for i, _ in found] == [3, 1]
    assert all(score >= 0.5 for _, score in found)
    assert similar_texts("my card has not arrived", candidates, 0.99, embedder=embedder) == []
    assert similar_texts("", candidates, 0.1, embedder=embedder) == []
    assert similar_texts("x", [], 0.1, embedder=embedder) == []
    assert len(similar_texts("card", candidates, 0.0, embedder=embedder, limit=1)) == 1


def test_duplicate_candidates_are_embedded_once_per_process() -> None:
    embedder = WordEmbedder()
    candidates = [(1, "kortet har inte kommit fram"), (2, "räntan är för hög")]
    first = similar_texts("kortet kom inte", candidates, 0.0, embedder=embedder)
    candidates.append((3, "kortet kom aldrig fram"))
    second = similar_texts("kortet kom inte", candidates, 0.0, embedder=embedder)
    assert embedder.calls[-1] == ["kortet kom aldrig fram"]
    assert [i for i, _ in first] == [i for i, _ in second if i != 3]


def test_without_the_model_there_are_no_duplicate_suggestions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unavailable() -> WordEmbedder:
        raise EmbeddingUnavailable("no model here")

    monkeypatch.setattr(similarity, "default_embedder", unavailable)
    assert similar_texts("kortet har inte kommit", [(1, "kortet har inte kommit")]) == []


def test_duplicates_with_the_real_model() -> None:
    """Once with multilingual-e5-small: a reworded improvement on the same driver is
    offered, one about another driver of the same team is not."""
    candidates = [
        (
            1,
            "Kunder får inte sina nya bankkort. Kortet har inte kommit med posten efter "
            "två veckor och kunderna ringer och frågar var kortet är.",
        ),
        (2, "Bolåneräntan: kunder förstår inte varför räntan höjdes och ringer om räntebesked."),
    ]
    found = similar_texts(
        "Nya kort kommer inte fram. Kunder väntar på sitt bankkort som inte har kommit "
        "med posten och hör av sig om var kortet är.",
        candidates,
    )
    assert [i for i, _ in found] == [1]
    assert found[0][1] >= DUPLICATE_THRESHOLD
