"""Improvements (förbättringar): the outer loop (principle 4 of DESIGN.md).

- Any staff member raises an improvement: a title, what customers experience, the
  suggested change, a kind (fix | opportunity) and the topics it is about. A case it is
  raised from is its first (confirmed) evidence; the person who raised it is its
  reporter and follows it.
- The owning team is chosen like routing chooses a topic's first team: the first active
  team, in rank order, that handles the first topic; without one, the fallback team.
  Leads of the owning team (or of the team it moves to) and admins change it (audited).
- Statuses: raised → accepted (with a target date, not in the past) → in_progress →
  done (with the day it went live, not in the future); raised, accepted or in progress
  → declined (with a reason, sent back to the reporters). A declined improvement can be
  raised again by the owner. Accepting, declining and raising again are for the owning
  team's leads and admins; starting and marking done for any member of the owning team
  and admins. Anything else is a conflict (409).
- Every step is an event on the improvement's own timeline; reporters and followers are
  notified of every status change.
- Evidence: a case the actor may read (404 otherwise), confirmed at once when a person
  links it; the similarity search adds *suggested* links (:func:`add_suggested_evidence`)
  that a person confirms or rejects with one action.
- Merging a duplicate into another improvement moves its evidence, reporters and
  followers there; the duplicate keeps its status, points to the other one
  (``merged_into_id``) and takes no further changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain import validation
from nara.domain.actors import SYSTEM, Actor
from nara.domain.audit import record_audit
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.notifications import notify
from nara.i18n import N_
from nara.models import (
    OPEN_IMPROVEMENT_STATUSES,
    Case,
    EvidenceSource,
    EvidenceStatus,
    FollowerRole,
    Improvement,
    ImprovementEvent,
    ImprovementEvidence,
    ImprovementFollower,
    ImprovementKind,
    ImprovementStatus,
    ImprovementTopic,
    Role,
    Team,
    TeamMember,
    TeamTopic,
    Topic,
    User,
)
from nara.queries.access import can_manage_team, get_case_for, require_staff
from nara.queries.similar_cases import similar_to_cases

MAX_TITLE = 200
MAX_TEXT = 10_000
"""Characters in a description, a suggestion, a reason or a comment."""
MAX_TOPICS = 10
MAX_WEEKS = 52

TRANSITIONS: dict[str, frozenset[str]] = {
    ImprovementStatus.raised.value: frozenset({"accepted", "declined"}),
    ImprovementStatus.accepted.value: frozenset({"in_progress", "done", "declined"}),
    ImprovementStatus.in_progress.value: frozenset({"done", "declined"}),
    ImprovementStatus.done.value: frozenset(),
    ImprovementStatus.declined.value: frozenset({"raised"}),
}
"""The status changes allowed from each status."""

ROLE_RANK = {
    FollowerRole.follower.value: 0,
    FollowerRole.supporter.value: 1,
    FollowerRole.reporter.value: 2,
}
"""A person has one role on an improvement: the strongest they took."""


# ---- small helpers ----
def today() -> date:
    """Today in the display time zone (what "not in the past" compares with)."""
    return clock.now().astimezone(ZoneInfo(get_settings().display_timezone)).date()


def _event(
    session: Session,
    improvement: Improvement,
    type: str,
    actor: Actor,
    data: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> ImprovementEvent:
    now = at or clock.now()
    event = ImprovementEvent(
        improvement_id=improvement.id,
        type=type,
        actor_id=actor.user_id,
        data=data or {},
        created_at=now,
    )
    session.add(event)
    improvement.updated_at = now
    return event


def _team_facts(team: Team) -> dict[str, Any]:
    return {"team_id": team.id, "team": team.name_sv, "team_en": team.name_en}


def get_improvement(session: Session, actor: Actor, improvement_id: int) -> Improvement:
    """The improvement ``improvement_id`` (staff only; customers are refused, 403)."""
    require_staff(actor)
    improvement = session.get(Improvement, improvement_id)
    if improvement is None:
        raise NotFound(
            f"no improvement with id {improvement_id}",
            template=N_("No improvement with id %(improvement_id)s."),
            params={"improvement_id": improvement_id},
        )
    return improvement


def _lock(session: Session, actor: Actor, improvement_id: int) -> Improvement:
    """The improvement, locked for a change (two leads deciding at once take turns)."""
    get_improvement(session, actor, improvement_id)
    improvement = session.scalar(
        select(Improvement).where(Improvement.id == improvement_id).with_for_update()
    )
    assert improvement is not None
    session.refresh(improvement)
    return improvement


def _require_not_merged(improvement: Improvement) -> None:
    if improvement.merged_into_id is not None:
        raise Conflict(
            f"improvement {improvement.id} was merged into {improvement.merged_into_id}; "
            "change that one instead",
            template=N_("This improvement was merged into improvement %(into)s. Continue there."),
            params={"into": improvement.merged_into_id},
        )


def is_owner_lead(actor: Actor, improvement: Improvement) -> bool:
    """A lead of the owning team, an admin or Nära itself."""
    if actor.is_admin or actor.is_system:
        return True
    return actor.role == Role.lead and improvement.owner_team_id in actor.team_ids


def is_owner_member(actor: Actor, improvement: Improvement) -> bool:
    """Any member of the owning team, an admin or Nära itself."""
    return actor.is_admin or actor.is_system or improvement.owner_team_id in actor.team_ids


def _require_owner_lead(actor: Actor, improvement: Improvement) -> None:
    if not is_owner_lead(actor, improvement):
        raise PermissionDenied(
            "only a lead of the owning team or an admin can do this",
            template=N_("Only a lead of the owning team or an admin can do this."),
        )


def _require_owner_member(actor: Actor, improvement: Improvement) -> None:
    if not is_owner_member(actor, improvement):
        raise PermissionDenied(
            "only the owning team or an admin can do this",
            template=N_("Only the owning team or an admin can do this."),
        )


def _topics_by_slug(session: Session, slugs: Sequence[str]) -> list[Topic]:
    if len(slugs) > MAX_TOPICS:
        raise ValidationFailed(
            f"at most {MAX_TOPICS} topics",
            field="topics",
            template=N_("Choose at most %(max)s topics."),
            params={"max": MAX_TOPICS},
        )
    cleaned = [validation.text(s, field="topics", max_length=64).lower() for s in slugs]
    keys = list(dict.fromkeys(cleaned))
    found = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(keys)))}
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise ValidationFailed(
            f"no topic {unknown[0]!r}",
            field="topics",
            template=N_("There is no topic %(topic)s."),
            params={"topic": unknown[0]},
        )
    return [found[k] for k in keys]


def owning_team_for(session: Session, topic_ids: Sequence[int]) -> Team:
    """The team an improvement about ``topic_ids`` belongs to: the first active team (by
    routing rank) that handles the first topic, else the fallback team."""
    if topic_ids:
        team = session.scalar(
            select(Team)
            .join(TeamTopic, TeamTopic.team_id == Team.id)
            .where(TeamTopic.topic_id == topic_ids[0], Team.is_active.is_(True))
            .order_by(TeamTopic.rank, Team.id)
            .limit(1)
        )
        if team is not None:
            return team
    team = session.scalar(select(Team).where(Team.is_fallback.is_(True)))
    if team is None:
        raise Conflict(
            "no team handles this topic and no fallback team is configured",
            template=N_(
                "No team handles this topic and no fallback team is set; an admin must choose one."
            ),
        )
    return team


def _team_leads(session: Session, team_id: int) -> list[int]:
    return list(
        session.scalars(
            select(User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == team_id, User.role == Role.lead.value)
        )
    )


def follower_ids(session: Session, improvement: Improvement) -> list[int]:
    return list(
        session.scalars(
            select(ImprovementFollower.user_id).where(
                ImprovementFollower.improvement_id == improvement.id
            )
        )
    )


def _notify_followers(
    session: Session, improvement: Improvement, actor: Actor, kind: str, **extra: Any
) -> None:
    notify(
        session,
        user_ids=follower_ids(session, improvement),
        kind=kind,
        actor=actor,
        data={"improvement_id": improvement.id, "title": improvement.title, **extra},
    )


def _set_role(
    session: Session, improvement: Improvement, user_id: int, role: str, now: datetime
) -> bool:
    """Give ``user_id`` the role (keeping a stronger one); True when something changed."""
    row = session.get(ImprovementFollower, (improvement.id, user_id))
    if row is None:
        session.add(
            ImprovementFollower(
                improvement_id=improvement.id, user_id=user_id, role=role, created_at=now
            )
        )
        session.flush()
        return True
    if ROLE_RANK[role] > ROLE_RANK[row.role]:
        row.role = role
        return True
    return False


def _add_evidence(
    session: Session,
    improvement: Improvement,
    case: Case,
    *,
    status: str,
    source: str,
    actor: Actor,
    now: datetime,
    score: float | None = None,
) -> ImprovementEvidence | None:
    """A new evidence row (None when the case is already evidence of it)."""
    known = session.scalar(
        select(ImprovementEvidence).where(
            ImprovementEvidence.improvement_id == improvement.id,
            ImprovementEvidence.case_id == case.id,
        )
    )
    if known is not None:
        return None
    decided = status != EvidenceStatus.suggested.value
    row = ImprovementEvidence(
        improvement_id=improvement.id,
        case_id=case.id,
        status=status,
        score=score,
        source=source,
        created_at=now,
        decided_by_id=actor.user_id if decided else None,
        decided_at=now if decided else None,
    )
    session.add(row)
    session.flush()
    return row


def _weeks(value: int | None, field: str) -> int:
    if value is None:
        return 6
    if not 1 <= value <= MAX_WEEKS:
        raise ValidationFailed(
            f"{field} must be between 1 and {MAX_WEEKS}",
            field=field,
            template=N_("Give between 1 and %(max)s weeks."),
            params={"max": MAX_WEEKS},
        )
    return value


# ---- raising ----
def raise_improvement(
    *,
    session: Session,
    actor: Actor,
    title: str,
    description: str,
    kind: str,
    topics: Sequence[str] = (),
    suggestion: str | None = None,
    case_number: str | None = None,
    count_topic_contacts: bool = True,
    weeks_before: int | None = None,
    weeks_after: int | None = None,
) -> Improvement:
    """Raise an improvement (any staff member). A case it is raised from is its first
    evidence (404 for a case the actor may not read); without topics it is about the
    case's topic."""
    require_staff(actor)
    clean_title = validation.name(title, field="title", max_length=MAX_TITLE)
    clean_description = validation.text(description, field="description", max_length=MAX_TEXT)
    clean_suggestion = validation.text(
        suggestion, field="suggestion", max_length=MAX_TEXT, required=False
    )
    the_kind = validation.choice(ImprovementKind, kind, field="kind")
    chosen = _topics_by_slug(session, topics)
    case = get_case_for(session, actor, case_number) if case_number else None
    if not chosen and case is not None and case.topic_id is not None:
        topic = session.get(Topic, case.topic_id)
        chosen = [topic] if topic is not None else []
    team = owning_team_for(session, [t.id for t in chosen])
    now = clock.now()
    improvement = Improvement(
        title=clean_title,
        description=clean_description,
        suggestion=clean_suggestion,
        kind=the_kind.value,
        status=ImprovementStatus.raised.value,
        owner_team_id=team.id,
        raised_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
        count_topic_contacts=count_topic_contacts,
        weeks_before=_weeks(weeks_before, "weeks_before"),
        weeks_after=_weeks(weeks_after, "weeks_after"),
    )
    session.add(improvement)
    session.flush()
    for position, topic in enumerate(chosen):
        session.add(
            ImprovementTopic(improvement_id=improvement.id, topic_id=topic.id, position=position)
        )
    if actor.user_id is not None:
        _set_role(session, improvement, actor.user_id, FollowerRole.reporter.value, now)
    _event(
        session,
        improvement,
        "improvement.raised",
        actor,
        {"kind": improvement.kind, "topics": [t.slug for t in chosen], **_team_facts(team)},
        at=now,
    )
    if case is not None:
        _add_evidence(
            session,
            improvement,
            case,
            status=EvidenceStatus.confirmed.value,
            source=EvidenceSource.raised.value,
            actor=actor,
            now=now,
        )
        _event(
            session,
            improvement,
            "improvement.evidence_added",
            actor,
            {"case_id": case.id, "case_number": case.number, "source": "raised"},
            at=now,
        )
    notify(
        session,
        user_ids=_team_leads(session, team.id),
        kind="improvement.raised",
        actor=actor,
        data={"improvement_id": improvement.id, "title": improvement.title},
    )
    session.flush()
    gather_evidence(session, improvement)
    return improvement


