"""CSV downloads of the pages' tables, streamed (docs/ui.md, "CSV export").

* UTF-8 with a byte-order mark, so that Excel reads å, ä and ö right;
* the first row is the columns' names from the catalogs, in the reader's language;
* ``?format=`` chooses the dialect: ``standard`` (the default: comma separator, decimal
  point, as RFC 4180 and every program reads it) or ``excel-sv`` (semicolon separator and
  decimal comma, what Excel opens directly with Swedish settings);
* dates and times in ISO 8601 (``2026-12-07``, ``2026-12-07T14:00:00+00:00``), numbers
  without thousands separators, ``True``/``False`` as ``yes``/``no``;
* text that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) gets a leading apostrophe (OWASP, CSV injection);
* a safe file name in ``Content-Disposition`` (ASCII, with the UTF-8 name beside it).

A handler::

    return csv_response(
        filename="decisions.csv",
        columns=[Column("case", N_("Case")), Column("amount", N_("Amount (SEK)"))],
        rows=((r.case_number, r.amount) for r in rows),
        lang=request.state.lang,
        dialect=csv_dialect(format),
    )
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from nara.domain.errors import ValidationFailed
from nara.i18n import N_, translations

Dialect = Literal["standard", "excel-sv"]
DIALECTS: tuple[Dialect, ...] = ("standard", "excel-sv")
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 200
"""Rows written per chunk of the stream."""


@dataclass(frozen=True)
class Column:
    """A column: its stable key (docs, tests) and its header, a catalog message id
    (``N_("Case")``) translated into the reader's language when exported."""

    key: str
    header: str


def csv_dialect(value: str | None) -> Dialect:
    """The ``format`` query parameter: empty or ``standard``, or ``excel-sv``; anything
    else is refused (422) with a message saying which are offered."""
    text = (value or "").strip().lower()
    if text in ("", "standard", "csv"):
        return "standard"
    if text == "excel-sv":
        return "excel-sv"
    raise ValidationFailed(
        f"format must be 'standard' or 'excel-sv', not {value!r}",
        field="format",
        template=N_("The format must be “standard” or “excel-sv”."),
    )


def cell(value: object, dialect: Dialect = "standard") -> str:
    """One value as CSV text (see the module's rules)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        return text.replace(".", ",") if dialect == "excel-sv" else text
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    lang: str,
    dialect: Dialect = "standard",
) -> Iterator[str]:
    """The file in chunks: the byte-order mark and the header row first, then the rows
    :data:`CHUNK_ROWS` at a time (``rows`` is read lazily)."""
    gettext = translations(lang).gettext
    buffer = io.StringIO()
    delimiter = ";" if dialect == "excel-sv" else ","
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([cell(gettext(c.header), dialect) for c in columns])
    for written, row in enumerate(rows, start=1):
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} values for {len(columns)} columns")
        writer.writerow([cell(v, dialect) for v in row])
        if written % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def safe_filename(name: str) -> str:
    """An ASCII file name of letters, digits, ``-`` and ``_`` ending in ``.csv`` (å ä ö
    become a a o; anything else, dots and slashes too, a hyphen)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_]+", "-", plain.removesuffix(".csv")).strip("-") or "export"
    return f"{stem[:80]}.csv"


def content_disposition(name: str) -> str:
    """``attachment`` with the ASCII name, and the UTF-8 one (RFC 6266) when it differs."""
    fallback = safe_filename(name)
    wanted = name if name.endswith(".csv") else f"{name}.csv"
    header = f'attachment; filename="{fallback}"'
    clean = "".join(ch for ch in wanted if ch.isprintable() and ch not in '"\\/')
    if clean != fallback and clean:
        header += f"; filename*=UTF-8''{quote(clean, safe='')}"
    return header


def csv_response(
    *,
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    lang: str,
    dialect: Dialect = "standard",
) -> StreamingResponse:
    """A streamed ``text/csv`` download. ``rows`` may be lazy (a generator over a query):
    it is read while the response is sent, and the request's database session stays open
    until then (FastAPI 0.118 and later close dependencies with ``yield`` after the
    response)."""
    return StreamingResponse(
        csv_lines(columns, rows, lang=lang, dialect=dialect),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(filename)},
    )
