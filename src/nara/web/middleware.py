"""ASGI middleware: request-size limit (413) and security headers."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


class NulInUrlMiddleware:
    """A NUL character in the path or query is refused (400) before any database sees it;
    databases disagree about NUL in text (PostgreSQL refuses it, SQLite cuts at it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode()
            query: bytes = scope.get("query_string", b"")
            if (
                b"\x00" in raw
                or b"%00" in raw.lower()
                or b"%00" in query
                or "\x00" in scope.get("path", "")
            ):
                await send_problem(
                    send, 400, "Bad request", "the URL contains a NUL character (%00)"
                )
                return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


async def send_problem(send: Send, status: int, title: str, detail: str) -> None:
    """Answer with RFC 9457 problem details straight from the middleware."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _send_413(send: Send, limit: int) -> None:
    await send_problem(
        send, 413, "Content too large", f"the request body is larger than {limit} bytes"
    )


class BodyLimitMiddleware:
    """Refuse bodies over ``limit`` bytes, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _send_413(send, self.limit)
                    return
        received = 0
        exceeded = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may turn the aborted read into its own error response;
            # whatever it says, the client gets a 413.
            nonlocal replaced
            if exceeded:
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    await _send_413(send, self.limit)
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not replaced:
                replaced = True
                await _send_413(send, self.limit)


HSTS = b"max-age=31536000"
"""A year; only sent over HTTPS (RFC 6797 ignores it over HTTP anyway)."""
CACHEABLE_PREFIXES = ("/static/", "/api/v1/docs/assets/")
"""Only assets may be kept by browsers and proxies; every other response (pages and API
answers, which carry personal data once logged in) is ``Cache-Control: no-store``."""


class SecurityHeadersMiddleware:
    """Security headers on every response. ``scope["scheme"]`` is the client's scheme:
    behind trusted proxies the proxy-headers middleware (outside this one) has set it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        cacheable = scope.get("path", "").startswith(CACHEABLE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"DENY",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                }
                if https:
                    extra[b"strict-transport-security"] = HSTS
                if not cacheable:
                    extra[b"cache-control"] = b"no-store"
                for name, value in extra.items():
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
