"""Search terms for full-text search on SQLite: lower-cased words stemmed with the
Snowball stemmer of the text's language (FTS5 has no Swedish stemmer of its own). The
stemmer is the self-service engine's (``nara.selfservice.text.stem``), so search and
answers see words the same way."""

from __future__ import annotations

import re

from nara.selfservice.text import stem

_WORD = re.compile(r"[^\W_]+")
LANGUAGES = {"sv": "swedish", "en": "english"}


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def terms(text: str, lang: str) -> list[str]:
    return [s for s in (stem(w, lang) for w in words(text)) if s]


def fts5_query(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the query's words, stemmed in both languages,
    each quoted (so that no FTS5 syntax can be injected). None when there are no words."""
    variants: set[str] = set()
    for lang in LANGUAGES:
        variants.update(terms(text[:500], lang))
    if not variants:
        return None
    return " OR ".join(f'"{v}"' for v in sorted(variants)[:40])
