"""The follow-up pages' view of the figures (``nara.followup.figures``): values in the
reader's language, each promise or target beside its result with a verdict in words,
links to the drill-down with the same filters, the period presets and the trend tables.
Pure: no database, no request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from nara import i18n
from nara.domain.errors import ValidationFailed
from nara.followup.catalogue import SECTIONS, FigureSpec
from nara.followup.figures import Breakdown, Figure, Target, Trend, TrendPoint, Unit
from nara.followup.filters import NO_TOPIC, Filters
from nara.i18n import N_
from nara.web.ui import followup_names as names
from nara.web.ui import labels

Grain = Literal["week", "month"]
GRAINS: tuple[Grain, ...] = ("week", "month")
VerdictKind = Literal["kept", "missed", "partly"]

# ---- values ----
MINUTES = N_("%(m)s min")
HOURS = N_("%(h)s h")
HOURS_MINUTES = N_("%(h)s h %(m)s min")
DAYS = N_("%(d)s d")
DAYS_HOURS = N_("%(d)s d %(h)s h")
UNDER_A_MINUTE = N_("under 1 min")


def format_minutes(minutes: float, lang: str) -> str:
    """A duration in short words: "under 1 min", "25 min", "3 h 10 min", "2 d 4 h"."""
    gettext = i18n.translations(lang).gettext
    if minutes < 1:
        return gettext(UNDER_A_MINUTE)
    whole = round(minutes)
    if whole < 60:
        return gettext(MINUTES) % {"m": whole}
    hours, rest = divmod(whole, 60)
    if hours >= 24:
        days, hours = divmod(round(minutes / 60), 24)
        if hours == 0:
            return gettext(DAYS) % {"d": days}
        return gettext(DAYS_HOURS) % {"d": days, "h": hours}
    if rest == 0:
        return gettext(HOURS) % {"h": hours}
    return gettext(HOURS_MINUTES) % {"h": hours, "m": rest}


def format_share(share: float, lang: str) -> str:
    """82 % (Swedish "82 %", English "82%"); one decimal under 10 %."""
    pattern = Locale.parse(lang).percent_formats[None].pattern
    if share < 0.1:
        pattern = pattern.replace("#,##0", "#,##0.#")
    return format_percent(share, format=pattern, locale=lang)


def format_value(value: float | None, unit: Unit, lang: str) -> str:
    """A figure's value as the reader reads it; "–" when there is none."""
    if value is None:
        return "–"
    if unit == "count":
        return format_decimal(round(value), locale=lang)
    if unit == "share":
        return format_share(value, lang)
    if unit == "minutes":
        return format_minutes(value, lang)
    if unit == "score":
        return format_decimal(value, format="0.0", locale=lang)
    return format_decimal(value, format="0.00", locale=lang)


# ---- promises and targets ----
PROMISE = N_("Promise: %(time)s")
PROMISES = N_("Promises: %(low)s to %(high)s")
BAR = N_("The National Audit Office's bar: %(time)s")
KKIK = N_("Goal: an answer within one working day")
LAW_NOTICES = N_("Förvaltningslagen 11 §: every delay notice on time")
LAW_SIX_MONTHS = N_("Förvaltningslagen 12 §: none older than six months")
LAW = N_("Required by förvaltningslagen")

VERDICTS: dict[str, dict[VerdictKind, str]] = {
    "promise": {
        "kept": N_("Within the promise"),
        "missed": N_("Over the promise"),
        "partly": N_("Within some of the promises"),
    },
    "bar": {"kept": N_("Within the bar"), "missed": N_("Over the bar"), "partly": ""},
    "law": {"kept": N_("Met"), "missed": N_("Not met"), "partly": ""},
}


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    text: str


def target_text(target: Target | None, key: str, lang: str) -> str:
    if target is None:
        return ""
    gettext = i18n.translations(lang).gettext
    if target.kind in ("promise", "bar") and target.minutes is not None:
        low = target.minutes
        high = target.minutes_high if target.minutes_high is not None else low
        if target.kind == "bar":
            return gettext(BAR) % {"time": format_minutes(low, lang)}
        if high > low:
            return gettext(PROMISES) % {
                "low": format_minutes(low, lang),
                "high": format_minutes(high, lang),
            }
        return gettext(PROMISE) % {"time": format_minutes(low, lang)}
    if target.kind == "kkik":
        return gettext(KKIK)
    if target.kind == "law":
        if key.startswith("delay_notice."):
            return gettext(LAW_NOTICES)
        if key == "backlog.six_months":
            return gettext(LAW_SIX_MONTHS)
        return gettext(LAW)
    return ""


