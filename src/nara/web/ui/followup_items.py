"""The drill-down's items as the page and its CSV show them: when, what, the case (its
number links to the case page), and the few facts that put the item in the figure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from nara import i18n
from nara.domain.actors import Actor
from nara.followup.figures import DrilldownItem, DrilldownPage
from nara.followup.filters import Filters
from nara.i18n import N_
from nara.models import Team, Topic
from nara.queries import directory
from nara.queries import followup as followup_queries
from nara.web.ui import followup_names as names
from nara.web.ui import labels

SCORE = N_("Score %(score)s")
DUE = N_("due %(time)s")
ANSWERED = N_("answered %(time)s")
NOT_ANSWERED = N_("not answered")


@dataclass(frozen=True)
class ItemView:
    kind: str
    at: datetime
    case_number: str | None
    subject: str
    status: str
    team: str
    topic: str
    channel: str
    priority: str
    detail: str
    href: str | None


class Names:
    """Teams and topics by id, read once for a page or a whole CSV."""

    def __init__(self, session: Session, lang: str) -> None:
        self.lang = lang
        self.teams: dict[int, Team] = {t.id: t for t in directory.teams(session)}
        self.topics: dict[int, Topic] = {t.id: t for t in directory.topics(session)}

    def team(self, team_id: object) -> str:
        found = self.teams.get(team_id) if isinstance(team_id, int) else None
        return labels.name_of(found, self.lang)

    def topic(self, topic_id: object) -> str:
        found = self.topics.get(topic_id) if isinstance(topic_id, int) else None
        return labels.name_of(found, self.lang)


def _moment(value: object, lang: str) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return i18n.format_time(datetime.fromisoformat(value), lang)
    except ValueError:
        return value


def detail_text(item: DrilldownItem, found: Names) -> str:
    """The facts of ``item.detail`` that the list shows, in words."""
    lang = found.lang
    gettext = i18n.translations(lang).gettext
    d: Mapping[str, object] = item.detail
    parts: list[str] = []
    if "score" in d:
        parts.append(gettext(SCORE) % {"score": d["score"]})
    if d.get("outcome"):
        parts.append(labels.label("outcome", str(d["outcome"]), lang))
    if item.kind == "consultation":
        parts.append(found.team(d.get("team_id")))
        if d.get("due_at"):
            parts.append(gettext(DUE) % {"time": _moment(d["due_at"], lang)})
        if d.get("answered_at"):
            parts.append(gettext(ANSWERED) % {"time": _moment(d["answered_at"], lang)})
        else:
            parts.append(gettext(NOT_ANSWERED))
    if item.kind == "decision" and d.get("state"):
        parts.append(labels.label("decision_state", str(d["state"]), lang))
    if item.kind == "improvement":
        if d.get("title"):
            parts.append(str(d["title"]))
        if d.get("status"):
            parts.append(labels.label("improvement_status", str(d["status"]), lang))
    return " · ".join(p for p in parts if p)


def item_view(item: DrilldownItem, found: Names) -> ItemView:
    lang = found.lang
    case = item.case
    detail = item.detail
    href = None
    if case is not None:
        href = f"/cases/{case.number}"
    elif item.kind == "improvement":
        href = f"/improvements/{item.id}"
    return ItemView(
        kind=names.named(names.ITEM_KINDS, item.kind, lang),
        at=item.at,
        case_number=case.number if case is not None else None,
        subject=case.subject if case is not None else "",
        status=labels.label("status", case.status, lang) if case is not None else "",
        team=found.team(case.team_id) if case is not None else "",
        topic=found.topic(case.topic_id if case is not None else detail.get("topic_id")),
        channel=labels.label("channel", case.channel if case else _text(detail, "channel"), lang),
        priority=labels.label("priority", case.priority, lang) if case is not None else "",
        detail=detail_text(item, found),
        href=href,
    )


def _text(detail: Mapping[str, object], key: str) -> str | None:
    value = detail.get(key)
    return str(value) if value else None


def every_item(
    session: Session,
    viewer: Actor,
    filters: Filters,
    metric: str,
    first: DrilldownPage,
    now: datetime,
) -> Iterator[DrilldownItem]:
    """All the items behind ``metric``, page after page from ``first`` (for the CSV)."""
    page = first
    while True:
        yield from page.items
        if not page.next_cursor:
            return
        page = followup_queries.drilldown(
            session, viewer, filters, metric, page.next_cursor, followup_queries.MAX_LIMIT, now=now
        )
