"""Reading improvements: the list with filters, one improvement with its evidence,
timeline, trend and cost, the ranked list for leads and the measured effect.

Visibility: improvements are about the organisation, not a customer, so every staff
member reads every improvement; customers never (403). The evidence cases are shown
(number, subject) only when the reader may read the case; otherwise only counted.

Figures (docs/improvements.md):
- *linked contacts*: cases that are confirmed evidence, plus (when the improvement's
  ``count_topic_contacts`` is on, the default) every case on its topics;
- *trend*: linked contacts per week over the last ``TREND_WEEKS`` weeks;
- *handling time per contact*: the mean work time (``work_sessions``) of the confirmed
  evidence cases that have any; else the owning team's recent mean handling time
  (``team_stats``); else ``DEFAULT_HANDLE_MINUTES``;
- *cost of doing nothing*: linked contacts per week (mean over the trend weeks) times the
  handling time, in staff hours per year;
- *expected saving*: that cost times the typical measured effect: the median relative
  change of the measured improvements (their latest measurement), or
  ``DEFAULT_EFFECT`` until there is one.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from nara import clock, textsearch
from nara.domain.actors import Actor
from nara.domain.errors import NotFound, ValidationFailed
from nara.i18n import N_, format_day
from nara.improvements.effect import EffectEstimate, verdict, windows
from nara.improvements.similarity import similar_texts
from nara.models import (
    OPEN_IMPROVEMENT_STATUSES,
    Case,
    EvidenceStatus,
    FollowerRole,
    Improvement,
    ImprovementEffect,
    ImprovementEvent,
    ImprovementEvidence,
    ImprovementFollower,
    ImprovementStatus,
    ImprovementTopic,
    Team,
    TeamMember,
    TeamStats,
    Topic,
    User,
    WorkSession,
)
from nara.queries import case_extras
from nara.queries.access import case_visibility, require_staff

MAX_LIMIT = 100
TREND_WEEKS = 12
DEFAULT_HANDLE_MINUTES = 10.0
"""Handling time per contact when neither the evidence nor the team has measured one."""
DEFAULT_EFFECT = -0.25
"""The typical effect (relative change of contacts) until improvements are measured."""
WEEKS_PER_YEAR = 52


# ---- rows ----
@dataclass(frozen=True)
class EffectView:
    status: str  # measured | not_enough_data | not_measured
    relative_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    before_rate: float | None = None
    after_rate: float | None = None
    measured_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.status == "measured"

    @property
    def significant(self) -> bool:
        """The 95 % interval excludes no change."""
        if self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_high < 0 or self.ci_low > 0


NOT_MEASURED = EffectView(status="not_measured")


@dataclass
class ImprovementRow:
    improvement: Improvement
    team: Team
    topics: list[Topic]
    raised_by: str | None
    evidence_count: int  # confirmed
    suggested_count: int
    supporters: int
    my_role: str | None  # reporter | supporter | follower | None
    effect: EffectView = NOT_MEASURED

    @property
    def is_open(self) -> bool:
        return (
            self.improvement.status in OPEN_IMPROVEMENT_STATUSES
            and self.improvement.merged_into_id is None
        )


@dataclass(frozen=True)
class EvidenceLine:
    evidence: ImprovementEvidence
    visible: bool
    case_number: str | None  # None when the reader may not read the case
    subject: str | None
    opened_at: datetime | None
    topic: Topic | None


@dataclass(frozen=True)
class EventLine:
    event: ImprovementEvent
    actor_name: str | None
    text: str


@dataclass(frozen=True)
class Cost:
    contacts_per_week: float
    handle_minutes: float
    handle_source: str  # work_sessions | team_stats | default
    hours_per_year: float
    typical_effect: float
    typical_source: str  # measured | default
    saving_hours_per_year: float


@dataclass
class ImprovementDetail:
    row: ImprovementRow
    evidence: list[EvidenceLine]
    hidden_evidence: int  # confirmed evidence cases the reader may not read
    trend: list[tuple[date, int]]  # week start, linked contacts
    cost: Cost
    merged_into: Improvement | None
    merged_from: list[Improvement]
    events: list[ImprovementEvent]
    actor_names: dict[int, str]
    visible_case_ids: set[int]


@dataclass
class ImprovementPage:
    items: list[ImprovementRow]
    next_cursor: str | None


# ---- helpers ----
def _one_of(value: str | None, allowed: Sequence[str], field_name: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise ValidationFailed(
            f"{field_name} must be one of: {', '.join(allowed)}",
            field=field_name,
            template=N_("Choose one of the listed options."),
        )
    return value


def effects_of(session: Session, ids: Sequence[int]) -> dict[int, EffectView]:
    """The effect to show per improvement: its latest ``measured`` row; else
    not_enough_data when it was tried; else not measured."""
    if not ids:
        return {}
    rows = session.scalars(
        select(ImprovementEffect)
        .where(ImprovementEffect.improvement_id.in_(sorted(set(ids))))
        .order_by(ImprovementEffect.improvement_id, ImprovementEffect.id)
    ).all()
    found: dict[int, EffectView] = {}
    for row in rows:
        if row.status == "measured":
            found[row.improvement_id] = EffectView(
                status="measured",
                relative_change=row.relative_change,
                ci_low=row.ci_low,
                ci_high=row.ci_high,
                before_rate=row.before_rate,
                after_rate=row.after_rate,
                measured_at=row.measured_at,
                details=dict(row.details or {}),
            )
        elif found.get(row.improvement_id) is None or not found[row.improvement_id].measured:
            found[row.improvement_id] = EffectView(
                status="not_enough_data",
                measured_at=row.measured_at,
                details=dict(row.details or {}),
            )
    return found


def _rows(
    session: Session, actor: Actor, improvements: Sequence[Improvement]
) -> list[ImprovementRow]:
    ids = [i.id for i in improvements]
    if not ids:
        return []
    teams = {
        t.id: t
        for t in session.scalars(
            select(Team).where(Team.id.in_(sorted({i.owner_team_id for i in improvements})))
        )
    }
    topics: dict[int, list[Topic]] = {i: [] for i in ids}
    for improvement_id, topic in session.execute(
        select(ImprovementTopic.improvement_id, Topic)
        .join(Topic, Topic.id == ImprovementTopic.topic_id)
        .where(ImprovementTopic.improvement_id.in_(ids))
        .order_by(ImprovementTopic.improvement_id, ImprovementTopic.position, Topic.id)
    ):
        topics[improvement_id].append(topic)
    counts: dict[tuple[int, str], int] = {
        (improvement_id, status): int(n)
        for improvement_id, status, n in session.execute(
            select(
                ImprovementEvidence.improvement_id,
                ImprovementEvidence.status,
                func.count(ImprovementEvidence.id),
            )
            .where(ImprovementEvidence.improvement_id.in_(ids))
            .group_by(ImprovementEvidence.improvement_id, ImprovementEvidence.status)
        )
    }
    supporters: dict[int, int] = {
        improvement_id: int(n)
        for improvement_id, n in session.execute(
            select(ImprovementFollower.improvement_id, func.count())
            .where(
                ImprovementFollower.improvement_id.in_(ids),
                ImprovementFollower.role == FollowerRole.supporter.value,
            )
            .group_by(ImprovementFollower.improvement_id)
        )
    }
    mine: dict[int, str] = {}
    if actor.user_id is not None:
        mine = {
            improvement_id: role
            for improvement_id, role in session.execute(
                select(ImprovementFollower.improvement_id, ImprovementFollower.role).where(
                    ImprovementFollower.improvement_id.in_(ids),
                    ImprovementFollower.user_id == actor.user_id,
                )
            )
        }
    raisers = {i.raised_by_id for i in improvements if i.raised_by_id is not None}
    names = dict(
        session.execute(
            select(User.id, User.display_name).where(User.id.in_(sorted(raisers)))
        ).all()
    )
    effects = effects_of(session, ids)
    return [
        ImprovementRow(
            improvement=i,
            team=teams[i.owner_team_id],
            topics=topics[i.id],
            raised_by=names.get(i.raised_by_id) if i.raised_by_id is not None else None,
            evidence_count=counts.get((i.id, EvidenceStatus.confirmed.value), 0),
            suggested_count=counts.get((i.id, EvidenceStatus.suggested.value), 0),
            supporters=supporters.get(i.id, 0),
            my_role=mine.get(i.id),
            effect=effects.get(i.id, NOT_MEASURED),
        )
        for i in improvements
    ]


# ---- the list ----
def list_improvements(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    kind: str | None = None,
    team_id: int | None = None,
    topic: str | None = None,
    mine: bool = False,
    my_teams: bool = False,
    open_only: bool = False,
    include_merged: bool = False,
    cursor: str | None = None,
    limit: int = 25,
) -> ImprovementPage:
    """Improvements, newest first. ``mine``: raised, supported or followed by the actor;
    ``my_teams``: owned by one of the actor's teams; ``open_only``: raised, accepted or in
    progress. Merged duplicates are left out unless ``include_merged``."""
    require_staff(actor)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    stmt = select(Improvement)
    the_status = _one_of(status, [s.value for s in ImprovementStatus], "status")
    the_kind = _one_of(kind, ["fix", "opportunity"], "kind")
    if the_status is not None:
        stmt = stmt.where(Improvement.status == the_status)
    if open_only:
        stmt = stmt.where(Improvement.status.in_(OPEN_IMPROVEMENT_STATUSES))
    if the_kind is not None:
        stmt = stmt.where(Improvement.kind == the_kind)
    if team_id is not None:
        stmt = stmt.where(Improvement.owner_team_id == team_id)
    if my_teams:
        stmt = stmt.where(Improvement.owner_team_id.in_(sorted(actor.team_ids)))
    if topic:
        topic_id = session.scalar(select(Topic.id).where(Topic.slug == topic.strip().lower()))
        if topic_id is None:
            raise ValidationFailed(
                f"no topic {topic!r}",
                field="topic",
                template=N_("There is no topic %(topic)s."),
                params={"topic": topic},
            )
        stmt = stmt.where(
            select(ImprovementTopic.improvement_id)
            .where(
                ImprovementTopic.improvement_id == Improvement.id,
                ImprovementTopic.topic_id == topic_id,
            )
            .exists()
        )
    if mine:
        stmt = stmt.where(
            select(ImprovementFollower.improvement_id)
            .where(
                ImprovementFollower.improvement_id == Improvement.id,
                ImprovementFollower.user_id == (actor.user_id or -1),
            )
            .exists()
        )
    if not include_merged:
        stmt = stmt.where(Improvement.merged_into_id.is_(None))
    if cursor:
        try:
            last = int(cursor)
        except ValueError:
            raise ValidationFailed(
                "cursor is not one this API gave", field="cursor", template=N_("Invalid cursor.")
            ) from None
        stmt = stmt.where(Improvement.id < last)
    found = list(session.scalars(stmt.order_by(Improvement.id.desc()).limit(limit + 1)))
    next_cursor = str(found[limit - 1].id) if len(found) > limit else None
    return ImprovementPage(items=_rows(session, actor, found[:limit]), next_cursor=next_cursor)


def get_row(session: Session, actor: Actor, improvement_id: int) -> ImprovementRow:
    require_staff(actor)
    improvement = session.get(Improvement, improvement_id)
    if improvement is None:
        raise NotFound(
            f"no improvement with id {improvement_id}",
            template=N_("No improvement with id %(improvement_id)s."),
            params={"improvement_id": improvement_id},
        )
    return _rows(session, actor, [improvement])[0]


def evidence_with_case(session: Session, evidence_id: int) -> tuple[ImprovementEvidence, Case]:
    """An evidence row and its case (after a domain function checked the reader)."""
    row = session.get(ImprovementEvidence, evidence_id)
    the_case = session.get(Case, row.case_id) if row is not None else None
    if row is None or the_case is None:
        raise NotFound(
            f"no evidence with id {evidence_id}",
            template=N_("No evidence with id %(evidence_id)s."),
            params={"evidence_id": evidence_id},
        )
    return row, the_case


# ---- figures ----
def _topic_ids(session: Session, improvement_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ImprovementTopic.topic_id)
            .where(ImprovementTopic.improvement_id == improvement_id)
            .order_by(ImprovementTopic.position)
        )
    )


def linked_clause(session: Session, improvement: Improvement) -> ColumnElement[bool]:
    """A WHERE clause on ``Case``: the improvement's linked contacts."""
    evidence = select(ImprovementEvidence.case_id).where(
        ImprovementEvidence.improvement_id == improvement.id,
        ImprovementEvidence.status == EvidenceStatus.confirmed.value,
    )
    reasons: list[ColumnElement[bool]] = [Case.id.in_(evidence)]
    topic_ids = _topic_ids(session, improvement.id)
    if improvement.count_topic_contacts and topic_ids:
        reasons.append(Case.topic_id.in_(topic_ids))
    return or_(*reasons) if reasons else false()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trend(
    session: Session, improvement: Improvement, *, weeks: int = TREND_WEEKS
) -> list[tuple[date, int]]:
    """Linked contacts per week (Monday to Sunday, UTC) over the last ``weeks`` weeks,
    the current week last; one query."""
    now = clock.now()
    first = week_start(now.date()) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=k) for k in range(weeks)]
    bounds = [datetime.combine(d, datetime.min.time(), tzinfo=now.tzinfo) for d in starts]
    bounds.append(bounds[-1] + timedelta(weeks=1))
    columns = [
        func.coalesce(
            func.sum(
                case(
                    (and_(Case.opened_at >= bounds[k], Case.opened_at < bounds[k + 1]), 1), else_=0
                )
            ),
            0,
        )
        for k in range(weeks)
    ]
    row = session.execute(
        select(*columns).where(linked_clause(session, improvement), Case.opened_at >= bounds[0])
    ).one()
    return [(starts[k], int(row[k] or 0)) for k in range(weeks)]


