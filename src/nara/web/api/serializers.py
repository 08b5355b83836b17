"""Turning rows into response bodies, with masking by role and batch look-ups."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from nara import personnummer
from nara.domain.actors import Actor
from nara.domain.cases import OpenedCase
from nara.domain.events import EVENT_TYPES
from nara.models import (
    ApiToken,
    Case,
    CaseEvent,
    Customer,
    Team,
    Topic,
    User,
)
from nara.queries import case_links, directory
from nara.queries.handover_hints import handover_hints
from nara.queries.satisfaction import RatingView, rating_view
from nara.web.api import schemas

_by_id = directory.by_id


def ref(row: Team | Topic | directory.RefRow) -> schemas.Ref:
    return schemas.Ref(id=row.id, slug=row.slug, name_sv=row.name_sv, name_en=row.name_en)


def person(actor: Actor, user: User | directory.OwnerRow | None) -> schemas.PersonRef | None:
    if user is None:
        return None
    if actor.is_customer and user.role != "customer":
        # Customers see staff by first name only.
        return schemas.PersonRef(id=None, display_name=user.first_name)
    return schemas.PersonRef(id=user.id, display_name=user.display_name)


def customer_out(actor: Actor, customer: Customer) -> schemas.CustomerOut:
    pnr = customer.personnummer
    shown = pnr if actor.can_view_personnummer or actor.is_system else personnummer.mask(pnr)
    return schemas.CustomerOut(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        personnummer=shown,
        has_login=customer.user_id is not None,
        created_at=customer.created_at,
    )


def cases_out(
    session: Session,
    actor: Actor,
    cases: Sequence[Case],
    references: dict[int, directory.CaseReferences] | None = None,
) -> list[schemas.CaseOut]:
    """``references``: what :func:`directory.case_references` would read, at hand."""
    refs = references or directory.case_references(session, [c.id for c in cases])
    out = []
    for case in cases:
        customer_name, topic, team, owner = refs[case.id]
        out.append(
            schemas.CaseOut(
                number=case.number,
                subject=case.subject,
                status=case.status,
                status_category=case.status_category.value,
                channel=case.channel,
                priority=case.priority,
                customer={"id": case.customer_id, "name": customer_name},
                topic=ref(topic) if topic else None,
                team=ref(team),
                owner=person(actor, owner),
                opened_at=case.opened_at,
                first_response_at=case.first_response_at,
                resolved_at=case.resolved_at,
                closed_at=case.closed_at,
                updated_at=case.updated_at,
                first_response_due_at=case.first_response_due_at,
                resolution_due_at=case.resolution_due_at,
                promise_paused=case.promise_paused_at is not None,
                routing_flag=None if actor.is_customer else case.routing_flag,
            )
        )
    return out


def events_out(
    session: Session,
    actor: Actor,
    events: Sequence[CaseEvent],
    locale: str = "sv",
    people: dict[int, directory.OwnerRow] | None = None,
) -> list[schemas.EventOut]:
    """``people``: the people of the events at hand already (not read again)."""
    users = directory.people_by_id(session, (e.actor_id for e in events), people)
    out = []
    for event in events:
        data = dict(event.data)
        if actor.is_customer:
            data = {k: v for k, v in data.items() if not k.endswith("_id")}
        event_type = EVENT_TYPES.get(event.type)
        out.append(
            schemas.EventOut(
                id=event.id,
                type=event.type,
                public=event.is_public,
                actor=person(actor, users.get(event.actor_id) if event.actor_id else None),
                body=event.body,
                data=data,
                summary=event_type.summary(locale, event.data) if event_type else event.type,
                created_at=event.created_at,
            )
        )
    return out


def case_detail_out(
    session: Session,
    actor: Actor,
    case: Case,
    events: Sequence[CaseEvent],
    locale: str,
    *,
    opened: OpenedCase | None = None,
    people: dict[int, directory.OwnerRow] | None = None,
    references: directory.CaseReferences | None = None,
) -> schemas.CaseDetailOut:
    """The case with its timeline. ``opened``: the case was created in this request, so
    it has no links or rating yet, and its names and people are at hand. ``people``:
    the people of ``events``, read with them; ``references``: the case's, read with it."""
    just_opened = opened is not None
    if opened is not None and opened.references:
        references = opened.references
    base = cases_out(session, actor, [case], {case.id: references} if references else None)[0]
    related = [
        schemas.RelatedOut(number=r.number, status=r.status, subject=r.subject)
        for r in ([] if just_opened else case_links.related_cases(session, actor, case))
    ]
    return schemas.CaseDetailOut(
        **base.model_dump(),
        events=events_out(session, actor, events, locale, _opener(actor) if opened else people),
        related=related,
        merged_into=case_links.merged_into(session, case),
        selfservice=_selfservice_handover(session, actor, case, events),
        satisfaction=None if just_opened else satisfaction_out(rating_view(session, case)),
    )


