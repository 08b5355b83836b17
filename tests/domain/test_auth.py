"""Logging in, login sessions, lockout, API tokens and password hashing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings, reset_settings
from nara.domain import auth as auth_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, actor_for_user
from nara.domain.auth import (
    LOCK_WINDOW,
    TOKEN_PREFIX,
    authenticate_token,
    create_api_token,
    end_all_sessions,
    log_in,
    log_out,
    resume_session,
    revoke_api_token,
)
from nara.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from nara.domain.security import hash_password, verify_password
from nara.models import ApiToken, AuthSession, LoginFailure, User
from tests import factories
from tests.factories import PASSWORD


def failures(db: Session, email: str) -> int:
    """Login attempts counted against an address (0 after a successful login)."""
    digest = auth_actions._address_digest(email.strip().lower())
    row = db.get(LoginFailure, digest, populate_existing=True)
    return row.failures if row is not None else 0


T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen_at(T0):
        yield


@pytest.fixture
def agent(db: Session) -> User:
    return factories.user(db, password=PASSWORD, email="Agent.Smith@Example.test")


@pytest.fixture
def three_failures(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("NARA_LOGIN_MAX_FAILURES", "3")
    reset_settings()
    yield 3
    monkeypatch.undo()
    reset_settings()


def digest(token: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def all_values(db: Session, table: str) -> list[str]:
    rows = db.execute(text(f"SELECT * FROM {table}")).all()
    return [str(value) for row in rows for value in row]


# ---- log_in ----


def test_log_in_succeeds(db: Session, agent: User, frozen: None) -> None:
    new = log_in(
        session=db, email="agent.smith@example.test", password=PASSWORD, user_agent="pytest"
    )
    assert new is not None
    assert new.session.user_id == agent.id
    assert new.session.created_at == T0
    assert new.session.last_seen_at == T0
    assert new.session.expires_at == T0 + timedelta(hours=12)
    assert new.session.ended_at is None
    assert new.session.user_agent == "pytest"
    assert new.session.csrf_token and new.session.csrf_token != new.token
    assert agent.last_login_at == T0
    assert failures(db, agent.email) == 0


def test_log_in_ignores_case_and_spaces_in_the_email(db: Session, agent: User) -> None:
    assert log_in(session=db, email="  AGENT.smith@EXAMPLE.test ", password=PASSWORD) is not None


def test_log_in_with_wrong_credentials_returns_none(db: Session, agent: User) -> None:
    assert log_in(session=db, email="agent.smith@example.test", password="wrong password") is None
    assert log_in(session=db, email="nobody@example.test", password=PASSWORD) is None
    assert log_in(session=db, email="agent.smith@example.test", password="") is None
    assert failures(db, agent.email) == 2
    assert db.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_password_is_case_sensitive(db: Session, agent: User) -> None:
    assert log_in(session=db, email=agent.email, password=PASSWORD.upper()) is None


def test_user_without_password_cannot_log_in(db: Session) -> None:
    token_only = factories.user(db)
    assert token_only.password_hash is None
    assert log_in(session=db, email=token_only.email, password="") is None
    assert log_in(session=db, email=token_only.email, password=PASSWORD) is None


def test_inactive_user_cannot_log_in(db: Session, agent: User) -> None:
    user_actions.set_user_active(session=db, actor=SYSTEM, user_id=agent.id, active=False)
    assert log_in(session=db, email=agent.email, password=PASSWORD) is None


def test_log_in_resets_the_failure_count(db: Session, agent: User) -> None:
    log_in(session=db, email=agent.email, password="nope nope nope")
    assert failures(db, agent.email) == 1
    assert log_in(session=db, email=agent.email, password=PASSWORD) is not None
    assert failures(db, agent.email) == 0


# ---- lockout ----


def test_lockout_after_the_configured_failures(
    db: Session, agent: User, three_failures: int
) -> None:
    with clock.frozen_at(T0):
        for _ in range(three_failures):
            assert log_in(session=db, email=agent.email, password="wrong") is None
            clock.advance(timedelta(minutes=1))
        assert failures(db, agent.email) == three_failures
        with pytest.raises(RateLimited) as info:
            log_in(session=db, email=agent.email, password=PASSWORD)
        assert info.value.extra["retry_after"] == 15 * 60
        assert "15 minutes" in info.value.detail
        assert info.value.status == 429
        # still locked just before 15 minutes after the last failure
        clock.advance(timedelta(minutes=13, seconds=59))
        with pytest.raises(RateLimited):
            log_in(session=db, email=agent.email, password=PASSWORD)
        # unlocked 15 minutes after the last failure
        clock.advance(timedelta(seconds=1))
        new = log_in(session=db, email=agent.email, password=PASSWORD)
        assert new is not None
        assert failures(db, agent.email) == 0


def test_lockout_uses_the_default_of_ten(db: Session, agent: User) -> None:
    assert get_settings().login_max_failures == 10
    with clock.frozen_at(T0):
        for attempt in range(10):  # ten wrong passwords are each answered normally
            assert log_in(session=db, email=agent.email, password=f"wrong {attempt}") is None
        assert failures(db, agent.email) == 10
        with pytest.raises(RateLimited):  # the eleventh attempt is refused outright
            log_in(session=db, email=agent.email, password=PASSWORD)


def test_failures_spread_over_more_than_15_minutes_do_not_lock(
    db: Session, agent: User, three_failures: int
) -> None:
    with clock.frozen_at(T0):
        for _ in range(three_failures - 1):
            assert log_in(session=db, email=agent.email, password="wrong") is None
        clock.advance(LOCK_WINDOW + timedelta(seconds=1))
        assert log_in(session=db, email=agent.email, password="wrong") is None
        assert failures(db, agent.email) == 1  # the count started over
        assert log_in(session=db, email=agent.email, password=PASSWORD) is not None


def test_lockout_applies_to_the_right_password_only_on_that_account(
    db: Session, agent: User, three_failures: int
) -> None:
    other = factories.user(db, password=PASSWORD)
    with clock.frozen_at(T0):
        for _ in range(three_failures):
            log_in(session=db, email=agent.email, password="wrong")
        with pytest.raises(RateLimited):
            log_in(session=db, email=agent.email, password="wrong")
        assert log_in(session=db, email=other.email, password=PASSWORD) is not None


def test_an_address_without_an_account_locks_like_one_with(
    db: Session, agent: User, three_failures: int
) -> None:
    """The lockout must not tell which addresses have an account: same count, same
    answer, same 15 minutes; and the address itself is not stored."""
    answers = {}
    with clock.frozen_at(T0):
        for address in (agent.email, "Ghost@Example.test"):
            for _ in range(three_failures):
                assert log_in(session=db, email=address, password="wrong") is None
            with pytest.raises(RateLimited) as info:
                log_in(session=db, email=address.upper(), password=PASSWORD)
            answers[address] = (info.value.detail, info.value.extra, info.value.status)
        assert answers[agent.email] == answers["Ghost@Example.test"]
        rows = db.scalars(select(LoginFailure)).all()
        assert len(rows) == 2 and {r.failures for r in rows} == {three_failures}
        assert all("ghost" not in r.address_digest.lower() for r in rows)
        clock.advance(LOCK_WINDOW)
        assert log_in(session=db, email="ghost@example.test", password="x") is None


def test_failures_of_unknown_addresses_are_forgotten_after_the_window(
    db: Session, three_failures: int
) -> None:
    with clock.frozen_at(T0):
        for _ in range(three_failures - 1):
            log_in(session=db, email="old@example.test", password="x")
        clock.advance(LOCK_WINDOW + timedelta(seconds=1))
        log_in(session=db, email="new@example.test", password="x")  # prunes the old row
        assert db.scalar(select(func.count()).select_from(LoginFailure)) == 1
        for _ in range(three_failures - 1):  # the old address counts from zero again
            assert log_in(session=db, email="old@example.test", password="x") is None
        assert log_in(session=db, email="old@example.test", password="x") is None
        with pytest.raises(RateLimited):
            log_in(session=db, email="old@example.test", password="x")


def test_every_login_attempt_spends_one_password_check(
    db: Session, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An address without an account, an inactive account and a wrong password all cost
    the same hash as a right one, so response times do not reveal accounts."""
    calls: list[str | None] = []

    def spy(password_hash: str | None, password: str) -> bool:
        calls.append(password_hash)
        return verify_password(password_hash, password)

    monkeypatch.setattr("nara.domain.auth.verify_password", spy)
    inactive = factories.user(db, password=PASSWORD)
    user_actions.set_user_active(session=db, actor=SYSTEM, user_id=inactive.id, active=False)
    log_in(session=db, email="nobody@example.test", password=PASSWORD)
    log_in(session=db, email=inactive.email, password=PASSWORD)
    log_in(session=db, email=agent.email, password="wrong")
    assert log_in(session=db, email=agent.email, password=PASSWORD) is not None
    assert len(calls) == 4 and calls[0] is None


