"""What every page handler needs: who is calling, in which language, CSRF, redirects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from nara import i18n
from nara.domain.errors import DomainError, PermissionDenied
from nara.i18n import N_
from nara.queries.notifications import unread_count
from nara.web.deps import Caller, check_csrf, identify
from nara.web.errors import page_message

LANG_COOKIE = "nara_lang"
T = TypeVar("T")


class LoginRequired(Exception):
    """Raised by ``require_caller``; answered with a redirect to the login page."""


def page_caller(request: Request, db: Session) -> Caller | None:
    caller = identify(request, db)
    request.state.caller = caller
    choice = request.cookies.get(LANG_COOKIE)
    if caller is not None and caller.user.locale in i18n.SUPPORTED and choice is None:
        choice = caller.user.locale
    request.state.lang = i18n.negotiate(choice, request.headers.get("accept-language"))
    if caller is not None and caller.actor.is_staff:
        request.state.unread_notifications = _unread_counter(db, caller.user.id)
    return caller


def _unread_counter(db: Session, user_id: int) -> Callable[[], int]:
    """The header's unread count, counted once and only when a whole page is rendered
    (fragments that refresh themselves do not ask)."""
    counted: list[int] = []

    def count() -> int:
        if not counted:
            counted.append(unread_count(db, user_id))
        return counted[0]

    return count


def counted(unread: int) -> Callable[[], int]:
    """The header's unread count, counted already (the inbox counts it with its tabs)."""
    return lambda: unread


def require_caller(request: Request, db: Session) -> Caller:
    caller = page_caller(request, db)
    if caller is None:
        raise LoginRequired
    return caller


def require_form_caller(request: Request, db: Session, csrf_token: str) -> Caller:
    caller = require_caller(request, db)
    check_csrf(caller, csrf_token)
    return caller


def require_staff_page(caller: Caller) -> None:
    if not caller.actor.is_staff:
        raise PermissionDenied("this page is for staff", template=N_("This page is for staff."))


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@dataclass
class FormErrors:
    """Errors of one form: a summary plus a message per field (for aria-describedby)."""

    messages: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.messages)

    @classmethod
    def from_error(cls, exc: DomainError, lang: str) -> FormErrors:
        message = page_message(exc, lang)
        errors = cls(messages=[message])
        if exc.field:
            errors.fields[exc.field] = message
        return errors


@dataclass
class Refusal:
    """A form's domain call that was refused: the errors to show and the status."""

    errors: FormErrors
    status: int


def attempt(
    request: Request,
    db: Session,
    action: Callable[[], T],
    *,
    pages_for: tuple[type[DomainError], ...] = (),
) -> T | Refusal:
    """Run a form's one domain call as its unit of work: commit when it succeeds; when
    the domain refuses, roll back and return the refusal in the reader's language (the
    form is shown again with it). Errors of the ``pages_for`` kinds are raised instead,
    for their own error page (a refused permission shows no form data)."""
    try:
        value = action()
    except pages_for:
        db.rollback()
        raise
    except DomainError as exc:
        db.rollback()
        return Refusal(FormErrors.from_error(exc, request.state.lang), exc.status)
    db.commit()
    return value
