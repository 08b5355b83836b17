"""CSV downloads of the follow-up's tables (``nara.web.csv_export``: UTF-8 with a
byte-order mark, headers in the reader's language, ``format=excel-sv`` for semicolons and
decimal commas): ``/followup/csv?table=`` (a section's figures, a breakdown, a trend, the
comments, the improvements), ``/followup/me/csv?table=`` (a group of my figures) and
``/followup/cases/csv?metric=`` (every item behind a figure, page after page, streamed).
The values are raw numbers (shares in per cent, durations in minutes), not the page's
words."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from nara import clock, i18n
from nara.domain.errors import ValidationFailed
from nara.followup.figures import Figure, FollowupFigures
from nara.followup.filters import Filters, parse_filters
from nara.i18n import N_
from nara.queries import followup as followup_queries
from nara.web.csv_export import Column, csv_dialect, csv_response
from nara.web.deps import DB
from nara.web.ui import followup_items as items
from nara.web.ui import followup_names as names
from nara.web.ui import followup_sections as sections
from nara.web.ui import followup_view as view
from nara.web.ui.followup import (
    PERSONAL_PARAMS,
    parse_drill,
    query_params,
    staff_caller,
    today,
)

router = APIRouter(prefix="/followup", include_in_schema=False)
Row = Sequence[object]

FIGURE_COLUMNS = [
    Column("figure", N_("Figure")),
    Column("value", N_("Result")),
    Column("unit", N_("Unit")),
    Column("count", N_("Counted over")),
    Column("target", N_("Promise or target")),
    Column("assessment", N_("Assessment")),
    Column("key", N_("Key")),
]


def raw_value(value: float | None, unit: str) -> float | int | None:
    """A figure's value for a spreadsheet: shares in per cent, the rest as they are."""
    if value is None:
        return None
    if unit == "count":
        return round(value)
    if unit == "share":
        return round(value * 100, 1)
    return round(value, 2)


def figure_rows(figures: Iterable[Figure], lang: str) -> Iterator[Row]:
    for f in figures:
        judged = view.verdict(f, lang)
        yield (
            names.figure_name(f.key, lang),
            raw_value(f.value, f.unit),
            names.named(names.UNITS, f.unit, lang),
            f.count,
            view.target_text(f.target, f.key, lang),
            judged.text if judged else "",
            f.key,
        )


def overview_table(
    found: FollowupFigures, table: str, grain: view.Grain, lang: str
) -> tuple[list[Column], Iterable[Row]]:
    """The columns and rows of one of the follow-up page's tables (422 for no such table)."""
    for section in found.sections:
        if section.key == table:
            return FIGURE_COLUMNS, figure_rows(section.figures, lang)
        for b in section.breakdowns:
            if b.key == table:
                shown = view.breakdown_view(b, {}, lang)
                columns = [
                    Column("name", names.BREAKDOWN_HEADERS.get(b.key, N_("Name"))),
                    Column("count", N_("Number")),
                    Column("share", N_("Share (%)")),
                    Column("key", N_("Key")),
                ]
                rows: list[Row] = [
                    (line.name, row.count, raw_value(row.share, "share"), row.value)
                    for line, row in zip(shown.lines, b.rows, strict=True)
                ]
                return columns, rows
    if table.startswith("trend-"):
        for t in view.trend_tables(found.trends, grain, {}, {}, lang):
            if f"trend-{t.key}" == table:
                return trend_columns(t, lang), trend_rows(t)
    if table == "comments":
        columns = [
            Column("case", N_("Case")),
            Column("score", N_("Score")),
            Column("comment", N_("Comment")),
            Column("at", N_("Rated")),
        ]
        return columns, [(c.case_number, c.score, c.comment, c.at) for c in found.comments]
    if table == "improvements":
        columns = [
            Column("id", N_("Number")),
            Column("title", N_("Improvement")),
            Column("status", N_("Status")),
            Column("done", N_("Done")),
            Column("change", N_("Change in contacts per day (%)")),
            Column("effect", N_("Measured effect")),
        ]
        views = sections.improvements(found.improvements, lang)
        lines: list[Row] = [
            (
                i.id,
                i.title,
                s.status,
                i.done_at.date() if i.done_at else None,
                i.change_pct,
                s.effect,
            )
            for i, s in zip(found.improvements, views, strict=True)
        ]
        return columns, lines
    raise ValidationFailed(
        f"there is no table {table!r} on the follow-up",
        field="table",
        template=N_("There is no such table on the follow-up."),
    )


UNIT_HEADER = N_("%(name)s (%(unit)s)")


def _unit_of(key: str) -> str:
    spec = view.spec_of(key)
    return spec.unit if spec is not None else "count"


