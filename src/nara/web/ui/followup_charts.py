"""The follow-up's charts (``nara.web.charts``): the weekly or monthly trends, with the
promise or the National Audit Office's bar as a target line where there is one, volumes
by channel and topic, the backlog by age and the satisfaction scores as bars. The page
shows each chart's figures in its own table (with the drill-down links) right under it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nara import i18n
from nara.followup.catalogue import WAIT_BAR_MINUTES
from nara.followup.figures import Breakdown, Unit
from nara.i18n import N_
from nara.web import charts
from nara.web.ui import followup_view as view

TREND_SUMMARY = {
    "week": N_("%(what)s per week, from %(first)s to %(last)s."),
    "month": N_("%(what)s per month, from %(first)s to %(last)s."),
}
BREAKDOWN_SUMMARY = N_("Most of them: %(name)s, %(count)s of %(total)s.")
PROMISE = N_("Promise")
BAR = N_("The National Audit Office's bar")
HOURS_UNIT = N_("h")
MINUTES_UNIT = N_("min")


def _measure(unit: Unit, lang: str, *, hours: bool) -> charts.Measure:
    gettext = i18n.translations(lang).gettext
    if unit == "share":
        return charts.Measure("percent")
    if unit == "minutes":
        return charts.Measure("number", 1, gettext(HOURS_UNIT if hours else MINUTES_UNIT))
    if unit in ("score", "per_case"):
        return charts.Measure("number", 1)
    return charts.Measure("count")


def trend_chart(
    table: view.TrendTable, grain: view.Grain, targets: Mapping[str, float], lang: str
) -> charts.Chart:
    """A line per figure of the trend table; durations in hours when they run long."""
    gettext = i18n.translations(lang).gettext
    spec = view.spec_of(table.figure_keys[0])
    unit: Unit = spec.unit if spec is not None else "count"
    values = [v for series in table.raw for v in series if v is not None]
    target_minutes = next((targets[k] for k in table.figure_keys if k in targets), None)
    if table.key == "wait":
        target_minutes = float(WAIT_BAR_MINUTES)
    hours = unit == "minutes" and max([*values, target_minutes or 0.0], default=0.0) > 180
    scale = 1 / 60 if hours else 1.0
    target = None
    if target_minutes is not None:
        message = BAR if table.key == "wait" else PROMISE
        target = charts.Target(target_minutes * scale, gettext(message))
    series = [
        charts.Series(name, [None if v is None else v * scale for v in raw])
        for name, raw in zip(table.columns, table.raw, strict=True)
    ]
    first = table.rows[0].first if table.rows else None
    last = table.rows[-1].last if table.rows else None
    summary = gettext(TREND_SUMMARY[grain]) % {
        "what": table.title,
        "first": i18n.format_day(first, lang),
        "last": i18n.format_day(last, lang),
    }
    return charts.line_chart(
        id=f"chart-trend-{table.key}",
        title=table.title,
        summary=summary,
        periods=[row.first for row in table.rows],
        grain=grain,
        series=series,
        measure=_measure(unit, lang, hours=hours),
        lang=lang,
        target=target,
    )


def breakdown_chart(shown: view.BreakdownView, breakdown: Breakdown, lang: str) -> charts.Chart:
    """Bars per channel, topic, score or age band (horizontal for topics' long names)."""
    gettext = i18n.translations(lang).gettext
    counts = [float(line.count) for line in shown.lines]
    total = sum(line.count for line in shown.lines)
    summary = ""
    if total:
        top = max(shown.lines, key=lambda line: line.count)
        summary = gettext(BREAKDOWN_SUMMARY) % {
            "name": top.name,
            "count": i18n.format_number(top.count, lang),
            "total": i18n.format_number(total, lang),
        }
    return charts.bar_chart(
        id="chart-" + breakdown.key.replace("_", "-"),
        title=shown.title,
        summary=summary,
        categories=[line.name for line in shown.lines],
        series=[charts.Series(shown.title, counts)],
        measure=charts.Measure("count"),
        lang=lang,
        category_header=shown.header,
        horizontal=breakdown.key == "opened_by_topic",
    )


def overview_charts(
    breakdowns: Sequence[tuple[view.BreakdownView, Breakdown]],
    trends: Sequence[view.TrendTable],
    grain: view.Grain,
    targets: Mapping[str, float],
    lang: str,
) -> dict[str, charts.Chart]:
    """The page's charts by the key of the table they go with."""
    found: dict[str, charts.Chart] = {}
    for shown, breakdown in breakdowns:
        found[breakdown.key] = breakdown_chart(shown, breakdown, lang)
    for table in trends:
        if table.rows:
            found[f"trend-{table.key}"] = trend_chart(table, grain, targets, lang)
    return found
