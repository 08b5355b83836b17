"""The agent workspace's inbox: tabs, filters, search, most urgent first.

"Most urgent" is the order Next case uses: the promise due soonest (first response until
there is one, then resolution), then the highest priority, then the case that has
waited longest. Cases without a promise come after those with one."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.selectable import ScalarSelect

from nara import clock
from nara.domain.actors import Actor
from nara.models import ACTIVE_STATUSES, Case, Customer, active_clause, status_in
from nara.queries.callbacks import DUE_HORIZON, due_probe
from nara.queries.consultations import open_count_of
from nara.queries.customers import customer_match, like_pattern
from nara.queries.directory import (
    REFERENCE_COLUMNS,
    CaseReferences,
    references_of,
    with_references,
)
from nara.queries.notifications import unread_count_of
from nara.queries.service import pull_order

TABS = ("mine", "unassigned", "team")
ACTIVE = ACTIVE_STATUSES


@dataclass
class InboxQuery:
    tab: str = "mine"
    topic_id: int | None = None
    status: str | None = None
    channel: str | None = None
    priority: str | None = None
    q: str | None = None
    page: int = 1
    per_page: int = 50


@dataclass
class InboxPage:
    items: list[Case]
    total: int
    page: int
    pages: int | None
    """None: the tab holds more cases than its cap (:data:`BACKLOG_CAP`, :data:`COUNT_CAP`),
    not counted to the end."""
    counts: dict[str, int]
    capped: frozenset[str] = frozenset()  # tabs with more cases than their cap
    has_next: bool = False
    """A page follows this one."""
    consultations_open: int | None = None
    """Open consultations asked of the actor's teams, when counted with the tabs."""
    unread: int | None = None
    """The actor's unread notifications, when counted with the tabs."""
    references: dict[int, CaseReferences] | None = None
    """The items' customer names, topics, teams and owners, when read with them."""
    callbacks_due: bool | None = None
    """False: no callback of the actor's teams is due (asked with the tab counts; None:
    not asked)."""

    @property
    def total_capped(self) -> bool:
        return self.pages is None


BACKLOG_CAP = 1_000
"""Counting a tab of active cases stops here ("1 000+"). A count reads every case it
counts, so an exact figure would cost every view of the inbox time in proportion to the
backlog; beyond this many cases the exact figure changes nothing about which case to
take next. Pages then go on as long as there are cases (:attr:`InboxPage.has_next`)."""

COUNT_CAP = 10_000
"""Counting a tab of done cases (a resolved or closed status: they grow with the
history, every closed case of a team) stops here ("10 000+")."""


def _tab_clauses(values: dict[str, Any] | None = None) -> dict[str, ColumnElement[bool]]:
    """The cases of each tab: with ``values`` (:func:`_tab_values`) bound in, without them
    as parameters (``ib_user``, ``ib_teams``). Each tab is a subset of what the actor may
    see (their own cases, their teams' cases: the reasons of ``case_visibility``), so the
    tab clause alone is the access check; a test holds the two together. Kept this way
    so that each tab is one index range (owner, or team) over the backlog instead of the
    union of both filtered afterwards."""

    def param(name: str, expanding: bool = False) -> BindParameter[Any]:
        if values is None:
            return bindparam(name, expanding=expanding)
        return bindparam(name, values[name], expanding=expanding, unique=True)

    team_clause = Case.team_id.in_(param("ib_teams", expanding=True))
    return {
        "mine": Case.owner_id == param("ib_user"),
        "unassigned": and_(team_clause, Case.owner_id.is_(None)),
        "team": team_clause,
    }


def _tab_values(actor: Actor) -> dict[str, Any]:
    return {"ib_user": actor.user_id or -1, "ib_teams": sorted(actor.team_ids)}


def _tab_clause(actor: Actor, tab: str) -> ColumnElement[bool]:
    return _tab_clauses(_tab_values(actor))[tab]


def _search_clause(text: str) -> ColumnElement[bool]:
    """The case's number, subject or its customer. The customer is looked up per case
    (a correlated scalar subquery on its primary key, which PostgreSQL cannot turn into a
    scan of every customer the way it may with IN or EXISTS), so a search stays within
    the cases the tab holds."""
    text = text.strip()
    own_customer = func.coalesce(
        select(customer_match(text))
        .where(Customer.id == Case.customer_id)
        .correlate(Case)
        .scalar_subquery(),
        False,
    )
    return or_(
        Case.number == text.upper(),
        Case.subject.ilike(like_pattern(text), escape="\\"),
        own_customer,
    )


def _capped_counts(
    base: Select[Case], clauses: dict[str, ColumnElement[bool]]
) -> Select[*tuple[Any, ...]]:
    """Each tab's count over ``base``, one scalar subquery a tab: at most ``ib_cap``
    cases each (an index range with a limit, whatever the tab holds)."""

    def capped(clause: ColumnElement[bool]) -> ScalarSelect[int]:
        limited = (
            base.where(clause).with_only_columns(Case.id).limit(bindparam("ib_cap")).subquery()
        )
        return select(func.count()).select_from(limited).scalar_subquery()

    return select(*(capped(clause).label(name) for name, clause in clauses.items()))


def _counted(row: Any, cap: int) -> tuple[dict[str, int], frozenset[str]]:
    """The tabs' counts (at most ``cap``, counted to ``cap + 1``) and the tabs that hold
    more."""
    found = {name: int(row._mapping[name] or 0) for name in TABS}
    capped = frozenset(name for name, count in found.items() if count > cap)
    return {name: min(count, cap) for name, count in found.items()}, capped