# ---- resume_session ----


def test_resume_session(db: Session, agent: User, frozen: None) -> None:
    new = log_in(session=db, email=agent.email, password=PASSWORD)
    assert new is not None
    resumed = resume_session(session=db, token=new.token)
    assert resumed is not None
    auth_session, user = resumed
    assert auth_session.id == new.session.id
    assert user.id == agent.id


@pytest.mark.parametrize("token", ["", "x", "y" * 201, "nara_" + "z" * 43])
def test_unknown_tokens_do_not_resume(db: Session, token: str) -> None:
    assert resume_session(session=db, token=token) is None


def test_idle_timeout(db: Session, agent: User) -> None:
    assert get_settings().session_idle_minutes == 30
    with clock.frozen_at(T0):
        new = log_in(session=db, email=agent.email, password=PASSWORD)
        assert new is not None
        # active every 29 minutes: stays alive for hours
        for _ in range(6):
            clock.advance(timedelta(minutes=29))
            assert resume_session(session=db, token=new.token) is not None
        assert new.session.last_seen_at == clock.now()
        clock.advance(timedelta(minutes=30))
        assert resume_session(session=db, token=new.token) is None
        assert new.session.ended_at == clock.now()
        # and it stays ended
        assert resume_session(session=db, token=new.token) is None