def handle_minutes(session: Session, improvement: Improvement) -> tuple[float, str]:
    """Minutes of work per contact and where the figure comes from."""
    evidence = select(ImprovementEvidence.case_id).where(
        ImprovementEvidence.improvement_id == improvement.id,
        ImprovementEvidence.status == EvidenceStatus.confirmed.value,
    )
    per_case: dict[int, float] = {}
    for case_id, started, ended in session.execute(
        select(WorkSession.case_id, WorkSession.started_at, WorkSession.ended_at)
        .where(WorkSession.case_id.in_(evidence), WorkSession.ended_at.is_not(None))
        .limit(5000)
    ):
        if ended is None:
            continue
        seconds = (clock.ensure_utc(ended) - clock.ensure_utc(started)).total_seconds()
        per_case[case_id] = per_case.get(case_id, 0.0) + max(seconds, 0.0)
    if per_case:
        return statistics.fmean(per_case.values()) / 60.0, "work_sessions"
    stats = session.get(TeamStats, improvement.owner_team_id)
    if stats is not None and stats.mean_handle_seconds > 0:
        return stats.mean_handle_seconds / 60.0, "team_stats"
    return DEFAULT_HANDLE_MINUTES, "default"


def typical_effect(session: Session) -> tuple[float, str]:
    """The median relative change of measured improvements (their latest measurement),
    or the documented default until one is measured."""
    latest: dict[int, float] = {}
    for improvement_id, change in session.execute(
        select(ImprovementEffect.improvement_id, ImprovementEffect.relative_change)
        .where(
            ImprovementEffect.status == "measured",
            ImprovementEffect.relative_change.is_not(None),
        )
        .order_by(ImprovementEffect.id)
    ):
        if change is not None:
            latest[improvement_id] = float(change)
    if not latest:
        return DEFAULT_EFFECT, "default"
    return statistics.median(latest.values()), "measured"


