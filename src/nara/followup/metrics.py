"""Every drill-down metric: its key, what its items are and the moment that counts them.
``GET /api/v1/followup/cases?metric=`` takes exactly these keys (``docs/metrics.md``)."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.errors import ValidationFailed
from nara.followup.figures import ItemKind
from nara.i18n import N_


@dataclass(frozen=True)
class Metric:
    key: str
    item: ItemKind
    moment: str  # what dates an item: "opened", "first_response", "resolved", ...
    live: bool = False  # a snapshot of now (the backlog) or counted live (personal)


def _m(key: str, item: ItemKind, moment: str, live: bool = False) -> Metric:
    return Metric(key, item, moment, live)


BACKLOG_AGES = ("0-1", "1-3", "3-7", "7-30", "30-")
"""Age bands of the backlog in days since opening (``30-``: 30 days or more)."""
SCORES = (1, 2, 3, 4, 5)

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        _m("cases.opened", "case", "opened"),
        _m("cases.recontact", "case", "opened"),
        _m("cases.handed_over", "case", "opened"),
        _m("first_response.answered", "case", "first_response"),
        _m("first_response.kept", "case", "first_response"),
        _m("first_response.missed", "case", "first_response"),
        _m("resolution.resolved", "case", "resolved"),
        _m("resolution.kept", "case", "resolved"),
        _m("resolution.missed", "case", "resolved"),
        _m("resolution.first_contact", "case", "resolved"),
        _m("wait.answered", "case", "first_response"),
        _m("wait.within_bar", "case", "first_response"),
        _m("kkik.received", "case", "opened"),
        _m("kkik.in_time", "case", "opened"),
        _m("kkik.late", "case", "opened"),
        _m("csat.rated", "case", "rated"),
        *(_m(f"csat.score_{s}", "case", "rated") for s in SCORES),
        _m("delay_notice.due", "case", "task_created"),
        _m("delay_notice.on_time", "case", "task_created"),
        _m("delay_notice.late", "case", "task_created"),
        _m("consultations.decided", "consultation", "due"),
        _m("consultations.in_time", "consultation", "due"),
        _m("consultations.late", "consultation", "due"),
        _m("decisions.at_once", "decision", "requested"),
        _m("decisions.for_approval", "decision", "requested"),
        _m("selfservice.conversations", "conversation", "started"),
        _m("selfservice.answered", "conversation", "started"),
        _m("selfservice.confirmed", "conversation", "started"),
        _m("selfservice.rejected", "conversation", "started"),
        _m("selfservice.handed_over", "conversation", "started"),
        _m("selfservice.recontact", "conversation", "started"),
        _m("improvements.raised", "improvement", "raised", live=True),
        _m("improvements.done", "improvement", "done", live=True),
        _m("backlog.active", "case", "opened", live=True),
        _m("backlog.waiting_on_us", "case", "opened", live=True),
        _m("backlog.waiting_on_customer", "case", "opened", live=True),
        *(_m(f"backlog.age_{a}", "case", "opened", live=True) for a in BACKLOG_AGES),
        _m("backlog.first_response_overdue", "case", "opened", live=True),
        _m("backlog.resolution_overdue", "case", "opened", live=True),
        _m("backlog.six_months", "case", "opened", live=True),
        _m("mine.active", "case", "opened", live=True),
        _m("mine.resolved", "case", "resolved", live=True),
        _m("mine.first_response.kept", "case", "first_response", live=True),
        _m("mine.first_response.missed", "case", "first_response", live=True),
        _m("mine.csat.rated", "case", "rated", live=True),
        _m("mine.decisions.at_once", "decision", "requested", live=True),
        _m("mine.decisions.for_approval", "decision", "requested", live=True),
        _m("mine.improvements.raised", "improvement", "raised", live=True),
    )
}


def metric(key: str | None) -> Metric:
    """The metric ``key`` (422 naming the choices when there is no such metric)."""
    found = METRICS.get((key or "").strip())
    if found is None:
        raise ValidationFailed(
            f"unknown metric {key!r}; the metrics are {', '.join(METRICS)}",
            field="metric",
            template=N_("There is no figure called %(metric)s."),
            params={"metric": key or ""},
        )
    return found
