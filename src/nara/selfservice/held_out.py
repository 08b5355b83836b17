"""The fixed held-out slice of an organisation's own examples.

About a fifth of the labelled examples are never trained on: every trained model is
measured on them instead, so that the figures of model versions can be compared with
each other on questions none of them learnt from. Which examples are in the slice
depends on the text alone (a hash of its normalised words), never on a random draw or a
row id: the same question is always on the same side — also when it is stored twice, or
imported again into another database — and a new example joins the slice or the
training data for good.
"""

from __future__ import annotations

import hashlib

SHARE = 0.2
"""The share of examples held out (a fifth)."""
_SALT = b"nara-held-out-v1:"


def key(text: str) -> str:
    """The text as the slice sees it: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())


def in_slice(text: str) -> bool:
    """Whether ``text`` belongs to the held-out slice (about ``SHARE`` of texts)."""
    digest = hashlib.sha256(_SALT + key(text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < SHARE * 10_000
