"""Text normalisation, tokenisation and Swedish/English stemming.

Everything here is a pure function of its input, so the same text always yields the
same features at training and at prediction time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

MAX_TEXT_CHARS = 2000
"""Longer questions are cut: the gist of a customer question is in its first lines."""

_TAG = re.compile(r"<[^>]{0,200}>")
_ENTITY = re.compile(r"&[#\w]{1,10};")
_URL = re.compile(r"https?://\S+|www\.\S+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")

_SWEDISH_WORDS = (
    "och att det som en på är av för med har jag inte till den om kan vi var ett så men"
    " mitt min mina du ni hur vad varför när kort konto fått kommit betalning pengar"
    " mig hej tack"
)
_ENGLISH_WORDS = (
    "the and to of a in is it you that for on my i have with be this not are was how"
    " what why when where can do does did me your card account money payment hello"
    " thanks please"
)
_SWEDISH_HINTS = frozenset(_SWEDISH_WORDS.split())
_ENGLISH_HINTS = frozenset(_ENGLISH_WORDS.split())


def normalise(text: str) -> str:
    """Unicode-normalised, case-folded text without HTML, URLs or runs of spaces."""
    text = unicodedata.normalize("NFKC", text[: MAX_TEXT_CHARS * 2])
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub(" ", text)
    text = _URL.sub(" url ", text)
    text = _EMAIL.sub(" email ", text)
    text = _SPACE.sub(" ", text).strip().casefold()
    return text[:MAX_TEXT_CHARS]


def words(normalised: str) -> list[str]:
    """Word tokens of a normalised text; digit runs become ``0``."""
    return [_DIGITS.sub("0", w) for w in _WORD.findall(normalised)]


def guess_language(tokens: list[str]) -> str:
    """``"sv"`` or ``"en"`` by counting common function words (English on a tie)."""
    has_swedish_letters = any(ch in "åäö" for t in tokens for ch in t)
    sv = sum(t in _SWEDISH_HINTS for t in tokens) + (2 if has_swedish_letters else 0)
    en = sum(t in _ENGLISH_HINTS for t in tokens)
    return "sv" if sv > en else "en"


@lru_cache(maxsize=2)
def _stemmer(language: str) -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("swedish" if language == "sv" else "english")


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """The Snowball stem of one lower-case word."""
    return str(_stemmer(language).stemWord(word))


def stems(text: str) -> list[str]:
    """Stemmed word tokens of raw ``text``, stemmed in the language it seems to be in."""
    tokens = words(normalise(text))
    language = guess_language(tokens)
    return [stem(t, language) for t in tokens]


_JOINS = re.compile(
    r"\?\s+|;\s*|,?\s+(?:och|samt|and|plus)\s+(?=(?:undrar|vill|även|också|samtidigt|"
    r"dessutom|sen|sedan|hur|vad|varför|kan|behöver|also|what|how|why|can|i|i'd|i'm)\b)",
    re.IGNORECASE,
)
MIN_PART_WORDS = 3


def parts(text: str) -> list[str]:
    """The questions a customer joined in one message ("… and also …", "…? …"), each
    of at least :data:`MIN_PART_WORDS` words; one part when nothing was joined."""
    pieces = [p.strip(" ,.") for p in _JOINS.split(text[:MAX_TEXT_CHARS])]
    found = [p for p in pieces if len(words(normalise(p))) >= MIN_PART_WORDS]
    return found if len(found) > 1 else [text]