def cost_of(
    session: Session,
    improvement: Improvement,
    weekly: Sequence[tuple[date, int]],
    typical: tuple[float, str] | None = None,
) -> Cost:
    minutes, source = handle_minutes(session, improvement)
    per_week = statistics.fmean(n for _, n in weekly) if weekly else 0.0
    hours = per_week * minutes / 60.0 * WEEKS_PER_YEAR
    effect, effect_source = typical if typical is not None else typical_effect(session)
    return Cost(
        contacts_per_week=per_week,
        handle_minutes=minutes,
        handle_source=source,
        hours_per_year=hours,
        typical_effect=effect,
        typical_source=effect_source,
        saving_hours_per_year=hours * max(0.0, -effect),
    )


# ---- one improvement ----
def visible_case_ids(session: Session, actor: Actor, case_ids: Sequence[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(
        session.scalars(
            select(Case.id).where(Case.id.in_(sorted(set(case_ids))), case_visibility(actor))
        )
    )


def improvement_detail(session: Session, actor: Actor, improvement_id: int) -> ImprovementDetail:
    row = get_row(session, actor, improvement_id)
    improvement = row.improvement
    evidence_rows = session.execute(
        select(ImprovementEvidence, Case, Topic)
        .join(Case, Case.id == ImprovementEvidence.case_id)
        .outerjoin(Topic, Topic.id == Case.topic_id)
        .where(ImprovementEvidence.improvement_id == improvement.id)
        .order_by(ImprovementEvidence.status.desc(), Case.opened_at.desc(), Case.id)
    ).all()
    events = list(
        session.scalars(
            select(ImprovementEvent)
            .where(ImprovementEvent.improvement_id == improvement.id)
            .order_by(ImprovementEvent.id)
        )
    )
    case_ids = [e.case_id for e, _, _ in evidence_rows] + [
        int(ev.data["case_id"]) for ev in events if isinstance((ev.data or {}).get("case_id"), int)
    ]
    visible = visible_case_ids(session, actor, case_ids)
    lines: list[EvidenceLine] = []
    hidden = 0
    for evidence, the_case, topic in evidence_rows:
        seen = the_case.id in visible
        if not seen:
            if evidence.status == EvidenceStatus.confirmed.value:
                hidden += 1
            continue
        lines.append(
            EvidenceLine(
                evidence=evidence,
                visible=True,
                case_number=the_case.number,
                subject=the_case.subject,
                opened_at=the_case.opened_at,
                topic=topic,
            )
        )
    people = {ev.actor_id for ev in events if ev.actor_id is not None}
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(sorted(people)))).all()
    )
    weekly = trend(session, improvement)
    merged_into = (
        session.get(Improvement, improvement.merged_into_id)
        if improvement.merged_into_id is not None
        else None
    )
    merged_from = list(
        session.scalars(
            select(Improvement)
            .where(Improvement.merged_into_id == improvement.id)
            .order_by(Improvement.id)
        )
    )
    return ImprovementDetail(
        row=row,
        evidence=lines,
        hidden_evidence=hidden,
        trend=weekly,
        cost=cost_of(session, improvement, weekly),
        merged_into=merged_into,
        merged_from=merged_from,
        events=events,
        actor_names=names,
        visible_case_ids=visible,
    )


