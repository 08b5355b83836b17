"""Reading the directory: teams, topics, people and API tokens, and the batch look-ups
the API's response bodies need (members and topics of teams, teams of topics)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from nara import reference_cache
from nara.domain.actors import Actor
from nara.models import (
    ApiToken,
    Callback,
    Case,
    ConversationTurn,
    Customer,
    Role,
    Team,
    TeamMember,
    TeamTopic,
    Topic,
    User,
)

Row = TypeVar("Row", Team, Topic, User, Customer, Case)


def by_id(session: Session, model: type[Row], ids: Iterable[int | None]) -> dict[int, Row]:
    """Rows of ``model`` by id, in one query."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows: Any = session.scalars(select(model).where(model.id.in_(wanted)))
    return {row.id: row for row in rows}


@functools.cache
def _people() -> Select[int, str, str]:
    """:func:`people_by_id`'s query, built once (``ids``: the user ids)."""
    return select(User.id, User.display_name, User.role).where(
        User.id.in_(bindparam("ids", expanding=True))
    )


def people_by_id(
    session: Session, ids: Iterable[int | None], known: dict[int, OwnerRow] | None = None
) -> dict[int, OwnerRow]:
    """Id, name and role of people (staff or customers) by id, in one query: what a
    timeline shows of who wrote or did something, without building ORM objects.
    ``known``: people at hand already (not read again)."""
    found = dict(known or {})
    wanted = sorted({i for i in ids if i is not None and i not in found})
    if not wanted:
        return found
    rows = session.execute(_people(), {"ids": wanted})
    found.update((user_id, OwnerRow(user_id, name, role)) for user_id, name, role in rows)
    return found


class RefRow(NamedTuple):
    """A team or topic as a case list names it (``serializers.ref`` reads these fields)."""

    id: int
    slug: str
    name_sv: str
    name_en: str


class OwnerRow(NamedTuple):
    """A case's owner as a case list names them (``serializers.person`` reads these)."""

    id: int
    display_name: str
    role: str

    @property
    def first_name(self) -> str:
        return self.display_name.split(" ", 1)[0]


REFERENCE_COLUMNS = (
    Customer.name,
    Topic.id,
    Topic.slug,
    Topic.name_sv,
    Topic.name_en,
    Team.id,
    Team.slug,
    Team.name_sv,
    Team.name_en,
    User.id,
    User.display_name,
    User.role,
)
"""What a case list shows besides the case: with :func:`with_references`' joins."""