def judge(figure: Figure) -> VerdictKind | None:
    """Whether a figure keeps its promise or target: durations against the promise's
    minutes (within the smallest: kept; over the largest: missed; between: partly), the
    law's figures against "all on time" and "none". None: nothing to judge by."""
    target, value = figure.target, figure.value
    if target is None or value is None:
        return None
    if target.kind in ("promise", "bar") and figure.unit == "minutes":
        if target.minutes is None:
            return None
        high = target.minutes_high if target.minutes_high is not None else target.minutes
        if value <= target.minutes:
            return "kept"
        return "missed" if value > high else "partly"
    if target.kind == "law" and figure.unit == "share":
        return "kept" if value >= 1 else "missed"
    if target.kind == "law" and figure.unit == "count":
        return "kept" if value == 0 else "missed"
    return None


def verdict(figure: Figure, lang: str) -> Verdict | None:
    found = judge(figure)
    if found is None or figure.target is None:
        return None
    message = VERDICTS.get(figure.target.kind, VERDICTS["promise"])[found]
    return Verdict(found, i18n.translations(lang).gettext(message)) if message else None


# The figures that are the kept or the missed part of a promise, marked beside their name.
KEPT_PARTS = ("kept", "in_time", "on_time", "within_bar")
MISSED_PARTS = ("missed", "late", "overdue")


def part_of_promise(key: str) -> VerdictKind | None:
    last = key.rsplit(".", 1)[-1]
    if last in KEPT_PARTS:
        return "kept"
    if last in MISSED_PARTS or last.endswith("_overdue"):
        return "missed"
    return None


# ---- links ----
def drill_href(metric: str, params: Mapping[str, str]) -> str:
    return "/followup/cases?" + urlencode({"metric": metric, **params})


def page_params(filters: Filters, grain: Grain | None = None) -> dict[str, str]:
    params = filters.as_params()
    if grain is not None and grain != "week":
        params["grain"] = grain
    return params


# ---- rows ----
@dataclass(frozen=True)
class FigureRow:
    key: str
    name: str
    value: str
    href: str | None
    based_on: str  # the population of a share, mean or median; "" for counts
    target: str
    verdict: Verdict | None
    part: VerdictKind | None


def figure_row(figure: Figure, params: Mapping[str, str], lang: str) -> FigureRow:
    href = drill_href(figure.metric, params) if figure.metric else None
    based_on = format_decimal(figure.count, locale=lang) if figure.unit != "count" else ""
    return FigureRow(
        key=figure.key,
        name=names.figure_name(figure.key, lang),
        value=format_value(figure.value, figure.unit, lang),
        href=href,
        based_on=based_on,
        target=target_text(figure.target, figure.key, lang),
        verdict=verdict(figure, lang),
        part=part_of_promise(figure.key),
    )


@dataclass(frozen=True)
class BreakdownLine:
    value: str  # the row's key (a channel, a topic slug, a score, an age band)
    name: str
    count: int
    count_shown: str
    share: str
    href: str


@dataclass(frozen=True)
class BreakdownView:
    key: str
    title: str
    header: str
    lines: list[BreakdownLine]


def breakdown_view(breakdown: Breakdown, params: Mapping[str, str], lang: str) -> BreakdownView:
    lines = [
        BreakdownLine(
            value=row.value,
            name=row_name(breakdown.key, row.value, row.name_sv, row.name_en, lang),
            count=row.count,
            count_shown=format_decimal(row.count, locale=lang),
            share=format_share(row.share, lang) if row.share is not None else "–",
            href=drill_href(row.metric, {**params, **row.filters}),
        )
        for row in breakdown.rows
    ]
    return BreakdownView(
        key=breakdown.key,
        title=names.named(names.BREAKDOWNS, breakdown.key, lang),
        header=names.named(names.BREAKDOWN_HEADERS, breakdown.key, lang),
        lines=lines,
    )


def row_name(
    key: str,
    value: str,
    name_sv: str | None,
    name_en: str | None,
    lang: str,
) -> str:
    gettext = i18n.translations(lang).gettext
    if key == "opened_by_channel":
        return labels.label("channel", value, lang)
    if key == "backlog_age":
        return names.named(names.BACKLOG_AGES, value, lang)
    if value == NO_TOPIC:
        return gettext(names.NO_TOPIC)
    if name_sv is not None or name_en is not None:
        return (name_en if lang == "en" else name_sv) or value
    return value


# ---- trends ----
@dataclass(frozen=True)
class TrendGroup:
    key: str
    section: str  # the section the trend is shown in
    title: str  # catalog message
    figures: tuple[str, ...]


TREND_GROUPS = (
    TrendGroup(
        "volumes", "volumes", N_("Cases opened and resolved"), ("cases.opened", "cases.resolved")
    ),
    TrendGroup(
        "first-response",
        "promises",
        N_("First human response, median"),
        ("first_response.median",),
    ),
    TrendGroup("resolution", "promises", N_("Resolution time, median"), ("resolution.median",)),
    TrendGroup(
        "kept",
        "promises",
        N_("Promises kept"),
        ("first_response.kept_share", "resolution.kept_share"),
    ),
    TrendGroup(
        "selfservice",
        "selfservice",
        N_("Share answered by self-service"),
        ("selfservice.answered_share",),
    ),
    TrendGroup(
        "contacts",
        "collaboration",
        N_("First-contact resolution and re-contacts"),
        ("resolution.first_contact_share", "cases.recontact_share"),
    ),
    TrendGroup("csat", "satisfaction", N_("Average satisfaction"), ("csat.average",)),
    TrendGroup("kkik", "authority", N_("Answered within one working day"), ("kkik.in_time_share",)),
    TrendGroup("wait", "authority", N_("Average wait for a first human answer"), ("wait.average",)),
)

