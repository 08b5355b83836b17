"""Domain errors. The web layer maps each class to one HTTP status, once (web/errors.py);
the CLI maps them to exit code 2 with the message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        template: str | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        """``detail`` is the English message for the API and the CLI; ``template`` (a
        message id marked with ``N_``) and ``params`` let the pages show it translated."""
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.template = template
        self.params = params or {}
        self.extra = extra

    def localized(self, translate: Any) -> str:
        """The message in the reader's language, given a gettext function."""
        if self.template is None:
            return self.detail
        try:
            return str(translate(self.template) % self.params)
        except (KeyError, TypeError, ValueError):
            return self.detail


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
