"""CSV downloads (nara.web.csv_export): a byte-order mark, headers in the reader's
language, the Swedish Excel dialect, ISO dates, no formulas, and a safe file name."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from nara.domain.errors import ValidationFailed
from nara.i18n import N_
from nara.web import csv_export
from nara.web.csv_export import Column, cell, csv_dialect, csv_lines

COLUMNS = (
    Column("case", N_("Case")),
    Column("amount", N_("Amount (SEK)")),
    Column("reason", N_("Reason")),
)


def _text(
    rows: list[tuple[object, ...]], lang: str = "sv", dialect: csv_export.Dialect = "standard"
) -> str:
    return "".join(csv_lines(COLUMNS, rows, lang=lang, dialect=dialect))


def test_bom_and_headers_in_the_readers_language() -> None:
    sv = _text([])
    assert sv.startswith("\ufeffÄrende,Belopp (kr),Anledning\r\n")
    assert _text([], lang="en").startswith("\ufeffCase,Amount (SEK),Reason\r\n")
    # UTF-8 with the BOM as its first three bytes: what Excel looks for
    assert sv.encode("utf-8")[:3] == b"\xef\xbb\xbf"


def test_standard_numbers_dates_and_non_ascii_names() -> None:
    text = _text(
        [
            ("NA-2026-000001", Decimal("2500.00"), "Åsa Öberg, här i Malmö"),
            ("NA-2026-000002", 1.5, None),
        ]
    )
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[1] == ["NA-2026-000001", "2500.00", "Åsa Öberg, här i Malmö"]
    assert rows[2] == ["NA-2026-000002", "1.5", ""]


def test_excel_sv_uses_semicolons_and_decimal_commas() -> None:
    text = _text([("NA-1", Decimal("2500.50"), "ja; nej")], dialect="excel-sv")
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert lines[0] == "Ärende;Belopp (kr);Anledning"
    assert lines[1] == 'NA-1;2500,50;"ja; nej"'
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[1] == ["NA-1", "2500,50", "ja; nej"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_looks_like_a_formula_gets_an_apostrophe(start: str) -> None:
    assert cell(f'{start}HYPERLINK("http://evil")') == f'\'{start}HYPERLINK("http://evil")'
    assert cell(f"a{start}b") == f"a{start}b"


def test_numbers_dates_and_booleans_are_values_not_text() -> None:
    assert cell(-5) == "-5" and cell(Decimal("-2.50"), "excel-sv") == "-2,50"
    assert cell(date(2026, 12, 7)) == "2026-12-07"
    assert cell(datetime(2026, 12, 7, 14, 0, tzinfo=UTC)) == "2026-12-07T14:00:00+00:00"
    assert cell(True) == "yes" and cell(False) == "no" and cell(None) == ""
    assert cell(7, "excel-sv") == "7"


def test_a_formula_in_a_whole_file_is_defused() -> None:
    text = _text([("=1+1", 3, "@SUM(A1:A9)")], lang="en")
    assert "\r\n'=1+1,3,'@SUM(A1:A9)\r\n" in text


def test_rows_are_streamed_in_chunks() -> None:
    rows = [(f"NA-{i}", i, "x") for i in range(csv_export.CHUNK_ROWS * 2 + 5)]
    chunks = list(csv_lines(COLUMNS, iter(rows), lang="sv"))
    assert len(chunks) == 3
    assert "".join(chunks).count("\r\n") == len(rows) + 1


def test_a_row_of_the_wrong_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="2 values for 3 columns"):
        _text([("a", 1)])


def test_the_format_parameter() -> None:
    assert csv_dialect(None) == csv_dialect("") == csv_dialect("standard") == "standard"
    assert csv_dialect("Excel-SV") == "excel-sv"
    with pytest.raises(ValidationFailed) as refused:
        csv_dialect("xlsx")
    assert refused.value.field == "format"


def test_file_names_are_safe() -> None:
    assert csv_export.safe_filename("beslut åäö/../x.csv") == "beslut-aao-x.csv"
    assert csv_export.safe_filename('"; rm -rf') == "rm-rf.csv"
    assert csv_export.safe_filename("") == "export.csv"
    header = csv_export.content_disposition("uppföljning-kort.csv")
    assert header == (
        "attachment; filename=\"uppfoljning-kort.csv\"; filename*=UTF-8''uppf%C3%B6ljning-kort.csv"
    )
    assert csv_export.content_disposition("decisions.csv") == 'attachment; filename="decisions.csv"'
