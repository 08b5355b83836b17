"""Agents pull work: "Next case" gives the member the most urgent case they may take
and claims it atomically.

On PostgreSQL the candidate row is locked with ``FOR UPDATE SKIP LOCKED``, so parallel
claimers each get a different case without waiting on each other. On SQLite the
database's single writer serialises claimers. On both, the claim itself is a
conditional UPDATE (``... WHERE owner_id IS NULL``), so a case can never be given to
two members even if a row lock were missing.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.errors import PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.domain.presence import set_presence, start_work
from nara.domain.waiting import estimate_wait
from nara.i18n import N_
from nara.models import Case, Presence, Role, User
from nara.queries.access import require_staff
from nara.queries.service import presence_by_team, pull_order, queue_clause

MAX_ATTEMPTS = 20


def pull_teams(session: Session, actor: Actor) -> list[int]:
    """The member's teams they pull from: every team where they are not away."""
    if actor.user_id is None:
        return []
    presence = presence_by_team(session, actor.user_id)
    return sorted(t for t in actor.team_ids if presence.get(t, Presence.away) != Presence.away)


def take_next_case(*, session: Session, actor: Actor) -> Case | None:
    """Claim the most urgent waiting case of the member's teams (promise due time, then
    priority, then age). None when nothing waits. Setting oneself away in a team stops
    pulling from it; a member who is away everywhere is made available in all their
    teams by pressing "Next case" (they asked for work)."""
    require_staff(actor)
    if actor.user_id is None or actor.role == Role.customer:
        raise PermissionDenied(
            "only members of a team pull cases", template=N_("Only members of a team pull cases.")
        )
    if not actor.team_ids:
        raise ValidationFailed(
            "you are not a member of any team; join a team to take its cases",
            template=N_("You are not a member of any team."),
        )
    teams = pull_teams(session, actor)
    if not teams:
        for team_id in sorted(actor.team_ids):
            set_presence(session=session, actor=actor, team_id=team_id, status="available")
        teams = sorted(actor.team_ids)
    dialect = session.get_bind().dialect.name
    for _ in range(MAX_ATTEMPTS):
        stmt = select(Case.id).where(queue_clause(teams)).order_by(*pull_order()).limit(1)
        if dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        case_id = session.scalar(stmt)
        if case_id is None:
            return None
        claimed = session.execute(
            update(Case)
            .where(Case.id == case_id, Case.owner_id.is_(None))
            .values(owner_id=actor.user_id, updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            case = session.get(Case, case_id, populate_existing=True)
            assert case is not None
            owner = session.get(User, actor.user_id)
            assert owner is not None
            append_event(session, case=case, type="case.assigned", actor=actor,
                         data={"owner_id": owner.id, "owner_name": owner.display_name,
                               "via": "next"})  # fmt: skip
            start_work(session, user_id=owner.id, team_id=case.team_id, case_id=case.id,
                       now=clock.now())  # fmt: skip
            session.flush()
            estimate_wait(session, case, now=clock.now(), context="assigned")
            return case
    return None
