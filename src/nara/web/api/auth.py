"""/api/v1/auth, /me and /me/tokens: logging in and out, who am I, API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nara.config import get_settings
from nara.domain import auth as auth_actions
from nara.domain.actors import actor_for_user
from nara.domain.errors import AuthenticationRequired
from nara.models import ApiToken, User
from nara.queries import directory
from nara.web.api import schemas, serializers
from nara.web.deps import DB, SESSION_COOKIE, Caller, CurrentCaller, client_address

router = APIRouter(tags=["auth"])


def is_https(request: Request) -> bool:
    settings = get_settings()
    if settings.cookie_secure == "always":
        return True
    if settings.cookie_secure == "never":
        return False
    # Behind trusted proxies the proxy-headers middleware has set the scheme.
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def me_out(db: DB, user: User, csrf: str | None) -> schemas.MeOut:
    base = serializers.user_out(db, user)
    actor = actor_for_user(db, user)
    return schemas.MeOut(**base.model_dump(), customer_id=actor.customer_id, csrf_token=csrf)


@router.post("/auth/login", response_model=schemas.MeOut)
def login(body: schemas.LoginIn, request: Request, response: Response, db: DB) -> schemas.MeOut:
    """Log in with e-mail and password. Sets the HttpOnly session cookie and returns the
    CSRF token to send as ``X-CSRF-Token`` on unsafe requests."""
    new = auth_actions.log_in(
        session=db,
        email=body.email,
        password=body.password,
        user_agent=request.headers.get("user-agent"),
        ip=client_address(request),
    )
    db.commit()
    if new is None:
        raise AuthenticationRequired("wrong e-mail or password")
    user = directory.user(db, new.session.user_id)
    assert user is not None
    set_session_cookie(request, response, new.token)
    return me_out(db, user, new.session.csrf_token)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, db: DB, caller: CurrentCaller) -> Response:
    """End the session server-side and clear the cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and caller.via == "cookie":
        auth_actions.log_out(session=db, actor=caller.actor, token=cookie)
        db.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=schemas.MeOut)
def me(db: DB, caller: CurrentCaller) -> schemas.MeOut:
    csrf = caller.auth_session.csrf_token if caller.auth_session else None
    return me_out(db, caller.user, csrf)


def _own_tokens(db: DB, caller: Caller) -> list[ApiToken]:
    return directory.api_tokens_of(db, caller.user.id)


@router.get("/me/tokens", response_model=list[schemas.TokenOut])
def list_tokens(db: DB, caller: CurrentCaller) -> list[schemas.TokenOut]:
    return [serializers.token_out(t) for t in _own_tokens(db, caller)]


@router.post("/me/tokens", status_code=201, response_model=schemas.NewTokenOut)
def create_token(body: schemas.TokenIn, db: DB, caller: CurrentCaller) -> schemas.NewTokenOut:
    """Create an API token for yourself (staff only). The token is shown once."""
    new = auth_actions.create_api_token(
        session=db,
        actor=caller.actor,
        user_id=caller.user.id,
        name=body.name,
        expires_at=body.expires_at,
    )
    db.commit()
    return schemas.NewTokenOut(**serializers.token_out(new.api_token).model_dump(), token=new.token)


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, db: DB, caller: CurrentCaller) -> Response:
    auth_actions.revoke_api_token(session=db, actor=caller.actor, token_id=token_id)
    db.commit()
    return Response(status_code=204)