def _opener(actor: Actor) -> dict[int, directory.OwnerRow] | None:
    """The person who opened a case in this request, as its timeline names them."""
    if actor.user_id is None or not actor.display_name:
        return None
    return {actor.user_id: directory.OwnerRow(actor.user_id, actor.display_name, actor.role.value)}


def satisfaction_out(view: RatingView | None) -> schemas.SatisfactionOut | None:
    if view is None:
        return None
    return schemas.SatisfactionOut(
        score=view.score,
        comment=view.comment,
        via=view.via,
        rated_at=view.rated_at,
        changed_at=view.changed_at,
        changeable_until=view.changeable_until,
        changeable=view.changeable,
    )


def _selfservice_handover(
    session: Session, actor: Actor, case: Case, events: Sequence[CaseEvent]
) -> schemas.SelfServiceHandoverOut | None:
    if not (actor.is_staff or actor.is_system):
        return None
    found = handover_hints(session, case, events)  # staff see the whole timeline
    if found is None:
        return None
    return schemas.SelfServiceHandoverOut(
        path=found.path,
        topic_hints=[
            schemas.TopicHintOut(topic=ref(h.topic), score=round(h.score, 4)) for h in found.hints
        ],
    )


def teams_out(session: Session, actor: Actor, teams: Sequence[Team]) -> list[schemas.TeamOut]:
    ids = [t.id for t in teams]
    members = directory.members_of_teams(session, ids)
    topics_of = directory.topics_of_teams(session, ids)
    users = _by_id(session, User, (u for ms in members.values() for u in ms))
    topics = _by_id(session, Topic, (t for ts in topics_of.values() for t in ts))
    return [
        schemas.TeamOut(
            id=t.id,
            slug=t.slug,
            name_sv=t.name_sv,
            name_en=t.name_en,
            description=t.description,
            is_fallback=t.is_fallback,
            receives_unsure=t.receives_unsure,
            is_active=t.is_active,
            consultation_minutes=t.consultation_minutes,
            members=[p for u in sorted(members[t.id]) if (p := person(actor, users[u]))],
            topics=[ref(topics[x]) for x in sorted(topics_of[t.id])],
        )
        for t in teams
    ]


def topics_out(session: Session, topics: Sequence[Topic]) -> list[schemas.TopicOut]:
    ids = [t.id for t in topics]
    teams_of = directory.teams_of_topics(session, ids)
    return [
        schemas.TopicOut(
            id=t.id,
            slug=t.slug,
            name_sv=t.name_sv,
            name_en=t.name_en,
            is_active=t.is_active,
            team_ids=sorted(teams_of[t.id]),
        )
        for t in topics
    ]


def user_out(session: Session, user: User) -> schemas.UserOut:
    team_ids = directory.team_ids_of(session, user.id)
    return schemas.UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        locale=user.locale,
        is_active=user.is_active,
        team_ids=team_ids,
    )


def token_out(token: ApiToken) -> schemas.TokenOut:
    return schemas.TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )
