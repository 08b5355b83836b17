"""The follow-up's reads: the figures (daily roll-ups for the days rolled, counted live
after them), an agent's personal figures and the drill-down behind every figure
(``docs/metrics.md``).

Who sees what: admins and leads read the figures of every team, agents those of the
teams they belong to (a filter on another team is refused, 403) and their own; customers
are refused. The drill-down lists only what the viewer may read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.domain.actors import Actor
from nara.domain.errors import PermissionDenied, ValidationFailed
from nara.followup import histogram
from nara.followup.catalogue import PERSONAL, SECTIONS, TRENDS, FigureSpec
from nara.followup.days import local_date, month_start, starts_at, week_start
from nara.followup.figures import (
    Breakdown,
    BreakdownRow,
    DrilldownPage,
    Figure,
    FollowupFigures,
    PersonalFigures,
    Section,
    Target,
    Trend,
    TrendPoint,
    Unit,
)
from nara.followup.filters import NO_TOPIC, Filters
from nara.followup.metrics import BACKLOG_AGES, SCORES
from nara.i18n import N_
from nara.models import Channel, Role, Team, Topic
from nara.models.followup import NO_ID
from nara.queries import followup_live as live
from nara.queries.followup_drilldown import MAX_LIMIT, drill
from nara.queries.followup_rows import Period, Scope, Tally

__all__ = ["MAX_LIMIT", "drilldown", "figures", "personal_figures", "resolve_scope"]

Value = tuple[float | None, int]  # a figure's value and count


# ---- who may read what ----
def require_reader(viewer: Actor) -> None:
    if not (viewer.is_staff or viewer.is_system):
        raise PermissionDenied(
            "the follow-up is for staff", template=N_("The follow-up is for staff.")
        )


def resolve_scope(session: Session, viewer: Actor, filters: Filters) -> Scope:
    """The filters' slugs as ids, checked against what the viewer may read: 422 for a
    team or topic that does not exist, 403 for an agent's filter on another team."""
    require_reader(viewer)
    team_ids: frozenset[int] | None = None
    if filters.team is not None:
        team = session.scalar(select(Team).where(Team.slug == filters.team))
        if team is None:
            raise ValidationFailed(
                f"no team {filters.team!r}",
                field="team",
                template=N_("There is no team %(team)s."),
                params={"team": filters.team},
            )
        if not _reads_every_team(viewer) and team.id not in viewer.team_ids:
            raise PermissionDenied(
                f"you are not in team {filters.team!r}; agents follow up their own teams",
                template=N_("You can only follow up the teams you belong to."),
            )
        team_ids = frozenset({team.id})
    elif not _reads_every_team(viewer):
        team_ids = frozenset(viewer.team_ids)
    topic_id: int | None = None
    if filters.topic == NO_TOPIC:
        topic_id = NO_ID
    elif filters.topic is not None:
        topic_id = session.scalar(select(Topic.id).where(Topic.slug == filters.topic))
        if topic_id is None:
            raise ValidationFailed(
                f"no topic {filters.topic!r}",
                field="topic",
                template=N_("There is no topic %(topic)s."),
                params={"topic": filters.topic},
            )
    channel = filters.channel.value if filters.channel else None
    priority = filters.priority.value if filters.priority else None
    return Scope(team_ids, topic_id, channel, priority)


def _reads_every_team(viewer: Actor) -> bool:
    return viewer.is_system or viewer.role in (Role.admin, Role.lead)


