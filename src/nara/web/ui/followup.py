"""/followup: the follow-up for leads, admins and agents (their own teams), the personal
follow-up (/followup/me) and the drill-down behind every figure (/followup/cases).

GET only, so that every view has an address. What a viewer may see is decided by
``queries.followup`` (a refusal is the error page); bad filters show the form again with
the message (422). The CSV downloads are in ``followup_csv``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from nara import clock, i18n
from nara.domain.errors import ValidationFailed
from nara.followup.filters import FILTER_PARAMS, Filters, default_period, parse_filters
from nara.followup.metrics import metric as find_metric
from nara.i18n import N_
from nara.models import Channel, Priority, Role
from nara.queries import directory
from nara.queries import followup as followup_queries
from nara.web.deps import DB, Caller
from nara.web.ui import followup_charts, labels
from nara.web.ui import followup_items as items
from nara.web.ui import followup_names as names
from nara.web.ui import followup_sections as sections
from nara.web.ui import followup_view as view
from nara.web.ui.common import FormErrors, require_caller, require_staff_page
from nara.web.ui.render import render

router = APIRouter(prefix="/followup", include_in_schema=False)
PAGE_SIZE = 50
ECHO_LENGTH = 100
PERSONAL_PARAMS = ("from", "to")


def today() -> date:
    return i18n.local(clock.now()).date()


def query_params(request: Request) -> dict[str, str]:
    """The query's parameters (the last of a repeated one)."""
    return {k: v for k, v in request.query_params.items()}


def staff_caller(request: Request, db: Session) -> Caller:
    caller = require_caller(request, db)
    require_staff_page(caller)
    return caller


@dataclass(frozen=True)
class Choice:
    value: str
    name: str


def form_choices(db: Session, caller: Caller, lang: str) -> dict[str, list[Choice]]:
    """The filter form's options: the teams the viewer may follow up, every topic (and
    "without a topic"), the channels, the priorities and the two grains."""
    gettext = i18n.translations(lang).gettext
    every_team = caller.actor.role in (Role.admin, Role.lead)
    teams = [t for t in directory.teams(db) if every_team or t.id in caller.actor.team_ids]
    topics = directory.topics(db)
    return {
        "team": [Choice(t.slug, labels.name_of(t, lang)) for t in teams],
        "topic": [Choice("-", gettext(names.NO_TOPIC))]
        + [Choice(t.slug, labels.name_of(t, lang)) for t in topics],
        "channel": [Choice(c.value, labels.label("channel", c.value, lang)) for c in Channel],
        "priority": [Choice(p.value, labels.label("priority", p.value, lang)) for p in Priority],
        "grain": [Choice("week", gettext(N_("Weeks"))), Choice("month", gettext(N_("Months")))],
    }