@dataclass(frozen=True)
class Timeline:
    events: list[ImprovementEvent]
    actor_names: dict[int, str]
    visible_case_ids: set[int]


def timeline(session: Session, actor: Actor, improvement_id: int) -> Timeline:
    """The improvement's events, oldest first, with who caused them and which of the
    cases they name the reader may read."""
    improvement = get_row(session, actor, improvement_id).improvement
    events = list(
        session.scalars(
            select(ImprovementEvent)
            .where(ImprovementEvent.improvement_id == improvement.id)
            .order_by(ImprovementEvent.id)
        )
    )
    case_ids = [
        int(ev.data["case_id"]) for ev in events if isinstance((ev.data or {}).get("case_id"), int)
    ]
    people = {ev.actor_id for ev in events if ev.actor_id is not None}
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(sorted(people)))).all()
    )
    return Timeline(events, names, visible_case_ids(session, actor, case_ids))


# ---- the ranked list ----
@dataclass(frozen=True)
class RankedLine:
    row: ImprovementRow
    contacts: int  # linked contacts over the trend weeks
    cost: Cost


def ranked(
    session: Session, actor: Actor, *, team_id: int | None = None, limit: int = 50
) -> list[RankedLine]:
    """Open improvements by evidence volume × cost (staff hours a year they cost), the
    largest first, each with the saving expected if its contacts fell by the typical
    measured effect."""
    require_staff(actor)
    stmt = select(Improvement).where(
        Improvement.status.in_(OPEN_IMPROVEMENT_STATUSES), Improvement.merged_into_id.is_(None)
    )
    if team_id is not None:
        stmt = stmt.where(Improvement.owner_team_id == team_id)
    improvements = list(session.scalars(stmt.order_by(Improvement.id).limit(500)))
    typical = typical_effect(session)
    lines = []
    for row in _rows(session, actor, improvements):
        weekly = trend(session, row.improvement)
        lines.append(
            RankedLine(
                row, sum(n for _, n in weekly), cost_of(session, row.improvement, weekly, typical)
            )
        )
    lines.sort(
        key=lambda line: (
            -line.cost.hours_per_year,
            -line.row.evidence_count,
            line.row.improvement.id,
        )
    )
    return lines[:limit]


