"""Per-client rate limits for public endpoints (the `limits` library: moving window,
in memory for one process or in Redis for many)."""

from __future__ import annotations

from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse, storage
from limits.strategies import MovingWindowRateLimiter

from nara import clock, personnummer
from nara.config import get_settings
from nara.domain.actors import Actor
from nara.domain.errors import RateLimited
from nara.i18n import N_


@lru_cache(maxsize=4)
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage.storage_from_string(storage_uri))


@lru_cache(maxsize=16)
def _item(spec: str) -> RateLimitItem:
    return parse(spec)


def client_key(request: Request) -> str:
    """The client's address as the server resolved it: the peer, or, behind trusted
    proxies (``NARA_TRUST_PROXY_HEADERS``, ``NARA_FORWARDED_ALLOW_IPS``), the address the
    proxy-headers middleware took from them. Never a header the client could choose."""
    return request.client.host[:64] if request.client else "unknown"


PERSONNUMMER_SEARCHES = "30/hour"
"""Searches by a full personnummer per staff member who is shown it masked: enough to
identify callers, too few to uncover a masked number by trying its last four digits."""
TOO_MANY_PERSONNUMMER_SEARCHES = N_(
    "Too many searches by personnummer. Try again in %(seconds)s seconds."
)


def check(
    request: Request,
    bucket: str,
    spec: str | None = None,
    *,
    key: str | None = None,
    what: str = "questions",
    template: str | None = None,
) -> None:
    """Count one hit for this client (or ``key``) in ``bucket``; raise RateLimited (429)
    with the seconds until the window has room again."""
    settings = get_settings()
    item = _item(spec or settings.ask_rate_limit)
    limiter = _limiter(settings.rate_limit_storage)
    key = key or client_key(request)
    if not limiter.hit(item, bucket, key):
        reset_at, _remaining = limiter.get_window_stats(item, bucket, key)
        retry = max(1, int(reset_at - clock.now().timestamp()) + 1)
        raise RateLimited(
            f"too many {what}; try again in {retry} seconds",
            template=template,
            params={"seconds": retry},
            retry_after=retry,
        )


def check_personnummer_search(request: Request, actor: Actor, text: str | None) -> None:
    """Limit searches by a full personnummer for staff who see it masked."""
    if actor.can_view_personnummer or actor.is_system or not text:
        return
    if personnummer.normalise_or_none(text) is None:
        return
    check(
        request,
        "personnummer-search",
        PERSONNUMMER_SEARCHES,
        key=f"user:{actor.user_id}",
        what="searches by personnummer",
        template=TOO_MANY_PERSONNUMMER_SEARCHES,
    )


def reset() -> None:
    """Forget every counter (tests)."""
    _limiter(get_settings().rate_limit_storage).storage.reset()
