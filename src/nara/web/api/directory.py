"""/api/v1/customers, /teams, /topics, /users: the organisation's directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from nara.domain import customers as customer_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.errors import PermissionDenied
from nara.queries import directory
from nara.queries.access import get_customer_for, get_team_for, get_user_for, require_staff
from nara.queries.customers import search_customers
from nara.web import ratelimit
from nara.web.api import schemas, serializers
from nara.web.deps import DB, CurrentActor

router = APIRouter(tags=["directory"])


# ---- customers ----
@router.get("/customers", response_model=list[schemas.CustomerOut])
def list_customers(
    request: Request,
    db: DB,
    actor: CurrentActor,
    q: Annotated[
        str | None, Query(max_length=200, description="name, e-mail, personnummer or number")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> list[schemas.CustomerOut]:
    """Staff search customers; a customer gets only themselves."""
    if actor.is_customer:
        if actor.customer_id is None:
            return []
        return [serializers.customer_out(actor, get_customer_for(db, actor, actor.customer_id))]
    require_staff(actor)
    ratelimit.check_personnummer_search(request, actor, q)
    return [serializers.customer_out(actor, c) for c in search_customers(db, actor, q, limit=limit)]


@router.post("/customers", status_code=201, response_model=schemas.CustomerOut)
def create_customer(
    body: schemas.CustomerIn, request: Request, db: DB, actor: CurrentActor
) -> schemas.CustomerOut:
    """Register a customer. A personnummer another customer has is refused (409), which
    tells that it exists: it counts towards the limit on searches by personnummer."""
    ratelimit.check_personnummer_search(request, actor, body.personnummer)
    customer = customer_actions.create_customer(session=db, actor=actor, **body.model_dump())
    db.commit()
    return serializers.customer_out(actor, customer)


@router.get("/customers/{customer_id}", response_model=schemas.CustomerOut)
def get_customer(customer_id: int, db: DB, actor: CurrentActor) -> schemas.CustomerOut:
    return serializers.customer_out(actor, get_customer_for(db, actor, customer_id))


@router.patch("/customers/{customer_id}", response_model=schemas.CustomerOut)
def patch_customer(
    customer_id: int, body: schemas.CustomerPatch, request: Request, db: DB, actor: CurrentActor
) -> schemas.CustomerOut:
    ratelimit.check_personnummer_search(request, actor, body.personnummer)
    customer = customer_actions.update_customer(
        session=db, actor=actor, customer_id=customer_id, **body.model_dump(exclude_unset=True)
    )
    db.commit()
    return serializers.customer_out(actor, customer)


# ---- teams ----
@router.get("/teams", response_model=list[schemas.TeamOut])
def list_teams(db: DB, actor: CurrentActor) -> list[schemas.TeamOut]:
    require_staff(actor)
    teams = sorted(directory.teams(db), key=lambda t: t.id)
    return serializers.teams_out(db, actor, teams)


@router.post("/teams", status_code=201, response_model=schemas.TeamOut)
def create_team(body: schemas.TeamIn, db: DB, actor: CurrentActor) -> schemas.TeamOut:
    team = team_actions.create_team(session=db, actor=actor, **body.model_dump())
    db.commit()
    return serializers.teams_out(db, actor, [team])[0]


@router.get("/teams/{team_id}", response_model=schemas.TeamOut)
def get_team(team_id: int, db: DB, actor: CurrentActor) -> schemas.TeamOut:
    return serializers.teams_out(db, actor, [get_team_for(db, actor, team_id)])[0]


@router.patch("/teams/{team_id}", response_model=schemas.TeamOut)
def patch_team(
    team_id: int, body: schemas.TeamPatch, db: DB, actor: CurrentActor
) -> schemas.TeamOut:
    """Admins change names, description and whether the team is active; the team's lead
    (or an admin) its consultation promise. Every change is audited."""
    team = team_actions.update_team(
        session=db, actor=actor, team_id=team_id, **body.model_dump(exclude_unset=True)
    )
    db.commit()
    return serializers.teams_out(db, actor, [team])[0]


@router.put("/teams/{team_id}/members/{user_id}", response_model=schemas.TeamOut)
def add_member(team_id: int, user_id: int, db: DB, actor: CurrentActor) -> schemas.TeamOut:
    team_actions.add_team_member(session=db, actor=actor, team_id=team_id, user_id=user_id)
    db.commit()
    return serializers.teams_out(db, actor, [get_team_for(db, actor, team_id)])[0]


@router.delete("/teams/{team_id}/members/{user_id}", status_code=204)
def remove_member(team_id: int, user_id: int, db: DB, actor: CurrentActor) -> Response:
    team_actions.remove_team_member(session=db, actor=actor, team_id=team_id, user_id=user_id)
    db.commit()
    return Response(status_code=204)


@router.put("/teams/{team_id}/topics/{topic_id}", response_model=schemas.TeamOut)
def add_topic(team_id: int, topic_id: int, db: DB, actor: CurrentActor) -> schemas.TeamOut:
    team_actions.add_team_topic(session=db, actor=actor, team_id=team_id, topic_id=topic_id)
    db.commit()
    return serializers.teams_out(db, actor, [get_team_for(db, actor, team_id)])[0]


@router.delete("/teams/{team_id}/topics/{topic_id}", status_code=204)
def remove_topic(team_id: int, topic_id: int, db: DB, actor: CurrentActor) -> Response:
    team_actions.remove_team_topic(session=db, actor=actor, team_id=team_id, topic_id=topic_id)
    db.commit()
    return Response(status_code=204)


# ---- topics ----
@router.get("/topics", response_model=list[schemas.TopicOut])
def list_topics(db: DB, actor: CurrentActor) -> list[schemas.TopicOut]:
    """Every authenticated caller may list topics; customers see only active ones."""
    topics = directory.topics(db, active_only=not actor.is_staff)
    return serializers.topics_out(db, topics)


@router.post("/topics", status_code=201, response_model=schemas.TopicOut)
def create_topic(body: schemas.TopicIn, db: DB, actor: CurrentActor) -> schemas.TopicOut:
    topic = team_actions.create_topic(session=db, actor=actor, **body.model_dump())
    db.commit()
    return serializers.topics_out(db, [topic])[0]


@router.patch("/topics/{topic_id}", response_model=schemas.TopicOut)
def patch_topic(
    topic_id: int, body: schemas.TopicPatch, db: DB, actor: CurrentActor
) -> schemas.TopicOut:
    topic = team_actions.update_topic(
        session=db, actor=actor, topic_id=topic_id, **body.model_dump(exclude_unset=True)
    )
    db.commit()
    return serializers.topics_out(db, [topic])[0]


# ---- users ----
@router.get("/users", response_model=list[schemas.UserOut])
def list_users(
    db: DB,
    actor: CurrentActor,
    role: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[schemas.UserOut]:
    """Staff see staff (to assign and manage teams); admins see everyone."""
    require_staff(actor)
    people = directory.users(db, actor, role=role, limit=limit)
    return [serializers.user_out(db, u) for u in people]


@router.post("/users", status_code=201, response_model=schemas.UserOut)
def create_user(body: schemas.UserIn, db: DB, actor: CurrentActor) -> schemas.UserOut:
    user = user_actions.create_user(session=db, actor=actor, **body.model_dump())
    db.commit()
    return serializers.user_out(db, user)


@router.get("/users/{user_id}", response_model=schemas.UserOut)
def get_user(user_id: int, db: DB, actor: CurrentActor) -> schemas.UserOut:
    if actor.is_customer and actor.user_id != user_id:
        raise PermissionDenied("customers can only see themselves")
    return serializers.user_out(db, get_user_for(db, actor, user_id))


@router.patch("/users/{user_id}", response_model=schemas.UserOut)
def patch_user(
    user_id: int, body: schemas.UserPatch, db: DB, actor: CurrentActor
) -> schemas.UserOut:
    user = get_user_for(db, actor, user_id)
    if body.is_active is not None:
        user = user_actions.set_user_active(
            session=db, actor=actor, user_id=user_id, active=body.is_active
        )
    elif not actor.is_admin:
        raise PermissionDenied("only admins can change users")
    db.commit()
    return serializers.user_out(db, user)
