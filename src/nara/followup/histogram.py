"""Durations as fixed, log-spaced buckets, so that a median or a p90 over any filter and
period is taken from sums of daily counts instead of from every case.

A duration of ``s`` seconds falls in bucket ``bisect_right(THRESHOLDS, s)``: bucket 0 is
under one second, buckets 1-10 are whole seconds up to ten, and from ten seconds on every
bucket ends where the next starts times 1.1 at most (``[lo, hi)``, ``hi <= 1.1 lo``). A
quantile is the bucket that holds the value of its nearest rank (the ``ceil(q n)``-th
smallest duration), reported as the bucket's geometric middle ``sqrt(lo hi)`` (below ten
seconds its arithmetic middle): at most ``sqrt(1.1) - 1 < 4.9 %`` off the exact
nearest-rank value from ten seconds on, at most half a second below ten seconds.

A day's buckets are stored as text, ``"bucket:count,bucket:count"`` (only buckets with a
count): PostgreSQL and SQLite write it with ``string_agg``/``group_concat`` in the same
statement that counts, Python adds the days up."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping

RATIO = 1.1
LINEAR_UNTIL = 10  # whole seconds up to here
TOP = 10 * 366 * 86400  # ten years: anything longer is in the last bucket


def _thresholds() -> tuple[int, ...]:
    out = list(range(1, LINEAR_UNTIL + 1))
    while out[-1] < TOP:
        out.append(math.floor(out[-1] * RATIO))
    return tuple(out)


THRESHOLDS: tuple[int, ...] = _thresholds()
"""Bucket ``b`` (1 <= b < len) is ``[THRESHOLDS[b-1], THRESHOLDS[b])`` seconds."""
BUCKETS = len(THRESHOLDS) + 1
MAX_RELATIVE_ERROR = math.sqrt(RATIO) - 1


def bucket(seconds: float) -> int:
    """The bucket of a duration (negative ones, a clock's slip, count as zero)."""
    return bisect_right(THRESHOLDS, max(0.0, seconds))


def bounds(index: int) -> tuple[float, float]:
    """``[lo, hi)`` of a bucket in seconds (the last one: ``hi == lo``)."""
    if index <= 0:
        return 0.0, float(THRESHOLDS[0])
    lo = float(THRESHOLDS[index - 1])
    hi = float(THRESHOLDS[index]) if index < len(THRESHOLDS) else lo
    return lo, hi


def representative(index: int) -> float:
    """The value a bucket stands for, in seconds."""
    lo, hi = bounds(index)
    if hi <= LINEAR_UNTIL or lo == hi:
        return (lo + hi) / 2 if lo != hi else lo
    return math.sqrt(lo * hi)


def quantile(counts: Mapping[int, int], q: float) -> float | None:
    """The nearest-rank ``q``-quantile in seconds (None when there are no durations)."""
    n = sum(counts.values())
    if n <= 0:
        return None
    rank = max(1, math.ceil(q * n))
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= rank:
            return representative(index)
    raise AssertionError("unreachable")


def encode(counts: Mapping[int, int]) -> str:
    return ",".join(f"{b}:{n}" for b, n in sorted(counts.items()) if n)


def decode(text: str | None) -> dict[int, int]:
    """``{bucket: count}`` of a day's text (each bucket once: the writer groups by it)."""
    if not text:
        return {}
    numbers = list(map(int, text.replace(":", ",").split(",")))
    return dict(zip(numbers[::2], numbers[1::2], strict=True))


def merge(texts: Iterable[str | None]) -> Counter[int]:
    total: Counter[int] = Counter()
    for text in texts:
        for key, count in decode(text).items():
            total[key] += count
    return total
