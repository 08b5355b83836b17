"""Lexical features: TF-IDF over stemmed word n-grams and character n-grams.

The fitted state is plain data (vocabularies as lists of strings, idf weights as
arrays) so a model can be stored without pickle and rebuilt exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from nara.selfservice.text import normalise, stems

WORD_NGRAMS = 2
CHAR_NGRAMS = (2, 5)
CHAR_MIN_DF = 2


def word_ngrams(text: str) -> list[str]:
    """Stemmed words and stemmed word bigrams (``"card arriv"``)."""
    tokens = stems(text)
    grams = list(tokens)
    for n in range(2, WORD_NGRAMS + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=word_ngrams, sublinear_tf=True, vocabulary=vocabulary, dtype=np.float32
    )


def _char_vectorizer(min_df: int, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        preprocessor=normalise,
        lowercase=False,
        sublinear_tf=True,
        min_df=min_df,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


@dataclass
class LexicalFeatures:
    """Two fitted TF-IDF vectorisers whose outputs are stacked side by side."""

    word: TfidfVectorizer
    char: TfidfVectorizer

    @classmethod
    def fit(cls, texts: Sequence[str]) -> LexicalFeatures:
        word = _word_vectorizer().fit(texts)
        min_df = CHAR_MIN_DF if len(texts) >= 4 * CHAR_MIN_DF else 1
        char = _char_vectorizer(min_df).fit(texts)
        return cls(word=word, char=char)

    @property
    def size(self) -> int:
        return len(self.word.vocabulary_) + len(self.char.vocabulary_)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        blocks = [self.word.transform(texts), self.char.transform(texts)]
        return sp.csr_matrix(sp.hstack(blocks, format="csr", dtype=np.float32))

    def state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        """JSON-able vocabularies and the idf arrays."""
        meta = {"word_vocabulary": _ordered(self.word), "char_vocabulary": _ordered(self.char)}
        arrays = {
            "word_idf": np.asarray(self.word.idf_, dtype=np.float64),
            "char_idf": np.asarray(self.char.idf_, dtype=np.float64),
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, NDArray[Any]]) -> LexicalFeatures:
        word = _restore(_word_vectorizer(_index(meta["word_vocabulary"])), arrays["word_idf"])
        char = _restore(_char_vectorizer(1, _index(meta["char_vocabulary"])), arrays["char_idf"])
        return cls(word=word, char=char)


def _ordered(vectorizer: TfidfVectorizer) -> list[str]:
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    return terms


def _index(terms: list[str]) -> dict[str, int]:
    return {term: i for i, term in enumerate(terms)}


def _restore(vectorizer: TfidfVectorizer, idf: NDArray[Any]) -> TfidfVectorizer:
    vectorizer.fit(["-"])  # a fixed vocabulary: fitting only marks it as fitted
    vectorizer.idf_ = idf
    return vectorizer
