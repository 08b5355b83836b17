"""Domain errors. The web layer maps each class to one HTTP status, once (web/errors.py);
the CLI maps them to exit code 2 with the message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class ValidationFailed(DomainError):
    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"


class AuthenticationRequired(DomainError):
    status = 401
    title = "Authentication required"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"
