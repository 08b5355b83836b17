"""Request dependencies: the database session and who is calling.

Authentication, in order: ``Authorization: Bearer nara_...`` (API token), then the
``nara_session`` cookie. Unsafe requests authenticated by cookie must carry the
session's CSRF token (header ``X-CSRF-Token`` for the API, form field ``csrf_token``
for pages); bearer-token requests need none.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Annotated

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from nara.db import end_request, has_writes, session_factory
from nara.domain.actors import Actor, actor_of
from nara.domain.auth import authenticate_token_with_membership, resume_session_with_membership
from nara.domain.errors import AuthenticationRequired, PermissionDenied
from nara.i18n import N_
from nara.models import AuthSession, User

SESSION_COOKIE = "nara_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session. Made on the event loop (a new session touches no
    connection), ended in the thread pool (:func:`nara.db.end_request`, or a rollback when
    the request failed; either returns its connection, a round trip): a synchronous
    generator would cost a thread-pool hop at each end."""
    factory = getattr(request.app.state, "session_factory", None) or session_factory()
    session: Session = factory()
    failed = False
    try:
        yield session
    except BaseException:
        failed = True
        raise
    finally:
        # Shielded: a request cancelled (the client went away) still returns its connection.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_abandon if failed else end_request, session)


def _abandon(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


DB = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class Caller:
    actor: Actor
    user: User
    auth_session: AuthSession | None  # None for bearer tokens
    via: str  # "token" or "cookie"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def client_address(request: Request) -> str | None:
    """The caller's address as the server resolved it (uvicorn applies proxy headers only
    from trusted proxies); recorded in the audit log."""
    return request.client.host if request.client is not None else None


def identify(request: Request, session: Session) -> Caller | None:
    token = _bearer(request)
    if token is not None:
        authenticated = authenticate_token_with_membership(session=session, token=token)
        if authenticated is None:
            raise AuthenticationRequired("the API token is unknown, revoked or expired")
        user, membership = authenticated
        _commit_if_changed(session)
        actor = replace(actor_of(user, membership), ip=client_address(request))
        _detach(session, user)
        return Caller(actor, user, None, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = resume_session_with_membership(session=session, token=cookie)
    _commit_if_changed(session)
    if found is None:
        return None
    auth_session, user, membership = found
    actor = replace(actor_of(user, membership), ip=client_address(request))
    _detach(session, user, auth_session)
    return Caller(actor, user, auth_session, "cookie")


def _commit_if_changed(session: Session) -> None:
    """Keep what authentication wrote (a session ended for idleness, last seen) even if
    the request fails later; a request that only read commits nothing (no round trip)."""
    if has_writes(session):
        session.commit()


def _detach(session: Session, *rows: object) -> None:
    """Keep the caller's rows readable for the whole request, also after a rollback
    (which would otherwise expire them): they are snapshots, never written through."""
    for row in rows:
        if row in session:
            if inspect(row).expired_attributes:  # a session that expires on commit
                session.refresh(row)
            session.expunge(row)


def check_csrf(caller: Caller, supplied: str | None) -> None:
    if caller.auth_session is None:
        return
    expected = caller.auth_session.csrf_token
    if not supplied or not hmac.compare_digest(supplied, expected):
        raise PermissionDenied(
            "missing or wrong CSRF token (send the X-CSRF-Token header from login)",
            template=N_("The form has expired. Reload the page and try again."),
        )


# How to authenticate, for the OpenAPI document (``identify`` reads the same credentials;
# neither scheme refuses anything by itself).
API_TOKEN = HTTPBearer(
    scheme_name="apiToken",
    description="An API token (POST /api/v1/me/tokens): Authorization: Bearer nara_...",
    auto_error=False,
)
SESSION = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="session",
    description="The session cookie from POST /api/v1/auth/login; unsafe requests also send "
    "the session's CSRF token as X-CSRF-Token.",
    auto_error=False,
)


def get_caller(
    request: Request,
    session: DB,
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(API_TOKEN)],
    _cookie: Annotated[str | None, Security(SESSION)],
) -> Caller:
    caller = identify(request, session)
    if caller is None:
        raise AuthenticationRequired("log in or send an API token (Authorization: Bearer ...)")
    if request.method not in SAFE_METHODS:
        check_csrf(caller, request.headers.get("x-csrf-token"))
    request.state.caller = caller
    return caller


async def get_actor(caller: Annotated[Caller, Depends(get_caller)]) -> Actor:
    """The caller's actor: on the event loop (no thread-pool hop for a field)."""
    return caller.actor


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
