"""Staff notifications: written in the same transaction as what they tell about, so a
notification exists exactly when its cause was committed, and stored in the database so
every app process shows them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.errors import NotFound
from nara.i18n import N_
from nara.models import Case, Consultation, Notification, Role, TeamMember, User
from nara.queries.access import require_staff


def notify(
    session: Session,
    *,
    user_ids: Iterable[int],
    kind: str,
    actor: Actor | None = None,
    case: Case | None = None,
    consultation: Consultation | None = None,
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """One notification of ``kind`` per person in ``user_ids`` (each once), except the
    actor who caused it and people no longer active."""
    wanted = set(user_ids)
    if actor is not None and actor.user_id is not None:
        wanted.discard(actor.user_id)
    if not wanted:
        return []
    active = session.scalars(
        select(User.id).where(User.id.in_(sorted(wanted)), User.is_active.is_(True))
    ).all()
    now = clock.now()
    made = [
        Notification(
            user_id=user_id,
            kind=kind,
            case_id=case.id if case is not None else None,
            consultation_id=consultation.id if consultation is not None else None,
            actor_id=actor.user_id if actor is not None else None,
            data=dict(data or {}),
            created_at=now,
            read_at=None,
        )
        for user_id in sorted(active)
    ]
    session.add_all(made)
    return made


def team_member_ids(session: Session, team_id: int) -> list[int]:
    """The members of a team (to notify a team)."""
    return list(
        session.scalars(
            select(TeamMember.user_id)
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.user_id)
        )
    )


def team_lead_ids(session: Session, team_id: int) -> list[int]:
    """The team's leads (to notify the people who follow up the team's work)."""
    return list(
        session.scalars(
            select(TeamMember.user_id)
            .join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id == team_id, User.role == Role.lead.value)
            .order_by(TeamMember.user_id)
        )
    )


def mark_read(*, session: Session, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read (someone else's: 404, as if it
    did not exist). Reading it again changes nothing."""
    require_staff(actor)
    notification = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == actor.user_id
        )
    )
    if notification is None:
        raise NotFound(
            f"no notification with id {notification_id}",
            template=N_("No notification with id %(notification_id)s."),
            params={"notification_id": notification_id},
        )
    if notification.read_at is None:
        notification.read_at = clock.now()
        session.flush()
    return notification


def mark_all_read(*, session: Session, actor: Actor) -> int:
    """Mark every unread notification of the actor read; how many there were."""
    require_staff(actor)
    done = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
