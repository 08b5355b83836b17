"""The one clock. All code asks ``now()``; tests and the demo loader freeze or move it.

Times are always timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_frozen: ContextVar[datetime | None] = ContextVar("nara_frozen_clock", default=None)


def now() -> datetime:
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive values are taken as UTC."""
    if value.tzinfo is UTC:  # as the database gives them: nothing to convert
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make ``now()`` return ``moment`` inside the block."""
    token = _frozen.set(ensure_utc(moment))
    try:
        yield
    finally:
        _frozen.reset(token)


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward (only valid inside ``frozen_at``)."""
    current = _frozen.get()
    if current is None:
        raise RuntimeError("advance() needs a frozen clock")
    _frozen.set(current + delta)
