"""Routing a new case across the network of teams that handle its topic.

The rule is data (``team_topics.rank`` and ``accepts_overflow``, edited by leads):
teams are tried in rank order. A team is chosen when it can keep the case's promise of
a first response: its expected wait for a case arriving now (the same estimator the
customer sees) fits within the promise. When the first team cannot and another team
that accepts overflow can, the case overflows there and the reason is recorded in the
timeline. When none can, the team with the shortest expected wait among them gets it.
A topic that no team handles goes to the fallback team and is flagged.

Self-service hand-overs the engine was not sure of go to the front line instead
(``front_line_team``): the team an admin chose to receive them, or the fallback team.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from nara.domain.actors import Actor
from nara.domain.audit import facts_of, record_changes
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.teams import ROUTING_FIELDS, require_topic_routing, routing_id
from nara.domain.waiting import snapshot
from nara.i18n import N_
from nara.models import Case, ResponsePolicy, TeamTopic
from nara.promises.calendar import NoOpenHours
from nara.promises.estimator import expected_wait
from nara.queries import directory
from nara.queries.access import can_manage_team
from nara.queries.directory import RefRow, TopicLink
from nara.queries.service import (
    calendar_for_team,
    queue_clause,
    team_workload,
)


@dataclass(frozen=True)
class RoutingDecision:
    team: RefRow
    # "topic", "overflow", "least_wait", "fallback", "chosen", "kept", "front_line"
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)
    flag: str | None = None


def fallback_team(session: Session) -> RefRow:
    teams = directory.routing_map(session).teams.values()
    team = next((t.ref for t in teams if t.is_fallback), None)
    if team is None:
        raise Conflict(
            "no team handles this topic and no fallback team is configured; "
            "an admin must choose one (nara team fallback SLUG)",
            template=N_(
                "No team handles this topic and no fallback team is set; an admin must choose one."
            ),
        )
    return team


def front_line_team(session: Session) -> RefRow:
    """Where unsure self-service hand-overs go: the active team chosen to receive them
    (``set_unsure_team``), otherwise the fallback team."""
    teams = directory.routing_map(session).teams.values()
    team = next((t.ref for t in teams if t.receives_unsure and t.is_active), None)
    return team if team is not None else fallback_team(session)


def front_line_decision(session: Session) -> RoutingDecision:
    return RoutingDecision(front_line_team(session), "front_line")


@functools.cache
def _waiting() -> Select[int]:
    """The count of a team's waiting cases (``team_ids``: the team), built once."""
    return select(func.count(Case.id)).where(queue_clause(bindparam("team_ids", expanding=True)))


def _expected_first_response(session: Session, team_id: int, now: datetime) -> float:
    """Business seconds until a case arriving now would get its first response."""
    waiting = session.scalar(_waiting(), {"team_ids": [team_id]}) or 0
    return expected_wait(snapshot(team_workload(session, team_id, now), waiting)).seconds


def route(
    session: Session,
    *,
    topic_id: int | None,
    policy: ResponsePolicy | None,
    now: datetime,
) -> RoutingDecision:
    """The team for a new case of ``topic_id`` whose promise is ``policy`` (the most
    specific matching one, :func:`nara.domain.promises.case_policy`)."""
    candidates: list[tuple[RefRow, TopicLink]] = []
    if topic_id is not None:
        candidates = directory.routing_map(session).handling(topic_id)
    if not candidates:
        team = fallback_team(session)
        flag = "no_team_for_topic" if topic_id is not None else None
        return RoutingDecision(team, "fallback", {}, flag)
    first_team = candidates[0][0]
    if len(candidates) == 1:
        return RoutingDecision(first_team, "topic")
    if policy is None:
        return RoutingDecision(first_team, "topic")
    budget = policy.first_response_minutes * 60.0
    waits: list[tuple[RefRow, float]] = []
    for index, (team, link) in enumerate(candidates):
        if index > 0 and not link.accepts_overflow:
            continue
        if not calendar_for_team(session, team.id).has_open_hours:
            continue
        try:
            wait = _expected_first_response(session, team.id, now)
        except NoOpenHours:
            continue
        waits.append((team, wait))
        if wait <= budget:
            if team.id == first_team.id:
                return RoutingDecision(team, "topic")
            return RoutingDecision(team, "overflow", _overflow_detail(first_team, waits, budget))
    if not waits:
        return RoutingDecision(first_team, "topic")
    best, _ = min(waits, key=lambda tw: tw[1])
    if best.id == first_team.id:
        return RoutingDecision(first_team, "topic", _overflow_detail(first_team, waits, budget))
    return RoutingDecision(best, "least_wait", _overflow_detail(first_team, waits, budget))


def _overflow_detail(first: RefRow, waits: list[tuple[RefRow, float]],
                     budget: float) -> dict[str, Any]:  # fmt: skip
    return {
        "from_team": first.name_sv,
        "from_team_en": first.name_en,
        "promise_minutes": round(budget / 60),
        "expected_minutes": {str(t.id): round(w / 60) for t, w in waits},
    }


def set_topic_routing(
    *,
    session: Session,
    actor: Actor,
    topic_id: int,
    team_id: int,
    rank: int,
    accepts_overflow: bool,
) -> TeamTopic:
    """Change where a team stands among the teams handling a topic."""
    if not can_manage_team(actor, team_id):
        raise PermissionDenied(
            "only an admin or a lead of this team can change its routing",
            template=N_("Only an admin or a lead of this team can change its routing."),
        )
    link = session.get(TeamTopic, (team_id, topic_id))
    if link is None:
        raise NotFound(
            "this team does not handle this topic",
            template=N_("This team does not handle this topic."),
        )
    require_topic_routing(session, actor, topic_id)
    if not isinstance(rank, int) or not 0 <= rank <= 99:
        raise ValidationFailed(
            "rank must be 0 to 99 (lower is tried first)",
            field="rank",
            template=N_("The order must be a number from 0 to 99."),
        )
    before = facts_of(link, ROUTING_FIELDS)
    link.rank = rank
    link.accepts_overflow = bool(accepts_overflow)
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="routing.changed",
        object_type="routing",
        object_id=routing_id(topic_id, team_id),
        before=before,
        after=facts_of(link, ROUTING_FIELDS),
    )
    return link