# ---- people and teams ----
def my_improvements(session: Session, actor: Actor) -> list[ImprovementRow]:
    """What the actor raised or supported (and follows), newest first, merged ones too
    (they show where they went)."""
    require_staff(actor)
    found = list(
        session.scalars(
            select(Improvement)
            .join(ImprovementFollower, ImprovementFollower.improvement_id == Improvement.id)
            .where(ImprovementFollower.user_id == (actor.user_id or -1))
            .order_by(Improvement.id.desc())
            .limit(200)
        )
    )
    return _rows(session, actor, found)


def driven_by_team(session: Session, actor: Actor, team_id: int) -> list[ImprovementRow]:
    """Improvements the team's members raised, newest first, with their effects
    (recognition: what the team drove, not what it owns)."""
    require_staff(actor)
    members = select(TeamMember.user_id).where(TeamMember.team_id == team_id)
    found = list(
        session.scalars(
            select(Improvement)
            .where(Improvement.raised_by_id.in_(members), Improvement.merged_into_id.is_(None))
            .order_by(Improvement.id.desc())
            .limit(100)
        )
    )
    return _rows(session, actor, found)


def improvements_of_case(
    session: Session, actor: Actor, case_id: int
) -> list[tuple[ImprovementRow, ImprovementEvidence]]:
    """The improvements a case is evidence of (confirmed or suggested), with the link,
    for the case page (the caller has checked that the actor may read the case)."""
    require_staff(actor)
    if not case_extras.has(session, case_id, "evidence"):
        return []
    pairs = session.execute(
        select(Improvement, ImprovementEvidence)
        .join(ImprovementEvidence, ImprovementEvidence.improvement_id == Improvement.id)
        .where(
            ImprovementEvidence.case_id == case_id,
            ImprovementEvidence.status != EvidenceStatus.rejected.value,
        )
        .order_by(Improvement.id.desc())
    ).all()
    rows = _rows(session, actor, [improvement for improvement, _ in pairs])
    return [(row, evidence) for row, (_, evidence) in zip(rows, pairs, strict=True)]


