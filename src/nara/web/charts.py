"""Charts for the pages: server-rendered SVG inlined in the page, no JavaScript, each with
the same figures as a table (``templates/_chart.html``). How to add one: docs/ui.md.

A page's handler builds a :class:`Chart` with :func:`line_chart`, :func:`bar_chart` or
:func:`stacked_bar_chart` from plain values and hands it to the template, which draws it
with the ``chart`` macro::

    trend = charts.line_chart(
        id="kept-trend", title=_("Promises kept per week"), summary=_("…one sentence…"),
        periods=week_starts, grain="week",
        series=[charts.Series(_("Kept"), shares)],
        measure=charts.Measure("percent"), lang=lang,
        target=charts.Target(0.8, _("Target")),
    )

    {% from "_chart.html" import chart %}{{ chart(trend) }}

Every text a chart shows is given by the caller already translated (titles, series and
category names, which may come from admins: they are escaped) or comes from the catalogs
here (week and month labels, "no data"); numbers and dates are formatted by Babel in
``lang``. Rendering is pure: no database, no clock, no request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from babel.dates import format_date
from babel.numbers import format_decimal
from markupsafe import Markup

from nara.i18n import N_, format_day, translations
from nara.web.chart_svg import Kind, SvgSpec, render_svg

Grain = Literal["day", "week", "month"]
ValueKind = Literal["count", "number", "percent"]

NO_DATA = N_("No data for this period.")
WEEK = N_("week %(week)s")
WEEK_OF = N_("week %(week)s (%(date)s)")
TARGET = N_("%(label)s: %(value)s")
PERIOD_HEADERS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
_ID = re.compile(r"[a-z][a-z0-9-]{0,60}")


@dataclass(frozen=True)
class Measure:
    """How a chart's values are shown. ``count``: whole numbers; ``number``: with
    ``decimals``; ``percent``: a share (0.82) shown as "82 %". ``unit`` (translated, e.g.
    "h") follows the number after a non-breaking space."""

    kind: ValueKind = "count"
    decimals: int = 0
    unit: str = ""


@dataclass(frozen=True)
class Series:
    """One line, or one colour of bars: its name (the legend) and a value per period or
    category (None: no data there; a gap in a line, no bar)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Target:
    """A promise or goal drawn as a labelled dashed line, e.g. ``Target(0.8, _("Target"))``."""

    value: float
    label: str


@dataclass(frozen=True)
class DataRow:
    header: str  # the period or category, in full
    cells: list[str | None]  # formatted values; None: no data


@dataclass(frozen=True)
class DataTable:
    """The chart's figures, for the table under it."""

    caption: str
    corner: str  # the header of the first column ("Week", "Team")
    columns: list[str]  # the series' names
    rows: list[DataRow]
    note: str = ""  # e.g. the target, in words


@dataclass(frozen=True)
class Chart:
    id: str  # the figure's id on the page; the SVG's ids start with it
    title: str
    summary: str  # one sentence: what the chart shows (the SVG's <desc>)
    svg: Markup  # empty when there is nothing to draw
    table: DataTable
    no_data: str  # the sentence shown instead of an empty chart

    @property
    def empty(self) -> bool:
        return not self.svg