# ---- the owning team ----
def set_owner_team(
    *, session: Session, actor: Actor, improvement_id: int, team_id: int
) -> Improvement:
    """Move the improvement to another active team: a lead of the current owning team or
    of the new one, or an admin (audited)."""
    improvement = _lock(session, actor, improvement_id)
    _require_not_merged(improvement)
    team = session.get(Team, team_id)
    if team is None or not team.is_active:
        raise ValidationFailed(
            f"no active team with id {team_id}",
            field="team_id",
            template=N_("There is no active team with id %(team_id)s."),
            params={"team_id": team_id},
        )
    if not (can_manage_team(actor, improvement.owner_team_id) or can_manage_team(actor, team.id)):
        raise PermissionDenied(
            "only a lead of the owning or the new team, or an admin, can move an improvement",
            template=N_("Only a lead of the owning or the new team, or an admin, can do this."),
        )
    if team.id == improvement.owner_team_id:
        return improvement
    old = session.get(Team, improvement.owner_team_id)
    assert old is not None
    improvement.owner_team_id = team.id
    _event(
        session,
        improvement,
        "improvement.owner_changed",
        actor,
        {
            "old_team": old.name_sv,
            "old_team_en": old.name_en,
            "new_team": team.name_sv,
            "new_team_en": team.name_en,
        },
    )
    record_audit(
        session=session,
        actor=actor,
        action="improvement.owner_changed",
        object_type="improvement",
        object_id=improvement.id,
        changes={"owner_team_id": [old.id, team.id]},
    )
    notify(
        session,
        user_ids=_team_leads(session, team.id),
        kind="improvement.raised",
        actor=actor,
        data={"improvement_id": improvement.id, "title": improvement.title},
    )
    _notify_followers(
        session,
        improvement,
        actor,
        "improvement.owner_changed",
        team=team.name_sv,
        team_en=team.name_en,
    )
    session.flush()
    return improvement


