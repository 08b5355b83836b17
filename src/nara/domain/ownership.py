"""Ownership that stays: who owns a case, its first owner, and hand-overs (överlämning).

The person who met the customer keeps the case (``open_case``); other teams are consulted
inside it. Handing a case over to another team or person is a named act with a reason,
recorded as ``case.handed_over`` and counted (``cases.handover_count``). An owner who is
replaced keeps reading that one case (``case_participants``, reason ``earlier_owner``),
so nobody silently loses a case they worked on.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.callbacks import cancel_for_case
from nara.domain.errors import Conflict, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.domain.notifications import notify, team_member_ids
from nara.domain.presence import end_work, start_work
from nara.domain.promises import refresh_due_times
from nara.domain.routing import RoutingDecision
from nara.domain.waiting import estimate_wait
from nara.i18n import N_
from nara.models import (
    Case,
    CaseParticipant,
    CaseStatus,
    Role,
    Team,
    TeamMember,
    User,
)
from nara.queries import directory
from nara.queries.access import case_visibility, get_case_for, is_team_member, require_staff
from nara.queries.directory import RefRow

MAX_REASON = 2000
EARLIER_OWNER = "earlier_owner"
HANDED_OVER = "handed_over"
"""``case_participants.reason`` of the person who handed a case over to a team they are
not in (without owning it): they keep reading the case they passed on."""


def opener_keeps(actor: Actor) -> bool:
    """Staff in a team who open a case without naming team or owner keep it."""
    return not actor.is_customer and actor.user_id is not None and bool(actor.team_ids)


def kept_by_opener(
    session: Session, actor: Actor, decision: RoutingDecision, topic_id: int | None
) -> RoutingDecision:
    """The opener's team for a case they keep: the team routing chose when they are in
    it; else their (active) team that handles the topic, else their lowest-id team. The
    team routing suggested is kept in the ``case.routed`` event, so the case page can
    offer to consult it or hand over."""
    if decision.team.id in actor.team_ids:
        return RoutingDecision(
            decision.team,
            decision.reason,
            {**decision.detail, "kept_by_opener": True},
            decision.flag,
        )
    team = _opener_team(directory.routing_map(session), actor.team_ids, topic_id)
    suggested = decision.team
    detail = {
        "kept_by_opener": True,
        "suggested_team_id": suggested.id,
        "suggested_team": suggested.name_sv,
        "suggested_team_en": suggested.name_en,
        "suggested_reason": decision.reason,
    }
    return RoutingDecision(team, "kept", detail, decision.flag)


def _opener_team(
    routing: directory.RoutingMap, team_ids: frozenset[int], topic_id: int | None
) -> RefRow:
    """Among the opener's teams: active first, then those handling the topic by rank,
    then the lowest id."""

    def order(team_id: int) -> tuple[bool, bool, int, int]:
        rank = routing.rank_of(team_id, topic_id) if topic_id is not None else None
        active = routing.teams[team_id].is_active
        return (not active, rank is None, rank or 0, team_id)

    return routing.teams[min((t for t in team_ids if t in routing.teams), key=order)].ref


def check_owner(session: Session, owner_id: int, team_id: int) -> User:
    """The active staff member ``owner_id``, who must be a member of ``team_id``."""
    owner = session.get(User, owner_id)
    if owner is None or not owner.is_active or owner.role == Role.customer:
        raise ValidationFailed(
            f"no active staff member with id {owner_id}",
            field="owner_id",
            template=N_("No active staff member with id %(owner_id)s."),
            params={"owner_id": owner_id},
        )
    if not is_team_member(session, team_id, owner_id):
        raise ValidationFailed(
            "the owner must be a member of the case's responsible team",
            field="owner_id",
            template=N_("The owner must be a member of the case's team."),
        )
    return owner


def set_owner(session: Session, actor: Actor, case: Case, owner: User | None) -> None:
    """Make ``owner`` the case's owner (None: nobody), with the events and work sessions.
    A replaced owner keeps reading the case; the first owner is remembered."""
    if owner is not None:
        if owner.id == case.owner_id:
            return
        _remember_earlier_owner(session, case, case.owner_id)
        case.owner_id = owner.id
        if case.first_owner_id is None:
            case.first_owner_id = owner.id
        data = {"owner_id": owner.id, "owner_name": owner.display_name}
        append_event(session, case=case, type="case.assigned", actor=actor, data=data)
        end_work(session, case_id=case.id, now=clock.now())
        if owner.id == actor.user_id:
            start_work(
                session, user_id=owner.id, team_id=case.team_id, case_id=case.id, now=clock.now()
            )
    elif case.owner_id is not None:
        _remember_earlier_owner(session, case, case.owner_id)
        case.owner_id = None
        end_work(session, case_id=case.id, now=clock.now())
        append_event(session, case=case, type="case.unassigned", actor=actor)


def _remember_earlier_owner(session: Session, case: Case, user_id: int | None) -> None:
    _add_participant(session, case, user_id, EARLIER_OWNER)


def _add_participant(session: Session, case: Case, user_id: int | None, reason: str) -> None:
    """``user_id`` took part in ``case`` and keeps reading it (once per person and case)."""
    if user_id is None:
        return
    known = session.scalar(
        select(CaseParticipant.id).where(
            CaseParticipant.case_id == case.id, CaseParticipant.user_id == user_id
        )
    )
    if known is None:
        session.add(
            CaseParticipant(
                case_id=case.id,
                team_id=None,
                user_id=user_id,
                reason=reason,
                created_at=clock.now(),
            )
        )


def hand_over(
    *,
    session: Session,
    actor: Actor,
    number: str,
    reason: str | None,
    team: str | None = None,
    owner: str | None = None,
) -> Case:
    """Hand the case over to the team with slug ``team``, optionally to a named member of
    it (``owner``, an e-mail address), for ``reason``. Only the case's owning side may;
    the team must be active and have active members; nothing changes when the case
    already belongs to that team and owner (409)."""
    text = _require_reason(actor, reason)
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    target = _team_by_slug(session, team)
    new_owner = _owner_by_email(session, owner, target) if owner and owner.strip() else None
    return hand_over_case(session, actor, case, target, new_owner, text)


def hand_over_to_team_id(
    *,
    session: Session,
    actor: Actor,
    case: Case,
    team_id: int,
    owner_id: int | None,
    reason: str | None,
) -> Case:
    """:func:`hand_over` for callers that name the team and owner by id (the older
    ``assign`` route and form); ``case`` is already locked for the change."""
    text = _require_reason(actor, reason)
    target = session.get(Team, team_id)
    if target is None:
        raise ValidationFailed(
            f"no team with id {team_id}",
            field="team_id",
            template=N_("There is no such team."),
        )
    new_owner = None
    if owner_id is not None:
        new_owner = _active_member(session, session.get(User, owner_id), target, "owner_id")
    return hand_over_case(session, actor, case, target, new_owner, text)


def _require_reason(actor: Actor, reason: str | None) -> str:
    if actor.is_customer:
        raise PermissionDenied(
            "customers cannot hand over cases", template=N_("Customers cannot hand over cases.")
        )
    require_staff(actor)
    if reason is None or not reason.strip():
        raise ValidationFailed(
            "a hand-over needs a reason: say why another team or person takes over",
            field="reason",
            template=N_("Say why you hand the case over: the reason is required."),
        )
    return validation.text(reason, field="reason", max_length=MAX_REASON)


def _team_by_slug(session: Session, slug: str | None) -> Team:
    wanted = (slug or "").strip().lower()
    team = session.scalar(select(Team).where(Team.slug == wanted)) if wanted else None
    if team is None:
        if not wanted:
            raise ValidationFailed(
                "choose the team to hand the case over to",
                field="team",
                template=N_("Choose the team to hand the case over to."),
            )
        raise ValidationFailed(
            f"no team {wanted!r}",
            field="team",
            template=N_("There is no team “%(team)s”."),
            params={"team": wanted},
        )
    return team


def _owner_by_email(session: Session, email: str, team: Team) -> User:
    user = session.scalar(select(User).where(User.email == validation.email_key(email)))
    return _active_member(session, user, team, "owner")


def _active_member(session: Session, user: User | None, team: Team, field: str) -> User:
    if (
        user is None
        or not user.is_active
        or user.role == Role.customer
        or not is_team_member(session, team.id, user.id)
    ):
        raise ValidationFailed(
            f"the new owner must be an active member of team {team.slug}",
            field=field,
            template=N_("The new owner must be an active member of the chosen team."),
        )
    return user


def _check_target(
    session: Session, actor: Actor, case: Case, team: Team, owner: User | None
) -> None:
    if case.status == CaseStatus.closed:
        raise Conflict(
            f"case {case.number} is closed and cannot be handed over",
            template=N_("This case is closed and cannot be handed over."),
        )
    if not team.is_active:
        raise ValidationFailed(
            f"team {team.slug} is not active and takes no cases",
            field="team",
            template=N_("This team is not active and takes no cases."),
        )
    active_members = session.scalar(
        select(func.count())
        .select_from(TeamMember)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team.id, User.is_active.is_(True))
    )
    if not active_members:
        raise ValidationFailed(
            f"team {team.slug} has no active members to take the case",
            field="team",
            template=N_("This team has no members who could take the case."),
        )
    new_owner_id = owner.id if owner is not None else None
    if team.id == case.team_id and new_owner_id == case.owner_id:
        if new_owner_id is not None and new_owner_id == actor.user_id:
            raise Conflict(
                f"you already own case {case.number}",
                template=N_("You already own this case."),
            )
        raise Conflict(
            f"case {case.number} already belongs to this team and owner",
            template=N_("The case already belongs to this team and owner."),
        )


def hand_over_case(
    session: Session, actor: Actor, case: Case, team: Team, owner: User | None, reason: str
) -> Case:
    """Hand the locked ``case`` over to ``team`` (and ``owner``, or nobody in it yet):
    the earlier owner keeps reading it, work on it ends, a booked callback is cancelled
    (the new team books its own), the due times follow the new team's calendar, the
    customer's expected wait is made anew, and the new owner (or the new team) is told."""
    _check_target(session, actor, case, team, owner)
    now = clock.now()
    old_team = session.get(Team, case.team_id)
    assert old_team is not None  # a case always has its team (foreign key)
    old_owner = session.get(User, case.owner_id) if case.owner_id is not None else None
    data = _event_data(old_team, team, old_owner, owner, reason)
    if old_owner is not None and (owner is None or old_owner.id != owner.id):
        _remember_earlier_owner(session, case, old_owner.id)
    case.team_id = team.id
    case.owner_id = owner.id if owner else None
    if owner is not None and case.first_owner_id is None:
        case.first_owner_id = owner.id
    case.handover_count = (case.handover_count or 0) + 1
    append_event(session, case=case, at=now, type="case.handed_over", actor=actor, data=data)
    end_work(session, case_id=case.id, now=now)
    if owner is not None and owner.id == actor.user_id:
        start_work(session, user_id=owner.id, team_id=team.id, case_id=case.id, now=now)
    cancel_for_case(session, actor, case, reason="handed_over")
    refresh_due_times(session, case)
    session.flush()
    _keep_reading(session, actor, case)
    estimate_wait(session, case, now=now, context="moved")
    recipients = [owner.id] if owner is not None else team_member_ids(session, team.id)
    notify(
        session,
        user_ids=recipients,
        kind="case.handed_over",
        actor=actor,
        case=case,
        data={"reason": reason, "from_team_id": old_team.id, "to_team_id": team.id},
    )
    session.flush()
    return case


def _event_data(
    old_team: Team, team: Team, old_owner: User | None, owner: User | None, reason: str
) -> dict[str, object]:
    """The facts of a ``case.handed_over`` event: both teams and owners, and why."""
    return {
        "from_team_id": old_team.id,
        "from_team": old_team.name_sv,
        "from_team_en": old_team.name_en,
        "to_team_id": team.id,
        "to_team": team.name_sv,
        "to_team_en": team.name_en,
        "from_owner_id": old_owner.id if old_owner else None,
        "from_owner_name": old_owner.display_name if old_owner else None,
        "to_owner_id": owner.id if owner else None,
        "to_owner_name": owner.display_name if owner else None,
        "reason": reason,
    }


def _keep_reading(session: Session, actor: Actor, case: Case) -> None:
    """The member who handed the case over to a team they are not in keeps reading it
    (they took part), like an earlier owner."""
    if actor.user_id is None or actor.is_admin:
        return
    still_sees = session.scalar(select(Case.id).where(Case.id == case.id, case_visibility(actor)))
    if still_sees is None:
        _add_participant(session, case, actor.user_id, HANDED_OVER)
