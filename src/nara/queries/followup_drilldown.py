"""The drill-down: the items behind a figure, newest first, cursor-paginated.

A figure counted from the daily facts lists the rows of the very same SQL
(``followup_facts``, with the items' ids) whose count is 1, so the list holds exactly what
the figure counted (for the days rolled, as they were when rolled). The days are read
from the newest back, a few at first and more each time, until the page is full. Only
items of cases the viewer may read are listed (``case_visibility``); ``left_out`` says on
the first page how many others the figure counts, never what they are."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, literal, or_, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from nara.clock import ensure_utc
from nara.config import get_settings
from nara.domain.actors import Actor
from nara.domain.errors import ValidationFailed
from nara.followup.days import day_facts, each_day, local_date, starts_at
from nara.followup.figures import DrilldownItem, DrilldownPage, ItemKind
from nara.followup.filters import Filters
from nara.followup.metrics import Metric
from nara.followup.metrics import metric as find_metric
from nara.i18n import N_
from nara.models import (
    Case,
    CaseParticipant,
    Consultation,
    Conversation,
    Decision,
    Improvement,
    Role,
    SatisfactionRating,
    active_clause,
)
from nara.models.followup import NO_ID
from nara.queries import followup_live as live
from nara.queries.access import case_visibility
from nara.queries.followup_facts import Facts, maybe_late_message, parameters, shape
from nara.queries.followup_rows import Period, Scope
from nara.queries.followup_sql import Dialect

MAX_LIMIT = 100
CHUNK_GROWTH = 2
MAX_CHUNK_DAYS = 128
COUNT_CHUNK_DAYS = 366

Condition = Callable[[Subquery], ColumnElement[bool]]


def _is(column: str) -> Condition:
    return lambda f: f.c[column] == 1


def counter_of(metric: str) -> str | None:
    """The roll-up counter that counts ``metric``'s items (None: a combination)."""
    if metric == "consultations.late" or metric not in FROM_FACTS:
        return None
    return COUNTER_OF.get(metric)


def _late_consultation(f: Subquery) -> ColumnElement[bool]:
    return and_(f.c.cons_decided == 1, f.c.cons_in_time == 0)