def test_last_seen_is_written_at_most_once_a_minute(db: Session, agent: User) -> None:
    with clock.frozen_at(T0):
        new = log_in(session=db, email=agent.email, password=PASSWORD)
        assert new is not None
        clock.advance(timedelta(seconds=59))
        assert resume_session(session=db, token=new.token) is not None
        assert new.session.last_seen_at == T0
        clock.advance(timedelta(seconds=1))
        assert resume_session(session=db, token=new.token) is not None
        assert new.session.last_seen_at == T0 + timedelta(minutes=1)


def test_absolute_timeout(db: Session, agent: User) -> None:
    assert get_settings().session_absolute_hours == 12
    with clock.frozen_at(T0):
        new = log_in(session=db, email=agent.email, password=PASSWORD)
        assert new is not None
        while clock.now() < T0 + timedelta(hours=12) - timedelta(minutes=20):
            clock.advance(timedelta(minutes=20))
            assert resume_session(session=db, token=new.token) is not None, clock.now()
        clock.advance(T0 + timedelta(hours=12) - clock.now())
        assert resume_session(session=db, token=new.token) is None
        assert new.session.ended_at == T0 + timedelta(hours=12)


def test_settings_change_the_idle_timeout(
    db: Session, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NARA_SESSION_IDLE_MINUTES", "5")
    reset_settings()
    try:
        with clock.frozen_at(T0):
            new = log_in(session=db, email=agent.email, password=PASSWORD)
            assert new is not None
            clock.advance(timedelta(minutes=4, seconds=59))
            assert resume_session(session=db, token=new.token) is not None
            clock.advance(timedelta(minutes=5))
            assert resume_session(session=db, token=new.token) is None
    finally:
        monkeypatch.undo()
        reset_settings()


def test_log_out(db: Session, agent: User, frozen: None) -> None:
    new = log_in(session=db, email=agent.email, password=PASSWORD)
    other = log_in(session=db, email=agent.email, password=PASSWORD)
    assert new is not None and other is not None
    me = actor_for_user(db, agent)
    log_out(session=db, actor=me, token=new.token)
    assert resume_session(session=db, token=new.token) is None
    db.refresh(new.session)
    assert new.session.ended_at == T0
    # the other device stays logged in
    assert resume_session(session=db, token=other.token) is not None
    # logging out twice or with nonsense is harmless
    log_out(session=db, actor=me, token=new.token)
    log_out(session=db, actor=me, token="nonsense")


def test_deactivated_users_sessions_end(db: Session, agent: User, frozen: None) -> None:
    first = log_in(session=db, email=agent.email, password=PASSWORD)
    second = log_in(session=db, email=agent.email, password=PASSWORD)
    assert first is not None and second is not None
    user_actions.set_user_active(session=db, actor=SYSTEM, user_id=agent.id, active=False)
    for new in (first, second):
        assert resume_session(session=db, token=new.token) is None
        db.refresh(new.session)
        assert new.session.ended_at == T0
    # re-activating does not bring the old sessions back
    user_actions.set_user_active(session=db, actor=SYSTEM, user_id=agent.id, active=True)
    assert resume_session(session=db, token=first.token) is None


def test_end_all_sessions_leaves_other_users_alone(db: Session, agent: User) -> None:
    other = factories.user(db, password=PASSWORD)
    mine = log_in(session=db, email=agent.email, password=PASSWORD)
    theirs = log_in(session=db, email=other.email, password=PASSWORD)
    assert mine is not None and theirs is not None
    end_all_sessions(session=db, user_id=agent.id)
    assert resume_session(session=db, token=mine.token) is None
    assert resume_session(session=db, token=theirs.token) is not None


def test_sessions_are_stored_as_hmac_only(db: Session, agent: User) -> None:
    new = log_in(session=db, email=agent.email, password=PASSWORD)
    assert new is not None
    assert new.session.token_hash == digest(new.token)
    assert not any(new.token in value for value in all_values(db, "auth_sessions"))


# ---- passwords ----


def test_passwords_are_hashed_with_argon2id(db: Session, agent: User) -> None:
    assert agent.password_hash is not None
    assert agent.password_hash.startswith("$argon2id$")
    assert PASSWORD not in agent.password_hash
    assert verify_password(agent.password_hash, PASSWORD)
    assert not verify_password(agent.password_hash, PASSWORD + "!")
    assert not any(PASSWORD in value for value in all_values(db, "users"))


def test_same_password_gets_different_hashes() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_broken_or_missing_hash_never_verifies() -> None:
    assert not verify_password(None, PASSWORD)
    assert not verify_password("", PASSWORD)
    assert not verify_password("not-a-hash", PASSWORD)


def test_weak_hash_is_upgraded_at_login(db: Session, agent: User) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    agent.password_hash = weak  # as left behind by an older release
    db.flush()
    assert log_in(session=db, email=agent.email, password=PASSWORD) is not None
    assert agent.password_hash != weak
    assert agent.password_hash.startswith("$argon2id$")
    assert "m=8," not in agent.password_hash
    assert verify_password(agent.password_hash, PASSWORD)


def test_set_password(db: Session, agent: User) -> None:
    new_password = "ett helt nytt lösenord"
    user_actions.set_password(
        session=db, actor=factories.actor(db, agent), user_id=agent.id, password=new_password
    )
    assert log_in(session=db, email=agent.email, password=PASSWORD) is None
    assert log_in(session=db, email=agent.email, password=new_password) is not None


def test_password_rules(db: Session, agent: User) -> None:
    other = factories.user(db)
    actor = factories.actor(db, agent)
    with pytest.raises(ValidationFailed) as info:
        user_actions.set_password(session=db, actor=actor, user_id=agent.id, password="short")
    assert info.value.field == "password"
    assert "10" in info.value.detail
    with pytest.raises(ValidationFailed):
        user_actions.set_password(session=db, actor=actor, user_id=agent.id, password="x" * 1025)
    with pytest.raises(PermissionDenied):
        user_actions.set_password(session=db, actor=actor, user_id=other.id, password=PASSWORD)
    with pytest.raises(ValidationFailed) as info:
        factories.user(db, password="123456789")
    assert info.value.field == "password"


# ---- API tokens ----


def test_api_token_is_stored_only_as_an_hmac(db: Session, agent: User) -> None:
    new = create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
    assert new.token.startswith(TOKEN_PREFIX)
    assert len(new.token) > 40
    assert new.api_token.token_hash == digest(new.token)
    assert new.api_token.prefix == new.token[:9]
    values = all_values(db, "api_tokens")
    assert values
    assert not any(new.token in value for value in values)
    assert not any(new.token[len(TOKEN_PREFIX) :] in value for value in values)


def test_api_token_authenticates(db: Session, agent: User) -> None:
    with clock.frozen_at(T0):
        new = create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
        assert new.api_token.last_used_at is None
        user = authenticate_token(session=db, token=new.token)
    assert user is not None and user.id == agent.id
    assert new.api_token.last_used_at == T0


@pytest.mark.parametrize(
    "token", ["", "nara_", "nara_wrong", "not_a_nara_token", "nara_" + "a" * 300]
)
def test_unknown_api_tokens_are_rejected(db: Session, agent: User, token: str) -> None:
    create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
    assert authenticate_token(session=db, token=token) is None


def test_token_without_its_prefix_is_rejected(db: Session, agent: User) -> None:
    new = create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
    assert authenticate_token(session=db, token=new.token[len(TOKEN_PREFIX) :]) is None


def test_revoked_token_is_rejected(db: Session, agent: User) -> None:
    new = create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
    revoked = revoke_api_token(
        session=db, actor=factories.actor(db, agent), token_id=new.api_token.id
    )
    assert revoked.revoked_at is not None
    assert authenticate_token(session=db, token=new.token) is None
    first = revoked.revoked_at
    revoke_api_token(session=db, actor=SYSTEM, token_id=new.api_token.id)  # idempotent
    assert revoked.revoked_at == first


def test_expired_token_is_rejected(db: Session, agent: User) -> None:
    with clock.frozen_at(T0):
        new = create_api_token(
            session=db,
            actor=SYSTEM,
            user_id=agent.id,
            name="crm",
            expires_at=T0 + timedelta(hours=1),
        )
        clock.advance(timedelta(minutes=59, seconds=59))
        assert authenticate_token(session=db, token=new.token) is not None
        clock.advance(timedelta(seconds=1))
        assert authenticate_token(session=db, token=new.token) is None


def test_token_expiry_must_be_in_the_future(db: Session, agent: User) -> None:
    with clock.frozen_at(T0), pytest.raises(ValidationFailed) as info:
        create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm", expires_at=T0)
    assert info.value.field == "expires_at"


def test_naive_expiry_is_taken_as_utc(db: Session, agent: User) -> None:
    with clock.frozen_at(T0):
        new = create_api_token(
            session=db,
            actor=SYSTEM,
            user_id=agent.id,
            name="crm",
            expires_at=datetime(2026, 9, 2, 8, 0),
        )
    assert new.api_token.expires_at == datetime(2026, 9, 2, 8, 0, tzinfo=UTC)


def test_token_of_a_deactivated_user_is_rejected(db: Session, agent: User) -> None:
    new = create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
    user_actions.set_user_active(session=db, actor=SYSTEM, user_id=agent.id, active=False)
    assert authenticate_token(session=db, token=new.token) is None


def test_token_names_are_unique_per_user(db: Session, agent: User) -> None:
    other = factories.user(db)
    create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
    with pytest.raises(Conflict) as info:
        create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name=" crm ")
    assert info.value.field == "name"
    create_api_token(session=db, actor=SYSTEM, user_id=other.id, name="crm")
    with pytest.raises(ValidationFailed) as v:
        create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="  ")
    assert v.value.field == "name"


