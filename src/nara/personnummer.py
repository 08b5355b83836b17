"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): validation, normalisation to 12 digits and masking.

Accepted input: ``YYMMDD-NNNC``, ``YYMMDD+NNNC`` (100 years or older), ``YYMMDDNNNC``,
``YYYYMMDDNNNC`` and ``YYYYMMDD-NNNC``; spaces are ignored. A coordination number has 60
added to the day. The last digit is a Luhn check over the 10-digit form. The century of
a 10-digit form is inferred relative to today (``nara.clock``): the latest century that
does not put the birth date in the future, one more century back with ``+``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import overload

from nara import clock

# re.ASCII: \d must not match other scripts' digits (full-width, Arabic-Indic, ...).
_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$", re.ASCII)
# Anything in free text that looks like a personnummer, for log masking.
TEXT_PATTERN = re.compile(r"(?<!\d)(\d{2})?(\d{6})[-+ ]?(\d{4})(?!\d)")


class InvalidPersonnummer(ValueError):
    """Raised with a message that says what is wrong with the number."""


@dataclass(frozen=True)
class Personnummer:
    digits: str  # 12 digits, YYYYMMDDNNNC

    @property
    def is_coordination_number(self) -> bool:
        return int(self.digits[6:8]) > 60

    @property
    def birth_date(self) -> date:
        day = int(self.digits[6:8])
        if day > 60:
            day -= 60
        return date(int(self.digits[0:4]), int(self.digits[4:6]), day)

    def formatted(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"

    def masked(self) -> str:
        return mask(self.digits)


def luhn_ok(ten_digits: str) -> bool:
    total = 0
    for index, char in enumerate(ten_digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _infer_century(yy: int, month: int, day: int, plus: bool, today: date) -> int:
    for century in (today.year // 100, today.year // 100 - 1, today.year // 100 - 2):
        year = century * 100 + yy
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        if born > today:
            continue
        if plus:
            # '+' means at least 100 years old
            if (today.year - year) - ((today.month, today.day) < (month, day)) >= 100:
                return century
            continue
        return century
    raise InvalidPersonnummer("the date of birth is not a valid date")


def parse(raw: str) -> Personnummer:
    """Validate ``raw`` and return it normalised; raise ``InvalidPersonnummer`` otherwise."""
    text = raw.strip().replace(" ", "")
    match = _PATTERN.match(text)
    if not match:
        raise InvalidPersonnummer("expected 10 or 12 digits, like YYMMDD-NNNC or YYYYMMDD-NNNC")
    century_s, yy_s, mm_s, dd_s, sep, serial, check = match.groups()
    month, day = int(mm_s), int(dd_s)
    real_day = day - 60 if day > 60 else day
    if century_s and sep == "+":
        raise InvalidPersonnummer("'+' is only used with the 10-digit form")
    if not 1 <= month <= 12 or real_day < 1:
        raise InvalidPersonnummer("the date of birth is not a valid date")
    if not luhn_ok(yy_s + mm_s + dd_s + serial + check):
        raise InvalidPersonnummer("the check digit is wrong (Luhn)")
    today = clock.now().date()
    if century_s:
        year = int(century_s + yy_s)
        try:
            born = date(year, month, real_day)
        except ValueError as exc:
            raise InvalidPersonnummer("the date of birth is not a valid date") from exc
        if born > today:
            raise InvalidPersonnummer("the date of birth is in the future")
    else:
        century = _infer_century(int(yy_s), month, real_day, sep == "+", today)
        century_s = f"{century:02d}"
    return Personnummer(f"{century_s}{yy_s}{mm_s}{dd_s}{serial}{check}")


def normalise(raw: str) -> str:
    return parse(raw).digits


def normalise_or_none(raw: str) -> str | None:
    """The normalised number when ``raw`` is a valid personnummer, else None (for
    searches, where any text may be one)."""
    try:
        return normalise(raw)
    except InvalidPersonnummer:
        return None


@overload
def mask(digits: str) -> str: ...
@overload
def mask(digits: None) -> None: ...
def mask(digits: str | None) -> str | None:
    """``198004262385`` → ``19800426-****``. Keeps the birth date, hides the rest."""
    if digits is None:
        return None
    return f"{digits[:8]}-****"


def mask_text(text: str) -> str:
    """Mask everything in free text that looks like a personnummer (for logs)."""

    def _replace(match: re.Match[str]) -> str:
        return f"{match.group(1) or ''}{match.group(2)}-****"

    return TEXT_PATTERN.sub(_replace, text)