FROM_FACTS: dict[str, tuple[str, Condition]] = {
    "cases.opened": ("opened", _is("opened")),
    "cases.recontact": ("opened", _is("recontact")),
    "cases.handed_over": ("opened", _is("handed_over")),
    "kkik.received": ("opened", _is("kkik_received")),
    "kkik.in_time": ("opened", _is("kkik_in_time")),
    "kkik.late": ("opened", _is("kkik_late")),
    "first_response.answered": ("first_response", _is("fr_answered")),
    "first_response.kept": ("first_response", _is("fr_kept")),
    "first_response.missed": ("first_response", _is("fr_missed")),
    "wait.answered": ("first_response", _is("wait_answered")),
    "wait.within_bar": ("first_response", _is("wait_within_bar")),
    "resolution.resolved": ("resolved", _is("resolved")),
    "resolution.kept": ("resolved", _is("res_kept")),
    "resolution.missed": ("resolved", _is("res_missed")),
    "resolution.first_contact": ("resolved", _is("first_contact")),
    "selfservice.conversations": ("conversations", _is("ss_conversations")),
    "selfservice.answered": ("conversations", _is("ss_answered")),
    "selfservice.confirmed": ("conversations", _is("ss_confirmed")),
    "selfservice.rejected": ("conversations", _is("ss_rejected")),
    "selfservice.handed_over": ("conversations", _is("ss_handed_over")),
    "selfservice.recontact": ("conversations", _is("ss_recontact")),
    "consultations.decided": ("consultations", _is("cons_decided")),
    "consultations.in_time": ("consultations", _is("cons_in_time")),
    "consultations.late": ("consultations", _late_consultation),
    "decisions.at_once": ("decisions", _is("dec_at_once")),
    "decisions.for_approval": ("decisions", _is("dec_for_approval")),
    "csat.rated": ("ratings", _is("csat_rated")),
    **{f"csat.score_{s}": ("ratings", _is(f"csat_{s}")) for s in range(1, 6)},
    "delay_notice.due": ("delay_notices", _is("delay_due")),
    "delay_notice.on_time": ("delay_notices", _is("delay_on_time")),
    "delay_notice.late": ("delay_notices", _is("delay_late")),
}
COUNTER_OF = {
    "cases.opened": "opened",
    "cases.recontact": "recontact",
    "cases.handed_over": "handed_over",
    "kkik.received": "kkik_received",
    "kkik.in_time": "kkik_in_time",
    "kkik.late": "kkik_late",
    "first_response.answered": "fr_answered",
    "first_response.kept": "fr_kept",
    "first_response.missed": "fr_missed",
    "wait.answered": "wait_answered",
    "wait.within_bar": "wait_within_bar",
    "resolution.resolved": "resolved",
    "resolution.kept": "res_kept",
    "resolution.missed": "res_missed",
    "resolution.first_contact": "first_contact",
    "csat.rated": "csat_rated",
    **{f"csat.score_{s}": f"csat_{s}" for s in range(1, 6)},
    "delay_notice.due": "delay_due",
    "delay_notice.on_time": "delay_on_time",
    "delay_notice.late": "delay_late",
}
NARROWING: dict[str, Callable[[Dialect], ColumnElement[bool]]] = {
    "kkik.late": maybe_late_message,
}
"""Conditions on the case that every item of the figure meets and few others do: the
drill-down adds them so that it reads an index of those few (the figure's own condition
is still what decides)."""
SCORE_OF = {f"csat.score_{s}": s for s in range(1, 6)}
"""The figures of one satisfaction score: their drill-down reads the ratings by score."""
CASE_TEAM_FAMILIES = {"opened", "first_response", "resolved", "ratings", "delay_notices"}
"""Families whose team is the case's team (consultations: the consulted team; decisions:
the team when decided)."""


