"""Small input checks shared by domain functions. Each raises ValidationFailed with a
message that names the field and says what is wrong."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar

from nara.domain.errors import ValidationFailed
from nara.i18n import N_

E = TypeVar("E", bound=StrEnum)

_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    cleaned = _CONTROL.sub("", value or "").strip()
    if required and not cleaned:
        raise ValidationFailed(
            f"{field} must not be empty", field=field, template=N_("This field must not be empty.")
        )
    if len(cleaned) > max_length:
        raise ValidationFailed(
            f"{field} is {len(cleaned)} characters; at most {max_length} are allowed",
            field=field,
            template=N_("This is %(length)s characters; at most %(max)s are allowed."),
            params={"length": len(cleaned), "max": max_length},
        )
    return cleaned


def email(value: str | None, *, field: str = "email", required: bool = True) -> str | None:
    cleaned = (value or "").strip().lower()
    if not cleaned:
        if required:
            raise ValidationFailed(
                f"{field} must not be empty",
                field=field,
                template=N_("This field must not be empty."),
            )
        return None
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise ValidationFailed(
            f"{field} is not a valid e-mail address",
            field=field,
            template=N_("Enter a valid e-mail address, like name@example.se."),
        )
    return cleaned


def phone(value: str | None, *, field: str = "phone") -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if not _PHONE.match(cleaned):
        raise ValidationFailed(
            f"{field} may only hold digits, spaces, +, - and parentheses (5-20 characters)",
            field=field,
            template=N_("A phone number holds 5 to 20 digits, spaces, +, - or parentheses."),
        )
    return cleaned


def slug(value: str | None, *, field: str = "slug") -> str:
    cleaned = (value or "").strip()
    if not cleaned or len(cleaned) > 64 or not _SLUG.match(cleaned):
        raise ValidationFailed(
            f"{field} must be 1-64 lowercase letters, digits and single hyphens",
            field=field,
            template=N_("Use 1 to 64 lowercase letters, digits and single hyphens."),
        )
    return cleaned


def choice(enum: type[E], value: str | None, *, field: str) -> E:
    try:
        return enum(value or "")
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationFailed(
            f"{field} must be one of: {allowed} (got {value!r})",
            field=field,
            template=N_("Choose one of the listed options."),
        ) from None