def with_references(stmt: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """``stmt`` (on ``Case``) joined to what :data:`REFERENCE_COLUMNS` read (each by
    primary key)."""
    return (
        stmt.join(Customer, Customer.id == Case.customer_id)
        .join(Team, Team.id == Case.team_id)
        .outerjoin(Topic, Topic.id == Case.topic_id)
        .outerjoin(User, User.id == Case.owner_id)
    )


def references_of(values: Sequence[Any]) -> CaseReferences:
    """A row's :data:`REFERENCE_COLUMNS` as a case's references."""
    name, *ids = values
    topic = RefRow(*ids[0:4]) if ids[0] is not None else None
    owner = OwnerRow(*ids[8:11]) if ids[8] is not None else None
    return (name, topic, RefRow(*ids[4:8]), owner)


@functools.cache
def _references() -> Select[*tuple[Any, ...]]:
    """:func:`case_references`' query, built once (``ids``: the case ids)."""
    return with_references(select(Case.id, *REFERENCE_COLUMNS)).where(
        Case.id.in_(bindparam("ids", expanding=True))
    )


CaseReferences = tuple[str, RefRow | None, RefRow, OwnerRow | None]
"""A case's customer name, topic, team and owner, as a case list names them."""


def case_references(session: Session, case_ids: Iterable[int]) -> dict[int, CaseReferences]:
    """What a case list shows besides the case itself (customer name, topic, team,
    owner), for many cases in one query: plain columns, no ORM objects to build."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return {}
    rows = session.execute(_references(), {"ids": wanted})
    return {case_id: references_of(values) for case_id, *values in rows}


def teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name_sv, Team.id)))


def topics(session: Session, *, active_only: bool = False) -> list[Topic]:
    stmt = select(Topic).order_by(Topic.name_sv, Topic.id)
    if active_only:
        stmt = stmt.where(Topic.is_active.is_(True))
    return list(session.scalars(stmt))


def topic(session: Session, topic_id: int) -> Topic | None:
    return session.get(Topic, topic_id)


def active_staff(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role != Role.customer.value, User.is_active.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


def active_members(session: Session, team_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == team_id, User.is_active.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


class MemberRow(NamedTuple):
    """A person as a list of a team's members shows them."""

    id: int
    email: str
    display_name: str


HandoverTargets = tuple[tuple[RefRow, tuple[MemberRow, ...]], ...]


def active_member_refs(session: Session, team_id: int) -> tuple[MemberRow, ...]:
    """A team's active members by name, kept by the process until the directory
    changes."""

    def load(s: Session) -> tuple[MemberRow, ...]:
        return tuple(MemberRow(u.id, u.email, u.display_name) for u in active_members(s, team_id))

    return reference_cache.cached(session, reference_cache.DIRECTORY, ("members", team_id), load)


def handover_targets(session: Session) -> HandoverTargets:
    """The teams a case can be handed over to (active, with active members), each with
    its active members by name: kept by the process until the directory changes."""
    return reference_cache.cached(session, reference_cache.DIRECTORY, "handover", _handover)


def _handover(session: Session) -> HandoverTargets:
    rows = session.execute(
        select(
            Team.id, Team.slug, Team.name_sv, Team.name_en, User.id, User.email, User.display_name
        )
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(User, User.id == TeamMember.user_id)
        .where(Team.is_active.is_(True), User.is_active.is_(True))
        .order_by(Team.name_sv, Team.id, User.display_name, User.id)
    )
    out: dict[int, tuple[RefRow, list[MemberRow]]] = {}
    for team_id, slug, name_sv, name_en, user_id, email, display_name in rows:
        team = out.setdefault(team_id, (RefRow(team_id, slug, name_sv, name_en), []))
        team[1].append(MemberRow(user_id, email, display_name))
    return tuple((team, tuple(members)) for team, members in out.values())


def active_team_refs(session: Session) -> tuple[RefRow, ...]:
    """The active teams by name, kept by the process until the directory changes."""
    return _active_refs(session, Team)


def active_topic_refs(session: Session) -> tuple[RefRow, ...]:
    """The active topics by name, kept by the process until the directory changes."""
    return _active_refs(session, Topic)


def _active_refs(session: Session, model: type[Team] | type[Topic]) -> tuple[RefRow, ...]:
    def load(s: Session) -> tuple[RefRow, ...]:
        rows = s.execute(
            select(model.id, model.slug, model.name_sv, model.name_en)
            .where(model.is_active.is_(True))
            .order_by(model.name_sv, model.id)
        )
        return tuple(RefRow(*row) for row in rows)

    key = ("active", model.__tablename__)
    return reference_cache.cached(session, reference_cache.DIRECTORY, key, load)


def users(
    session: Session, actor: Actor, *, role: str | None = None, limit: int | None = None
) -> list[User]:
    """People, by name: staff see staff (to assign and manage teams), admins everyone."""
    stmt = select(User).order_by(User.display_name, User.id)
    if not actor.is_admin:
        stmt = stmt.where(User.role != Role.customer.value)
    if role:
        stmt = stmt.where(User.role == role)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


CUSTOMER_LOGINS_SHOWN = 50
"""Customer logins listed on the admins' users page (the latest); a bank has thousands,
found one by one under Customers."""


def users_by_role(session: Session) -> tuple[list[User], int]:
    """The admins' users page: every staff member and the latest customer logins, grouped
    by role; and how many customer logins there are in all."""
    customer = Role.customer.value
    staff = session.scalars(select(User).where(User.role != customer))
    latest = session.scalars(
        select(User)
        .where(User.role == customer)
        .order_by(User.id.desc())
        .limit(CUSTOMER_LOGINS_SHOWN)
    )
    shown = sorted([*staff, *latest], key=lambda u: (u.role, u.display_name, u.id))
    total = session.scalar(select(func.count()).select_from(User).where(User.role == customer))
    return shown, int(total or 0)


def user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def team_ids_of(session: Session, user_id: int) -> list[int]:
    return sorted(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def api_tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    )


def members_of_teams(session: Session, team_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in team_ids}
    for tm in session.scalars(select(TeamMember).where(TeamMember.team_id.in_(team_ids))):
        out[tm.team_id].append(tm.user_id)
    return out


def topics_of_teams(session: Session, team_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in team_ids}
    for tt in session.scalars(select(TeamTopic).where(TeamTopic.team_id.in_(team_ids))):
        out[tt.team_id].append(tt.topic_id)
    return out


def teams_of_topics(session: Session, topic_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {i: [] for i in topic_ids}
    for tt in session.scalars(select(TeamTopic).where(TeamTopic.topic_id.in_(topic_ids))):
        out[tt.topic_id].append(tt.team_id)
    return out


def customer_of(session: Session, case: Case) -> Customer:
    """The customer of a case the caller already may see."""
    customer = session.get(Customer, case.customer_id)
    assert customer is not None  # a case always has its customer (foreign key)
    return customer


def case_by_id(session: Session, case_id: int) -> Case | None:
    """A case by id, without an access check: callers check access themselves."""
    return session.get(Case, case_id)


def case_of_callback(session: Session, callback_id: int) -> Case | None:
    """The case a callback belongs to, without an access check."""
    return session.scalar(
        select(Case).join(Callback, Callback.case_id == Case.id).where(Callback.id == callback_id)
    )


def conversation_turns(session: Session, conversation_id: int) -> list[ConversationTurn]:
    return list(
        session.scalars(
            select(ConversationTurn)
            .where(ConversationTurn.conversation_id == conversation_id)
            .order_by(ConversationTurn.id)
        )
    )


class TeamRow(NamedTuple):
    """A team as routing knows it."""

    ref: RefRow
    is_active: bool
    is_fallback: bool
    receives_unsure: bool


class TopicLink(NamedTuple):
    """A team handling a topic: the routing rule as data."""

    team_id: int
    rank: int
    accepts_overflow: bool


@dataclass(frozen=True)
class RoutingMap:
    """Every team and which teams handle which topic, in rank order: what opening a case
    routes by, kept by the process until the directory changes (read-only mappings)."""

    teams: Mapping[int, TeamRow]
    links: Mapping[int, tuple[TopicLink, ...]]  # topic id → its teams, rank then id

    def handling(self, topic_id: int) -> list[tuple[RefRow, TopicLink]]:
        """The active teams that handle the topic, in rank order."""
        return [
            (self.teams[link.team_id].ref, link)
            for link in self.links.get(topic_id, ())
            if self.teams[link.team_id].is_active
        ]

    def rank_of(self, team_id: int, topic_id: int) -> int | None:
        """The team's rank for the topic (None: it does not handle it)."""
        return next((k.rank for k in self.links.get(topic_id, ()) if k.team_id == team_id), None)


def routing_map(session: Session) -> RoutingMap:
    """:class:`RoutingMap`, kept by the process until the directory changes."""
    return reference_cache.cached(session, reference_cache.DIRECTORY, "routing", _routing_map)


def _routing_map(session: Session) -> RoutingMap:
    teams = {
        row.id: TeamRow(
            RefRow(row.id, row.slug, row.name_sv, row.name_en),
            row.is_active,
            row.is_fallback,
            row.receives_unsure,
        )
        for row in session.execute(
            select(
                Team.id,
                Team.slug,
                Team.name_sv,
                Team.name_en,
                Team.is_active,
                Team.is_fallback,
                Team.receives_unsure,
            ).order_by(Team.id)
        )
    }
    links: dict[int, list[TopicLink]] = {}
    for topic_id, team_id, rank, overflow in session.execute(
        select(
            TeamTopic.topic_id, TeamTopic.team_id, TeamTopic.rank, TeamTopic.accepts_overflow
        ).order_by(TeamTopic.topic_id, TeamTopic.rank, TeamTopic.team_id)
    ):
        links.setdefault(topic_id, []).append(TopicLink(team_id, rank, overflow))
    return RoutingMap(
        MappingProxyType(teams),
        MappingProxyType({topic: tuple(found) for topic, found in links.items()}),
    )