def _paging(query: InboxQuery, total: int, capped: bool) -> tuple[int, int | None]:
    """The page shown and the number of pages (None: not counted to the end)."""
    if capped:
        return max(1, query.page), None
    pages = max(1, -(-total // query.per_page))
    return min(max(1, query.page), pages), pages


BacklogShape = tuple[str | None, bool, bool, bool]
"""What a backlog view's statements depend on besides values: the one status chosen
(None: every active one), and whether a topic, a channel and a priority are chosen."""


def _backlog_page(session: Session, actor: Actor, query: InboxQuery, tab: str) -> InboxPage:
    """A backlog tab without a search: the counts and the page from statements built once
    per shape (:func:`_backlog_statements`), with the actor and the filters as values."""
    shape: BacklogShape = (
        query.status or None,
        bool(query.topic_id),
        bool(query.channel),
        bool(query.priority),
    )
    counting, pages_of = _backlog_statements(shape)
    params: dict[str, Any] = {
        **_tab_values(actor),
        "ib_topic": query.topic_id,
        "ib_channel": query.channel,
        "ib_priority": query.priority,
    }
    params["ib_cap"] = BACKLOG_CAP + 1
    # A minute past the horizon: the callbacks are read a moment later than this.
    params["ib_until"] = clock.now() + DUE_HORIZON + timedelta(minutes=1)
    counted = session.execute(counting, params).one()
    counts, capped = _counted(counted, BACKLOG_CAP)
    consultations_open = int(counted._mapping["consultations_open"] or 0)
    unread = int(counted._mapping["unread"] or 0)
    total = counts[tab]
    page, pages = _paging(query, total, tab in capped)
    params["ib_offset"] = (page - 1) * query.per_page
    params["ib_limit"] = query.per_page + 1  # one more: whether a page follows
    rows = session.execute(pages_of[tab], params).all()
    shown = rows[: query.per_page]
    return InboxPage(
        items=[row[0] for row in shown],
        references={row[0].id: references_of(row[1:]) for row in shown},
        total=total,
        page=page,
        pages=pages,
        counts=counts,
        capped=capped,
        has_next=len(rows) > query.per_page,
        consultations_open=consultations_open,
        unread=unread,
        # An admin's due callbacks are every team's, not only their own teams'.
        callbacks_due=None if actor.is_admin else bool(counted._mapping["callbacks_due"]),
    )


@functools.cache
def _backlog_statements(
    shape: BacklogShape,
) -> tuple[Select[*tuple[Any, ...]], dict[str, Select[*tuple[Any, ...]]]]:
    """The counts of the three tabs (one query, as :func:`_backlog_counts`) and each tab's
    page in pull order, for a backlog shape; the actor and the filters are parameters."""
    status, topic, channel, priority = shape
    base = select(Case).where(status_in([status]) if status else active_clause())
    if topic:
        base = base.where(Case.topic_id == bindparam("ib_topic"))
    if channel:
        base = base.where(Case.channel == bindparam("ib_channel"))
    if priority:
        base = base.where(Case.priority == bindparam("ib_priority"))
    clauses = _tab_clauses()
    # The page's other counters come along: the consultations tab's, the header's unread.
    teams: BindParameter[list[int]] = bindparam("ib_teams", expanding=True)
    counting = _capped_counts(base, clauses).add_columns(
        open_count_of(teams).label("consultations_open"),
        unread_count_of(bindparam("ib_user")).label("unread"),
        due_probe(teams, bindparam("ib_until")).label("callbacks_due"),
    )
    pages = {
        name: with_references(base.where(clause).add_columns(*REFERENCE_COLUMNS))
        .order_by(*pull_order())
        .offset(bindparam("ib_offset"))
        .limit(bindparam("ib_limit"))
        for name, clause in clauses.items()
    }
    return counting, pages


def inbox(session: Session, actor: Actor, query: InboxQuery) -> InboxPage:
    tab = query.tab if query.tab in TABS else "mine"
    if not actor.is_staff:
        return InboxPage(items=[], total=0, page=1, pages=1, counts=dict.fromkeys(TABS, 0))
    backlog = not query.status or query.status in ACTIVE
    if backlog and not (query.q and query.q.strip()):
        return _backlog_page(session, actor, query, tab)
    base = select(Case).where(status_in([query.status]) if query.status else active_clause())
    if query.topic_id:
        base = base.where(Case.topic_id == query.topic_id)
    if query.channel:
        base = base.where(Case.channel == query.channel)
    if query.priority:
        base = base.where(Case.priority == query.priority)
    if query.q and query.q.strip():
        base = base.where(_search_clause(query.q))
    clauses = {name: _tab_clause(actor, name) for name in TABS}
    cap = BACKLOG_CAP if backlog else COUNT_CAP
    counts, capped = _counted(
        session.execute(_capped_counts(base, clauses), {"ib_cap": cap + 1}).one(), cap
    )
    total = counts[tab]
    page, pages = _paging(query, total, tab in capped)
    # Resolved and closed cases: the latest first (an index range on team or owner and
    # time); promise order means nothing once the work is done.
    order: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...] = (
        pull_order() if backlog else (Case.opened_at.desc(), Case.id.desc())
    )
    rows = list(
        session.scalars(
            base.where(clauses[tab])
            .order_by(*order)
            .offset((page - 1) * query.per_page)
            .limit(query.per_page + 1)
        )
    )
    return InboxPage(
        items=rows[: query.per_page],
        total=total,
        page=page,
        pages=pages,
        counts=counts,
        capped=capped,
        has_next=len(rows) > query.per_page,
    )
