"""The follow-up's sections and figures: key, unit and drill-down metric, in the order
the page shows them. ``docs/metrics.md`` defines each one."""

from __future__ import annotations

from dataclasses import dataclass

from nara.followup.figures import Target, Unit


@dataclass(frozen=True)
class FigureSpec:
    key: str
    unit: Unit
    metric: str | None  # the drill-down listing the figure's ``count`` items
    target: Target | None = None


def _f(key: str, unit: Unit, metric: str | None, target: Target | None = None) -> FigureSpec:
    return FigureSpec(key, unit, metric, target)


WAIT_BAR_MINUTES = 10
"""The National Audit Office's bar for the wait to a person on the phone."""

SECTIONS: dict[str, tuple[FigureSpec, ...]] = {
    "volumes": (
        _f("cases.opened", "count", "cases.opened"),
        _f("cases.resolved", "count", "resolution.resolved"),
    ),
    "selfservice": (
        _f("selfservice.conversations", "count", "selfservice.conversations"),
        _f("selfservice.answered", "count", "selfservice.answered"),
        _f("selfservice.answered_share", "share", "selfservice.conversations"),
        _f("selfservice.confirmed", "count", "selfservice.confirmed"),
        _f("selfservice.rejected", "count", "selfservice.rejected"),
        _f("selfservice.handed_over", "count", "selfservice.handed_over"),
        _f("selfservice.recontact", "count", "selfservice.recontact"),
        _f("selfservice.recontact_share", "share", "selfservice.answered"),
    ),
    "promises": (
        _f("first_response.answered", "count", "first_response.answered"),
        _f("first_response.median", "minutes", "first_response.answered"),
        _f("first_response.p90", "minutes", "first_response.answered"),
        _f("first_response.kept", "count", "first_response.kept"),
        _f("first_response.missed", "count", "first_response.missed"),
        _f("first_response.kept_share", "share", None),
        _f("resolution.resolved", "count", "resolution.resolved"),
        _f("resolution.median", "minutes", "resolution.resolved"),
        _f("resolution.p90", "minutes", "resolution.resolved"),
        _f("resolution.kept", "count", "resolution.kept"),
        _f("resolution.missed", "count", "resolution.missed"),
        _f("resolution.kept_share", "share", None),
    ),
    "backlog": (
        _f("backlog.active", "count", "backlog.active"),
        _f("backlog.waiting_on_us", "count", "backlog.waiting_on_us"),
        _f("backlog.waiting_on_customer", "count", "backlog.waiting_on_customer"),
        _f("backlog.first_response_overdue", "count", "backlog.first_response_overdue"),
        _f("backlog.resolution_overdue", "count", "backlog.resolution_overdue"),
    ),
    "collaboration": (
        _f("resolution.first_contact", "count", "resolution.first_contact"),
        _f("resolution.first_contact_share", "share", "resolution.resolved"),
        _f("cases.recontact", "count", "cases.recontact"),
        _f("cases.recontact_share", "share", "cases.opened"),
        _f("cases.handed_over", "count", "cases.handed_over"),
        _f("cases.handovers_per_case", "per_case", "cases.opened"),
        _f("consultations.decided", "count", "consultations.decided"),
        _f("consultations.in_time", "count", "consultations.in_time"),
        _f("consultations.in_time_share", "share", "consultations.decided"),
        _f("decisions.at_once", "count", "decisions.at_once"),
        _f("decisions.for_approval", "count", "decisions.for_approval"),
        _f("decisions.front_line_share", "share", None),
    ),
    "improvements": (
        _f("improvements.raised", "count", "improvements.raised"),
        _f("improvements.done", "count", "improvements.done"),
    ),
    "satisfaction": (
        _f("csat.rated", "count", "csat.rated"),
        _f("csat.average", "score", "csat.rated"),
        _f("csat.response_rate", "share", "resolution.resolved"),
    ),
    "authority": (
        _f("kkik.received", "count", "kkik.received"),
        _f("kkik.in_time", "count", "kkik.in_time"),
        _f("kkik.late", "count", "kkik.late"),
        _f("kkik.in_time_share", "share", None, Target("kkik")),
        _f("wait.answered", "count", "wait.answered"),
        _f(
            "wait.average",
            "minutes",
            "wait.answered",
            Target("bar", minutes=WAIT_BAR_MINUTES, minutes_high=WAIT_BAR_MINUTES),
        ),
        _f("wait.within_bar", "count", "wait.within_bar"),
        _f("wait.within_bar_share", "share", "wait.answered"),
        _f("delay_notice.due", "count", "delay_notice.due"),
        _f("delay_notice.on_time", "count", "delay_notice.on_time"),
        _f("delay_notice.late", "count", "delay_notice.late"),
        _f("delay_notice.on_time_share", "share", None, Target("law")),
        _f("backlog.six_months", "count", "backlog.six_months", Target("law")),
    ),
}
"""A share whose metric is None is taken over two lists (kept + missed): its parts are
figures of their own, each with its drill-down."""

TRENDS: tuple[str, ...] = (
    "cases.opened",
    "cases.resolved",
    "selfservice.answered_share",
    "first_response.median",
    "first_response.kept_share",
    "resolution.median",
    "resolution.kept_share",
    "resolution.first_contact_share",
    "cases.recontact_share",
    "csat.average",
    "kkik.in_time_share",
    "wait.average",
)
"""The figures with weekly and monthly series (computed from the daily roll-ups)."""

PERSONAL: tuple[FigureSpec, ...] = (
    _f("mine.active", "count", "mine.active"),
    _f("mine.resolved", "count", "mine.resolved"),
    _f("mine.first_response.kept", "count", "mine.first_response.kept"),
    _f("mine.first_response.missed", "count", "mine.first_response.missed"),
    _f("mine.first_response.kept_share", "share", None),
    _f("mine.csat.rated", "count", "mine.csat.rated"),
    _f("mine.csat.average", "score", "mine.csat.rated"),
    _f("mine.decisions.at_once", "count", "mine.decisions.at_once"),
    _f("mine.decisions.for_approval", "count", "mine.decisions.for_approval"),
    _f("mine.improvements.raised", "count", "mine.improvements.raised"),
)
