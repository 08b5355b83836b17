"""Who is acting. Every domain function takes an ``Actor``; access checks read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ScalarSelect, String, func, select
from sqlalchemy.orm import Session

from nara.models import Customer, Role, TeamMember, User
from nara.models.users import STAFF_ROLES


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: Role
    team_ids: frozenset[int] = field(default_factory=frozenset)
    customer_id: int | None = None
    display_name: str = ""
    email: str = ""
    ip: str | None = None  # the client address of the request (None from the CLI and jobs)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.customer

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_system(self) -> bool:
        """Nära itself (no user). A customer without a login (the holder of a private
        link, ``domain/private_links.py``) has no user either but is never the system."""
        return self.user_id is None and self.role != Role.customer

    @property
    def can_view_personnummer(self) -> bool:
        """Leads and admins see full personnummer; agents see it masked but may search by it."""
        return self.role in (Role.lead, Role.admin)


SYSTEM = Actor(user_id=None, role=Role.admin, display_name="Nära")
"""The actor for the CLI, migrations, the demo loader and jobs acting on their own."""


def actor_for_user(session: Session, user: User) -> Actor:
    """The actor of ``user``: their teams and their customer record, in one query (it
    runs on every request)."""
    rows = session.execute(
        select(TeamMember.team_id, Customer.id)
        .select_from(User)
        .outerjoin(TeamMember, TeamMember.user_id == User.id)
        .outerjoin(Customer, Customer.user_id == User.id)
        .where(User.id == user.id)
    ).all()
    team_ids = frozenset(team_id for team_id, _ in rows if team_id is not None)
    customer_id = next((c for _, c in rows if c is not None), None)
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        team_ids=team_ids,
        customer_id=customer_id,
        display_name=user.display_name,
        email=user.email,
    )


@dataclass(frozen=True)
class Membership:
    """A user's teams and customer record, read with the user where every request
    authenticates (:func:`membership_columns`), so that no request asks for them again."""

    team_ids: frozenset[int]
    customer_id: int | None


def membership_columns() -> tuple[ScalarSelect[str | None], ScalarSelect[int | None]]:
    """Two columns to select beside a ``User``: its team ids (comma-separated, NULL for
    none) and its customer id; :func:`membership_from` reads them."""
    teams = (
        select(func.aggregate_strings(TeamMember.team_id.cast(String), ","))
        .where(TeamMember.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    customer = (
        select(func.min(Customer.id))
        .where(Customer.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    return teams, customer


def membership_from(team_ids: str | None, customer_id: int | None) -> Membership:
    ids = frozenset(int(part) for part in team_ids.split(",")) if team_ids else frozenset()
    return Membership(team_ids=ids, customer_id=customer_id)


def actor_of(user: User, membership: Membership) -> Actor:
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        team_ids=membership.team_ids,
        customer_id=membership.customer_id,
        display_name=user.display_name,
        email=user.email,
    )