DUPLICATE_CANDIDATES = 200
"""Open improvements compared by their embeddings when raising (the latest first): each
is embedded once per process, so the first request after a start pays for them all."""


def similar_open(
    session: Session, actor: Actor, text: str, *, limit: int = 5
) -> list[ImprovementRow]:
    """Open improvements that may be the same as one described by ``text``, for the
    duplicate suggestions when raising: those whose title and description the embeddings
    find alike (cosine at or above ``similarity.DUPLICATE_THRESHOLD``, among the latest
    :data:`DUPLICATE_CANDIDATES` open ones; see ``docs/improvements-similarity.md``)
    first, then those sharing stemmed words (``nara.textsearch``, Jaccard overlap of at
    least 0.15: what is left when the embedding model cannot be loaded)."""
    require_staff(actor)
    words = _words(text)
    if not words:
        return []
    candidates = list(
        session.scalars(
            select(Improvement)
            .where(
                Improvement.status.in_(OPEN_IMPROVEMENT_STATUSES),
                Improvement.merged_into_id.is_(None),
            )
            .order_by(Improvement.id.desc())
            .limit(500)
        )
    )
    alike = dict(
        similar_texts(
            text,
            [(c.id, f"{c.title}\n{c.description}") for c in candidates[:DUPLICATE_CANDIDATES]],
            limit=limit,
        )
    )
    scored = []
    for candidate in candidates:
        theirs = _words(f"{candidate.title} {candidate.description}")
        overlap = len(words & theirs) / len(words | theirs) if theirs else 0.0
        if candidate.id in alike or overlap >= 0.15:
            scored.append((candidate.id in alike, alike.get(candidate.id, overlap), candidate))
    scored.sort(key=lambda found: (not found[0], -found[1], -found[2].id))
    return _rows(session, actor, [c for _, _, c in scored[:limit]])


def _words(text: str) -> set[str]:
    """The stemmed words of ``text`` (Swedish and English stems, as search and
    self-service see words), without the short ones."""
    found: set[str] = set()
    for lang in textsearch.LANGUAGES:
        found.update(t for t in textsearch.terms(text[:2000], lang) if len(t) > 3)
    return found


