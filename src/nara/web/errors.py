"""Every error leaves as RFC 9457 problem details (``application/problem+json``) for the
API; domain errors are mapped here, once."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from nara import i18n
from nara.domain.errors import DomainError, RateLimited
from nara.i18n import N_

log = logging.getLogger("nara.web")

PROBLEM = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


NO_PAGE = N_("There is no page at this address.")

# What a page says when a refusal has no message of its own in the catalogs: never the
# English ``detail`` on a page in another language.
_GENERIC = {
    400: N_("That could not be done."),
    401: N_("Log in to continue."),
    403: N_("You are not allowed to do this."),
    404: N_("This does not exist, or you may not see it."),
    409: N_("That cannot be done now; reload the page and see where things stand."),
    422: N_("Some of the input cannot be used."),
    429: N_("Too many attempts. Wait a moment and try again."),
}

# Fields named in a page's validation message (query parameters and form fields); others
# are "a value".
_FIELDS = {
    "page": N_("The page number"),
    "q": N_("The search"),
    "cursor": N_("The list position"),
    "start": N_("The start date"),
    "end": N_("The end date"),
    "subject": N_("The subject"),
    "body": N_("The text"),
    "message": N_("The message"),
    "question": N_("The question"),
    "name": N_("The name"),
    "email": N_("The e-mail address"),
    "title": N_("The title"),
    "phone": N_("The phone number"),
    "reason": N_("The reason"),
    "note": N_("The note"),
}

# Pydantic's error types, as sentences for a page (``%(field)s`` is one of _FIELDS).
_CONSTRAINTS = {
    "greater_than_equal": (N_("%(field)s must be at least %(limit)s."), "ge"),
    "greater_than": (N_("%(field)s must be more than %(limit)s."), "gt"),
    "less_than_equal": (N_("%(field)s must be at most %(limit)s."), "le"),
    "less_than": (N_("%(field)s must be less than %(limit)s."), "lt"),
    "string_too_long": (
        N_("%(field)s can be at most %(limit)s characters long (it has %(length)s)."),
        "max_length",
    ),
    "string_too_short": (N_("%(field)s must be at least %(limit)s characters long."), "min_length"),
    "missing": (N_("%(field)s is missing."), ""),
    "int_parsing": (N_("%(field)s must be a whole number."), ""),
    "int_type": (N_("%(field)s must be a whole number."), ""),
    "int_from_float": (N_("%(field)s must be a whole number."), ""),
    "float_parsing": (N_("%(field)s must be a number."), ""),
    "bool_parsing": (N_("%(field)s must be yes or no."), ""),
    "date_parsing": (N_("%(field)s must be a date, for example 2026-12-07."), ""),
    "date_from_datetime_parsing": (N_("%(field)s must be a date, for example 2026-12-07."), ""),
    "datetime_parsing": (
        N_("%(field)s must be a date and time, for example 2026-12-07 15:00."),
        "",
    ),
    "datetime_from_date_parsing": (
        N_("%(field)s must be a date and time, for example 2026-12-07 15:00."),
        "",
    ),
    "enum": (N_("%(field)s must be one of the choices offered."), ""),
    "literal_error": (N_("%(field)s must be one of the choices offered."), ""),
}


def page_message(exc: DomainError, lang: str) -> str:
    """A refusal in the reader's language: its own message from the catalogs, else its
    ``detail`` if the catalogs translate it, else a general sentence for its status."""
    gettext = i18n.translations(lang).gettext
    if exc.template is not None:
        return exc.localized(gettext)
    translated = gettext(exc.detail)
    if translated != exc.detail or lang == "en":
        return translated
    return gettext(_GENERIC.get(exc.status, _GENERIC[400]))


def _validation_message(err: Any, lang: str) -> str:
    gettext = i18n.translations(lang).gettext
    loc = [p for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
    name = str(loc[-1]) if loc else ""
    field = gettext(_FIELDS[name]) if name in _FIELDS else gettext("A value")
    template, key = _CONSTRAINTS.get(str(err.get("type")), (N_("%(field)s is not valid."), ""))
    context = err.get("ctx") or {}
    value = err.get("input")
    params = {
        "field": field,
        "limit": context.get(key, "") if key else "",
        "length": len(value) if isinstance(value, str) else "",
    }
    return gettext(template) % params


def _page_lang(request: Request) -> str:
    lang: str = getattr(request.state, "lang", None) or i18n.negotiate(
        request.cookies.get("nara_lang"), request.headers.get("accept-language")
    )
    return lang


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _page_error(request: Request, status: int, detail: str) -> Response:
    from nara.web.ui.render import render  # the page layer sits above this module

    return render(request, "error.html", status, message=detail, status=status)


def no_page(request: Request) -> Response:
    """The page for an address that names no action (``/cases/NA-1/fly``)."""
    message = i18n.translations(_page_lang(request)).gettext(NO_PAGE)
    return _page_error(request, 404, message)


async def login_required(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/", status_code=303)


def retry_after(exc: DomainError) -> dict[str, str]:
    """``Retry-After`` for a 429 (pages and API alike)."""
    if isinstance(exc, RateLimited) and "retry_after" in exc.extra:
        return {"Retry-After": str(exc.extra["retry_after"])}
    return {}


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if _is_page(request):
        page = _page_error(request, exc.status, page_message(exc, _page_lang(request)))
        page.headers.update(retry_after(exc))
        return page
    headers = retry_after(exc)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="nara"'
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    return problem(
        exc.status, exc.detail, instance=request.url.path, headers=headers, errors=errors
    )


def _message(err: Any) -> str:
    """Pydantic's message; for text over its limit also how long it is."""
    message = str(err.get("msg", ""))
    if err.get("type") == "string_too_long" and isinstance(err.get("input"), str):
        message += f" (it has {len(err['input'])})"
    return message


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return problem(400, "the request body is not valid JSON", instance=request.url.path)
        errors.append({"field": _location(err.get("loc", ())), "message": _message(err)})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    if _is_page(request):
        lang = _page_lang(request)
        sentences = [_validation_message(err, lang) for err in exc.errors()[:5]]
        return _page_error(
            request, 422, " ".join(sentences) or i18n.translations(lang).gettext(_GENERIC[422])
        )
    return problem(422, summary or "invalid input", instance=request.url.path, errors=errors)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such resource: {request.url.path}"
    if _is_page(request) and exc.status_code in (404, 405):
        gettext = i18n.translations(_page_lang(request)).gettext
        message = (
            NO_PAGE
            if exc.status_code == 404
            else N_("This address does not take that kind of request.")
        )
        return _page_error(request, exc.status_code, gettext(message))
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, detail, instance=request.url.path, headers=headers)


async def unstorable_value(request: Request, exc: Exception) -> Response:
    """The database refused a value from the request: a number beyond its integers
    (SQLite raises OverflowError, PostgreSQL a DataError) or, on PostgreSQL, text with a
    NUL character. That is bad input, not a server error."""
    log.info("refused a value on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    detail = "a value in the request is out of range or contains a character that cannot be stored"
    if _is_page(request):
        gettext = i18n.translations(_page_lang(request)).gettext
        message = N_("A value is out of range or contains a character that cannot be stored.")
        return _page_error(request, 422, gettext(message))
    return problem(422, detail, instance=request.url.path)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "an unexpected error occurred; it has been logged")


def install(app: FastAPI) -> None:
    from nara.web.ui.common import LoginRequired

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DataError, unstorable_value)
    app.add_exception_handler(OverflowError, unstorable_value)
    app.add_exception_handler(Exception, unexpected_error)
