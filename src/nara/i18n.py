"""Languages: Swedish (default) and English, from gettext catalogs (Babel).

The catalogs are the ``.po`` files in ``nara/locale/<lang>/LC_MESSAGES/messages.po``. They are
compiled in memory when first used, so there is no build step and no binary in the
repository. ``make messages`` extracts new strings from the templates and the code.

The language of a request: the user's own choice (stored on the user, or the ``nara_lang``
cookie before login), then the browser's ``Accept-Language``, then ``NARA_DEFAULT_LOCALE``.
"""

from __future__ import annotations

from datetime import datetime
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


def format_time(value: datetime | None, lang: str, fmt: str = "short") -> str:
    if value is None:
        return ""
    return format_datetime(value.astimezone(_zone()), format=fmt, locale=_locale(lang))


def format_day(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    return format_date(value.astimezone(_zone()), format="medium", locale=_locale(lang))


def format_money(value: Decimal, lang: str) -> str:
    """An amount in SEK with its two decimals: "1 250,00 kr" / "SEK 1,250.00"."""
    number = format_decimal(value, format="#,##0.00", locale=_locale(lang))
    return f"SEK {number}" if lang == "en" else f"{number}\u00a0kr"


def format_number(value: float | int, lang: str) -> str:
    return format_decimal(value, locale=_locale(lang))