def test_who_may_create_tokens(db: Session, agent: User) -> None:
    other = factories.user(db)
    admin = factories.user(db, role="admin")
    customer = factories.customer(db, with_login=True)
    assert customer.user_id is not None
    me = factories.actor(db, agent)
    create_api_token(session=db, actor=me, user_id=agent.id, name="mine")
    with pytest.raises(PermissionDenied):
        create_api_token(session=db, actor=me, user_id=other.id, name="theirs")
    customer_user = db.get(User, customer.user_id)
    assert customer_user is not None
    with pytest.raises(PermissionDenied):
        create_api_token(
            session=db,
            actor=factories.actor(db, customer_user),
            user_id=customer.user_id,
            name="portal",
        )
    create_api_token(session=db, actor=factories.actor(db, admin), user_id=other.id, name="x")
    with pytest.raises(NotFound):
        create_api_token(session=db, actor=SYSTEM, user_id=999_999, name="x")


def test_who_may_revoke_tokens(db: Session, agent: User) -> None:
    other = factories.user(db)
    admin = factories.user(db, role="admin")
    new = create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name="crm")
    with pytest.raises(NotFound):
        revoke_api_token(session=db, actor=factories.actor(db, other), token_id=new.api_token.id)
    assert authenticate_token(session=db, token=new.token) is not None
    revoke_api_token(session=db, actor=factories.actor(db, admin), token_id=new.api_token.id)
    assert authenticate_token(session=db, token=new.token) is None
    with pytest.raises(NotFound):
        revoke_api_token(session=db, actor=SYSTEM, token_id=999_999)


def test_tokens_are_unique(db: Session, agent: User) -> None:
    tokens = {
        create_api_token(session=db, actor=SYSTEM, user_id=agent.id, name=f"t{i}").token
        for i in range(20)
    }
    assert len(tokens) == 20
    hashes = set(db.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == agent.id)))
    assert len(hashes) == 20
