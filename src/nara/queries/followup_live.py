"""The follow-up's parts read live, small by nature: the backlog now (active cases, on
partial indexes), the latest comments, the improvements, and an agent's own figures.
The predicates here are also the drill-down's (``followup_drilldown``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from nara.domain.actors import Actor
from nara.followup.days import add_months, starts_at
from nara.followup.figures import Comment, ImprovementLine
from nara.followup.metrics import BACKLOG_AGES
from nara.models import (
    ApprovalRequest,
    Case,
    CaseStatus,
    Decision,
    Improvement,
    ImprovementEffect,
    ImprovementStatus,
    ImprovementTopic,
    SatisfactionRating,
    active_clause,
)
from nara.models.followup import NO_ID
from nara.queries.access import case_visibility
from nara.queries.followup_rows import Scope

COMMENTS = 10
"""Latest comments shown with the satisfaction figures."""
IMPROVEMENTS = 20


def case_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """``scope`` as conditions on ``Case`` (its team now, topic, channel, priority)."""
    out: list[ColumnElement[bool]] = []
    if scope.team_ids is not None:
        out.append(Case.team_id.in_(sorted(scope.team_ids) or [NO_ID - 1]))
    if scope.topic_id == NO_ID:
        out.append(Case.topic_id.is_(None))
    elif scope.topic_id is not None:
        out.append(Case.topic_id == scope.topic_id)
    if scope.channel is not None:
        out.append(Case.channel == scope.channel)
    if scope.priority is not None:
        out.append(Case.priority == scope.priority)
    return out


def six_months_cutoff(now: datetime, zone: str) -> datetime:
    """Cases opened at or before this moment have been open six calendar months (the
    same local date and time six months later, as ``case.six_months`` marks them)."""
    local = now.astimezone(ZoneInfo(zone))
    earlier = add_months(local.date(), -6)
    return datetime.combine(earlier, local.timetz()).astimezone(UTC)


AGE_DAYS = {"0-1": (0, 1), "1-3": (1, 3), "3-7": (3, 7), "7-30": (7, 30), "30-": (30, None)}


def backlog_predicates(now: datetime, zone: str) -> dict[str, ColumnElement[bool]]:
    """Per backlog metric (without ``backlog.``): which active cases it counts."""
    waiting_customer = Case.status == CaseStatus.waiting_on_customer.value
    out: dict[str, ColumnElement[bool]] = {
        "active": Case.id.is_not(None),
        "waiting_on_us": ~waiting_customer,
        "waiting_on_customer": waiting_customer,
        "first_response_overdue": and_(
            Case.first_response_at.is_(None),
            Case.first_response_due_at.is_not(None),
            Case.first_response_due_at < now,
        ),
        "resolution_overdue": and_(
            Case.resolution_due_at.is_not(None), Case.resolution_due_at < now
        ),
        "six_months": Case.opened_at <= six_months_cutoff(now, zone),
    }
    for band in BACKLOG_AGES:
        young, old = AGE_DAYS[band]
        condition = Case.opened_at <= now - timedelta(days=young)
        if old is not None:
            condition = and_(condition, Case.opened_at > now - timedelta(days=old))
        out[f"age_{band}"] = condition
    return out


def backlog(session: Session, scope: Scope, now: datetime, zone: str) -> dict[str, int]:
    """The backlog now: per backlog metric, how many active cases in ``scope``."""
    predicates = backlog_predicates(now, zone)
    row = session.execute(
        select(
            *(
                func.coalesce(func.sum(sql_case((p, 1), else_=0)), 0).label(name)
                for name, p in predicates.items()
            )
        ).where(active_clause(), *case_scope(scope))
    ).one()
    return {name: int(getattr(row, name)) for name in predicates}


def comments(
    session: Session, viewer: Actor, scope: Scope, first: date, last: date, zone: str
) -> tuple[Comment, ...]:
    """The latest comments given in the period, on cases in scope the viewer may read:
    the newest commented ratings a batch at a time (a partial index), then their cases
    by id, so that no filter makes this read the cases whole."""
    r = SatisfactionRating
    window = (
        r.created_at >= starts_at(first, zone),
        r.created_at < starts_at(last + timedelta(days=1), zone),
        r.comment != "",
    )
    out: list[Comment] = []
    before: tuple[datetime, int] | None = None
    for _ in range(COMMENT_BATCHES):
        stmt = select(r.id, r.case_id, r.score, r.comment, r.created_at).where(*window)
        if before is not None:
            stmt = stmt.where(
                (r.created_at < before[0]) | ((r.created_at == before[0]) & (r.id < before[1]))
            )
        batch = session.execute(
            stmt.order_by(r.created_at.desc(), r.id.desc()).limit(COMMENT_BATCH)
        ).all()
        if not batch:
            break
        readable = dict(
            session.execute(
                select(Case.id, Case.number).where(
                    Case.id.in_({row.case_id for row in batch}),
                    case_visibility(viewer),
                    *case_scope(scope),
                )
            ).all()
        )
        for row in batch:
            if row.case_id in readable and len(out) < COMMENTS:
                out.append(
                    Comment(readable[row.case_id], int(row.score), row.comment, row.created_at)
                )
        if len(out) >= COMMENTS or len(batch) < COMMENT_BATCH:
            break
        before = (batch[-1].created_at, batch[-1].id)
    return tuple(out)


COMMENT_BATCH = 200
COMMENT_BATCHES = 5
"""At most this many batches of commented ratings are looked at (a filter that matches
few of them shows fewer comments rather than reading the whole period)."""


def improvement_clauses(scope: Scope, topic: bool = True) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [Improvement.merged_into_id.is_(None)]
    if scope.team_ids is not None:
        out.append(Improvement.owner_team_id.in_(sorted(scope.team_ids) or [NO_ID - 1]))
    if topic and scope.topic_id is not None and scope.topic_id != NO_ID:
        out.append(
            exists().where(
                ImprovementTopic.improvement_id == Improvement.id,
                ImprovementTopic.topic_id == scope.topic_id,
            )
        )
    return out


def improvement_predicates(first: date, last: date, zone: str) -> dict[str, ColumnElement[bool]]:
    return {
        "raised": and_(
            Improvement.created_at >= starts_at(first, zone),
            Improvement.created_at < starts_at(last + timedelta(days=1), zone),
        ),
        "done": and_(
            Improvement.status == ImprovementStatus.done.value,
            Improvement.live_at.is_not(None),
            Improvement.live_at >= first,
            Improvement.live_at <= last,
        ),
    }


def improvement_counts(
    session: Session, scope: Scope, first: date, last: date, zone: str
) -> dict[str, int]:
    counts = {}
    for name, predicate in improvement_predicates(first, last, zone).items():
        counts[name] = int(
            session.scalar(
                select(func.count())
                .select_from(Improvement)
                .where(predicate, *improvement_clauses(scope))
            )
            or 0
        )
    return counts


def improvements_done(
    session: Session, scope: Scope, first: date, last: date, zone: str
) -> tuple[ImprovementLine, ...]:
    """Improvements done (gone live) in the period with their latest measured effect."""
    done = improvement_predicates(first, last, zone)["done"]
    rows = session.execute(
        select(Improvement)
        .where(done, *improvement_clauses(scope))
        .order_by(Improvement.live_at.desc(), Improvement.id.desc())
        .limit(IMPROVEMENTS)
    ).scalars()
    found = list(rows)
    effects: dict[int, ImprovementEffect] = {}
    if found:
        for measured in session.scalars(
            select(ImprovementEffect)
            .where(ImprovementEffect.improvement_id.in_([i.id for i in found]))
            .order_by(ImprovementEffect.id)
        ):
            effects[measured.improvement_id] = measured  # the latest wins
    out = []
    for item in found:
        effect = effects.get(item.id)
        change = effect.relative_change if effect is not None else None
        out.append(
            ImprovementLine(
                id=item.id,
                title=item.title,
                status=item.status,
                done_at=datetime.combine(item.live_at, datetime.min.time(), UTC)
                if item.live_at
                else None,
                verdict=effect.status if effect is not None else None,
                change_pct=round(100 * change, 1) if change is not None else None,
            )
        )
    return tuple(out)


# ---- personal figures ----
@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def personal_predicates(
    viewer: Actor, window: Window
) -> dict[str, tuple[str, ColumnElement[bool]]]:
    """Per personal metric: the kind of item and which items it counts."""
    me = viewer.user_id if viewer.user_id is not None else NO_ID - 1
    mine = Case.owner_id == me
    promise = Case.first_response_budget_min.is_not(None)
    asked = exists().where(
        ApprovalRequest.case_id == Decision.case_id, ApprovalRequest.decision_id == Decision.id
    )
    return {
        "mine.active": ("case", and_(mine, active_clause())),
        "mine.resolved": ("case", and_(mine, window.holds(Case.resolved_at))),
        "mine.first_response.kept": (
            "case",
            and_(
                mine,
                window.holds(Case.first_response_at),
                promise,
                (Case.first_response_due_at.is_(None))
                | (Case.first_response_at <= Case.first_response_due_at),
            ),
        ),
        "mine.first_response.missed": (
            "case",
            and_(
                mine,
                window.holds(Case.first_response_at),
                promise,
                Case.first_response_due_at.is_not(None),
                Case.first_response_at > Case.first_response_due_at,
            ),
        ),
        "mine.csat.rated": (
            "rating",
            and_(mine, window.holds(SatisfactionRating.created_at)),
        ),
        "mine.decisions.at_once": (
            "decision",
            and_(Decision.requested_by_id == me, window.holds(Decision.requested_at), ~asked),
        ),
        "mine.decisions.for_approval": (
            "decision",
            and_(Decision.requested_by_id == me, window.holds(Decision.requested_at), asked),
        ),
        "mine.improvements.raised": (
            "improvement",
            and_(Improvement.raised_by_id == me, window.holds(Improvement.created_at)),
        ),
    }


def personal_counts(session: Session, viewer: Actor, window: Window) -> dict[str, int]:
    """Each personal metric's count, and ``mine.csat.sum`` (the scores added up)."""
    out: dict[str, int] = {}
    for name, (kind, predicate) in personal_predicates(viewer, window).items():
        if kind == "case":
            stmt = select(func.count()).select_from(Case).where(predicate)
        elif kind == "rating":
            stmt = (
                select(func.count())
                .select_from(SatisfactionRating)
                .join(Case, Case.id == SatisfactionRating.case_id)
                .where(predicate)
            )
            out["mine.csat.sum"] = int(
                session.scalar(
                    select(func.coalesce(func.sum(SatisfactionRating.score), 0))
                    .join(Case, Case.id == SatisfactionRating.case_id)
                    .where(predicate)
                )
                or 0
            )
        elif kind == "decision":
            stmt = select(func.count()).select_from(Decision).where(predicate)
        else:
            stmt = select(func.count()).select_from(Improvement).where(predicate)
        out[name] = int(session.scalar(stmt) or 0)
    return out
