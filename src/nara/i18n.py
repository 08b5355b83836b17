"""Languages: Swedish (default) and English, from gettext catalogs (Babel).

The catalogs are the ``.po`` files in ``nara/locale/<lang>/LC_MESSAGES/messages.po``. They are
compiled in memory when first used, so there is no build step and no binary in the
repository. ``make messages`` extracts new strings from the templates and the code.

The language of a request: the user's own choice (stored on the user, or the ``nara_lang``
cookie before login), then the browser's ``Accept-Language``, then ``NARA_DEFAULT_LOCALE``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from nara.config import get_settings

SUPPORTED = ("sv", "en")


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


LOCALE_DIR = Path(__file__).parent / "locale"


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=len(SUPPORTED))
def translations(lang: str) -> Translations:
    with catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def parse_accept_language(header: str | None) -> list[str]:
    """Language codes from an Accept-Language header, best first."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        code, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, index, code.strip().lower()))
    return [code for q, _, code in sorted(weighted) if q < 0]


def negotiate(choice: str | None, accept_language: str | None) -> str:
    if choice in SUPPORTED:
        return choice
    for code in parse_accept_language(accept_language):
        base = code.split("-")[0]
        if base in SUPPORTED:
            return base
        if base in ("nb", "nn", "no", "da"):  # Scandinavians read Swedish more easily
            return "sv"
    return get_settings().default_locale


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().display_timezone)


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


# One unambiguous date format per language, the same on every page: ISO-like in Swedish
# (2026-12-07 15:00), day month year with a 24-hour clock in English (7 Dec 2026, 15:00),
# never the American 12/7/26.
DATE_TIME_PATTERNS = {"sv": "yyyy-MM-dd HH:mm", "en": "d MMM y, HH:mm"}
DATE_PATTERNS = {"sv": "yyyy-MM-dd", "en": "d MMM y"}
# A day in a picker of the coming days: "måndag 7 december" / "Monday 7 December".
WEEKDAY_PATTERN = "EEEE d MMMM"


def format_time(value: datetime | None, lang: str) -> str:
    """A moment in the display time zone, in ``DATE_TIME_PATTERNS``: written out here
    for Swedish and English (a list of 50 cases shows 100 of them; Babel's formatter
    cost a tenth of such a page), by Babel otherwise. ``tests/unit`` holds both to the
    same text."""
    if value is None:
        return ""
    local = value.astimezone(_zone())
    if lang == "en":
        month = _month_abbreviations("en")[local.month - 1]
        return f"{local.day} {month} {local.year}, {local.hour:02d}:{local.minute:02d}"
    if lang == "sv":
        return (
            f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}"
        )
    return babel_format_time(value, lang)


def babel_format_time(value: datetime, lang: str) -> str:
    pattern = DATE_TIME_PATTERNS.get(lang, DATE_TIME_PATTERNS["sv"])
    return format_datetime(value.astimezone(_zone()), format=pattern, locale=_locale(lang))


@lru_cache(maxsize=8)
def _month_abbreviations(lang: str) -> tuple[str, ...]:
    names = _locale(lang).months["format"]["abbreviated"]
    return tuple(str(names[m]) for m in range(1, 13))


def local(value: datetime) -> datetime:
    """``value`` in the display time zone."""
    return value.astimezone(_zone())


def in_display_zone(value: datetime) -> datetime:
    """A naive local time (from a form) made aware in the display time zone."""
    return value.replace(tzinfo=_zone()) if value.tzinfo is None else value


def format_day(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date()
    pattern = DATE_PATTERNS.get(lang, DATE_PATTERNS["sv"])
    return format_date(value, format=pattern, locale=_locale(lang))


@lru_cache(maxsize=512)
def format_weekday(value: date, lang: str) -> str:
    """A day of the coming days (the callback picker shows a few on every case page)."""
    return format_date(value, format=WEEKDAY_PATTERN, locale=_locale(lang))


def format_money(value: Decimal, lang: str) -> str:
    """An amount in SEK with its two decimals: "1 250,00 kr" / "SEK 1,250.00"."""
    number = format_decimal(value, format="#,##0.00", locale=_locale(lang))
    return f"SEK {number}" if lang == "en" else f"{number}\u00a0kr"


def format_number(value: float | int, lang: str) -> str:
    return format_decimal(value, locale=_locale(lang))
