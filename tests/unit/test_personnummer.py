"""Personnummer and samordningsnummer: parsing, validation, normalisation and masking.

Only Skatteverket's published test numbers are used (198004262385, 198108222384,
191212121212); coordination numbers and wrong check digits are derived from them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from nara import clock, personnummer
from nara.personnummer import InvalidPersonnummer, mask, mask_text, normalise, parse

ANNA = "198004262385"
LARS = "198108222384"
TOLVAN = "191212121212"

TODAY = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def check_digit(nine: str) -> str:
    """The Luhn check digit for the 9 digits YYMMDDNNN (independent of the module)."""
    total = 0
    for index, char in enumerate(nine):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def with_check(ten_without_check: str) -> str:
    """``YYYYMMDDNNN`` → ``YYYYMMDDNNNC`` with a correct check digit."""
    return ten_without_check + check_digit(ten_without_check[2:])


def coordination(digits: str) -> str:
    """The coordination number for the same person and serial (day + 60)."""
    day = int(digits[6:8]) + 60
    return with_check(f"{digits[:6]}{day:02d}{digits[8:11]}")


def wrong_check(digits: str) -> str:
    return digits[:11] + str((int(digits[11]) + 1) % 10)


@pytest.fixture(autouse=True)
def _today() -> object:
    with clock.frozen_at(TODAY):
        yield


def test_the_test_helpers_agree_with_the_published_numbers() -> None:
    for digits in (ANNA, LARS, TOLVAN):
        assert with_check(digits[:11]) == digits


# ---- accepted forms ----


@pytest.mark.parametrize(
    "raw",
    [
        "198004262385",
        "19800426-2385",
        "800426-2385",
        "8004262385",
        " 800426-2385 ",
        "800426 - 2385",
        "1980 04 26 2385",
        "19800426 2385",
        "\t198004262385\n",
    ],
)
def test_accepted_forms_normalise_to_twelve_digits(raw: str) -> None:
    assert normalise(raw) == ANNA
    assert parse(raw).digits == ANNA


@pytest.mark.parametrize("digits", [ANNA, LARS, TOLVAN])
def test_twelve_digit_test_numbers_are_valid(digits: str) -> None:
    number = parse(digits)
    assert number.digits == digits
    assert len(number.digits) == 12 and number.digits.isdigit()
    assert not number.is_coordination_number
    assert number.formatted() == f"{digits[:8]}-{digits[8:]}"


def test_birth_date() -> None:
    assert parse(ANNA).birth_date == date(1980, 4, 26)
    assert parse(LARS).birth_date == date(1981, 8, 22)
    assert parse(TOLVAN).birth_date == date(1912, 12, 12)


def test_ten_digit_form_of_lars() -> None:
    assert normalise("810822-2384") == LARS
    assert normalise("8108222384") == LARS


# ---- samordningsnummer ----


@pytest.mark.parametrize("digits", [ANNA, LARS, TOLVAN])
def test_coordination_number_is_accepted(digits: str) -> None:
    samordning = coordination(digits)
    assert int(samordning[6:8]) > 60
    number = parse(samordning)
    assert number.digits == samordning
    assert number.is_coordination_number
    assert number.birth_date == parse(digits).birth_date


def test_coordination_number_ten_digit_forms() -> None:
    samordning = coordination(ANNA)  # 19800486238x
    short = samordning[2:8] + "-" + samordning[8:]
    assert normalise(short) == samordning
    assert normalise(samordning[2:]) == samordning


def test_coordination_number_with_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(InvalidPersonnummer, match="check digit"):
        parse(wrong_check(coordination(ANNA)))


@pytest.mark.parametrize("day", [60, 92, 99])
def test_coordination_day_out_of_range_is_rejected(day: int) -> None:
    # day 60 is "day 0"; 92 would be the 32nd; 99 the 39th
    raw = with_check(f"198004{day:02d}238")
    with pytest.raises(InvalidPersonnummer, match="not a valid date"):
        parse(raw)


# ---- check digit ----


@pytest.mark.parametrize("digits", [ANNA, LARS, TOLVAN])
def test_wrong_check_digit_is_rejected_with_a_message(digits: str) -> None:
    with pytest.raises(InvalidPersonnummer) as info:
        parse(wrong_check(digits))
    assert "check digit" in str(info.value)
    assert "Luhn" in str(info.value)


def test_wrong_check_digit_in_ten_digit_form_is_rejected() -> None:
    with pytest.raises(InvalidPersonnummer, match="check digit"):
        parse("800426-2386")


def test_swapped_digits_are_caught_by_luhn() -> None:
    with pytest.raises(InvalidPersonnummer, match="check digit"):
        parse("198004262835")


def test_invalid_personnummer_is_a_value_error() -> None:
    assert issubclass(InvalidPersonnummer, ValueError)


# ---- dates ----


@pytest.mark.parametrize(
    "raw",
    [
        with_check("19801326238"),  # month 13
        with_check("19800026238"),  # month 0
        with_check("19800230238"),  # 30 February
        with_check("19810229238"),  # 29 February in a non-leap year
        with_check("19800431238"),  # 31 April
        with_check("19800400238"),  # day 0
        with_check("19800432238"),  # day 32
    ],
)
def test_invalid_dates_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPersonnummer, match="not a valid date"):
        parse(raw)


@pytest.mark.parametrize(
    "raw",
    [
        with_check("19801326238")[2:],
        with_check("19800230238")[2:],
        with_check("19800400238")[2:],
    ],
)
def test_invalid_dates_in_ten_digit_form_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPersonnummer, match="not a valid date"):
        parse(raw)


def test_leap_day_is_accepted() -> None:
    leap = with_check("20000229238")
    assert parse(leap).birth_date == date(2000, 2, 29)
    # The 10-digit form infers 2000, which is a leap year.
    assert normalise(leap[2:8] + "-" + leap[8:]) == leap


def test_leap_day_with_plus_finds_no_valid_century() -> None:
    # 1900 and 1800 were not leap years; 2000 is less than 100 years ago.
    leap = with_check("20000229238")
    with pytest.raises(InvalidPersonnummer, match="not a valid date"):
        parse(leap[2:8] + "+" + leap[8:])


# ---- century ----


def test_century_is_inferred_from_today() -> None:
    assert normalise("800426-2385") == ANNA  # 2080 would be in the future
    assert normalise("121212-1212") == "201212121212"  # 2012 is in the past


def test_plus_means_a_hundred_years_or_older() -> None:
    assert normalise("121212+1212") == TOLVAN
    assert normalise("800426+2385") == "188004262385"


def test_century_inference_moves_with_the_clock() -> None:
    with clock.frozen_at(datetime(2012, 12, 11, tzinfo=UTC)):
        # 2012-12-12 is tomorrow, so the latest possible birth date is 1912-12-12.
        assert normalise("121212-1212") == TOLVAN
        # and with '+' it must be 100 or older: 1912-12-12 is not yet, so 1812.
        assert normalise("121212+1212") == "181212121212"
    with clock.frozen_at(datetime(2012, 12, 12, tzinfo=UTC)):
        # born today counts as born
        assert normalise("121212-1212") == "201212121212"
        # exactly 100 years today
        assert normalise("121212+1212") == TOLVAN
    with clock.frozen_at(datetime(1990, 1, 1, tzinfo=UTC)):
        assert normalise("121212-1212") == TOLVAN
        assert normalise("800426-2385") == ANNA


def test_plus_is_refused_with_the_twelve_digit_form() -> None:
    with pytest.raises(InvalidPersonnummer, match=r"'\+'"):
        parse("19121212+1212")


def test_future_birth_date_is_rejected() -> None:
    with clock.frozen_at(datetime(2012, 6, 1, tzinfo=UTC)):
        # Tolvan's 10 digits with the century 20: 2012-12-12 is still ahead.
        with pytest.raises(InvalidPersonnummer, match="future"):
            parse("201212121212")
        # the same number a century earlier is fine
        assert normalise(TOLVAN) == TOLVAN
    with pytest.raises(InvalidPersonnummer, match="future"):
        parse(with_check("20800426238"))


def test_future_coordination_number_is_rejected() -> None:
    with pytest.raises(InvalidPersonnummer, match="future"):
        parse(coordination(with_check("20800426238")))


# ---- malformed input ----


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "80042623",  # 8 digits
        "80042623851",  # 11 digits
        "1980042623851",  # 13 digits
        "19800426--2385",
        "1980-04-26-2385",
        "800426_2385",
        "800426-238X",
        "８００４２６-２３８５",  # full-width digits
    ],
)
def test_malformed_input_is_rejected_with_a_message(raw: str) -> None:
    with pytest.raises(InvalidPersonnummer, match="10 or 12 digits"):
        parse(raw)


# ---- masking ----


def test_mask_keeps_the_birth_date_only() -> None:
    assert mask(ANNA) == "19800426-****"
    assert mask(TOLVAN) == "19121212-****"
    assert mask(None) is None
    assert parse("800426-2385").masked() == "19800426-****"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pnr 198004262385", "pnr 19800426-****"),
        ("pnr 19800426-2385.", "pnr 19800426-****."),
        ("pnr 19800426 2385", "pnr 19800426-****"),
        ("800426-2385", "800426-****"),
        ("800426+2385", "800426-****"),
        ("(8004262385)", "(800426-****)"),
        ("a=198004262385&b=198108222384", "a=19800426-****&b=19810822-****"),
    ],
)
def test_mask_text_masks_personnummer(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_mask_text_masks_coordination_numbers() -> None:
    samordning = coordination(ANNA)
    masked = mask_text(f"kund {samordning} ringde")
    assert samordning not in masked
    assert samordning[8:] not in masked
    assert masked == f"kund {samordning[:8]}-**** ringde"


def test_mask_text_leaves_case_and_phone_numbers_alone() -> None:
    text = "Ärende NA-2026-000123 för 070-1740635, ring +46 70-174 06 35 eller 08-123 456 78."
    assert mask_text(text) == text
    for other in ("NA-2026-000123", "NA-1999-999999", "070-1740635", "070-174 06 35"):
        assert mask_text(other) == other


def test_mask_text_in_a_sentence_with_everything() -> None:
    text = "Kund 19800426-2385 (070-1740635) om NA-2026-000123, även 810822-2384."
    masked = mask_text(text)
    assert masked == "Kund 19800426-**** (070-1740635) om NA-2026-000123, även 810822-****."
    assert "2385" not in masked and "2384" not in masked


def test_mask_text_does_not_touch_longer_digit_runs() -> None:
    text = "order 12345678901234 and id 1234567"
    assert mask_text(text) == text


def test_module_pattern_is_exported() -> None:
    assert personnummer.TEXT_PATTERN.search("198004262385") is not None
