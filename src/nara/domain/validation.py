"""Small input checks shared by domain functions. Each raises ValidationFailed with a
message that names the field and says what is wrong."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar

from nara.domain.errors import ValidationFailed

E = TypeVar("E", bound=StrEnum)

_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    cleaned = _CONTROL.sub("", value or "").strip()
    if required and not cleaned:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(
            f"{field} is {len(cleaned)} characters; at most {max_length} are allowed",
            field=field,
        )
    return cleaned


def email(value: str | None, *, field: str = "email", required: bool = True) -> str | None:
    cleaned = (value or "").strip().lower()
    if not cleaned:
        if required:
            raise ValidationFailed(f"{field} must not be empty", field=field)
        return None
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise ValidationFailed(f"{field} is not a valid e-mail address", field=field)
    return cleaned


def phone(value: str | None, *, field: str = "phone") -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if not _PHONE.match(cleaned):
        raise ValidationFailed(
            f"{field} may only hold digits, spaces, +, - and parentheses (5-20 characters)",
            field=field,
        )
    return cleaned


def slug(value: str | None, *, field: str = "slug") -> str:
    cleaned = (value or "").strip()
    if not cleaned or len(cleaned) > 64 or not _SLUG.match(cleaned):
        raise ValidationFailed(
            f"{field} must be 1-64 lowercase letters, digits and single hyphens", field=field
        )
    return cleaned


def choice(enum: type[E], value: str | None, *, field: str) -> E:
    try:
        return enum(value or "")
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationFailed(
            f"{field} must be one of: {allowed} (got {value!r})", field=field
        ) from None
