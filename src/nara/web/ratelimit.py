"""Per-client rate limits for public endpoints (the `limits` library: moving window,
in memory for one process or in Redis for many)."""

from __future__ import annotations

from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse, storage
from limits.strategies import MovingWindowRateLimiter

from nara import clock
from nara.config import get_settings
from nara.domain.errors import RateLimited


@lru_cache(maxsize=4)
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage.storage_from_string(storage_uri))


@lru_cache(maxsize=16)
def _item(spec: str) -> RateLimitItem:
    return parse(spec)


def client_key(request: Request) -> str:
    if get_settings().trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


def check(request: Request, bucket: str, spec: str | None = None) -> None:
    """Count one hit for this client in ``bucket``; raise RateLimited (429) with the
    seconds until the window has room again."""
    settings = get_settings()
    item = _item(spec or settings.ask_rate_limit)
    limiter = _limiter(settings.rate_limit_storage)
    key = client_key(request)
    if not limiter.hit(item, bucket, key):
        reset_at, _remaining = limiter.get_window_stats(item, bucket, key)
        retry = max(1, int(reset_at - clock.now().timestamp()) + 1)
        raise RateLimited(f"too many questions; try again in {retry} seconds", retry_after=retry)


def reset() -> None:
    """Forget every counter (tests)."""
    _limiter(get_settings().rate_limit_storage).storage.reset()
