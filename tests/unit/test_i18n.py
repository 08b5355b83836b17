"""Every UI string has a translation in both catalogs; language negotiation."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from nara import i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)}
METHODS = [("src/nara/**.py", "python"), ("src/nara/web/templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        keywords=KEYWORDS,
        options_map={"src/nara/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        if isinstance(message, tuple):
            found.update(m for m in message if m)
        elif message:
            found.add(message)
    return found


@pytest.fixture(scope="module")
def ui_strings() -> set[str]:
    strings = extracted()
    assert len(strings) > 150  # the extraction itself works
    return strings


@pytest.mark.parametrize("lang", i18n.SUPPORTED)
def test_every_ui_string_is_translated(ui_strings: set[str], lang: str) -> None:
    with i18n.catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    translated: dict[str, bool] = {}
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for form in m.id if isinstance(m.id, tuple) else (m.id,):  # plural forms too
            translated[form] = all(strings)
    missing = sorted(s for s in ui_strings if not translated.get(s))
    assert missing == [], f"run 'make messages' and translate these for {lang}: {missing}"


@pytest.mark.parametrize("lang", i18n.SUPPORTED)
def test_translations_keep_their_placeholders(lang: str) -> None:
    with i18n.catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    for message in catalog:
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(str(message.id))) == set(
                PLACEHOLDER.findall(str(message.string))
            ), message.id


def test_swedish_really_is_swedish() -> None:
    sv = i18n.translations("sv")
    assert sv.gettext("Log in") == "Logga in"
    assert sv.gettext("My cases") == "Mina ärenden"
    assert i18n.translations("en").gettext("Log in") == "Log in"


@pytest.mark.parametrize(
    ("choice", "header", "expected"),
    [
        ("en", "sv-SE,sv;q=0.9", "en"),  # the user's choice wins
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE,de;q=0.9,en;q=0.5", "en"),  # first supported by quality
        (None, "fr;q=0.2,sv;q=0.8", "sv"),
        (None, "nb-NO", "sv"),  # Norwegians and Danes read Swedish
        (None, "de", "sv"),  # nothing supported: the default
        (None, None, "sv"),
        ("xx", "en", "en"),  # an unknown choice is ignored
        (None, "en;q=garbage, sv", "sv"),
    ],
)
def test_negotiate(choice: str | None, header: str | None, expected: str) -> None:
    assert i18n.negotiate(choice, header) == expected


def test_dates_and_numbers_follow_the_language() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 14:00 in Stockholm (summer time)
    assert i18n.format_time(moment, "sv") == "2026-07-01 14:00"
    assert i18n.format_time(moment, "en") == "1 Jul 2026, 14:00"  # never 7/1/26, 2:00 PM
    assert i18n.format_day(moment, "sv") == "2026-07-01"
    assert i18n.format_day(moment.date(), "en") == "1 Jul 2026"
    assert i18n.format_weekday(moment.date(), "sv") == "onsdag 1 juli"
    assert i18n.format_number(1234567, "sv").replace("\xa0", " ") == "1 234 567"
    assert i18n.format_number(1234567, "en") == "1,234,567"


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [("sv", 1, "1 ärende"), ("sv", 2, "2 ärenden"), ("en", 1, "1 case"), ("en", 5, "5 cases")],
)
def test_counts_use_plural_forms(lang: str, n: int, expected: str) -> None:
    translations = i18n.translations(lang)
    assert translations.ngettext("%(count)s case", "%(count)s cases", n) % {"count": n} == expected


def test_the_wait_sentence_says_one_minute_in_the_singular() -> None:
    from datetime import timedelta

    from nara import clock
    from nara.web.ui.service_view import wait_sentence

    with clock.frozen_at(clock.now()):
        soon = clock.now() + timedelta(minutes=1)
        assert "(om ungefär 1 minut)" in wait_sentence(soon, "sv")
        assert "(in about 1 minute)" in wait_sentence(soon, "en")
        later = clock.now() + timedelta(minutes=25)
        assert "(om ungefär 25 minuter)" in wait_sentence(later, "sv")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_moments_are_written_as_babel_writes_them(lang: str) -> None:
    """``format_time`` writes Swedish and English itself (for speed): the same text as
    Babel's pattern, over the clock changes, month ends and every month."""
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=rng.randint(0, 3 * 365 * 1440)) for _ in range(2000)]
    moments += [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]
    for moment in moments:
        assert i18n.format_time(moment, lang) == i18n.babel_format_time(moment, lang), moment