def trend_columns(t: view.TrendTable, lang: str) -> list[Column]:
    gettext = i18n.translations(lang).gettext
    columns = [Column("first", N_("First day")), Column("last", N_("Last day"))]
    for key, name in zip(t.figure_keys, t.columns, strict=True):
        unit = names.named(names.UNITS, _unit_of(key), lang)
        columns.append(Column(key, gettext(UNIT_HEADER) % {"name": name, "unit": unit}))
    return columns


def trend_rows(t: view.TrendTable) -> list[Row]:
    units = [_unit_of(k) for k in t.figure_keys]
    rows: list[Row] = []
    for index, row in enumerate(t.rows):
        values = [
            raw_value(series[index] if index < len(series) else None, unit)
            for series, unit in zip(t.raw, units, strict=True)
        ]
        rows.append((row.first, row.last, *values))
    return rows


def filename(stem: str, filters: Filters) -> str:
    return f"followup-{stem}-{filters.first.isoformat()}-{filters.last.isoformat()}.csv"


@router.get("/csv")
def overview_csv(request: Request, db: DB) -> StreamingResponse:
    caller = staff_caller(request, db)
    lang = request.state.lang
    raw = query_params(request)
    table = raw.pop("table", "")
    dialect = csv_dialect(raw.pop("format", None))
    grain = view.parse_grain(raw.pop("grain", None))
    filters = parse_filters(raw, today=today())
    found = followup_queries.figures(db, caller.actor, filters, clock.now())
    columns, rows = overview_table(found, table, grain, lang)
    return csv_response(
        filename=filename(table, filters), columns=columns, rows=rows, lang=lang, dialect=dialect
    )


@router.get("/me/csv")
def personal_csv(request: Request, db: DB) -> StreamingResponse:
    caller = staff_caller(request, db)
    lang = request.state.lang
    raw = query_params(request)
    table = raw.pop("table", "") or "all"
    dialect = csv_dialect(raw.pop("format", None))
    filters = parse_filters(raw, today=today(), allowed=PERSONAL_PARAMS)
    found = followup_queries.personal_figures(db, caller.actor, filters, clock.now())
    groups = {s.key: s for s in sections.personal_sections(found, {}, lang)}
    if table == "all":
        wanted = list(found.figures)
    elif table in groups:
        keys = {r.key for r in groups[table].rows}
        wanted = [f for f in found.figures if f.key in keys]
    else:
        raise ValidationFailed(
            f"there is no table {table!r} on the personal follow-up",
            field="table",
            template=N_("There is no such table on the follow-up."),
        )
    return csv_response(
        filename=filename(f"mine-{table}", filters),
        columns=FIGURE_COLUMNS,
        rows=figure_rows(wanted, lang),
        lang=lang,
        dialect=dialect,
    )


DRILL_COLUMNS = [
    Column("at", N_("When")),
    Column("kind", N_("What")),
    Column("case", N_("Case")),
    Column("subject", N_("Subject")),
    Column("status", N_("Status")),
    Column("team", N_("Team")),
    Column("topic", N_("Topic")),
    Column("channel", N_("Channel")),
    Column("priority", N_("Priority")),
    Column("details", N_("Details")),
]


@router.get("/cases/csv")
def drilldown_csv(request: Request, db: DB) -> StreamingResponse:
    """Every item behind the figure (not one page): the first page is read before the
    response starts, so that bad input is a clear 4xx; the rest while it streams."""
    caller = staff_caller(request, db)
    lang = request.state.lang
    raw = query_params(request)
    dialect = csv_dialect(raw.pop("format", None))
    raw.pop("cursor", None)
    raw.pop("limit", None)
    drill = parse_drill(raw, today())
    now = clock.now()
    limit = followup_queries.MAX_LIMIT
    first = followup_queries.drilldown(
        db, caller.actor, drill.filters, drill.metric, None, limit, now=now
    )
    found = items.Names(db, lang)

    def rows() -> Iterator[Row]:
        every = items.every_item(db, caller.actor, drill.filters, drill.metric, first, now)
        for item in every:
            shown = items.item_view(item, found)
            yield (
                _utc(item.at),
                shown.kind,
                shown.case_number,
                shown.subject,
                shown.status,
                shown.team,
                shown.topic,
                shown.channel,
                shown.priority,
                shown.detail,
            )

    return csv_response(
        filename=filename(drill.metric.replace(".", "-"), drill.filters),
        columns=DRILL_COLUMNS,
        rows=rows(),
        lang=lang,
        dialect=dialect,
    )


def _utc(value: datetime) -> datetime:
    return clock.ensure_utc(value)