def quick_plans(session: Session) -> None:
    """PostgreSQL would compile the follow-up's large statements to machine code (JIT)
    for longer than they take to run: not for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


# ---- figures from counts ----
def _share(part: int, whole: int) -> Value:
    return (part / whole if whole else None), whole


def _minutes(counts: Mapping[int, int], q: float, n: int) -> Value:
    seconds = histogram.quantile(counts, q)
    return (round(seconds / 60, 2) if seconds is not None else None), n


def values(main: Tally, ss: Tally) -> dict[str, Value]:
    """Every rolled figure's value and count from the period's counts."""
    m, s = main, ss
    fr_decided = m["fr_kept"] + m["fr_missed"]
    res_decided = m["res_kept"] + m["res_missed"]
    kkik_decided = m["kkik_in_time"] + m["kkik_late"]
    notices_decided = m["delay_on_time"] + m["delay_late"]
    decisions = m["dec_at_once"] + m["dec_for_approval"]
    wait = (m["wait_ms"] / 60000 / m["wait_answered"]) if m["wait_answered"] else None
    out: dict[str, Value] = {
        "cases.opened": (m["opened"], m["opened"]),
        "cases.resolved": (m["resolved"], m["resolved"]),
        "selfservice.answered_share": _share(s["ss_answered"], s["ss_conversations"]),
        "selfservice.recontact_share": _share(s["ss_recontact"], s["ss_answered"]),
        "first_response.median": _minutes(m.fr, 0.5, m["fr_answered"]),
        "first_response.p90": _minutes(m.fr, 0.9, m["fr_answered"]),
        "first_response.kept_share": _share(m["fr_kept"], fr_decided),
        "resolution.median": _minutes(m.res, 0.5, m["resolved"]),
        "resolution.p90": _minutes(m.res, 0.9, m["resolved"]),
        "resolution.kept_share": _share(m["res_kept"], res_decided),
        "resolution.first_contact_share": _share(m["first_contact"], m["resolved"]),
        "cases.recontact_share": _share(m["recontact"], m["opened"]),
        "cases.handovers_per_case": (
            (m["handovers"] / m["opened"] if m["opened"] else None),
            m["opened"],
        ),
        "consultations.in_time_share": _share(m["cons_in_time"], m["cons_decided"]),
        "decisions.front_line_share": _share(m["dec_at_once"], decisions),
        "csat.average": (
            (m["csat_sum"] / m["csat_rated"] if m["csat_rated"] else None),
            m["csat_rated"],
        ),
        "csat.response_rate": _share(m["csat_rated"], m["resolved"]),
        "kkik.in_time_share": _share(m["kkik_in_time"], kkik_decided),
        "wait.average": ((round(wait, 2) if wait is not None else None), m["wait_answered"]),
        "wait.within_bar_share": _share(m["wait_within_bar"], m["wait_answered"]),
        "delay_notice.on_time_share": _share(m["delay_on_time"], notices_decided),
    }
    counts = {
        "selfservice.conversations": s["ss_conversations"],
        "selfservice.answered": s["ss_answered"],
        "selfservice.confirmed": s["ss_confirmed"],
        "selfservice.rejected": s["ss_rejected"],
        "selfservice.handed_over": s["ss_handed_over"],
        "selfservice.recontact": s["ss_recontact"],
        "first_response.answered": m["fr_answered"],
        "first_response.kept": m["fr_kept"],
        "first_response.missed": m["fr_missed"],
        "resolution.resolved": m["resolved"],
        "resolution.kept": m["res_kept"],
        "resolution.missed": m["res_missed"],
        "resolution.first_contact": m["first_contact"],
        "cases.recontact": m["recontact"],
        "cases.handed_over": m["handed_over"],
        "consultations.decided": m["cons_decided"],
        "consultations.in_time": m["cons_in_time"],
        "decisions.at_once": m["dec_at_once"],
        "decisions.for_approval": m["dec_for_approval"],
        "csat.rated": m["csat_rated"],
        "kkik.received": m["kkik_received"],
        "kkik.in_time": m["kkik_in_time"],
        "kkik.late": m["kkik_late"],
        "wait.answered": m["wait_answered"],
        "wait.within_bar": m["wait_within_bar"],
        "delay_notice.due": m["delay_due"],
        "delay_notice.on_time": m["delay_on_time"],
        "delay_notice.late": m["delay_late"],
    }
    out.update({key: (n, n) for key, n in counts.items()})
    return out


def _promise(tally: Tally, kind: str) -> Target | None:
    low, high = tally.lows.get(kind), tally.highs.get(kind)
    if low is None or high is None:
        return None
    return Target("promise", minutes=float(low), minutes_high=float(high))


def _figure(spec: FigureSpec, value: Value, target: Target | None = None) -> Figure:
    return Figure(spec.key, value[0], spec.unit, value[1], spec.metric, target or spec.target)


DIMENSIONS = {
    "selfservice": ("period", "topic"),
    "backlog": ("team", "topic", "channel", "priority"),
    "improvements": ("period", "team", "topic"),
}


# ---- the figures ----
def figures(session: Session, viewer: Actor, filters: Filters, now: datetime) -> FollowupFigures:
    """The follow-up for ``filters`` as ``viewer`` may see it (403 for an agent asking
    for a team they are not in, for customers; 422 for an unknown team or topic)."""
    zone = get_settings().display_timezone
    scope = resolve_scope(session, viewer, filters)
    quick_plans(session)
    today = local_date(now, zone)
    period = Period(session, scope, filters.first, min(filters.last, today), now, zone)
    main, ss = period.totals()
    found = values(main, ss)
    backlog = live.backlog(session, scope, now, zone)
    for name, count in backlog.items():
        found[f"backlog.{name}"] = (count, count)
    improvements = live.improvement_counts(session, scope, filters.first, filters.last, zone)
    for name, count in improvements.items():
        found[f"improvements.{name}"] = (count, count)
    targets = {
        "first_response": _promise(main, "fr_budget"),
        "resolution": _promise(main, "res_budget"),
    }
    sections = []
    for key, specs in SECTIONS.items():
        figs = tuple(
            _figure(s, found[s.key], targets.get(s.key.split(".")[0]) if _held(s) else None)
            for s in specs
        )
        sections.append(
            Section(
                key,
                figs,
                _breakdowns(session, key, period, scope, main, backlog),
                DIMENSIONS.get(key, ("period", "team", "topic", "channel", "priority")),
            )
        )
    return FollowupFigures(
        filters=filters,
        team_ids=scope.team_ids,
        computed_at=now,
        timezone=zone,
        rolled_through=period.rolled[1] if period.rolled else None,
        sections=tuple(sections),
        trends=_trends(period),
        comments=live.comments(session, viewer, scope, filters.first, filters.last, zone),
        improvements=live.improvements_done(session, scope, filters.first, filters.last, zone),
    )


def _held(spec: FigureSpec) -> bool:
    """Figures shown against the cases' own response promise."""
    return spec.key.endswith((".median", ".p90", ".kept_share"))