WEEK = N_("Week %(week)s")
PERIOD_SPAN = N_("%(first)s to %(last)s")


@dataclass(frozen=True)
class TrendCell:
    value: str
    href: str | None


@dataclass(frozen=True)
class TrendRow:
    header: str
    span: str
    first: date
    last: date
    cells: list[TrendCell]


@dataclass(frozen=True)
class TrendTable:
    key: str
    section: str
    title: str
    columns: list[str]
    figure_keys: list[str]
    rows: list[TrendRow]
    target: str = ""
    raw: list[list[float | None]] = field(default_factory=list)  # per column, per row


def spec_of(key: str) -> FigureSpec | None:
    for specs in SECTIONS.values():
        for spec in specs:
            if spec.key == key:
                return spec
    return None


def period_header(point: TrendPoint, grain: Grain, lang: str) -> tuple[str, str]:
    gettext = i18n.translations(lang).gettext
    span = gettext(PERIOD_SPAN) % {
        "first": i18n.format_day(point.first, lang),
        "last": i18n.format_day(point.last, lang),
    }
    if grain == "week":
        return gettext(WEEK) % {"week": point.first.isocalendar().week}, span
    return format_date(point.first, "LLLL y", locale=lang), span


def trend_tables(
    trends: Sequence[Trend],
    grain: Grain,
    params: Mapping[str, str],
    targets: Mapping[str, str],
    lang: str,
) -> list[TrendTable]:
    """One table per group of trends (the figures the follow-up has series of), rows the
    weeks or months, every cell a link to the items behind it in that week or month."""
    by_key = {t.key: t for t in trends}
    gettext = i18n.translations(lang).gettext
    tables = []
    for group in TREND_GROUPS:
        present = [by_key[k] for k in group.figures if k in by_key]
        if not present:
            continue
        points = [t.weekly if grain == "week" else t.monthly for t in present]
        rows = []
        for index, point in enumerate(points[0]):
            header, span = period_header(point, grain, lang)
            cells = []
            for trend, series in zip(present, points, strict=True):
                spec = spec_of(trend.key)
                found = series[index] if index < len(series) else None
                if found is None:
                    cells.append(TrendCell("–", None))
                    continue
                within = {**params, "from": found.first.isoformat(), "to": found.last.isoformat()}
                metric = spec.metric if spec is not None else None
                cells.append(
                    TrendCell(
                        format_value(found.value, trend.unit, lang),
                        drill_href(metric, within) if metric else None,
                    )
                )
            rows.append(TrendRow(header, span, point.first, point.last, cells))
        tables.append(
            TrendTable(
                key=group.key,
                section=group.section,
                title=gettext(group.title),
                columns=[names.figure_name(t.key, lang) for t in present],
                figure_keys=[t.key for t in present],
                rows=rows,
                target=next((targets[k] for k in group.figures if targets.get(k)), ""),
                raw=[[p.value for p in series] for series in points],
            )
        )
    return tables


# ---- the period ----
PRESETS = (
    ("7d", N_("Last 7 days")),
    ("30d", N_("Last 30 days")),
    ("month", N_("This month")),
    ("last-month", N_("Last month")),
    ("quarter", N_("This quarter")),
    ("12m", N_("Last 12 months")),
)


def preset_period(key: str, today: date) -> tuple[date, date]:
    if key == "7d":
        return today - timedelta(days=6), today
    if key == "30d":
        return today - timedelta(days=29), today
    if key == "month":
        return today.replace(day=1), today
    if key == "last-month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if key == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    href: str
    current: bool


def presets(base: str, filters: Filters, grain: Grain, today: date, lang: str) -> list[Preset]:
    """The quick choices of period, keeping the other filters; the first one that is the
    period shown is marked current (the last 7 days can be this month, on the 7th)."""
    gettext = i18n.translations(lang).gettext
    found = []
    marked = False
    for key, message in PRESETS:
        first, last = preset_period(key, today)
        params = {
            **page_params(filters, grain),
            "from": first.isoformat(),
            "to": last.isoformat(),
        }
        current = not marked and (filters.first, filters.last) == (first, last)
        marked = marked or current
        found.append(Preset(key, gettext(message), f"{base}?{urlencode(params)}", current))
    return found


def parse_grain(value: str | None) -> Grain:
    text = (value or "").strip()
    if text in ("", "week"):
        return "week"
    if text == "month":
        return "month"
    raise ValidationFailed(
        f"grain must be week or month, not {value!r}",
        field="grain",
        template=N_("Choose weeks or months."),
    )