def echo(raw: dict[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    """The form's values as given (shown again with the errors)."""
    return {k: raw.get(k, "")[:ECHO_LENGTH] for k in keys}


def form_of(filters: Filters, grain: view.Grain) -> dict[str, str]:
    params = filters.as_params()
    return {**{k: params.get(k, "") for k in FILTER_PARAMS}, "grain": grain}


# ---- the follow-up ----
@router.get("", response_class=HTMLResponse)
def overview(request: Request, db: DB) -> Response:
    caller = staff_caller(request, db)
    lang = request.state.lang
    raw = query_params(request)
    day = today()
    context: dict[str, Any] = {
        "choices": form_choices(db, caller, lang),
        "every_team": caller.actor.role in (Role.admin, Role.lead),
    }
    given_grain = raw.pop("grain", "")
    try:
        grain = view.parse_grain(given_grain)
        filters = parse_filters(raw, today=day)
        found = followup_queries.figures(db, caller.actor, filters, clock.now())
    except ValidationFailed as exc:
        fallback = Filters(*default_period(day))
        return render(
            request,
            "followup/overview.html",
            422,
            errors=FormErrors.from_error(exc, lang),
            form=echo({**raw, "grain": given_grain}, (*FILTER_PARAMS, "grain")),
            presets=view.presets("/followup", fallback, "week", day, lang),
            found=None,
            **context,
        )
    params = view.page_params(filters, grain)
    shown = sections.sections(found, filters.as_params(), lang)
    trends = view.trend_tables(
        found.trends, grain, filters.as_params(), sections.trend_targets(found, lang), lang
    )
    pairs = [
        pair
        for section, figures in zip(shown, found.sections, strict=True)
        for pair in zip(section.breakdowns, figures.breakdowns, strict=True)
    ]
    return render(
        request,
        "followup/overview.html",
        errors=FormErrors(),
        form=form_of(filters, grain),
        grain=grain,
        params=params,
        query=urlencode(params),
        filters=filters,
        presets=view.presets("/followup", filters, grain, day, lang),
        found=found,
        sections=shown,
        trends=trends,
        charts=followup_charts.overview_charts(
            pairs, trends, grain, sections.trend_target_minutes(found), lang
        ),
        comments=sections.comments(found.comments),
        improvements=sections.improvements(found.improvements, lang),
        **context,
    )


# ---- the personal follow-up ----
@router.get("/me", response_class=HTMLResponse)
def personal(request: Request, db: DB) -> Response:
    caller = staff_caller(request, db)
    lang = request.state.lang
    raw = query_params(request)
    day = today()
    try:
        filters = parse_filters(raw, today=day, allowed=PERSONAL_PARAMS)
        found = followup_queries.personal_figures(db, caller.actor, filters, clock.now())
    except ValidationFailed as exc:
        fallback = Filters(*default_period(day))
        return render(
            request,
            "followup/personal.html",
            422,
            errors=FormErrors.from_error(exc, lang),
            form=echo(raw, PERSONAL_PARAMS),
            presets=view.presets("/followup/me", fallback, "week", day, lang),
            found=None,
        )
    params = filters.as_params()
    return render(
        request,
        "followup/personal.html",
        errors=FormErrors(),
        form=params,
        params=params,
        query=urlencode(params),
        filters=filters,
        presets=view.presets("/followup/me", filters, "week", day, lang),
        found=found,
        sections=sections.personal_sections(found, params, lang),
    )


# ---- the drill-down ----
def parse_limit(value: str | None) -> int:
    text = (value or "").strip()
    if not text:
        return PAGE_SIZE
    if text.isdigit() and 1 <= int(text) <= followup_queries.MAX_LIMIT:
        return int(text)
    raise ValidationFailed(
        f"limit must be a whole number from 1 to {followup_queries.MAX_LIMIT}, not {value!r}",
        field="limit",
        template=N_("Show from 1 to %(max)s at a time."),
        params={"max": followup_queries.MAX_LIMIT},
    )


@dataclass(frozen=True)
class Drill:
    """A drill-down request, parsed: the metric, the filters and the page wanted."""

    metric: str
    filters: Filters
    cursor: str | None
    limit: int

    @property
    def personal(self) -> bool:
        return self.metric.startswith("mine.")

    def back(self) -> str:
        params = self.filters.as_params()
        if self.personal:
            params = {k: v for k, v in params.items() if k in PERSONAL_PARAMS}
            return "/followup/me?" + urlencode(params)
        return "/followup?" + urlencode(params)


def parse_drill(raw: dict[str, str], day: date) -> Drill:
    metric = find_metric(raw.pop("metric", None)).key
    cursor = raw.pop("cursor", None) or None
    limit = parse_limit(raw.pop("limit", None))
    filters = parse_filters(raw, today=day)
    return Drill(metric, filters, cursor, limit)


@router.get("/cases", response_class=HTMLResponse)
def drilldown(request: Request, db: DB) -> Response:
    caller = staff_caller(request, db)
    lang = request.state.lang
    raw = query_params(request)
    try:
        drill = parse_drill(dict(raw), today())
        page = followup_queries.drilldown(
            db, caller.actor, drill.filters, drill.metric, drill.cursor, drill.limit,
            now=clock.now(),
        )  # fmt: skip
    except ValidationFailed as exc:
        return render(
            request,
            "followup/cases.html",
            422,
            errors=FormErrors.from_error(exc, lang),
            drill=None,
            page=None,
        )
    found = items.Names(db, lang)
    rows = [items.item_view(i, found) for i in page.items]
    params = {"metric": drill.metric, **drill.filters.as_params()}
    return render(
        request,
        "followup/cases.html",
        errors=FormErrors(),
        drill=drill,
        page=page,
        title=names.figure_name(drill.metric, lang),
        shown=filter_words(drill.filters, found, lang),
        rows=rows,
        has_details=any(r.detail for r in rows),
        params=params,
        query=urlencode(params),
        paged=drill.cursor is not None,
    )


def filter_words(filters: Filters, found: items.Names, lang: str) -> list[tuple[str, str]]:
    """The filters as (name, value) in words, for the drill-down's heading."""
    gettext = i18n.translations(lang).gettext
    period = gettext(view.PERIOD_SPAN) % {
        "first": i18n.format_day(filters.first, lang),
        "last": i18n.format_day(filters.last, lang),
    }
    words = [(gettext(N_("Period")), period)]
    if filters.team is not None:
        team = next((t for t in found.teams.values() if t.slug == filters.team), None)
        words.append((gettext(N_("Team")), labels.name_of(team, lang) or filters.team))
    if filters.topic is not None:
        topic = next((t for t in found.topics.values() if t.slug == filters.topic), None)
        shown = gettext(names.NO_TOPIC) if filters.topic == "-" else filters.topic
        words.append((gettext(N_("Topic")), labels.name_of(topic, lang) or shown))
    if filters.channel is not None:
        words.append((gettext(N_("Channel")), labels.label("channel", filters.channel, lang)))
    if filters.priority is not None:
        words.append((gettext(N_("Priority")), labels.label("priority", filters.priority, lang)))
    return words