# ---- numbers and periods ----
def format_value(value: float, measure: Measure, lang: str) -> str:
    """``value`` as the reader reads it: "1 250", "12,5 h", "82 %" in Swedish."""
    decimals = 0 if measure.kind == "count" else max(0, measure.decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    shown = value * 100 if measure.kind == "percent" else value
    text = format_decimal(shown, format=pattern, locale=lang)
    if measure.kind == "percent":
        text += "\u00a0%"
    return f"{text}\u00a0{measure.unit}" if measure.unit else text


def period_labels(periods: Sequence[date], grain: Grain, lang: str) -> tuple[list[str], list[str]]:
    """Short labels for the axis and full ones for the table: weeks "v. 49" and
    "v. 49 (2026-11-30)" (ISO weeks; the period is given by its first day), months
    "dec. 2026" / "december 2026", days "7 dec." / the page's date format."""
    gettext = translations(lang).gettext
    axis: list[str] = []
    full: list[str] = []
    for index, day in enumerate(periods):
        if grain == "week":
            week = day.isocalendar().week
            axis.append(gettext(WEEK) % {"week": week})
            full.append(gettext(WEEK_OF) % {"week": week, "date": format_day(day, lang)})
        elif grain == "month":
            with_year = index == 0 or day.month == 1
            axis.append(format_date(day, "MMM y" if with_year else "LLL", locale=lang))
            full.append(format_date(day, "LLLL y", locale=lang))
        else:
            axis.append(format_date(day, "d MMM", locale=lang))
            full.append(format_day(day, lang))
    return axis, full


def nice_ticks(values: Sequence[float], measure: Measure) -> list[float]:
    """The value axis: from 0 (or below, for negative values) to a round number above the
    largest value, in four to six round steps (whole steps for counts, 0–100 % for shares)."""
    low, high = min(0.0, *values), max(0.0, *values)
    if measure.kind == "percent" and low >= 0 and high <= 1:
        return [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    if high == low:
        high = low + 1
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if measure.kind == "count":
        step = max(1.0, math.ceil(step))
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(k * step, 10) for k in range(first, last + 1)]


def _tick_measure(ticks: Sequence[float], measure: Measure) -> Measure:
    """The measure for the axis labels: as few decimals as the step needs."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    shown = step * 100 if measure.kind == "percent" else step
    decimals = 0 if shown >= 1 or measure.kind == "count" else -math.floor(math.log10(shown))
    return Measure(measure.kind if measure.kind != "count" else "number", decimals, measure.unit)


# ---- the charts ----
def line_chart(
    *,
    id: str,
    title: str,
    summary: str,
    periods: Sequence[date],
    grain: Grain,
    series: Sequence[Series],
    measure: Measure,
    lang: str,
    target: Target | None = None,
    period_header: str | None = None,
) -> Chart:
    """One or more series over weekly, monthly or daily periods (each given by its first
    day), with an optional target line."""
    axis, full = period_labels(periods, grain, lang)
    corner = period_header or translations(lang).gettext(PERIOD_HEADERS[grain])
    return _chart("line", id, title, summary, axis, full, corner, series, measure, lang, target)


def bar_chart(
    *,
    id: str,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    measure: Measure,
    lang: str,
    category_header: str,
    target: Target | None = None,
    horizontal: bool = False,
) -> Chart:
    """Bars per category (a team, a topic, a score 1–5), one colour and fill per series;
    ``horizontal`` for long category names."""
    labels = list(categories)
    return _chart(
        "bar", id, title, summary, labels, labels, category_header, series, measure, lang,
        target, horizontal=horizontal,
    )  # fmt: skip


def stacked_bar_chart(
    *,
    id: str,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    measure: Measure,
    lang: str,
    category_header: str,
    total_header: str | None = None,
    horizontal: bool = False,
) -> Chart:
    """Bars per category made of the series' parts (backlog by age: waiting on us, on the
    customer). With ``total_header`` the table gets a column of each category's total."""
    labels = list(categories)
    totals = None
    if total_header is not None:
        sums = [
            sum(v for s in series if (v := s.values[i]) is not None) for i in range(len(labels))
        ]
        totals = (total_header, sums)
    return _chart(
        "stacked", id, title, summary, labels, labels, category_header, series, measure, lang,
        None, horizontal=horizontal, totals=totals,
    )  # fmt: skip


def _chart(
    kind: Kind,
    chart_id: str,
    title: str,
    summary: str,
    axis: Sequence[str],
    full: Sequence[str],
    corner: str,
    series: Sequence[Series],
    measure: Measure,
    lang: str,
    target: Target | None,
    *,
    horizontal: bool = False,
    totals: tuple[str, Sequence[float]] | None = None,
) -> Chart:
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"a chart id is lowercase letters, digits and '-', not {chart_id!r}")
    for one in series:
        if len(one.values) != len(axis):
            raise ValueError(f"{one.name!r} has {len(one.values)} values for {len(axis)} labels")
    gettext = translations(lang).gettext
    note = ""
    if target is not None:
        shown = format_value(target.value, measure, lang)
        note = gettext(TARGET) % {"label": target.label, "value": shown}
    rows = [
        DataRow(
            header=full[i],
            cells=[_cell(s.values[i], measure, lang) for s in series]
            + ([format_value(totals[1][i], measure, lang)] if totals else []),
        )
        for i in range(len(full))
    ]
    columns = [s.name for s in series] + ([totals[0]] if totals else [])
    table = DataTable(caption=title, corner=corner, columns=columns, rows=rows, note=note)
    desc = f"{summary} {note}".strip()
    values = [v for s in series for v in s.values if v is not None]
    if not axis or not values:
        return Chart(chart_id, title, desc, Markup(""), table, gettext(NO_DATA))
    if kind == "stacked":
        values = [
            sum(v for s in series if (v := s.values[i]) is not None) for i in range(len(axis))
        ]
    ticks = nice_ticks([*values, *([target.value] if target else [])], measure)
    tick_measure = _tick_measure(ticks, measure)
    spec = SvgSpec(
        kind=kind,
        dom_id=chart_id,
        title=title,
        desc=desc,
        labels=list(axis),
        series=[(s.name, list(s.values)) for s in series],
        ticks=ticks,
        tick_label=lambda v: format_value(v, tick_measure, lang),
        target=(target.value, note) if target else None,
        horizontal=horizontal,
        height=_height(kind, horizontal, len(axis), len(series)),
    )
    # The SVG is built as a tree and serialised by ElementTree, which escapes all text.
    return Chart(chart_id, title, desc, Markup(render_svg(spec)), table, gettext(NO_DATA))  # noqa: S704


def _cell(value: float | None, measure: Measure, lang: str) -> str | None:
    return None if value is None else format_value(value, measure, lang)


def _height(kind: Kind, horizontal: bool, labels: int, series: int) -> int:
    """Taller for horizontal bars with many categories, and for a legend of many rows."""
    legend_rows = math.ceil(series / 3) if series > 1 else 0
    base = 300 + 28 * legend_rows
    if horizontal and kind != "line":
        return max(base, 90 + 44 * labels + 28 * legend_rows)
    return base
