"""Writes on teams, topics and who belongs to and handles what."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.audit import created, deleted, diff, facts_of, record_audit, record_changes
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.i18n import N_
from nara.models import Role, Team, TeamMember, TeamTopic, Topic, User
from nara.queries.access import can_manage_team, can_manage_topic, require_lead

TEAM_FIELDS = ("slug", "name_sv", "name_en", "description", "is_fallback")
TEAM_SETTINGS = ("name_sv", "name_en", "description", "is_active", "consultation_minutes")
MAX_CONSULTATION_MINUTES = 60 * 24 * 30
"""A consultation promise of at most 30 days of business minutes."""
TOPIC_FIELDS = ("slug", "name_sv", "name_en", "is_active")
ROUTING_FIELDS = ("topic_id", "team_id", "rank", "accepts_overflow")


def routing_id(topic_id: int, team_id: int) -> str:
    """The audit log's id of a routing link: ``"<topic id>/<team id>"``."""
    return f"{topic_id}/{team_id}"


def _require_admin(actor: Actor, what: str) -> None:
    if not (actor.is_admin or actor.is_system):
        raise PermissionDenied(f"only admins can {what}", template=N_("Only admins can do this."))


def _require_manager(actor: Actor, team_id: int) -> None:
    if not can_manage_team(actor, team_id):
        raise PermissionDenied(
            "only an admin or a lead of this team can change it",
            template=N_("Only an admin or a lead of this team can change it."),
        )


def _team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(
            f"no team with id {team_id}",
            template=N_("No team with id %(team_id)s."),
            params={"team_id": team_id},
        )
    return team


def _topic(session: Session, topic_id: int) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(
            f"no topic with id {topic_id}",
            template=N_("No topic with id %(topic_id)s."),
            params={"topic_id": topic_id},
        )
    return topic


def create_team(
    *,
    session: Session,
    actor: Actor,
    slug: str,
    name_sv: str,
    name_en: str,
    description: str = "",
    is_fallback: bool = False,
) -> Team:
    _require_admin(actor, "create teams")
    clean_slug = validation.slug(slug)
    if session.scalar(select(Team.id).where(Team.slug == clean_slug)):
        raise Conflict(
            f"a team with slug {clean_slug!r} already exists",
            field="slug",
            template=N_("This short name is already taken."),
        )
    team = Team(
        slug=clean_slug,
        name_sv=validation.name(name_sv, field="name_sv", max_length=120),
        name_en=validation.name(name_en, field="name_en", max_length=120),
        description=validation.text(
            description, field="description", max_length=2000, required=False
        ),
        is_fallback=False,
        created_at=clock.now(),
    )
    session.add(team)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="team.created",
        object_type="team",
        object_id=team.id,
        changes=created(facts_of(team, TEAM_FIELDS)),
    )
    if is_fallback:
        set_fallback_team(session=session, actor=actor, team_id=team.id)
    return team


def update_team(
    *,
    session: Session,
    actor: Actor,
    team_id: int,
    name_sv: str | None = None,
    name_en: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    consultation_minutes: int | None = None,
    receives_unsure: bool | None = None,
) -> Team:
    """Change a team's names, description, whether it is active (admins) and its
    consultation promise (admins, and leads of the team). An inactive team gets no new
    cases, consultations or hand-overs; its history and members stay. The fallback team
    cannot be made inactive (it takes what no other team handles). ``receives_unsure``
    (admins) makes it the team for unsure hand-overs, or gives them back to the
    fallback team (``set_unsure_team``)."""
    team = _team(session, team_id)
    if receives_unsure is not None:
        _require_admin(actor, "choose the team for unsure hand-overs")
    if consultation_minutes is not None:
        _require_manager(actor, team.id)
    if any(v is not None for v in (name_sv, name_en, description, is_active)):
        _require_admin(actor, "rename, describe or deactivate teams")
    before = facts_of(team, TEAM_SETTINGS)
    if name_sv is not None:
        team.name_sv = validation.name(name_sv, field="name_sv", max_length=120)
    if name_en is not None:
        team.name_en = validation.name(name_en, field="name_en", max_length=120)
    if description is not None:
        team.description = validation.text(
            description, field="description", max_length=2000, required=False
        )
    if consultation_minutes is not None:
        if not 1 <= consultation_minutes <= MAX_CONSULTATION_MINUTES:
            raise ValidationFailed(
                f"consultation_minutes must be between 1 and {MAX_CONSULTATION_MINUTES}",
                field="consultation_minutes",
                template=N_("The consultation promise must be between 1 and %(max)s minutes."),
                params={"max": MAX_CONSULTATION_MINUTES},
            )
        team.consultation_minutes = consultation_minutes
    if is_active is not None:
        if not is_active and team.is_fallback:
            raise Conflict(
                "the fallback team cannot be made inactive; choose another fallback team first",
                field="is_active",
                template=N_(
                    "The fallback team cannot be made inactive. Choose another fallback team first."
                ),
            )
        team.is_active = is_active
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="team.updated",
        object_type="team",
        object_id=team.id,
        before=before,
        after=facts_of(team, TEAM_SETTINGS),
    )
    if receives_unsure is not None and receives_unsure != team.receives_unsure:
        set_unsure_team(session=session, actor=actor, team_id=team.id if receives_unsure else None)
    return team