# ---- cursors ----
def encode_cursor(at: datetime, item_id: int) -> str:
    raw = json.dumps([ensure_utc(at).isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, item = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment, item_id = ensure_utc(datetime.fromisoformat(at)), int(item)
        if not 0 <= item_id < 2**63:
            raise ValueError(item)
        return moment, item_id
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed(
            "cursor is not valid; use next_cursor from a page",
            field="cursor",
            template=N_("This link to the next page is not valid."),
        ) from None


def _after(at: Any, item: Any, cursor: tuple[datetime, int] | None) -> ColumnElement[bool]:
    if cursor is None:
        return true()
    moment, item_id = cursor
    return or_(at < moment, and_(at == moment, item < item_id))


@dataclass(frozen=True)
class Hit:
    item_id: int
    case_id: int | None
    at: datetime


def _unreadable(viewer: Actor) -> ColumnElement[int]:
    """1 for a case the viewer may not read (SQL's NULL of an unowned case included)."""
    return sql_case((case_visibility(viewer), 0), else_=1)


def _reads_all(viewer: Actor) -> bool:
    return viewer.is_system or viewer.role == Role.admin


# ---- the entry ----
def drill(
    session: Session,
    viewer: Actor,
    scope: Scope,
    filters: Filters,
    metric_key: str,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> DrilldownPage:
    found = find_metric(metric_key)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    after = decode_cursor(cursor) if cursor else None
    zone = get_settings().display_timezone
    last = min(filters.last, local_date(now, zone))
    if found.key in FROM_FACTS:
        family, condition = FROM_FACTS[found.key]
        if family == "conversations":
            scope = scope.selfservice()
        drill_facts = FactsDrill(session, viewer, scope, now, zone, family, condition)
        drill_facts.counter = counter_of(found.key)
        drill_facts.score = SCORE_OF.get(found.key)
        narrowing = NARROWING.get(found.key)
        if narrowing is not None:
            drill_facts.narrowing = (narrowing(drill_facts.dialect),)
        hits = drill_facts.page(filters.first, last, after, limit)
        left = drill_facts.left_out(filters.first, last) if after is None else None
    else:
        hits, left = _live(session, viewer, scope, filters, found, now, zone, after, limit)
        left = left if after is None else None
    more = len(hits) > limit
    hits = hits[:limit]
    next_cursor = encode_cursor(hits[-1].at, hits[-1].item_id) if more and hits else None
    items = _items(session, viewer, found, hits)
    return DrilldownPage(found.key, tuple(items), next_cursor, left)


class FactsDrill:
    def __init__(
        self,
        session: Session,
        viewer: Actor,
        scope: Scope,
        now: datetime,
        zone: str,
        family: str,
        condition: Condition,
    ) -> None:
        self.session, self.viewer, self.scope, self.now = session, viewer, scope, now
        self.zone, self.family, self.condition = zone, family, condition
        self.dialect = Dialect(session.get_bind().dialect.name)
        self.counter: str | None = None
        self.score: int | None = None
        """The score of a ``csat.score_N`` figure: its ratings are read by score."""
        self.narrowing: tuple[ColumnElement[bool], ...] = ()

    def _facts(
        self, first: date, last: date, *where: ColumnElement[bool]
    ) -> tuple[Subquery, dict[str, Any]]:
        """The family's rows of the days ``first``..``last`` (``where``: conditions on
        its case) and their bound values."""
        days = [day_facts(d, self.zone) for d in each_day(first, last)]
        keys = self.scope.key_filter()
        facts = Facts(
            self.dialect, len(days), shape(keys), items=True, score=self.score is not None
        )
        values = parameters(days, self.now, self.zone, keys)
        if self.score is not None:
            values["score"] = self.score
        stmt = facts.family(self.family).where(*where, *self.narrowing)
        return stmt.subquery("f"), values

    def _visible(self) -> ColumnElement[bool]:
        return case_visibility(self.viewer)

    def _select(self, f: Subquery, columns: Sequence[Any]) -> Select[Any]:
        stmt = select(*columns).select_from(f).where(self.condition(f))
        if self.family != "conversations":
            stmt = stmt.join(Case, Case.id == f.c.case_id)
        return stmt

    def page(
        self, first: date, last: date, after: tuple[datetime, int] | None, limit: int
    ) -> list[Hit]:
        """Up to ``limit + 1`` hits, newest first, from the days ``first``..``last``."""
        if after is not None:
            last = min(last, local_date(after[0], self.zone))
        hits: list[Hit] = []
        span, hi = 1, last
        while hi >= first and len(hits) <= limit:
            lo = max(first, hi - timedelta(days=span - 1))
            f, values = self._facts(lo, hi)
            stmt = self._select(f, [f.c.item_id, f.c.case_id, f.c.at]).where(
                _after(f.c.at, f.c.item_id, after)
            )
            if self.family != "conversations":
                stmt = stmt.where(self._visible())
            stmt = stmt.order_by(f.c.at.desc(), f.c.item_id.desc()).limit(limit + 1 - len(hits))
            found = self.session.execute(stmt, values)
            hits += [Hit(i, c, ensure_utc(a)) for i, c, a in found]
            hi = lo - timedelta(days=1)
            span = min(MAX_CHUNK_DAYS, span * CHUNK_GROWTH)
        return hits

    def left_out(self, first: date, last: date) -> int:
        """How many items the figure counts that the viewer may not read."""
        if self.family == "conversations" or _reads_all(self.viewer) or first > last:
            return 0
        teams, mine = self.scope.team_ids, frozenset(self.viewer.team_ids)
        if self.family not in CASE_TEAM_FAMILIES or self.counter is None:
            return self._count(first, last, _unreadable(self.viewer))
        if teams is not None and teams <= mine:
            return 0  # every counted case is of the viewer's teams
        # The figure's own counts (roll-ups and live days): all of them, those of the
        # viewer's teams; then the others the viewer reads anyway (owns, took part in).
        total = self._counted(self.scope, first, last)
        own = mine if teams is None else teams & mine
        inside = self._counted(replace(self.scope, team_ids=own), first, last) if own else 0
        return max(0, total - inside - self._read_elsewhere(first, last, mine))

    def _counted(self, scope: Scope, first: date, last: date) -> int:
        assert self.counter is not None
        period = Period(self.session, scope, first, last, self.now, self.zone)
        return period.totals()[0][self.counter]

    def _read_elsewhere(self, first: date, last: date, mine: frozenset[int]) -> int:
        """Items of cases outside the viewer's teams that they read as a participant (a
        consulted team, an earlier owner) or their owner: found from those few cases,
        read first by index, so that the figures' tables are entered by case."""
        me = self.viewer.user_id if self.viewer.user_id is not None else NO_ID - 1
        who = [CaseParticipant.user_id == me]
        if mine:
            who.append(CaseParticipant.team_id.in_(sorted(mine)))
        elsewhere = Case.team_id.not_in(sorted(mine) or [NO_ID - 1])
        took_part = set(
            self.session.scalars(
                select(Case.id).where(
                    Case.id.in_(select(CaseParticipant.case_id).where(or_(*who))), elsewhere
                )
            )
        )
        owned = (
            set(self.session.scalars(select(Case.id).where(Case.owner_id == me, elsewhere)))
            - took_part
        )
        return sum(
            self._count(first, last, literal(1), Case.id.in_(sorted(ids)))
            for ids in (took_part, owned)
            if ids
        )

    def _count(self, first: date, last: date, counted: Any, *where: ColumnElement[bool]) -> int:
        total, start = 0, first
        while start <= last:
            end = min(last, start + timedelta(days=COUNT_CHUNK_DAYS - 1))
            f, values = self._facts(start, end, *where)
            stmt = self._select(f, [func.sum(counted)])
            total += int(self.session.scalar(stmt, values) or 0)
            start = end + timedelta(days=1)
        return total


# ---- live metrics: the backlog, personal figures, improvements ----
def _live(
    session: Session,
    viewer: Actor,
    scope: Scope,
    filters: Filters,
    found: Metric,
    now: datetime,
    zone: str,
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[list[Hit], int]:
    key = found.key
    if key.startswith("backlog."):
        predicate = live.backlog_predicates(now, zone)[key.removeprefix("backlog.")]
        where = [active_clause(), *live.case_scope(scope), predicate]
        hits = _cases(session, where, Case.opened_at, viewer, after, limit)
        left = 0
        if not _reads_all(viewer):
            left = int(session.scalar(select(func.sum(_unreadable(viewer))).where(*where)) or 0)
        return hits, left
    window = live.Window(
        starts_at(filters.first, zone), starts_at(filters.last + timedelta(days=1), zone)
    )
    if key.startswith("mine."):
        kind, predicate = live.personal_predicates(viewer, window)[key]
        return _personal(session, viewer, kind, predicate, key, after, limit), 0
    predicate = live.improvement_predicates(filters.first, filters.last, zone)[
        key.removeprefix("improvements.")
    ]
    return _improvements(
        session, [predicate, *live.improvement_clauses(scope)], key, after, limit
    ), 0


def _cases(
    session: Session,
    where: list[ColumnElement[bool]],
    moment: Any,
    viewer: Actor,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Hit]:
    rows = session.execute(
        select(Case.id, moment)
        .where(*where, case_visibility(viewer), _after(moment, Case.id, after))
        .order_by(moment.desc(), Case.id.desc())
        .limit(limit + 1)
    )
    return [Hit(i, i, ensure_utc(a)) for i, a in rows]


def _personal(
    session: Session,
    viewer: Actor,
    kind: str,
    predicate: ColumnElement[bool],
    key: str,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Hit]:
    if kind == "case":
        moment = {
            "mine.active": Case.opened_at,
            "mine.resolved": Case.resolved_at,
        }.get(key, Case.first_response_at)
        return _cases(session, [predicate], moment, viewer, after, limit)
    if kind == "rating":
        r = SatisfactionRating
        rows = session.execute(
            select(r.case_id, r.created_at)
            .join(Case, Case.id == r.case_id)
            .where(predicate, _after(r.created_at, r.case_id, after))
            .order_by(r.created_at.desc(), r.case_id.desc())
            .limit(limit + 1)
        )
        return [Hit(i, i, ensure_utc(a)) for i, a in rows]
    if kind == "decision":
        d = Decision
        decided = session.execute(
            select(d.id, d.case_id, d.requested_at)
            .where(predicate, _after(d.requested_at, d.id, after))
            .order_by(d.requested_at.desc(), d.id.desc())
            .limit(limit + 1)
        ).all()
        return [Hit(i, c, ensure_utc(a)) for i, c, a in decided]
    return _improvements(session, [predicate], "improvements.raised", after, limit)


def _improvements(
    session: Session,
    where: list[ColumnElement[bool]],
    key: str,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Hit]:
    i = Improvement
    if key == "improvements.done":
        rows = session.execute(
            select(i.id, i.live_at).where(*where).order_by(i.live_at.desc(), i.id.desc())
        ).all()
        hits = [Hit(n, None, datetime.combine(d, time(), UTC)) for n, d in rows if d is not None]
        if after is not None:
            hits = [h for h in hits if (h.at, h.item_id) < after]
        return hits[: limit + 1]
    found = session.execute(
        select(i.id, i.created_at)
        .where(*where, _after(i.created_at, i.id, after))
        .order_by(i.created_at.desc(), i.id.desc())
        .limit(limit + 1)
    )
    return [Hit(n, None, ensure_utc(a)) for n, a in found]


# ---- the items ----
def _items(session: Session, viewer: Actor, found: Metric, hits: list[Hit]) -> list[DrilldownItem]:
    case_ids = sorted({h.case_id for h in hits if h.case_id is not None})
    cases = (
        {
            c.id: c
            for c in session.scalars(
                select(Case).where(Case.id.in_(case_ids), case_visibility(viewer))
            )
        }
        if case_ids
        else {}
    )
    details = _details(session, found.item, found.key, hits)
    kind: ItemKind = found.item
    return [
        DrilldownItem(
            kind,
            h.item_id,
            h.at,
            cases.get(h.case_id) if h.case_id is not None else None,
            details.get(h.item_id, {}),
        )
        for h in hits
    ]


def _details(
    session: Session, kind: ItemKind, key: str, hits: list[Hit]
) -> dict[int, dict[str, Any]]:
    ids = sorted({h.item_id for h in hits})
    if not ids:
        return {}
    if kind == "conversation":
        rows = session.execute(
            select(
                Conversation.id, Conversation.outcome, Conversation.topic_id, Conversation.channel
            ).where(Conversation.id.in_(ids))
        )
        return {i: {"outcome": o, "topic_id": t, "channel": ch} for i, o, t, ch in rows}
    if kind == "consultation":
        k = Consultation
        asked = session.execute(
            select(k.id, k.team_id, k.due_at, k.first_answered_at).where(k.id.in_(ids))
        ).all()
        return {
            i: {"team_id": t, "due_at": d.isoformat(), "answered_at": a.isoformat() if a else None}
            for i, t, d, a in asked
        }
    if kind == "decision":
        decided = session.execute(
            select(Decision.id, Decision.decision_type_id, Decision.state).where(
                Decision.id.in_(ids)
            )
        ).all()
        return {i: {"decision_type_id": t, "state": s} for i, t, s in decided}
    if kind == "improvement":
        raised = session.execute(
            select(Improvement.id, Improvement.title, Improvement.status).where(
                Improvement.id.in_(ids)
            )
        ).all()
        return {i: {"title": t, "status": s} for i, t, s in raised}
    if key.startswith(("csat.", "mine.csat")):
        rated = session.execute(
            select(SatisfactionRating.case_id, SatisfactionRating.score).where(
                SatisfactionRating.case_id.in_(ids)
            )
        ).all()
        return {i: {"score": s} for i, s in rated}
    return {}