# ---- status ----
def _check_transition(improvement: Improvement, new: str) -> None:
    if new not in TRANSITIONS.get(improvement.status, frozenset()):
        raise Conflict(
            f"an improvement that is {improvement.status} cannot become {new}",
            template=N_("The improvement cannot change to that status from the one it has now."),
            status_now=improvement.status,
        )


def _a_date(value: object, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(
            f"{field} is not a date (YYYY-MM-DD)",
            field=field,
            template=N_("Give a date like 2026-03-03."),
        ) from None


def _status_changed(
    session: Session, improvement: Improvement, actor: Actor, old: str, **facts: Any
) -> None:
    _event(
        session,
        improvement,
        "improvement.reopened" if old == "declined" else f"improvement.{improvement.status}",
        actor,
        {"old": old, "new": improvement.status, **facts},
    )
    _notify_followers(
        session,
        improvement,
        actor,
        "improvement.declined"
        if improvement.status == ImprovementStatus.declined.value
        else "improvement.status_changed",
        status=improvement.status,
        **facts,
    )


def accept(
    *, session: Session, actor: Actor, improvement_id: int, target_date: object
) -> Improvement:
    """The owning team takes it on, promising ``target_date`` (not in the past)."""
    improvement = _lock(session, actor, improvement_id)
    _require_not_merged(improvement)
    _require_owner_lead(actor, improvement)
    _check_transition(improvement, ImprovementStatus.accepted.value)
    target = _a_date(target_date, "target_date")
    if target is None:
        raise ValidationFailed(
            "target_date is required to accept an improvement",
            field="target_date",
            template=N_("Give the date you aim to have it done by."),
        )
    if target < today():
        raise ValidationFailed(
            "target_date is in the past",
            field="target_date",
            template=N_("The target date has already passed. Choose a later date."),
        )
    old = improvement.status
    improvement.status = ImprovementStatus.accepted.value
    improvement.target_date = target
    improvement.decline_reason = None
    _status_changed(session, improvement, actor, old, target_date=target.isoformat())
    session.flush()
    return improvement


def decline(
    *, session: Session, actor: Actor, improvement_id: int, reason: str | None
) -> Improvement:
    """The owning team declines it; the reason goes back to the reporters."""
    improvement = _lock(session, actor, improvement_id)
    _require_not_merged(improvement)
    _require_owner_lead(actor, improvement)
    clean = validation.text(reason, field="reason", max_length=MAX_TEXT)
    _check_transition(improvement, ImprovementStatus.declined.value)
    old = improvement.status
    improvement.status = ImprovementStatus.declined.value
    improvement.decline_reason = clean
    _status_changed(session, improvement, actor, old, reason=clean)
    session.flush()
    return improvement


def start(*, session: Session, actor: Actor, improvement_id: int) -> Improvement:
    """Work on it has begun (accepted → in progress)."""
    improvement = _lock(session, actor, improvement_id)
    _require_not_merged(improvement)
    _require_owner_member(actor, improvement)
    _check_transition(improvement, ImprovementStatus.in_progress.value)
    old = improvement.status
    improvement.status = ImprovementStatus.in_progress.value
    _status_changed(session, improvement, actor, old)
    session.flush()
    return improvement


def mark_done(
    *, session: Session, actor: Actor, improvement_id: int, live_at: object
) -> Improvement:
    """The change went live on ``live_at`` (required, not in the future); its effect is
    measured once the after-window has passed."""
    improvement = _lock(session, actor, improvement_id)
    _require_not_merged(improvement)
    _require_owner_member(actor, improvement)
    _check_transition(improvement, ImprovementStatus.done.value)
    live = _a_date(live_at, "live_at")
    if live is None:
        raise ValidationFailed(
            "live_at is required to mark an improvement done",
            field="live_at",
            template=N_("Give the date the change went live."),
        )
    if live > today():
        raise ValidationFailed(
            "live_at is in the future",
            field="live_at",
            template=N_("The change cannot have gone live in the future. Give the date it did."),
        )
    old = improvement.status
    improvement.status = ImprovementStatus.done.value
    improvement.live_at = live
    _status_changed(session, improvement, actor, old, live_at=live.isoformat())
    session.flush()
    return improvement


def reopen(
    *, session: Session, actor: Actor, improvement_id: int, reason: str | None = None
) -> Improvement:
    """A declined improvement is raised again (new evidence, a new situation)."""
    improvement = _lock(session, actor, improvement_id)
    _require_not_merged(improvement)
    _require_owner_lead(actor, improvement)
    clean = validation.text(reason, field="reason", max_length=MAX_TEXT, required=False)
    _check_transition(improvement, ImprovementStatus.raised.value)
    old = improvement.status
    improvement.status = ImprovementStatus.raised.value
    improvement.decline_reason = None
    _status_changed(session, improvement, actor, old, reason=clean)
    session.flush()
    return improvement


STATUS_ACTIONS = ("accepted", "declined", "in_progress", "done", "raised")


def change_status(
    *,
    session: Session,
    actor: Actor,
    improvement_id: int,
    status: str,
    reason: str | None = None,
    live_at: object = None,
    target_date: object = None,
) -> Improvement:
    """One entry point for the status route: ``status`` is the new status."""
    if status == ImprovementStatus.accepted.value:
        return accept(
            session=session, actor=actor, improvement_id=improvement_id, target_date=target_date
        )
    if status == ImprovementStatus.declined.value:
        return decline(session=session, actor=actor, improvement_id=improvement_id, reason=reason)
    if status == ImprovementStatus.in_progress.value:
        return start(session=session, actor=actor, improvement_id=improvement_id)
    if status == ImprovementStatus.done.value:
        return mark_done(
            session=session, actor=actor, improvement_id=improvement_id, live_at=live_at
        )
    if status == ImprovementStatus.raised.value:
        return reopen(session=session, actor=actor, improvement_id=improvement_id, reason=reason)
    raise ValidationFailed(
        f"status must be one of {', '.join(STATUS_ACTIONS)}",
        field="status",
        template=N_("Choose a valid status."),
    )


# ---- comments, followers, supporters ----
def comment(*, session: Session, actor: Actor, improvement_id: int, body: str) -> ImprovementEvent:
    """A comment on the improvement's timeline (any staff member); followers hear of it."""
    improvement = get_improvement(session, actor, improvement_id)
    clean = validation.text(body, field="body", max_length=MAX_TEXT)
    event = _event(session, improvement, "improvement.commented", actor, {"body": clean})
    _notify_followers(session, improvement, actor, "improvement.commented")
    session.flush()
    return event


def follow(*, session: Session, actor: Actor, improvement_id: int) -> Improvement:
    improvement = get_improvement(session, actor, improvement_id)
    assert actor.user_id is not None or actor.is_system
    if actor.user_id is not None and _set_role(
        session, improvement, actor.user_id, FollowerRole.follower.value, clock.now()
    ):
        _event(session, improvement, "improvement.followed", actor)
    session.flush()
    return improvement


def unfollow(*, session: Session, actor: Actor, improvement_id: int) -> Improvement:
    """Stop following (a reporter or supporter stops hearing of it too, and a supporter
    no longer counts as one)."""
    improvement = get_improvement(session, actor, improvement_id)
    if actor.user_id is None:
        return improvement
    row = session.get(ImprovementFollower, (improvement.id, actor.user_id))
    if row is not None:
        if row.role == FollowerRole.reporter.value:
            raise Conflict(
                "the person who raised an improvement keeps following it",
                template=N_("You raised this improvement, so you keep following it."),
            )
        session.delete(row)
        _event(session, improvement, "improvement.unfollowed", actor)
    session.flush()
    return improvement


def support(*, session: Session, actor: Actor, improvement_id: int) -> Improvement:
    """The actor says they see this too (and follows it)."""
    improvement = get_improvement(session, actor, improvement_id)
    _require_not_merged(improvement)
    if actor.user_id is not None and _set_role(
        session, improvement, actor.user_id, FollowerRole.supporter.value, clock.now()
    ):
        _event(session, improvement, "improvement.supported", actor)
    session.flush()
    return improvement


# ---- evidence ----
def link_evidence(
    *, session: Session, actor: Actor, improvement_id: int, case_number: str
) -> ImprovementEvidence:
    """Link a case the actor may read (404 otherwise) as confirmed evidence. A case that
    was suggested is confirmed; one already confirmed stays as it is."""
    improvement = get_improvement(session, actor, improvement_id)
    _require_not_merged(improvement)
    number = validation.text(case_number, field="case_number", max_length=32)
    case = get_case_for(session, actor, number)
    now = clock.now()
    known = session.scalar(
        select(ImprovementEvidence).where(
            ImprovementEvidence.improvement_id == improvement.id,
            ImprovementEvidence.case_id == case.id,
        )
    )
    if known is not None:
        if known.status != EvidenceStatus.confirmed.value:
            return decide_evidence(
                session=session,
                actor=actor,
                improvement_id=improvement.id,
                evidence_id=known.id,
                confirm=True,
            )
        return known
    row = _add_evidence(
        session,
        improvement,
        case,
        status=EvidenceStatus.confirmed.value,
        source=EvidenceSource.manual.value,
        actor=actor,
        now=now,
    )
    assert row is not None
    _event(
        session,
        improvement,
        "improvement.evidence_added",
        actor,
        {"case_id": case.id, "case_number": case.number, "source": "manual"},
        at=now,
    )
    session.flush()
    gather_evidence(session, improvement)
    return row


SUGGEST_WEEKS = 26
"""How far back cases are looked for when suggesting evidence (half a year: the trend
and the cost count recent contacts)."""


MAX_WAITING_SUGGESTIONS = 10
"""Suggested links waiting for a person's yes or no, at most, per improvement: more come
as these are decided (a long list of maybes is not read)."""


def gather_evidence(session: Session, improvement: Improvement) -> list[ImprovementEvidence]:
    """Suggest the cases on the improvement's topics that read like its confirmed
    evidence (stored case vectors; the threshold and why in
    ``docs/improvements-similarity.md``). Runs when evidence is confirmed or linked, when
    the improvement is raised, and hourly for new cases (``improvements.gather``). Only
    open improvements gather; without stored vectors nothing is suggested."""
    if (
        improvement.merged_into_id is not None
        or improvement.status not in OPEN_IMPROVEMENT_STATUSES
    ):
        return []
    rows = session.execute(
        select(ImprovementEvidence.case_id, ImprovementEvidence.status).where(
            ImprovementEvidence.improvement_id == improvement.id
        )
    ).all()
    confirmed = [case_id for case_id, status in rows if status == EvidenceStatus.confirmed.value]
    waiting = sum(1 for _case_id, status in rows if status == EvidenceStatus.suggested.value)
    room = MAX_WAITING_SUGGESTIONS - waiting
    if room <= 0 or not confirmed:
        return []
    topic_ids = list(
        session.scalars(
            select(ImprovementTopic.topic_id).where(
                ImprovementTopic.improvement_id == improvement.id
            )
        )
    )
    found = similar_to_cases(
        session,
        case_ids=confirmed,
        topic_ids=topic_ids,
        since=clock.now() - timedelta(weeks=SUGGEST_WEEKS),
        until=clock.now(),
        exclude_case_ids=[case_id for case_id, _status in rows],
        limit=room,
    )
    return add_suggested_evidence(session, improvement, found)


def gather_all(*, session: Session) -> int:
    """The hourly job's work: every open improvement gathers suggestions among the cases
    stored since. Returns how many suggestions were made."""
    ids = session.scalars(
        select(Improvement.id).where(
            Improvement.status.in_(OPEN_IMPROVEMENT_STATUSES),
            Improvement.merged_into_id.is_(None),
        )
    ).all()
    made = 0
    for improvement_id in ids:
        improvement = session.get(Improvement, improvement_id)
        if improvement is not None:
            made += len(gather_evidence(session, improvement))
    return made


def add_suggested_evidence(
    session: Session, improvement: Improvement, suggestions: Iterable[tuple[int, float]]
) -> list[ImprovementEvidence]:
    """The hook for the similarity search: suggest cases ``(case_id, score)`` as
    evidence. Cases already linked (in any status, also rejected ones) are skipped, so a
    rejected suggestion never comes back. Nära itself acts; one timeline event tells how
    many were suggested."""
    if improvement.merged_into_id is not None:
        return []
    wanted = dict(suggestions)
    if not wanted:
        return []
    known = set(
        session.scalars(
            select(ImprovementEvidence.case_id).where(
                ImprovementEvidence.improvement_id == improvement.id,
                ImprovementEvidence.case_id.in_(sorted(wanted)),
            )
        )
    )
    existing = set(session.scalars(select(Case.id).where(Case.id.in_(sorted(wanted)))))
    now = clock.now()
    made = [
        ImprovementEvidence(
            improvement_id=improvement.id,
            case_id=case_id,
            status=EvidenceStatus.suggested.value,
            score=float(score),
            source=EvidenceSource.suggested.value,
            created_at=now,
            decided_by_id=None,
            decided_at=None,
        )
        for case_id, score in sorted(wanted.items())
        if case_id not in known and case_id in existing
    ]
    if made:
        session.add_all(made)
        _event(session, improvement, "improvement.evidence_suggested", SYSTEM, {"count": len(made)})
        session.flush()
    return made


def decide_evidence(
    *, session: Session, actor: Actor, improvement_id: int, evidence_id: int, confirm: bool
) -> ImprovementEvidence:
    """Confirm or reject a suggested link in one action (staff who may read the case;
    404 otherwise). Deciding again the same way changes nothing; a confirmed link can be
    rejected (a mistake) and a rejected one confirmed."""
    improvement = get_improvement(session, actor, improvement_id)
    _require_not_merged(improvement)
    row = session.scalar(
        select(ImprovementEvidence).where(
            ImprovementEvidence.id == evidence_id,
            ImprovementEvidence.improvement_id == improvement.id,
        )
    )
    case = session.get(Case, row.case_id) if row is not None else None
    if row is None or case is None:
        raise NotFound(
            f"no evidence {evidence_id} on improvement {improvement.id}",
            template=N_("No evidence with id %(evidence_id)s."),
            params={"evidence_id": evidence_id},
        )
    get_case_for(session, actor, case.number)  # 404 for a case the actor may not read
    new = EvidenceStatus.confirmed.value if confirm else EvidenceStatus.rejected.value
    if row.status == new:
        return row
    now = clock.now()
    row.status = new
    row.decided_by_id = actor.user_id
    row.decided_at = now
    _event(
        session,
        improvement,
        "improvement.evidence_confirmed" if confirm else "improvement.evidence_rejected",
        actor,
        {"case_id": case.id, "case_number": case.number},
        at=now,
    )
    session.flush()
    if confirm:
        gather_evidence(session, improvement)
    return row


# ---- duplicates ----
def merge(*, session: Session, actor: Actor, improvement_id: int, into_id: int) -> Improvement:
    """Merge the duplicate ``improvement_id`` into ``into_id``: its evidence (confirmed
    stays confirmed, suggested stays suggested), its reporters, supporters and followers
    move there. The duplicate keeps its status and points to the other one. For a lead
    of the duplicate's owning team, a lead of the target's, or an admin."""
    if improvement_id == into_id:
        raise ValidationFailed(
            "an improvement cannot be merged into itself",
            field="into",
            template=N_("Choose another improvement to merge into."),
        )
    # Locked in id order, so that two merges of the same pair cannot deadlock.
    first, second = sorted((improvement_id, into_id))
    locked = {first: _lock(session, actor, first), second: _lock(session, actor, second)}
    duplicate, target = locked[improvement_id], locked[into_id]
    _require_not_merged(duplicate)
    _require_not_merged(target)
    if not (is_owner_lead(actor, duplicate) or is_owner_lead(actor, target)):
        raise PermissionDenied(
            "only a lead of either owning team or an admin can merge improvements",
            template=N_("Only a lead of the owning team or an admin can do this."),
        )
    if target.status in (ImprovementStatus.done.value, ImprovementStatus.declined.value):
        raise Conflict(
            f"improvement {target.id} is {target.status}; merge into an open one",
            template=N_("Merge into an open improvement."),
        )
    if duplicate.status == ImprovementStatus.done.value:
        raise Conflict(
            f"improvement {duplicate.id} is done; its measured effect stays its own",
            template=N_("A done improvement is not merged: its effect stays its own."),
        )
    now = clock.now()
    theirs = {
        e.case_id: e
        for e in session.scalars(
            select(ImprovementEvidence).where(ImprovementEvidence.improvement_id == target.id)
        )
    }
    moved = 0
    for evidence in session.scalars(
        select(ImprovementEvidence).where(ImprovementEvidence.improvement_id == duplicate.id)
    ).all():
        if evidence.status == EvidenceStatus.rejected.value:
            continue
        there = theirs.get(evidence.case_id)
        if there is None:
            session.add(
                ImprovementEvidence(
                    improvement_id=target.id,
                    case_id=evidence.case_id,
                    status=evidence.status,
                    score=evidence.score,
                    source=EvidenceSource.merged.value,
                    created_at=now,
                    decided_by_id=evidence.decided_by_id,
                    decided_at=evidence.decided_at,
                )
            )
            moved += 1
        elif (
            there.status == EvidenceStatus.suggested.value
            and evidence.status == EvidenceStatus.confirmed.value
        ):
            there.status = EvidenceStatus.confirmed.value
            there.decided_by_id = evidence.decided_by_id
            there.decided_at = evidence.decided_at
            moved += 1
    for person in session.scalars(
        select(ImprovementFollower).where(ImprovementFollower.improvement_id == duplicate.id)
    ).all():
        _set_role(session, target, person.user_id, person.role, now)
    their_topics = set(
        session.scalars(
            select(ImprovementTopic.topic_id).where(ImprovementTopic.improvement_id == target.id)
        )
    )
    position = len(their_topics)
    for topic_id in session.scalars(
        select(ImprovementTopic.topic_id)
        .where(ImprovementTopic.improvement_id == duplicate.id)
        .order_by(ImprovementTopic.position)
    ).all():
        if topic_id not in their_topics:
            session.add(
                ImprovementTopic(improvement_id=target.id, topic_id=topic_id, position=position)
            )
            position += 1
    duplicate.merged_into_id = target.id
    _event(
        session,
        duplicate,
        "improvement.merged_into",
        actor,
        {"into_id": target.id, "into_title": target.title},
        at=now,
    )
    _event(
        session,
        target,
        "improvement.merged_from",
        actor,
        {"from_id": duplicate.id, "from_title": duplicate.title, "evidence": moved},
        at=now,
    )
    _notify_followers(
        session,
        duplicate,
        actor,
        "improvement.merged",
        into_id=target.id,
        into_title=target.title,
    )
    session.flush()
    return target


def record_measured(
    session: Session, improvement: Improvement, *, status: str, data: dict[str, Any]
) -> None:
    """The hook for the effect measurement: a timeline event and a notification to the
    reporters and followers that the effect was measured (``status`` measured or
    not_enough_data). The measurement itself writes its ``improvement_effects`` row."""
    _event(session, improvement, "improvement.measured", SYSTEM, {"status": status, **data})
    if status == "measured":
        _notify_followers(session, improvement, SYSTEM, "improvement.measured")
    session.flush()
