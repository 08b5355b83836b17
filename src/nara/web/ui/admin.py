"""Lead and admin pages: teams (members, topics), topics, users, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara.domain import auth as auth_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.errors import DomainError, PermissionDenied
from nara.i18n import N_
from nara.models import Role
from nara.queries import directory
from nara.queries.access import can_manage_team, can_manage_topic, get_team_for
from nara.web.api import serializers
from nara.web.deps import DB, Caller
from nara.web.errors import no_page
from nara.web.ui import improvements as improvement_pages
from nara.web.ui.common import (
    FormErrors,
    Refusal,
    attempt,
    redirect,
    require_caller,
    require_form_caller,
    require_staff_page,
)
from nara.web.ui.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)


def _staff(request: Request, db: DB) -> Caller:
    caller = require_caller(request, db)
    require_staff_page(caller)
    return caller


def _staff_form(request: Request, db: DB, csrf_token: str) -> Caller:
    caller = require_form_caller(request, db, csrf_token)
    require_staff_page(caller)
    return caller


def _attempt(request: Request, db: DB, action: Callable[[], object]) -> FormErrors:
    """Run one domain call; commit on success, roll back and return the errors otherwise.
    A refusal is not a form error: it becomes the 403 page (without the form's data)."""
    done = attempt(request, db, action, pages_for=(PermissionDenied,))
    return done.errors if isinstance(done, Refusal) else FormErrors()


# ---- teams ----
def _teams_page(
    request: Request,
    db: DB,
    caller: Caller,
    errors: FormErrors,
    form: dict[str, str],
    status_code: int = 200,
) -> Response:
    teams = directory.teams(db)
    return render(
        request,
        "admin/teams.html",
        status_code,
        teams=serializers.teams_out(db, caller.actor, teams),
        errors=errors,
        form=form,
        manageable={t.id for t in teams if can_manage_team(caller.actor, t.id)},
    )


@router.get("/teams", response_class=HTMLResponse)
def teams(request: Request, db: DB) -> Response:
    caller = _staff(request, db)
    return _teams_page(request, db, caller, FormErrors(), {})


@router.post("/teams")
def create_team(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    slug: Annotated[str, Form()] = "",
    name_sv: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    caller = _staff_form(request, db, csrf_token)
    errors = _attempt(
        request,
        db,
        lambda: team_actions.create_team(
            session=db,
            actor=caller.actor,
            slug=slug,
            name_sv=name_sv,
            name_en=name_en,
            description=description,
        ),
    )
    if errors:
        form = {"slug": slug, "name_sv": name_sv, "name_en": name_en, "description": description}
        return _teams_page(request, db, caller, errors, form, 422)
    return redirect("/admin/teams")


def _team_page(
    request: Request,
    db: DB,
    caller: Caller,
    team_id: int,
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    team = get_team_for(db, caller.actor, team_id)
    out = serializers.teams_out(db, caller.actor, [team])[0]
    member_ids = {m.id for m in out.members}
    topic_ids = {t.id for t in out.topics}
    staff = directory.active_staff(db)
    return render(
        request,
        "admin/team.html",
        status_code,
        team=out,
        errors=errors,
        can_manage=can_manage_team(caller.actor, team.id),
        candidates=[u for u in staff if u.id not in member_ids],
        free_topics=[
            t
            for t in directory.topics(db)
            if t.id not in topic_ids and can_manage_topic(db, caller.actor, t.id)
        ],
        **improvement_pages.team_improvements(db, caller.actor, team.id, request.state.lang),
    )


@router.get("/teams/{team_id}", response_class=HTMLResponse)
def team(request: Request, db: DB, team_id: int) -> Response:
    caller = _staff(request, db)
    return _team_page(request, db, caller, team_id, FormErrors())


@router.post("/teams/{team_id}/{action}")
def team_action(
    request: Request,
    db: DB,
    team_id: int,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
    user_id: Annotated[int, Form()] = 0,
    topic_id: Annotated[int, Form()] = 0,
    consultation_minutes: Annotated[str, Form()] = "",
    is_active: Annotated[str, Form()] = "",
    receives_unsure: Annotated[str, Form()] = "",
) -> Response:
    """add-member, remove-member, add-topic, remove-topic, fallback, unsure, settings."""
    caller = _staff_form(request, db, csrf_token)
    actor = caller.actor
    actions: dict[str, Callable[[], object]] = {
        "add-member": lambda: team_actions.add_team_member(
            session=db, actor=actor, team_id=team_id, user_id=user_id
        ),
        "remove-member": lambda: team_actions.remove_team_member(
            session=db, actor=actor, team_id=team_id, user_id=user_id
        ),
        "add-topic": lambda: team_actions.add_team_topic(
            session=db, actor=actor, team_id=team_id, topic_id=topic_id
        ),
        "remove-topic": lambda: team_actions.remove_team_topic(
            session=db, actor=actor, team_id=team_id, topic_id=topic_id
        ),
        "fallback": lambda: team_actions.set_fallback_team(
            session=db, actor=actor, team_id=team_id
        ),
        "unsure": lambda: team_actions.set_unsure_team(
            session=db, actor=actor, team_id=team_id if receives_unsure == "on" else None
        ),
        # The consultation promise (a lead of the team or an admin); active (admins).
        "settings": lambda: team_actions.update_team(
            session=db,
            actor=actor,
            team_id=team_id,
            consultation_minutes=_whole(consultation_minutes),
            is_active=(is_active == "on") if actor.is_admin else None,
        ),
    }
    if action not in actions:
        return no_page(request)
    errors = _attempt(request, db, actions[action])
    if errors:
        return _team_page(request, db, caller, team_id, errors, 422)
    return redirect(f"/admin/teams/{team_id}")


def _whole(value: str) -> int:
    """A whole number from a form; -1 (refused by the domain, with a message) otherwise."""
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 9 else -1


# ---- topics ----
def _topics_page(
    request: Request, db: DB, errors: FormErrors, form: dict[str, str], status_code: int = 200
) -> Response:
    topics = directory.topics(db)
    teams = {t.id: t for t in directory.teams(db)}
    actor = require_caller(request, db).actor
    editable = {t.id for t in topics if can_manage_topic(db, actor, t.id)}
    return render(
        request,
        "admin/topics.html",
        status_code,
        errors=errors,
        form=form,
        topics=serializers.topics_out(db, topics),
        teams=teams,
        editable=editable,
    )


@router.get("/topics", response_class=HTMLResponse)
def topics(request: Request, db: DB) -> Response:
    _staff(request, db)
    return _topics_page(request, db, FormErrors(), {})


@router.post("/topics")
def create_topic(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    slug: Annotated[str, Form()] = "",
    name_sv: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
) -> Response:
    caller = _staff_form(request, db, csrf_token)
    errors = _attempt(
        request,
        db,
        lambda: team_actions.create_topic(
            session=db, actor=caller.actor, slug=slug, name_sv=name_sv, name_en=name_en
        ),
    )
    if errors:
        form = {"slug": slug, "name_sv": name_sv, "name_en": name_en}
        return _topics_page(request, db, errors, form, 422)
    return redirect("/admin/topics")


@router.post("/topics/{topic_id}")
def update_topic(
    request: Request,
    db: DB,
    topic_id: int,
    csrf_token: Annotated[str, Form()] = "",
    name_sv: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    is_active: Annotated[str, Form()] = "",
) -> Response:
    caller = _staff_form(request, db, csrf_token)
    errors = _attempt(
        request,
        db,
        lambda: team_actions.update_topic(
            session=db,
            actor=caller.actor,
            topic_id=topic_id,
            name_sv=name_sv,
            name_en=name_en,
            is_active=is_active == "on",
        ),
    )
    if errors:
        return _topics_page(request, db, errors, {}, 422)
    return redirect("/admin/topics")


# ---- users ----
def _users_page(
    request: Request, db: DB, errors: FormErrors, form: dict[str, str], status_code: int = 200
) -> Response:
    shown, customer_logins = directory.users_by_role(db)
    users = [serializers.user_out(db, u) for u in shown]
    teams = {t.id: t for t in directory.teams(db)}
    return render(
        request,
        "admin/users.html",
        status_code,
        users=users,
        customer_logins=customer_logins,
        customer_logins_shown=directory.CUSTOMER_LOGINS_SHOWN,
        errors=errors,
        form=form,
        teams=teams,
        roles=[r.value for r in Role],
    )


def _admin(request: Request, db: DB) -> Caller:
    caller = _staff(request, db)
    if not caller.actor.is_admin:
        raise PermissionDenied("only admins manage users", template=N_("Only admins manage users."))
    return caller


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, db: DB) -> Response:
    _admin(request, db)
    return _users_page(request, db, FormErrors(), {})


@router.post("/users")
def create_user(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "agent",
    password: Annotated[str, Form()] = "",
) -> Response:
    caller = _staff_form(request, db, csrf_token)
    errors = _attempt(
        request,
        db,
        lambda: user_actions.create_user(
            session=db,
            actor=caller.actor,
            email=email,
            display_name=display_name,
            role=role,
            password=password or None,
        ),
    )
    if errors:
        form = {"email": email, "display_name": display_name, "role": role}
        return _users_page(request, db, errors, form, 422)
    return redirect("/admin/users")


@router.post("/users/{user_id}/active")
def set_active(
    request: Request,
    db: DB,
    user_id: int,
    csrf_token: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    caller = _staff_form(request, db, csrf_token)
    errors = _attempt(
        request,
        db,
        lambda: user_actions.set_user_active(
            session=db, actor=caller.actor, user_id=user_id, active=active == "1"
        ),
    )
    if errors:
        return _users_page(request, db, errors, {}, 422)
    return redirect("/admin/users")


# ---- API tokens (your own) ----
def _tokens_page(
    request: Request,
    db: DB,
    caller: Caller,
    errors: FormErrors,
    new_token: str | None = None,
    status_code: int = 200,
) -> Response:
    tokens = directory.api_tokens_of(db, caller.user.id)
    return render(
        request,
        "admin/tokens.html",
        status_code,
        errors=errors,
        new_token=new_token,
        tokens=[serializers.token_out(t) for t in tokens],
    )


@router.get("/tokens", response_class=HTMLResponse)
def tokens(request: Request, db: DB) -> Response:
    caller = _staff(request, db)
    return _tokens_page(request, db, caller, FormErrors())


@router.post("/tokens")
def create_token(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    caller = _staff_form(request, db, csrf_token)
    try:
        new = auth_actions.create_api_token(
            session=db, actor=caller.actor, user_id=caller.user.id, name=name
        )
    except DomainError as exc:
        db.rollback()
        return _tokens_page(
            request, db, caller, FormErrors.from_error(exc, request.state.lang), status_code=422
        )
    db.commit()
    return _tokens_page(request, db, caller, FormErrors(), new_token=new.token)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, db: DB, token_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    caller = _staff_form(request, db, csrf_token)
    errors = _attempt(
        request,
        db,
        lambda: auth_actions.revoke_api_token(session=db, actor=caller.actor, token_id=token_id),
    )
    if errors:
        return _tokens_page(request, db, caller, errors, status_code=422)
    return redirect("/admin/tokens")
