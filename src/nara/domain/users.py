"""Writes on users: create, change password, change role or activity."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.audit import created, diff, record_audit, record_changes
from nara.domain.auth import end_all_sessions, forget_failed_logins, revoke_all_api_tokens
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.security import hash_password
from nara.i18n import N_
from nara.models import Role, User


def _check_password(password: str) -> None:
    minimum = get_settings().password_min_length
    if len(password) < minimum:
        raise ValidationFailed(
            f"password must be at least {minimum} characters",
            field="password",
            template=N_("The password must be at least %(min)s characters."),
            params={"min": minimum},
        )
    if len(password) > 1024:
        raise ValidationFailed(
            "password must be at most 1024 characters",
            field="password",
            template=N_("Password must be at most 1024 characters."),
        )


def create_user(
    *,
    session: Session,
    actor: Actor,
    email: str,
    display_name: str,
    role: str,
    password: str | None = None,
    locale: str | None = None,
) -> User:
    if not (actor.is_admin or actor.is_system):
        raise PermissionDenied(
            "only admins can create users", template=N_("Only admins can create users.")
        )
    clean_email = validation.email(email)
    assert clean_email is not None
    name = validation.name(display_name, field="display_name", max_length=200)
    the_role = validation.choice(Role, role, field="role")
    if locale is not None and locale not in ("sv", "en"):
        raise ValidationFailed(
            "locale must be sv or en",
            field="locale",
            template=N_("The language must be sv (Swedish) or en (English)."),
        )
    if session.scalar(select(User.id).where(func.lower(User.email) == clean_email)):
        raise Conflict(
            f"a user with e-mail {clean_email} already exists",
            field="email",
            template=N_("A user with this e-mail address already exists."),
        )
    if password is not None:
        _check_password(password)
    user = User(
        email=clean_email,
        display_name=name,
        role=the_role.value,
        password_hash=hash_password(password) if password is not None else None,
        locale=locale,
        is_active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="user.created",
        object_type="user",
        object_id=user.id,
        changes=created(
            {
                "email": user.email,
                "display_name": user.display_name,
                "role": user.role,
                "locale": user.locale,
                "is_active": True,
                "has_password": user.password_hash is not None,
            }
        ),
    )
    return user


def set_password(*, session: Session, actor: Actor, user_id: int, password: str) -> User:
    if not (actor.is_admin or actor.is_system or actor.user_id == user_id):
        raise PermissionDenied(
            "you can only change your own password",
            template=N_("You can only change your own password."),
        )
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            f"no user with id {user_id}",
            template=N_("No user with id %(user_id)s."),
            params={"user_id": user_id},
        )
    _check_password(password)
    user.password_hash = hash_password(password)
    forget_failed_logins(session, user.email)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="user.password_changed",
        object_type="user",
        object_id=user.id,
    )
    return user


def set_user_active(*, session: Session, actor: Actor, user_id: int, active: bool) -> User:
    if not (actor.is_admin or actor.is_system):
        raise PermissionDenied(
            "only admins can activate or deactivate users",
            template=N_("Only admins can activate or deactivate users."),
        )
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            f"no user with id {user_id}",
            template=N_("No user with id %(user_id)s."),
            params={"user_id": user_id},
        )
    if actor.user_id == user_id and not active:
        raise Conflict(
            "you cannot deactivate yourself", template=N_("You cannot deactivate yourself.")
        )
    before = user.is_active
    user.is_active = active
    session.flush()
    if not active:
        end_all_sessions(session=session, user_id=user_id)
        revoke_all_api_tokens(session=session, user_id=user_id)
    if before != active:
        record_audit(
            session=session,
            actor=actor,
            action="user.activated" if active else "user.deactivated",
            object_type="user",
            object_id=user.id,
            changes=diff({"is_active": before}, {"is_active": active}),
        )
    return user


def set_locale(*, session: Session, actor: Actor, user_id: int, locale: str) -> User:
    """A user's chosen language (sv or en)."""
    if not (actor.is_admin or actor.is_system or actor.user_id == user_id):
        raise PermissionDenied(
            "you can only choose your own language",
            template=N_("You can only choose your own language."),
        )
    if locale not in ("sv", "en"):
        raise ValidationFailed(
            "locale must be sv or en",
            field="locale",
            template=N_("The language must be sv (Swedish) or en (English)."),
        )
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            f"no user with id {user_id}",
            template=N_("No user with id %(user_id)s."),
            params={"user_id": user_id},
        )
    before = {"locale": user.locale}
    user.locale = locale
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="user.updated",
        object_type="user",
        object_id=user.id,
        before=before,
        after={"locale": locale},
    )
    return user