def _breakdowns(
    session: Session,
    section: str,
    period: Period,
    scope: Scope,
    main: Tally,
    backlog: dict[str, int],
) -> tuple[Breakdown, ...]:
    if section == "volumes":
        return (_by_channel(session, period, scope), _by_topic(session, period, scope))
    if section == "satisfaction":
        rated = main["csat_rated"]
        rows = tuple(
            BreakdownRow(
                str(score),
                main[f"csat_{score}"],
                main[f"csat_{score}"] / rated if rated else None,
                f"csat.score_{score}",
            )
            for score in SCORES
        )
        return (Breakdown("csat_scores", rows),)
    if section == "backlog":
        active = backlog["active"]
        rows = tuple(
            BreakdownRow(
                band,
                backlog[f"age_{band}"],
                backlog[f"age_{band}"] / active if active else None,
                f"backlog.age_{band}",
            )
            for band in BACKLOG_AGES
        )
        return (Breakdown("backlog_age", rows),)
    return ()


def _by_channel(session: Session, period: Period, scope: Scope) -> Breakdown:
    counts = period.breakdown(session, scope, "channel", "opened")
    total = sum(counts.values())
    rows = tuple(
        BreakdownRow(
            c.value,
            counts.get(c.value, 0),
            counts.get(c.value, 0) / total if total else None,
            "cases.opened",
            {"channel": c.value},
        )
        for c in Channel
        if scope.channel in (None, c.value)
    )
    return Breakdown("opened_by_channel", rows)


