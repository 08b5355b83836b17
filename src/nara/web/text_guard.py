"""Text that is not valid Unicode is refused once, at the edge (422), before any handler,
validator or database sees it.

JSON lets a string hold a lone UTF-16 surrogate (``"\\ud800"``): Python decodes it into a
``str`` that no database can store (UTF-8 cannot encode it), which used to end as a 500
in every text field without a length limit. Percent-encoded bytes that are not UTF-8
(``%ED%A0%80``, ``%FF``) in a query string or a form would otherwise be replaced by
U+FFFD silently. Checked: the query string, and bodies sent as JSON (in whichever
encoding JSON detects; bytes that are no text in it are malformed JSON, 400 from the
parser), as a URL-encoded form or as multipart form data (Nära takes no file uploads, so
a multipart body is text too). Other bodies are passed on untouched; the body size limit
applies first.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nara import i18n
from nara.i18n import N_

INVALID_TEXT = N_(
    "The request contains text that is not valid Unicode (such as half of a surrogate "
    "pair, or bytes that are not UTF-8). Correct it and send it again."
)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def urlencoded_ok(data: bytes) -> bool:
    """Every name and value of ``a=1&b=%C3%A5`` is UTF-8 once percent-decoded."""
    for pair in data.replace(b"+", b" ").split(b"&"):
        for part in pair.split(b"=", 1):
            if not _utf8(unquote_to_bytes(part)):
                return False
    return True


def json_ok(data: bytes) -> bool:
    """Every ``\\uD800``-``\\uDBFF`` escape directly followed by a ``\\uDC00``-``\\uDFFF``
    one (a pair is one character; alone, either is no text). Bodies that are not text in
    the encoding JSON detects are left to the JSON parser (400, malformed JSON)."""
    try:
        text = data.decode(json.detect_encoding(data))
    except (UnicodeDecodeError, LookupError):
        return True
    low_expected_at = -1
    for match in _ESCAPE.finditer(text):
        code = int(match.group(1), 16) if match.group(1) else None
        low = code is not None and 0xDC00 <= code <= 0xDFFF
        if low_expected_at >= 0:
            if not (low and match.start() == low_expected_at):
                return False
            low_expected_at = -1
        elif low:
            return False
        elif code is not None and 0xD800 <= code <= 0xDBFF:
            low_expected_at = match.end()
    return low_expected_at < 0


def _body_kind(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            if media == b"application/json" or media.endswith(b"+json"):
                return "json"
            if media == b"application/x-www-form-urlencoded":
                return "form"
            if media == b"multipart/form-data":
                return "multipart"
    return None


def body_ok(kind: str, body: bytes) -> bool:
    if kind == "json":
        return json_ok(body)
    if kind == "form":
        return urlencoded_ok(body)
    return _utf8(body)


async def _refuse(scope: Scope, send: Send) -> None:
    request = Request(scope)
    if scope.get("path", "").startswith("/api/"):
        problem = {
            "type": "about:blank",
            "title": "Invalid input",
            "status": 422,
            "detail": INVALID_TEXT,
            "instance": scope.get("path"),
        }
        body = json.dumps(problem).encode()
        headers = [(b"content-type", b"application/problem+json")]
    else:
        from nara.web.ui.render import render  # the page layer sits above this module

        lang = i18n.negotiate(
            request.cookies.get("nara_lang"), request.headers.get("accept-language")
        )
        message = i18n.translations(lang).gettext(INVALID_TEXT)
        page = render(request, "error.html", 422, message=message, status=422)
        body = bytes(page.body)
        headers = [(b"content-type", b"text/html; charset=utf-8")]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ValidTextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not urlencoded_ok(scope.get("query_string", b"")):
            await _refuse(scope, send)
            return
        kind = _body_kind(scope)
        if kind is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if not body_ok(kind, body):
            await _refuse(scope, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