# ---- words ----
EVENT_TEXT: dict[str, str] = {
    "improvement.raised": N_("Raised; owning team %(team)s"),
    "improvement.owner_changed": N_("Moved from %(old_team)s to %(new_team)s"),
    "improvement.accepted": N_("Accepted, to be done by %(target_date)s"),
    "improvement.declined": N_("Declined: %(reason)s"),
    "improvement.in_progress": N_("Work started"),
    "improvement.done": N_("Done: the change went live on %(live_at)s"),
    "improvement.reopened": N_("Raised again"),
    "improvement.commented": N_("Comment"),
    "improvement.followed": N_("Started following"),
    "improvement.unfollowed": N_("Stopped following"),
    "improvement.supported": N_("Sees this too (support)"),
    "improvement.evidence_added": N_("Case %(case)s linked as evidence"),
    "improvement.evidence_suggested": N_("Similar cases suggested as evidence: %(count)s"),
    "improvement.evidence_confirmed": N_("Case %(case)s confirmed as evidence"),
    "improvement.evidence_rejected": N_("Case %(case)s rejected as evidence"),
    "improvement.merged_into": N_("Merged into improvement %(into_id)s: %(into_title)s"),
    "improvement.merged_from": N_("Improvement %(from_id)s merged into this one: %(from_title)s"),
    "improvement.measured": N_("Effect measured"),
}
HIDDEN_CASE = N_("a case you cannot read")
NOT_ENOUGH_EVENT = N_("Effect measurement: not enough data yet")


def describe_event(
    event: ImprovementEvent,
    translate: Callable[[str], str],
    locale: str,
    visible: set[int],
) -> str:
    """One timeline entry in the reader's language; a case the reader may not read is
    not named."""
    data = dict(event.data or {})
    if event.type == "improvement.measured" and data.get("status") != "measured":
        return translate(NOT_ENOUGH_EVENT)
    template = EVENT_TEXT.get(event.type)
    if template is None:
        return event.type
    values: dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, str | int | float)}
    values["team"] = str(data.get("team_en" if locale == "en" else "team") or "")
    values["old_team"] = str(data.get("old_team_en" if locale == "en" else "old_team") or "")
    values["new_team"] = str(data.get("new_team_en" if locale == "en" else "new_team") or "")
    for key in ("target_date", "live_at"):
        if isinstance(data.get(key), str):
            values[key] = format_day(date.fromisoformat(data[key]), locale)
    case_id = data.get("case_id")
    values["case"] = (
        str(data.get("case_number") or "")
        if isinstance(case_id, int) and case_id in visible
        else translate(HIDDEN_CASE)
    )
    try:
        return translate(template) % values
    except (KeyError, TypeError, ValueError):
        return translate(template)


def effect_verdict(
    effect: EffectView,
    improvement: Improvement,
    topics: Sequence[Topic],
    translate: Callable[[str], str],
    locale: str,
) -> str | None:
    """The effect in plain words ("Contacts about “Card has not arrived” fell 38 % (95 %
    interval 25–49 %) after “Delivery SMS” on 3 Mar 2026"), in ``locale``, by the
    estimator's own verdict rule (``nara.improvements.effect.verdict``); None when not
    measured. ``translate`` is unused: the verdict reads its catalog by ``locale``."""
    if not effect.measured or effect.relative_change is None or improvement.live_at is None:
        return None
    low = effect.ci_low if effect.ci_low is not None else effect.relative_change
    high = effect.ci_high if effect.ci_high is not None else effect.relative_change
    estimate = EffectEstimate(
        relative_change=effect.relative_change,
        ci_low=low,
        ci_high=high,
        before_rate=effect.before_rate or 0.0,
        after_rate=effect.after_rate or 0.0,
        significant=high < 0 or low > 0,
        method=str(effect.details.get("method", "")),
    )
    about = ", ".join(t.name(locale) for t in topics) or improvement.title
    said = verdict(estimate, driver=about, change=improvement.title, live_at=improvement.live_at)
    return said.text(locale)


def effect_due(improvement: Improvement) -> date | None:
    """The first day the effect can be measured (the after-window is over)."""
    if improvement.live_at is None:
        return None
    return windows(improvement.live_at, weeks_after=improvement.weeks_after).ready_on
