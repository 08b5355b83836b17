"""Logging in and out, session cookies and CSRF, lockout, session lifetimes, /me and
API tokens, through HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import auth as auth_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM
from nara.models import ApiToken, AuthSession, User
from tests import factories

API = "/api/v1"
PROBLEM = "application/problem+json"
PASSWORD = factories.PASSWORD
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def agent(db: Session) -> User:
    cards = factories.team(db)
    return factories.user(db, teams=[cards], password=PASSWORD, email="Agent.Ada@Example.test")


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def session_cookie(response: Any) -> Any:
    """The nara_session morsel of a response's Set-Cookie headers."""
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if "nara_session" in jar:
            return jar["nara_session"]
    raise AssertionError(f"no session cookie in {response.headers.get_list('set-cookie')}")


def raw_set_cookie(response: Any) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith("nara_session="))


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# ---- logging in ----
def test_login_sets_an_httponly_lax_cookie_and_returns_the_csrf_token(
    client: TestClient, db: Session, agent: User
) -> None:
    response = login(client, "agent.ada@example.test")
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["id"] == agent.id
    assert me["role"] == "agent"
    assert me["email"] == "agent.ada@example.test"
    assert len(me["csrf_token"]) >= 32
    raw = raw_set_cookie(response)
    attributes = {part.strip().split("=")[0].lower() for part in raw.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=lax" in raw.lower()
    assert "secure" not in attributes  # plain HTTP
    morsel = session_cookie(response)
    assert morsel["path"] == "/"
    assert morsel["max-age"] == str(12 * 3600)
    assert len(morsel.value) >= 32
    # The session's secret is in the cookie, never in the body.
    assert morsel.value not in response.text
    # The database holds only a digest of it.
    stored = db.scalars(select(AuthSession).where(AuthSession.user_id == agent.id)).all()
    assert len(stored) == 1
    assert morsel.value not in repr([vars(s) for s in stored])
    assert stored[0].csrf_token == me["csrf_token"]


def test_cookie_is_secure_over_https(app: FastAPI, db: Session, agent: User) -> None:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as https:
        response = login(https, agent.email)
        assert response.status_code == 200
        attributes = {p.strip().lower() for p in raw_set_cookie(response).split(";")}
        assert "secure" in attributes
        assert "httponly" in attributes
        # The cookie works over HTTPS.
        assert https.get(f"{API}/me").status_code == 200


def test_forwarded_proto_is_ignored_unless_trusted(client: TestClient, agent: User) -> None:
    response = client.post(
        f"{API}/auth/login",
        json={"email": agent.email, "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200
    assert "secure" not in {p.strip().lower() for p in raw_set_cookie(response).split(";")}


def test_cookie_session_reads_without_csrf(client: TestClient, agent: User) -> None:
    assert login(client, agent.email).status_code == 200
    me = client.get(f"{API}/me")
    assert me.status_code == 200
    assert me.json()["id"] == agent.id
    assert client.get(f"{API}/cases").status_code == 200


@pytest.mark.parametrize(
    "csrf", [None, "", "wrong", "x" * 5000], ids=["none", "empty", "wrong", "long"]
)
def test_unsafe_cookie_requests_need_the_csrf_token(
    client: TestClient, db: Session, csrf: str | None
) -> None:
    w = factories.world(db)
    # World users have no password; give Alice one.
    user_actions.set_password(session=db, actor=SYSTEM, user_id=w.alice_user.id, password=PASSWORD)
    me = login(client, w.alice_user.email).json()
    headers = {} if csrf is None else {"X-CSRF-Token": csrf}
    before = client.get(f"{API}/cases").json()["items"]
    for method, url, body in [
        ("POST", f"{API}/cases", {"message": "Förfalskad"}),
        ("POST", f"{API}/cases/{w.alice_case.number}/replies", {"body": "Förfalskad"}),
        ("PATCH", f"{API}/customers/{w.alice.id}", {"phone": "+46 8 123 456"}),
        ("POST", f"{API}/auth/logout", None),
    ]:
        response = client.request(method, url, json=body, headers=headers)
        detail = problem(response, 403)["detail"]
        assert "CSRF" in detail
    assert client.get(f"{API}/cases").json()["items"] == before
    assert client.get(f"{API}/me").status_code == 200  # still logged in
    # With the token from login they work.
    good = {"X-CSRF-Token": me["csrf_token"]}
    created = client.post(f"{API}/cases", json={"message": "Äkta"}, headers=good)
    assert created.status_code == 201
    replied = client.post(
        f"{API}/cases/{w.alice_case.number}/replies", json={"body": "Äkta"}, headers=good
    )
    assert replied.status_code == 201


def test_csrf_token_of_another_session_does_not_work(client: TestClient, agent: User) -> None:
    first = login(client, agent.email).json()["csrf_token"]
    client.cookies.clear()
    second = login(client, agent.email).json()["csrf_token"]
    assert first != second
    problem(client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": first}), 403)
    assert client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": second}).status_code == 204


def test_bearer_requests_need_no_csrf(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    headers = factories.headers(db, w.alice_user)
    response = client.post(f"{API}/cases", json={"message": "Via API"}, headers=headers)
    assert response.status_code == 201
    me = client.get(f"{API}/me", headers=headers).json()
    assert me["csrf_token"] is None


def test_me_shows_role_teams_and_customer(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    second_team = factories.team(db)
    team_actions.add_team_member(
        session=db, actor=SYSTEM, team_id=second_team.id, user_id=w.card_lead.id
    )
    lead = client.get(f"{API}/me", headers=factories.headers(db, w.card_lead)).json()
    assert lead["role"] == "lead"
    assert lead["team_ids"] == sorted([w.cards.id, second_team.id])
    assert lead["customer_id"] is None
    alice = client.get(f"{API}/me", headers=factories.headers(db, w.alice_user)).json()
    assert alice["role"] == "customer"
    assert alice["team_ids"] == []
    assert alice["customer_id"] == w.alice.id
    admin = client.get(f"{API}/me", headers=factories.headers(db, w.admin)).json()
    assert (admin["role"], admin["team_ids"], admin["customer_id"]) == ("admin", [], None)
    assert set(admin) >= {"id", "email", "display_name", "locale", "is_active", "csrf_token"}


# ---- wrong credentials and lockout ----
def test_wrong_credentials_do_not_say_which_part_was_wrong(
    client: TestClient, db: Session, agent: User
) -> None:
    no_password = factories.user(db)
    inactive = factories.user(db, password=PASSWORD)
    inactive.is_active = False
    db.flush()
    answers = [
        login(client, agent.email, "wrong password"),
        login(client, "nobody@example.test", PASSWORD),
        login(client, no_password.email, PASSWORD),
        login(client, inactive.email, PASSWORD),
        login(client, agent.email, ""),
    ]
    bodies = []
    for response in answers:
        body = problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert not response.headers.get_list("set-cookie")
        bodies.append((body["title"], body["detail"]))
    assert len(set(bodies)) == 1
    assert "e-mail or password" in bodies[0][1]
    assert client.get(f"{API}/me").status_code == 401


def test_login_is_case_insensitive_on_email(client: TestClient, agent: User) -> None:
    assert login(client, "  AGENT.ADA@EXAMPLE.TEST ").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@example.test"},
        {"email": 1, "password": 2},
        {"email": "a@example.test", "password": "x", "remember": True},
        {"email": "a" * 255, "password": "x"},
        {"email": "a@example.test", "password": "x" * 1025},
    ],
)
def test_malformed_login_is_422(client: TestClient, body: dict[str, Any]) -> None:
    problem(client.post(f"{API}/auth/login", json=body), 422)


def test_ten_failures_lock_the_account(client: TestClient, db: Session, agent: User) -> None:
    with clock.frozen_at(T0):
        for attempt in range(10):
            clock.advance(timedelta(seconds=20))
            problem(login(client, agent.email, f"guess {attempt}"), 401)
        locked = login(client, agent.email)  # even the right password
        body = problem(locked, 429)
        assert int(locked.headers["retry-after"]) == 15 * 60
        assert "15 minutes" in body["detail"]
        assert not locked.headers.get_list("set-cookie")
        # Other accounts are not affected.
        other = factories.user(db, password=PASSWORD)
        assert login(client, other.email).status_code == 200
        clock.advance(timedelta(minutes=14))
        problem(login(client, agent.email), 429)
        clock.advance(timedelta(minutes=2))
        assert login(client, agent.email).status_code == 200


def test_the_lockout_does_not_reveal_which_addresses_have_an_account(
    client: TestClient, agent: User
) -> None:
    answers = []
    with clock.frozen_at(T0):
        for address in (agent.email, "no.such.person@example.test"):
            for attempt in range(10):
                problem(login(client, address, f"guess {attempt}"), 401)
            locked = login(client, address)
            answers.append((locked.status_code, locked.headers["retry-after"], locked.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 429


def test_a_successful_login_resets_the_failure_count(
    client: TestClient, db: Session, agent: User
) -> None:
    with clock.frozen_at(T0):
        for _ in range(9):
            problem(login(client, agent.email, "nope"), 401)
        assert login(client, agent.email).status_code == 200
        for _ in range(9):
            problem(login(client, agent.email, "nope"), 401)
        assert login(client, agent.email).status_code == 200


def test_failures_spread_over_time_do_not_lock(client: TestClient, agent: User) -> None:
    with clock.frozen_at(T0):
        for _ in range(12):
            problem(login(client, agent.email, "nope"), 401)
            clock.advance(timedelta(minutes=16))
        assert login(client, agent.email).status_code == 200


# ---- logging out and session lifetimes ----
def test_logout_ends_the_session_on_the_server(
    client: TestClient, db: Session, agent: User
) -> None:
    response = login(client, agent.email)
    cookie = session_cookie(response).value
    csrf = response.json()["csrf_token"]
    out = client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    cleared = raw_set_cookie(out).lower()
    assert "max-age=0" in cleared or "expires=thu, 01 jan 1970" in cleared
    assert client.get(f"{API}/me").status_code == 401
    # Replaying the old cookie does not bring the session back.
    client.cookies.clear()
    replay = client.get(f"{API}/me", headers={"Cookie": f"nara_session={cookie}"})
    problem(replay, 401)
    stored = db.scalars(select(AuthSession).where(AuthSession.user_id == agent.id)).one()
    assert stored.ended_at is not None


def test_logout_with_a_token_leaves_the_token_alone(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    headers = factories.headers(db, w.card_agent)
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    assert client.get(f"{API}/me", headers=headers).status_code == 200


def test_idle_session_ends(client: TestClient, agent: User) -> None:
    with clock.frozen_at(T0):
        assert login(client, agent.email).status_code == 200
        for _ in range(4):  # activity keeps it alive
            clock.advance(timedelta(minutes=29))
            assert client.get(f"{API}/me").status_code == 200
        clock.advance(timedelta(minutes=30))
        problem(client.get(f"{API}/me"), 401)
        # and it stays ended, also if the clock were to come back
        clock.advance(timedelta(minutes=-30))
        problem(client.get(f"{API}/me"), 401)


def test_session_ends_after_its_absolute_lifetime(client: TestClient, agent: User) -> None:
    with clock.frozen_at(T0):
        assert login(client, agent.email).status_code == 200
        for _ in range(12 * 60 // 20 - 1):
            clock.advance(timedelta(minutes=20))
            assert client.get(f"{API}/me").status_code == 200
        clock.advance(timedelta(minutes=19))
        assert client.get(f"{API}/me").status_code == 200  # 11 h 59 min
        clock.advance(timedelta(minutes=1))
        problem(client.get(f"{API}/me"), 401)
        # A fresh login works again.
        assert login(client, agent.email).status_code == 200
        assert client.get(f"{API}/me").status_code == 200


def test_deactivated_user_is_logged_out_everywhere(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    person = factories.user(db, teams=[w.cards], password=PASSWORD)
    token_headers = factories.headers(db, person)
    assert login(client, person.email).status_code == 200
    admin = factories.headers(db, w.admin)
    client_cookies = dict(client.cookies)
    off = client.patch(f"{API}/users/{person.id}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200
    assert off.json()["is_active"] is False
    client.cookies.clear()
    for name, value in client_cookies.items():
        client.cookies.set(name, value)
    problem(client.get(f"{API}/me"), 401)
    problem(client.get(f"{API}/me", headers=token_headers), 401)
    problem(login(client, person.email), 401)


@pytest.mark.parametrize(
    "cookie",
    ["", "nonsense", "x" * 201, "x" * 10_000, "%00%ff", "a b"],
)
def test_unknown_session_cookies_are_anonymous(client: TestClient, cookie: str) -> None:
    client.cookies.set("nara_session", cookie)
    problem(client.get(f"{API}/me"), 401)
    assert client.get(f"{API}/health").status_code == 200


# ---- API tokens ----
@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer nara_unknown",
        "Bearer nara_" + "x" * 300,
        "Bearer not-a-nara-token",
        "bearer   nara_unknown  ",
    ],
)
def test_unknown_tokens_are_401(client: TestClient, authorization: str) -> None:
    response = client.get(f"{API}/me", headers={"Authorization": authorization})
    body = problem(response, 401)
    assert "token" in body["detail"]
    assert response.headers["www-authenticate"] == 'Bearer realm="nara"'


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "nara_x"])
def test_other_authorization_headers_are_not_tokens(client: TestClient, authorization: str) -> None:
    problem(client.get(f"{API}/me", headers={"Authorization": authorization}), 401)


def test_create_list_use_and_revoke_a_token(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    headers = factories.headers(db, w.card_agent)
    created = client.post(f"{API}/me/tokens", json={"name": "CRM-koppling"}, headers=headers)
    assert created.status_code == 201, created.text
    new = created.json()
    token = new["token"]
    assert token.startswith("nara_")
    assert len(token) >= 40
    assert new["prefix"] == token[:9]
    assert new["name"] == "CRM-koppling"
    assert new["revoked_at"] is None
    assert new["last_used_at"] is None
    # Stored hashed: the token appears nowhere in the table.
    rows = db.scalars(select(ApiToken).where(ApiToken.user_id == w.card_agent.id)).all()
    assert token not in repr([{k: str(v) for k, v in vars(r).items()} for r in rows])
    assert all(r.token_hash != token and len(r.token_hash) == 64 for r in rows)
    # Shown once: the list has no secrets.
    listed = client.get(f"{API}/me/tokens", headers=headers).json()
    assert "CRM-koppling" in [t["name"] for t in listed]
    assert all("token" not in t for t in listed)
    assert token not in str(listed)
    # The token works as its user.
    mine = {"Authorization": f"Bearer {token}"}
    me = client.get(f"{API}/me", headers=mine)
    assert me.status_code == 200
    assert me.json()["id"] == w.card_agent.id
    used = next(
        t for t in client.get(f"{API}/me/tokens", headers=mine).json() if t["id"] == new["id"]
    )
    assert used["last_used_at"] is not None
    # Revoke it; it stops working at once.
    revoked = client.delete(f"{API}/me/tokens/{new['id']}", headers=headers)
    assert revoked.status_code == 204
    problem(client.get(f"{API}/me", headers=mine), 401)
    after = next(
        t for t in client.get(f"{API}/me/tokens", headers=headers).json() if t["id"] == new["id"]
    )
    assert after["revoked_at"] is not None
    # Revoking twice is fine.
    assert client.delete(f"{API}/me/tokens/{new['id']}", headers=headers).status_code == 204


def test_token_names_are_unique_per_user(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    agent = factories.headers(db, w.card_agent)
    lead = factories.headers(db, w.card_lead)
    assert client.post(f"{API}/me/tokens", json={"name": "ci"}, headers=agent).status_code == 201
    problem(client.post(f"{API}/me/tokens", json={"name": "ci"}, headers=agent), 409)
    assert client.post(f"{API}/me/tokens", json={"name": "ci"}, headers=lead).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "  "},
        {"name": "x" * 101},
        {"name": "ci", "scope": "all"},
        {"name": "ci", "expires_at": "tomorrow"},
        {"name": "ci", "expires_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_invalid_token_requests_are_422(
    client: TestClient, db: Session, body: dict[str, Any]
) -> None:
    w = factories.world(db)
    problem(client.post(f"{API}/me/tokens", json=body, headers=factories.headers(db, w.admin)), 422)


def test_expired_tokens_stop_working(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    with clock.frozen_at(T0):
        headers = factories.headers(db, w.card_agent)
        created = client.post(
            f"{API}/me/tokens",
            json={"name": "kort", "expires_at": (T0 + timedelta(hours=1)).isoformat()},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["expires_at"] == "2026-05-04T09:00:00Z"
        short = {"Authorization": f"Bearer {created.json()['token']}"}
        clock.advance(timedelta(minutes=59))
        assert client.get(f"{API}/me", headers=short).status_code == 200
        clock.advance(timedelta(minutes=1))
        problem(client.get(f"{API}/me", headers=short), 401)
        # A naive time is taken as UTC.
        naive = client.post(
            f"{API}/me/tokens",
            json={"name": "naiv", "expires_at": "2026-05-04T12:00:00"},
            headers=headers,
        )
        assert naive.json()["expires_at"] == "2026-05-04T12:00:00Z"


def test_customers_cannot_create_tokens(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    headers = factories.headers(db, w.alice_user)
    before = client.get(f"{API}/me/tokens", headers=headers).json()
    problem(client.post(f"{API}/me/tokens", json={"name": "mitt"}, headers=headers), 403)
    assert client.get(f"{API}/me/tokens", headers=headers).json() == before


def test_tokens_of_others_cannot_be_seen_or_revoked(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    other = auth_actions.create_api_token(
        session=db, actor=SYSTEM, user_id=w.loan_agent.id, name="lån"
    )
    agent = factories.headers(db, w.card_agent)
    assert other.api_token.id not in [
        t["id"] for t in client.get(f"{API}/me/tokens", headers=agent).json()
    ]
    problem(client.delete(f"{API}/me/tokens/{other.api_token.id}", headers=agent), 404)
    problem(client.delete(f"{API}/me/tokens/999999", headers=agent), 404)
    other_headers = {"Authorization": f"Bearer {other.token}"}
    assert client.get(f"{API}/me", headers=other_headers).status_code == 200
    # An admin may revoke anyone's token.
    admin = factories.headers(db, w.admin)
    assert client.delete(f"{API}/me/tokens/{other.api_token.id}", headers=admin).status_code == 204
    problem(client.get(f"{API}/me", headers=other_headers), 401)


def test_bearer_token_wins_over_a_cookie(client: TestClient, db: Session, agent: User) -> None:
    """A request with both is the token's user, and needs no CSRF token."""
    w = factories.world(db)
    assert login(client, agent.email).status_code == 200
    headers = factories.headers(db, w.admin)
    me = client.get(f"{API}/me", headers=headers).json()
    assert me["id"] == w.admin.id
    created = client.post(
        f"{API}/teams", json={"slug": "via-token", "name_sv": "T", "name_en": "T"}, headers=headers
    )
    assert created.status_code == 201
