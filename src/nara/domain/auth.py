"""Login sessions and API tokens.

A session cookie carries a random id; the database stores only its HMAC (so a leaked
database cannot be replayed as cookies). A session ends after ``session_idle_minutes``
without a request or ``session_absolute_hours`` after login, or at logout, whichever
comes first. API tokens (``nara_...``) are likewise stored as HMAC digests.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from nara import clock, reference_cache
from nara.config import get_settings
from nara.domain import validation
from nara.domain.actors import Actor, Membership, membership_columns, membership_from
from nara.domain.audit import created, diff, record_audit
from nara.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from nara.domain.security import (
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from nara.i18n import N_
from nara.models import ApiToken, AuthSession, LoginFailure, Role, User

TOKEN_PREFIX = "nara_"  # noqa: S105 - a public prefix, not a secret
LOCK_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; never stored
    session: AuthSession


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once; never stored
    api_token: ApiToken


PRUNE_BATCH = 200
"""Expired failure counts removed per attempt (rows no other attempt holds)."""


def _address_digest(address: str) -> str:
    return token_digest("login:" + address)


def _prune_failures(session: Session, cutoff: datetime) -> None:
    """Forget counts older than the lock window. Rows another attempt holds are skipped
    (``SKIP LOCKED`` on PostgreSQL; SQLite has one writer), so attempts never wait on
    each other here and cannot deadlock."""
    expired = (
        select(LoginFailure.address_digest)
        .where(LoginFailure.last_failed_at <= cutoff)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(LoginFailure).where(LoginFailure.address_digest.in_(expired)))


def _count_attempt(session: Session, address: str, now: datetime) -> int | None:
    """Count one login attempt for ``address`` in one atomic statement, before the
    password is checked: the attempts within the lock window, this one included; None
    (nothing counted) when the address is locked: it had
    ``login_max_failures`` attempts within the lock window. Counting first means parallel
    guesses cannot slip past the limit while their passwords are being checked."""
    cutoff = now - LOCK_WINDOW
    _prune_failures(session, cutoff)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    recent = LoginFailure.last_failed_at > cutoff
    limit = get_settings().login_max_failures
    stmt = (
        insert(LoginFailure)
        .values(address_digest=_address_digest(address), failures=1, last_failed_at=now)
        .on_conflict_do_update(
            index_elements=[LoginFailure.address_digest],
            set_={
                "failures": case((recent, LoginFailure.failures + 1), else_=1),
                "last_failed_at": now,
            },
            where=~(recent & (LoginFailure.failures >= limit)),
        )
        .returning(LoginFailure.failures)
    )
    count: int | None = session.execute(stmt).scalar_one_or_none()
    return count


def forget_failed_logins(session: Session, email: str) -> None:
    """Unlock an address (after a successful login or a new password)."""
    digest = _address_digest(validation.email_key(email))
    session.execute(delete(LoginFailure).where(LoginFailure.address_digest == digest))


def _as_actor(user: User, ip: str | None) -> Actor:
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        display_name=user.display_name,
        email=user.email,
        ip=ip,
    )


def _record_failure(session: Session, user: User | None, attempts: int, ip: str | None) -> None:
    """A failed attempt, and the lock when it was the last one allowed. The address typed
    is not stored (only the user it belongs to, if any)."""
    object_id = user.id if user is not None else None
    record_audit(
        session=session,
        actor=None,
        action="auth.login_failed",
        object_type="user",
        object_id=object_id,
        ip=ip,
    )
    if attempts >= get_settings().login_max_failures:
        record_audit(
            session=session,
            actor=None,
            action="auth.locked",
            object_type="user",
            object_id=object_id,
            ip=ip,
            changes={"minutes": int(LOCK_WINDOW.total_seconds() // 60)},
        )


def log_in(
    *,
    session: Session,
    email: str,
    password: str,
    user_agent: str | None = None,
    ip: str | None = None,
) -> NewSession | None:
    """Check a password and open a login session. Returns None on wrong credentials
    (the caller commits, so that the failure counts, and answers without saying which
    part was wrong); too many failures lock the address for 15 minutes.

    Nothing tells an address with an account from one without: attempts on both are
    counted the same way (``login_failures``, keyed by an HMAC of the address), both
    lock after the same number with the same answer, and both spend one password hash."""
    now = clock.now()
    if "\x00" in email or len(email) > 254:
        return None  # no such address can exist; and PostgreSQL refuses NUL in text
    address = validation.email_key(email)
    attempts = _count_attempt(session, address, now)
    if attempts is None:
        raise RateLimited(
            "too many failed logins; try again in 15 minutes",
            retry_after=int(LOCK_WINDOW.total_seconds()),
            template=N_("Too many failed logins. Try again in 15 minutes."),
        )
    user = session.scalar(select(User).where(func.lower(User.email) == address))
    password_ok = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not user.is_active or not password_ok:
        _record_failure(session, user, attempts, ip)
        return None
    forget_failed_logins(session, address)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    new = start_session(session=session, user=user, user_agent=user_agent)
    record_audit(
        session=session,
        actor=_as_actor(user, ip),
        action="auth.login",
        object_type="user",
        object_id=user.id,
    )
    return new


def start_session(*, session: Session, user: User, user_agent: str | None = None) -> NewSession:
    settings = get_settings()
    now = clock.now()
    token = new_token()
    auth_session = AuthSession(
        token_hash=token_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        ended_at=None,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(auth_session)
    session.flush()
    return NewSession(token=token, session=auth_session)


def resume_session(*, session: Session, token: str) -> tuple[AuthSession, User] | None:
    """Find the live session for a cookie value and mark it seen; None when it is
    unknown, ended, idle too long or past its absolute lifetime."""
    found = resume_session_with_membership(session=session, token=token)
    return None if found is None else (found[0], found[1])


@functools.cache
def _session_lookup() -> Select[*tuple[Any, ...]]:
    """The login session of a token digest with its user, teams and customer record: built
    once per process (every request with a session cookie runs it; building and keying a
    statement costs about as much as running it). The reference data's tokens come along
    (``reference_cache.token_columns``): most pages would otherwise ask for them next."""
    teams, customer = membership_columns()
    return (
        select(AuthSession, User, teams, customer, *reference_cache.token_columns())
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == bindparam("digest"))
    )


@functools.cache
def _token_lookup() -> Select[*tuple[Any, ...]]:
    """The API token of a digest with its user, teams and customer record, built once
    (see :func:`_session_lookup`)."""
    teams, customer = membership_columns()
    return (
        select(ApiToken, User, teams, customer, *reference_cache.token_columns())
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("digest"))
    )


def resume_session_with_membership(
    *, session: Session, token: str
) -> tuple[AuthSession, User, Membership] | None:
    """:func:`resume_session` and the user's teams and customer record, in one query
    (every request with a session cookie runs it)."""
    if not token or len(token) > 200:
        return None
    now = clock.now()
    found = session.execute(_session_lookup(), {"digest": token_digest(token)}).first()
    if found is None:
        return None
    auth_session, user, team_ids, customer_id, *tokens = found
    reference_cache.prime(session, tokens)
    if auth_session.ended_at is not None:
        return None
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if now >= auth_session.expires_at or now - auth_session.last_seen_at >= idle:
        auth_session.ended_at = now  # pending: the caller commits it
        return None
    if not user.is_active:
        return None
    # Write at most once a minute, so that reads stay cheap (left pending: the caller
    # commits when the session has changes).
    if now - auth_session.last_seen_at >= timedelta(minutes=1):
        auth_session.last_seen_at = now
    return auth_session, user, membership_from(team_ids, customer_id)


def log_out(*, session: Session, actor: Actor, token: str) -> None:
    """End the login session of ``token`` (the actor's own)."""
    ended = session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_digest(token), AuthSession.ended_at.is_(None))
        .values(ended_at=clock.now())
        .returning(AuthSession.user_id)
    ).scalar_one_or_none()
    if ended is not None:
        record_audit(
            session=session, actor=actor, action="auth.logout", object_type="user", object_id=ended
        )