def set_fallback_team(*, session: Session, actor: Actor, team_id: int) -> Team:
    """Make ``team_id`` the one team that takes cases whose topic no team handles."""
    _require_admin(actor, "choose the fallback team")
    team = _team(session, team_id)
    if not team.is_active:
        raise Conflict(
            "an inactive team cannot be the fallback team",
            template=N_("An inactive team cannot be the fallback team."),
        )
    previous = session.scalars(
        select(Team.id).where(Team.is_fallback.is_(True), Team.id != team.id)
    ).all()
    session.execute(update(Team).where(Team.id != team.id).values(is_fallback=False))
    was_fallback = team.is_fallback
    team.is_fallback = True
    session.flush()
    for other in previous:
        record_audit(
            session=session,
            actor=actor,
            action="team.updated",
            object_type="team",
            object_id=other,
            changes=diff({"is_fallback": True}, {"is_fallback": False}),
        )
    if not was_fallback:
        record_audit(
            session=session,
            actor=actor,
            action="team.updated",
            object_type="team",
            object_id=team.id,
            changes=diff({"is_fallback": False}, {"is_fallback": True}),
        )
    return team


def set_unsure_team(*, session: Session, actor: Actor, team_id: int | None) -> Team | None:
    """Choose the one team that receives self-service hand-overs the engine was not sure
    of (the front line); ``None`` sends them to the fallback team again (the default)."""
    _require_admin(actor, "choose the team for unsure hand-overs")
    team = _team(session, team_id) if team_id is not None else None
    if team is not None and not team.is_active:
        raise Conflict(
            "an inactive team cannot receive unsure hand-overs",
            field="receives_unsure",
            template=N_("An inactive team cannot receive unsure hand-overs."),
        )
    previous = session.scalars(
        select(Team.id).where(Team.receives_unsure.is_(True), Team.id != team_id)
    ).all()
    session.execute(update(Team).where(Team.id.in_(previous)).values(receives_unsure=False))
    changed = [(other, True, False) for other in previous]
    if team is not None and not team.receives_unsure:
        team.receives_unsure = True
        changed.append((team.id, False, True))
    session.flush()
    for object_id, old, new in changed:
        record_audit(
            session=session,
            actor=actor,
            action="team.updated",
            object_type="team",
            object_id=object_id,
            changes=diff({"receives_unsure": old}, {"receives_unsure": new}),
        )
    return team


def add_team_member(*, session: Session, actor: Actor, team_id: int, user_id: int) -> TeamMember:
    _require_manager(actor, team_id)
    _team(session, team_id)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            f"no user with id {user_id}",
            template=N_("No user with id %(user_id)s."),
            params={"user_id": user_id},
        )
    if user.role == Role.customer:
        raise ValidationFailed(
            "customers cannot be team members",
            field="user_id",
            template=N_("Customers cannot be team members."),
        )
    existing = session.get(TeamMember, (team_id, user_id))
    if existing is not None:
        return existing
    member = TeamMember(team_id=team_id, user_id=user_id, joined_at=clock.now())
    session.add(member)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="team.member_added",
        object_type="team",
        object_id=team_id,
        changes=created({"user_id": user_id}),
    )
    return member


