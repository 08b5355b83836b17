"""Presence per team (available / busy / away) and work sessions (an agent working on
a case). Routing and the wait estimator read both."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, bindparam, select, update
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.errors import PermissionDenied, ValidationFailed
from nara.i18n import N_
from nara.models import MemberPresence, Presence, WorkSession
from nara.queries.access import can_manage_team, is_team_member


def set_presence(
    *,
    session: Session,
    actor: Actor,
    team_id: int,
    status: str,
    user_id: int | None = None,
    until: datetime | None = None,
) -> MemberPresence:
    """A member sets their own presence in one of their teams (a lead of the team may
    set it for a member). Going away or busy ends the member's open work sessions.
    ``until`` (away or busy only) says when they expect to be back; the wait estimator
    counts them in from then."""
    new = validation.choice(Presence, status, field="status")
    now = clock.now()
    if until is not None:
        if new == Presence.available:
            raise ValidationFailed(
                "'until' is for away or busy",
                field="until",
                template=N_("A time to be back is only for away or busy."),
            )
        if until.tzinfo is None:
            raise ValidationFailed(
                "give 'until' with a time zone",
                field="until",
                template=N_("Give the time to be back with a time zone."),
            )
        if until <= now or until > now + timedelta(hours=24):
            raise ValidationFailed(
                "'until' must be within the next 24 hours",
                field="until",
                template=N_("Choose a time within the next 24 hours."),
            )
    target = user_id if user_id is not None else actor.user_id
    if target is None:
        raise ValidationFailed(
            "a user is needed", field="user_id", template=N_("A user is needed.")
        )
    if target != actor.user_id and not can_manage_team(actor, team_id):
        raise PermissionDenied(
            "only a lead of the team can set another member's presence",
            template=N_("Only a lead of the team can set another member's presence."),
        )
    if not is_team_member(session, team_id, target):
        raise ValidationFailed(
            "presence is set in a team the member belongs to",
            field="team_id",
            template=N_("Presence is set in a team the member belongs to."),
        )
    row = session.get(MemberPresence, (team_id, target))
    if row is None:
        row = MemberPresence(team_id=team_id, user_id=target, status=new.value, changed_at=now,
                             away_until=until)  # fmt: skip
        session.add(row)
    else:
        if row.status != new.value:
            row.status = new.value
            row.changed_at = now
        row.away_until = until
    if new != Presence.available:
        end_work(session, user_id=target, team_id=team_id, now=now)
    session.flush()
    return row


def start_work(session: Session, *, user_id: int, team_id: int, case_id: int,
               now: datetime) -> WorkSession:  # fmt: skip
    """The member starts working on a case; whatever they worked on before ends."""
    end_work(session, user_id=user_id, now=now, skip_locked=True)
    work = WorkSession(team_id=team_id, user_id=user_id, case_id=case_id, started_at=now,
                       ended_at=None)  # fmt: skip
    session.add(work)
    session.flush()
    return work


def end_work(
    session: Session,
    *,
    user_id: int | None = None,
    team_id: int | None = None,
    case_id: int | None = None,
    now: datetime,
    skip_locked: bool = False,
) -> None:
    """End the open work sessions that match. ``skip_locked`` (PostgreSQL; a member moving
    on to other work): sessions another transaction has locked are left to it, since
    whoever holds that lock is ending them. Without it, a member's concurrent openings
    (an integration opening cases under one account) would wait on each other from this
    update to their commit; with it they never do (``docs/architecture.md``, "Case
    numbers")."""
    skip = skip_locked and session.get_bind().dialect.name == "postgresql"
    stmt = _ending(user_id is not None, team_id is not None, case_id is not None, skip)
    params = {"b_user_id": user_id, "b_team_id": team_id, "b_case_id": case_id, "b_now": now}
    session.execute(stmt, params)


@functools.cache
def _ending(by_user: bool, by_team: bool, by_case: bool, skip_locked: bool) -> Update:
    """:func:`end_work`'s statement per shape, built once (opening a case runs it)."""
    conditions: list[ColumnElement[bool]] = [WorkSession.ended_at.is_(None)]
    if by_user:
        conditions.append(WorkSession.user_id == bindparam("b_user_id"))
    if by_team:
        conditions.append(WorkSession.team_id == bindparam("b_team_id"))
    if by_case:
        conditions.append(WorkSession.case_id == bindparam("b_case_id"))
    stmt = update(WorkSession)
    if skip_locked:
        free = select(WorkSession.id).where(*conditions).with_for_update(skip_locked=True)
        stmt = stmt.where(WorkSession.id.in_(free.scalar_subquery()))
    else:
        stmt = stmt.where(*conditions)
    return stmt.values(ended_at=bindparam("b_now")).execution_options(synchronize_session=False)


def current_work(session: Session, user_id: int) -> WorkSession | None:
    return session.scalar(
        select(WorkSession)
        .where(WorkSession.user_id == user_id, WorkSession.ended_at.is_(None))
        .order_by(WorkSession.started_at.desc())
        .limit(1)
    )
