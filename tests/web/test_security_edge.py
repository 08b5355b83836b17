"""Findings of the security review at the edge of the app: the client's address behind
trusted proxies (rate limits), HSTS and Cache-Control."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nara.config import reset_settings
from nara.web.app import create_app
from nara.web.deps import get_db
from tests import factories

API = "/api/v1"
CONVERSATIONS = f"{API}/selfservice/conversations"


def _client(engine: Engine, db: Session) -> TestClient:
    application = create_app(engine)

    def _db() -> Iterator[Session]:
        yield db

    application.dependency_overrides[get_db] = _db
    return TestClient(application, raise_server_exceptions=False)


@pytest.fixture
def proxied(engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app behind a trusted reverse proxy (the test client's peer is "testclient")."""
    monkeypatch.setenv("NARA_TRUST_PROXY_HEADERS", "true")
    monkeypatch.setenv("NARA_FORWARDED_ALLOW_IPS", "testclient")
    monkeypatch.setenv("NARA_ASK_RATE_LIMIT", "3/minute")
    reset_settings()
    try:
        with _client(engine, db) as client:
            yield client
    finally:
        monkeypatch.undo()
        reset_settings()


@pytest.fixture
def untrusted(engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """Proxy headers trusted only from 127.0.0.1 (the default), not from this peer."""
    monkeypatch.setenv("NARA_TRUST_PROXY_HEADERS", "true")
    monkeypatch.setenv("NARA_ASK_RATE_LIMIT", "3/minute")
    reset_settings()
    try:
        with _client(engine, db) as client:
            yield client
    finally:
        monkeypatch.undo()
        reset_settings()


def _starts(client: TestClient, forwarded_for: list[str]) -> list[int]:
    return [
        client.post(
            CONVERSATIONS, json={"lang": "sv"}, headers={"X-Forwarded-For": value}
        ).status_code
        for value in forwarded_for
    ]


def test_a_rotated_leftmost_forwarded_for_does_not_escape_the_limit(
    proxied: TestClient,
) -> None:
    # The client writes any X-Forwarded-For it likes; the proxy appends the address it saw.
    chosen = [f"10.9.8.{i}, 203.0.113.7" for i in range(5)]
    codes = _starts(proxied, chosen)
    assert codes[:3] == [201, 201, 201]
    assert codes[3:] == [429, 429]
    # Another real client behind the same proxy has its own budget.
    assert _starts(proxied, ["10.9.8.1, 198.51.100.4"]) == [201]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(untrusted: TestClient) -> None:
    codes = _starts(untrusted, [f"203.0.113.{i}" for i in range(5)])
    assert codes == [201, 201, 201, 429, 429]


def test_a_429_says_when_to_retry(proxied: TestClient) -> None:
    responses = [proxied.post(CONVERSATIONS, json={"lang": "sv"}) for _ in range(4)]
    assert responses[-1].status_code == 429
    assert 1 <= int(responses[-1].headers["retry-after"]) <= 60


# ---- HSTS and Cache-Control ----


def test_hsts_only_over_https(client: TestClient, app: object) -> None:
    assert "strict-transport-security" not in client.get(f"{API}/health").headers
    with TestClient(app, base_url="https://testserver") as https:  # type: ignore[arg-type]
        sts = https.get(f"{API}/health").headers["strict-transport-security"]
        assert sts.startswith("max-age=") and int(sts.split("=")[1]) >= 31536000
        assert "strict-transport-security" in https.get("/").headers


OVER_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def test_hsts_behind_a_trusted_proxy(proxied: TestClient) -> None:
    assert "strict-transport-security" in proxied.get(f"{API}/health", headers=OVER_HTTPS).headers
    assert "strict-transport-security" not in proxied.get(f"{API}/health").headers


def test_no_hsts_when_an_untrusted_peer_claims_https(untrusted: TestClient) -> None:
    response = untrusted.get(f"{API}/health", headers=OVER_HTTPS)
    assert "strict-transport-security" not in response.headers


def test_personal_data_is_not_cached(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    headers = factories.headers(db, w.card_agent)
    for path in (
        f"{API}/cases",
        f"{API}/cases/{w.alice_case.number}",
        f"{API}/customers/{w.alice.id}",
        f"{API}/me",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    # Pages too (the login page, and an error).
    assert client.get("/").headers["cache-control"] == "no-store"
    assert client.get(f"{API}/cases").headers["cache-control"] == "no-store"  # a 401


def test_static_assets_may_be_cached(client: TestClient) -> None:
    response = client.get("/static/nara.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