def remove_team_member(*, session: Session, actor: Actor, team_id: int, user_id: int) -> None:
    _require_manager(actor, team_id)
    member = session.get(TeamMember, (team_id, user_id))
    if member is None:
        raise NotFound(
            f"user {user_id} is not a member of team {team_id}",
            template=N_("User %(user_id)s is not a member of team %(team_id)s."),
            params={"user_id": user_id, "team_id": team_id},
        )
    session.delete(member)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="team.member_removed",
        object_type="team",
        object_id=team_id,
        changes=deleted({"user_id": user_id}),
    )


def create_topic(*, session: Session, actor: Actor, slug: str, name_sv: str, name_en: str) -> Topic:
    require_lead(actor, "can create topics")
    clean_slug = validation.slug(slug)
    if session.scalar(select(Topic.id).where(Topic.slug == clean_slug)):
        raise Conflict(
            f"a topic with slug {clean_slug!r} already exists",
            field="slug",
            template=N_("This short name is already taken."),
        )
    topic = Topic(
        slug=clean_slug,
        name_sv=validation.name(name_sv, field="name_sv", max_length=120),
        name_en=validation.name(name_en, field="name_en", max_length=120),
        is_active=True,
        created_at=clock.now(),
    )
    session.add(topic)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="topic.created",
        object_type="topic",
        object_id=topic.id,
        changes=created(facts_of(topic, TOPIC_FIELDS)),
    )
    return topic


def update_topic(
    *,
    session: Session,
    actor: Actor,
    topic_id: int,
    name_sv: str | None = None,
    name_en: str | None = None,
    is_active: bool | None = None,
) -> Topic:
    require_lead(actor, "can change topics")
    topic = _topic(session, topic_id)
    if not can_manage_topic(session, actor, topic_id):
        # renaming or switching off a topic changes it for every team that handles it
        raise PermissionDenied(
            "only admins, and leads of the teams that handle this topic, can change it",
            template=N_(
                "Only admins, and leads of the teams that handle this topic, can change it."
            ),
        )
    before = facts_of(topic, TOPIC_FIELDS)
    if name_sv is not None:
        topic.name_sv = validation.name(name_sv, field="name_sv", max_length=120)
    if name_en is not None:
        topic.name_en = validation.name(name_en, field="name_en", max_length=120)
    if is_active is not None:
        topic.is_active = is_active
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="topic.updated",
        object_type="topic",
        object_id=topic.id,
        before=before,
        after=facts_of(topic, TOPIC_FIELDS),
    )
    return topic


SHARED_TOPIC = N_(
    "Other teams handle this topic: only their lead or an admin can add a team to it or "
    "change its routing order."
)


def require_topic_routing(session: Session, actor: Actor, topic_id: int) -> None:
    """Linking a team to a topic, or changing a link's rank or overflow, decides where
    the topic's cases go: when other teams handle the topic, that is for their lead (a
    lead of every team handling it) or an admin, so no lead can divert another team's
    customers to their own team."""
    if not can_manage_topic(session, actor, topic_id):
        raise PermissionDenied(
            "other teams handle this topic: only their lead or an admin can add a team to "
            "it or change its routing order",
            template=SHARED_TOPIC,
        )


def add_team_topic(*, session: Session, actor: Actor, team_id: int, topic_id: int) -> TeamTopic:
    _require_manager(actor, team_id)
    _team(session, team_id)
    _topic(session, topic_id)
    existing = session.get(TeamTopic, (team_id, topic_id))
    if existing is not None:
        return existing
    require_topic_routing(session, actor, topic_id)
    link = TeamTopic(team_id=team_id, topic_id=topic_id)
    session.add(link)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="routing.team_added",
        object_type="routing",
        object_id=routing_id(topic_id, team_id),
        changes=created(facts_of(link, ROUTING_FIELDS)),
    )
    return link


def remove_team_topic(*, session: Session, actor: Actor, team_id: int, topic_id: int) -> None:
    _require_manager(actor, team_id)
    link = session.get(TeamTopic, (team_id, topic_id))
    if link is None:
        raise NotFound(
            f"team {team_id} does not handle topic {topic_id}",
            template=N_("Team %(team_id)s does not handle topic %(topic_id)s."),
            params={"team_id": team_id, "topic_id": topic_id},
        )
    before = facts_of(link, ROUTING_FIELDS)
    session.delete(link)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="routing.team_removed",
        object_type="routing",
        object_id=routing_id(topic_id, team_id),
        changes=deleted(before),
    )