def end_all_sessions(*, session: Session, user_id: int) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )


def revoke_all_api_tokens(*, session: Session, user_id: int) -> None:
    """Revoke every live API token of a user (at deactivation: reactivating the user
    does not bring the old tokens back)."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def create_api_token(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    name: str,
    expires_at: datetime | None = None,
) -> NewToken:
    """Create a bearer token acting as ``user_id``. Staff create their own; admins any."""
    if not (actor.is_admin or actor.is_system or (actor.is_staff and actor.user_id == user_id)):
        raise PermissionDenied(
            "you can only create API tokens for yourself",
            template=N_("You can only create API tokens for yourself."),
        )
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            f"no user with id {user_id}",
            template=N_("No user with id %(user_id)s."),
            params={"user_id": user_id},
        )
    clean_name = validation.name(name, field="name", max_length=100)
    if session.scalar(
        select(ApiToken.id).where(ApiToken.user_id == user_id, ApiToken.name == clean_name)
    ):
        raise Conflict(
            f"this user already has a token named {clean_name!r}",
            field="name",
            template=N_('This user already has a token named "%(name)s".'),
            params={"name": clean_name},
        )
    if expires_at is not None:
        expires_at = clock.ensure_utc(expires_at)
    if expires_at is not None and expires_at <= clock.now():
        raise ValidationFailed(
            "expires_at must be in the future",
            field="expires_at",
            template=N_("The expiry time must be in the future."),
        )
    token = new_token(TOKEN_PREFIX)
    api_token = ApiToken(
        user_id=user_id,
        name=clean_name,
        token_hash=token_digest(token),
        prefix=token[: len(TOKEN_PREFIX) + 4],
        created_at=clock.now(),
        expires_at=expires_at,
        last_used_at=None,
        revoked_at=None,
    )
    session.add(api_token)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="token.created",
        object_type="token",
        object_id=api_token.id,
        changes=created(
            {
                "user_id": user_id,
                "name": clean_name,
                "prefix": api_token.prefix,
                "expires_at": expires_at,
            }
        ),
    )
    return NewToken(token=token, api_token=api_token)


def revoke_api_token(*, session: Session, actor: Actor, token_id: int) -> ApiToken:
    api_token = session.get(ApiToken, token_id)
    if api_token is None or not (
        actor.is_admin or actor.is_system or api_token.user_id == actor.user_id
    ):
        raise NotFound(
            f"no API token with id {token_id}",
            template=N_("No API token with id %(token_id)s."),
            params={"token_id": token_id},
        )
    if api_token.revoked_at is None:
        api_token.revoked_at = clock.now()
        session.flush()
        record_audit(
            session=session,
            actor=actor,
            action="token.revoked",
            object_type="token",
            object_id=api_token.id,
            changes=diff(
                {"user_id": api_token.user_id, "revoked_at": None},
                {"user_id": api_token.user_id, "revoked_at": api_token.revoked_at},
            ),
        )
    return api_token


def authenticate_token(*, session: Session, token: str) -> User | None:
    found = authenticate_token_with_membership(session=session, token=token)
    return None if found is None else found[0]


def authenticate_token_with_membership(
    *, session: Session, token: str
) -> tuple[User, Membership] | None:
    """:func:`authenticate_token` and the user's teams and customer record, in one query
    (every request with an API token runs it)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = clock.now()
    found = session.execute(_token_lookup(), {"digest": token_digest(token)}).first()
    if found is None:
        return None
    api_token, user, team_ids, customer_id, *tokens = found
    reference_cache.prime(session, tokens)
    if api_token.revoked_at is not None:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    if not user.is_active:
        return None
    # At most once a minute, left pending: the caller commits when there are changes.
    if api_token.last_used_at is None or now - api_token.last_used_at >= timedelta(minutes=1):
        api_token.last_used_at = now
    return user, membership_from(team_ids, customer_id)
