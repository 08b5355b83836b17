"""Small input checks shared by domain functions. Each raises ValidationFailed with a
message that names the field and says what is wrong."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import TypeVar

from nara.domain.errors import ValidationFailed
from nara.i18n import N_

E = TypeVar("E", bound=StrEnum)

_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional marks, embeddings, overrides and isolates."""
_CJK = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"})


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


def name(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    """A name or a subject (of a person, a customer, a case, a team, a topic, an
    article): text without bidirectional controls, which could make it read otherwise
    than it is stored (the right-to-left override turns "exe.txt" around)."""
    return text(_BIDI.sub("", value or ""), field=field, max_length=max_length, required=required)


def email_key(value: str) -> str:
    """The form an e-mail address is stored and compared in: NFKC (full-width letters are
    the ASCII ones), trimmed and lower-cased (the whole address, as Nära always has)."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def email(value: str | None, *, field: str = "email", required: bool = True) -> str | None:
    cleaned = email_key(value or "")
    if not cleaned:
        if required:
            raise ValidationFailed(
                f"{field} must not be empty",
                field=field,
                template=N_("This field must not be empty."),
            )
        return None
    if len(cleaned) > 254 or not _EMAIL.match(cleaned) or not _dots_ok(cleaned):
        raise ValidationFailed(
            f"{field} is not a valid e-mail address",
            field=field,
            template=N_("Enter a valid e-mail address, like name@example.se."),
        )
    if not _unambiguous(cleaned):
        raise ValidationFailed(
            f"{field} contains invisible characters or mixes alphabets within a part "
            "(like a Cyrillic letter among Latin ones)",
            field=field,
            template=N_(
                "This e-mail address contains invisible characters or letters from "
                "different alphabets. Type it again."
            ),
        )
    return cleaned


def _dots_ok(address: str) -> bool:
    """No empty part: no leading, trailing or double dot (``name@example.se.``)."""
    local, _, domain = address.rpartition("@")
    return all(part for part in (*local.split("."), *domain.split(".")))


def _unambiguous(address: str) -> bool:
    """No invisible characters, and each part (the local part, every domain label) in
    one script, so that no address looks like another one."""
    if any(unicodedata.category(ch)[0] in "CZ" for ch in address):
        return False
    local, _, domain = address.rpartition("@")
    return all(len(_scripts(part)) <= 1 for part in (local, *domain.split(".")))


def _scripts(part: str) -> set[str]:
    """The scripts of the letters in ``part`` (Chinese, Japanese and Korean count as one,
    as they are written together)."""
    found = set()
    for ch in part:
        if unicodedata.category(ch).startswith("L"):
            script = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
            found.add("CJK" if script in _CJK else script)
    return found


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