def _by_topic(session: Session, period: Period, scope: Scope) -> Breakdown:
    counts = period.breakdown(session, scope, "topic_id", "opened")
    total = sum(counts.values())
    topics = {
        t.id: t
        for t in session.scalars(
            select(Topic).where(Topic.id.in_([i for i in counts if isinstance(i, int)]))
        )
    }
    rows = []
    for topic_id, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        topic = topics.get(int(topic_id))
        rows.append(
            BreakdownRow(
                topic.slug if topic else NO_TOPIC,
                count,
                count / total if total else None,
                "cases.opened",
                {"topic": topic.slug if topic else NO_TOPIC},
                topic.name_sv if topic else None,
                topic.name_en if topic else None,
            )
        )
    return Breakdown("opened_by_topic", tuple(rows))


# ---- trends ----
def _trends(period: Period) -> tuple[Trend, ...]:
    if period.first > period.last:
        return tuple(Trend(k, _unit(k), (), ()) for k in TRENDS)
    weekly = _points(period, week_start, lambda d: d + timedelta(days=6), period.week)
    monthly = _points(period, month_start, _month_end, period.month)
    return tuple(
        Trend(key, _unit(key), tuple(p[key] for p in weekly), tuple(p[key] for p in monthly))
        for key in TRENDS
    )


def _unit(key: str) -> Unit:
    for specs in SECTIONS.values():
        for spec in specs:
            if spec.key == key:
                return spec.unit
    raise KeyError(key)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _points(
    period: Period,
    start_of: Callable[[date], date],
    end_of: Callable[[date], date],
    counts: Callable[[date], tuple[Tally, Tally]],
) -> list[dict[str, TrendPoint]]:
    out = []
    start = start_of(period.first)
    while start <= period.last:
        first, last = max(start, period.first), min(end_of(start), period.last)
        main, ss = counts(start)
        found = values(main, ss)
        out.append({k: TrendPoint(first, last, found[k][0], found[k][1]) for k in TRENDS})
        start = end_of(start) + timedelta(days=1)
    return out


# ---- personal ----
def personal_figures(
    session: Session, viewer: Actor, filters: Filters, now: datetime
) -> PersonalFigures:
    """The viewer's own figures over the period (staff with a login only): the cases
    they own now, the decisions they asked for and the improvements they raised."""
    require_reader(viewer)
    if viewer.user_id is None:
        raise PermissionDenied(
            "personal figures need a person", template=N_("The follow-up is for staff.")
        )
    zone = get_settings().display_timezone
    window = live.Window(
        starts_at(filters.first, zone), starts_at(filters.last + timedelta(days=1), zone)
    )
    counts = live.personal_counts(session, viewer, window)
    kept, missed = counts["mine.first_response.kept"], counts["mine.first_response.missed"]
    rated = counts["mine.csat.rated"]
    found: dict[str, Value] = {k: (v, v) for k, v in counts.items()}
    found["mine.first_response.kept_share"] = _share(kept, kept + missed)
    found["mine.csat.average"] = (counts["mine.csat.sum"] / rated if rated else None), rated
    return PersonalFigures(
        user_id=viewer.user_id,
        filters=filters,
        computed_at=now,
        figures=tuple(_figure(s, found[s.key]) for s in PERSONAL),
    )


# ---- drill-down ----
def drilldown(
    session: Session,
    viewer: Actor,
    filters: Filters,
    metric: str,
    cursor: str | None,
    limit: int,
    *,
    now: datetime | None = None,
) -> DrilldownPage:
    """The items behind ``metric`` under ``filters``, newest first, ``limit`` at a time:
    only items of cases ``viewer`` may read; ``left_out`` counts the others (on the
    first page)."""
    from nara import clock

    moment = now or clock.now()
    scope = resolve_scope(session, viewer, filters)
    quick_plans(session)
    return drill(session, viewer, scope, filters, metric, cursor, limit, moment)
