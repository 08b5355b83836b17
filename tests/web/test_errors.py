"""Bad input never makes a 500: malformed bodies, wrong types, unknown fields, huge
bodies, odd strings and headers. API errors are problem details, page errors an HTML
error page with the same status; HTML escapes what people wrote; every response carries
the security headers."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM
from nara.models import Case, CaseEvent, Customer
from nara.web.deps import get_db
from tests import factories

API = "/api/v1"
CASES = f"{API}/cases"
PROBLEM = "application/problem+json"
LIMIT = 1_000_000  # NARA_MAX_BODY_BYTES default
SCRIPT = "<script>alert('xss')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;"
HUGE = 10**30


@pytest.fixture
def app(app: FastAPI, db: Session) -> FastAPI:
    """Like the application's own ``get_db``, roll back what a failed request wrote (the
    shared fixture hands out the test's session without doing so; on PostgreSQL a
    refused statement would otherwise poison the rest of the test)."""

    def _db() -> Iterator[Session]:
        try:
            yield db
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_db] = _db
    return app


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    db.commit()  # keep the world when a failed request rolls back
    return world


def as_(db: Session, user: Any) -> dict[str, str]:
    headers = factories.headers(db, user)
    db.commit()
    return headers


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors") or []], body
    return body


def count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


# ---- malformed bodies ----
@pytest.mark.parametrize(
    "raw",
    [
        b'{"message": "hej"',
        b'{"message": "hej",}',
        b"message=hej",
        b"{'message': 'hej'}",
        b'{"message": "hej"} trailing',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=[
        "truncated",
        "trailing comma",
        "form",
        "single quotes",
        "trailing text",
        "not utf-8",
        "deeply nested",
    ],
)
def test_malformed_json_is_400(
    client: TestClient, db: Session, w: factories.World, raw: bytes
) -> None:
    before = count(db, Case)
    response = client.post(
        CASES, content=raw, headers=as_(db, w.alice_user) | {"Content-Type": "application/json"}
    )
    body = problem(response, 400)
    assert "body" in body["detail"] or "JSON" in body["detail"]
    assert count(db, Case) == before


def test_malformed_json_on_login_is_400(client: TestClient) -> None:
    response = client.post(
        f"{API}/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    problem(response, 400)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"", "application/json"),
        (b"null", "application/json"),
        (b"[]", "application/json"),
        (b'"hej"', "application/json"),
        (b'{"message": "hej"}', "text/plain"),
        (b'{"message": "hej"}', "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_an_object_is_422(
    client: TestClient, db: Session, w: factories.World, raw: bytes, content_type: str
) -> None:
    before = count(db, Case)
    response = client.post(
        CASES, content=raw, headers=as_(db, w.alice_user) | {"Content-Type": content_type}
    )
    problem(response, 422)
    assert count(db, Case) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": 5}, "message"),
        ({"message": True}, "message"),
        ({"message": {"text": "hej"}}, "message"),
        ({"message": "x", "topic_id": "kort"}, "topic_id"),
        ({"message": "x", "topic_id": 1.5}, "topic_id"),
        ({"message": "x", "topic_id": [1]}, "topic_id"),
        ({"message": "x", "channel": 7}, "channel"),
        ({"message": "x", "subject": False}, "subject"),
    ],
)
def test_wrong_types_are_422_naming_the_field(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any], field: str
) -> None:
    result = problem(client.post(CASES, json=body, headers=as_(db, w.alice_user)), 422, field)
    assert field in result["detail"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (CASES, {"message": "x", "admin": True}, "admin"),
        (f"{API}/auth/login", {"email": "a@b.se", "password": "x", "otp": "1"}, "otp"),
        (f"{API}/customers", {"name": "X", "is_vip": True}, "is_vip"),
        (f"{API}/users", {"email": "a@b.se", "display_name": "A", "role": "agent", "id": 1}, "id"),
    ],
)
def test_unknown_fields_are_422(
    client: TestClient, db: Session, w: factories.World, url: str, body: Any, field: str
) -> None:
    problem(client.post(url, json=body, headers=as_(db, w.admin)), 422, field)


def test_several_errors_are_listed_together(
    client: TestClient, db: Session, w: factories.World
) -> None:
    body = problem(
        client.post(CASES, json={"topic_id": "x", "extra": 1}, headers=as_(db, w.admin)), 422
    )
    assert {e["field"] for e in body["errors"]} == {"message", "topic_id", "extra"}
    assert body["instance"] == CASES


# ---- size limit ----
def test_body_over_the_limit_is_413_and_nothing_is_stored(
    client: TestClient, db: Session, w: factories.World
) -> None:
    headers = as_(db, w.alice_user)
    before = (count(db, Case), count(db, CaseEvent))
    padding = "x" * LIMIT
    response = client.post(CASES, json={"message": padding}, headers=headers)
    body = problem(response, 413)
    assert str(LIMIT) in body["detail"]
    assert response.headers["content-security-policy"]
    # Also when the body is streamed without a Content-Length.
    raw = b'{"message": "' + b"y" * LIMIT + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 65_536):
            yield raw[start : start + 65_536]

    streamed = client.post(
        CASES, content=chunks(), headers=headers | {"Content-Type": "application/json"}
    )
    problem(streamed, 413)
    assert (count(db, Case), count(db, CaseEvent)) == before


def test_body_just_under_the_limit_is_read(
    client: TestClient, db: Session, w: factories.World
) -> None:
    overhead = len(b'{"message": ""}')
    response = client.post(
        CASES,
        content=b'{"message": "' + b"z" * (LIMIT - overhead) + b'"}',
        headers=as_(db, w.alice_user) | {"Content-Type": "application/json"},
    )
    # Read in full; refused for the message's length, not the body's size.
    problem(response, 422, "message")


# ---- routes and methods ----
@pytest.mark.parametrize("path", [f"{API}/nothing-here", f"{API}/cases/NA-1/whatever"])
def test_unknown_route_is_404_problem(client: TestClient, path: str) -> None:
    body = problem(client.get(path), 404)
    assert path in body["detail"]


def html_error(response: Any, status: int) -> str:
    """Outside /api, errors are an HTML page with the same status (not problem+json)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert "<html" in response.text
    assert 'role="alert"' in response.text
    return str(response.text)


@pytest.mark.parametrize("path", ["/nope", f"/nope/{SCRIPT}", "/admin/nothing-here"])
def test_unknown_page_is_404_html(client: TestClient, path: str) -> None:
    text = html_error(client.get(path), 404)
    assert SCRIPT not in text
    _assert_security_headers(client.get(path))


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/cases"), ("PUT", "/login"), ("GET", "/logout")]
)
def test_wrong_method_on_a_page_is_405_html(client: TestClient, method: str, path: str) -> None:
    html_error(client.request(method, path), 405)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", f"{API}/cases", {"GET", "POST"}),
        ("PUT", f"{API}/health", {"GET"}),
        ("GET", f"{API}/auth/login", {"POST"}),
        ("PATCH", f"{API}/teams", {"GET", "POST"}),
    ],
)
def test_wrong_method_is_405(
    client: TestClient, db: Session, w: factories.World, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path, headers=as_(db, w.admin))
    problem(response, 405)
    # Starlette names the methods of the first route with that path only (see the
    # report); what it names must be allowed.
    named = {m.strip() for m in response.headers["allow"].split(",")}
    assert named
    assert named <= allowed


# ---- odd strings ----
def test_markup_and_emoji_are_stored_as_written(
    client: TestClient, db: Session, w: factories.World
) -> None:
    text = f'{SCRIPT} 🙂🏳️‍🌈 Ünïcödé עברית 中文 "quotes" & <b>bold</b>\r\nrad två\tflik'
    created = client.post(CASES, json={"message": text}, headers=as_(db, w.alice_user))
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "application/json"
    assert created.json()["events"][0]["body"] == text
    assert created.json()["subject"] == f'{SCRIPT} 🙂🏳️‍🌈 Ünïcödé עברית 中文 "quotes" & <b>bold</b>'
    number = created.json()["number"]
    reply = client.post(
        f"{CASES}/{number}/replies", json={"body": "😀" * 20_000}, headers=as_(db, w.alice_user)
    )
    assert reply.status_code == 201
    assert reply.json()["events"][-1]["body"] == "😀" * 20_000


@pytest.mark.parametrize("length", [20_000, 20_001])
def test_message_length_limit(
    client: TestClient, db: Session, w: factories.World, length: int
) -> None:
    response = client.post(CASES, json={"message": "å" * length}, headers=as_(db, w.alice_user))
    if length <= 20_000:
        assert response.status_code == 201
    else:
        body = problem(response, 422, "message")
        assert "20001" in body["detail"] and "20000" in body["detail"]


def test_control_characters_are_removed_from_text(
    client: TestClient, db: Session, w: factories.World
) -> None:
    response = client.post(
        CASES,
        json={
            "message": "hej\u0000 d\u0007å\u001b[31m\r\nrad\ttvå\u007f",
            "subject": "\u0000Ämne\u0008",
        },
        headers=as_(db, w.alice_user),
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["events"][0]["body"] == "hej då[31m\r\nrad\ttvå"
    assert case["subject"] == "Ämne"
    only_control = client.post(
        CASES, json={"message": "\u0000\u0001\u0002"}, headers=as_(db, w.alice_user)
    )
    problem(only_control, 422, "message")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (f"{API}/customers", {"name": "X", "email": "a\u0000b@example.test"}, "email"),
        (f"{API}/customers", {"name": "X", "email": "a@exa\u0007mple.test"}, "email"),
        (
            f"{API}/users",
            {"email": "n\u0000ul@example.test", "display_name": "N", "role": "agent"},
            "email",
        ),
        (f"{API}/teams", {"slug": "a\u0000b", "name_sv": "x", "name_en": "x"}, "slug"),
        (f"{API}/customers", {"name": "X", "phone": "070\u0000123456"}, "phone"),
        (f"{API}/customers", {"name": "X", "personnummer": "800426\u0000-2385"}, "personnummer"),
    ],
)
def test_control_characters_in_identifiers_are_refused(
    client: TestClient, db: Session, w: factories.World, url: str, body: Any, field: str
) -> None:
    before = count(db, Customer)
    problem(client.post(url, json=body, headers=as_(db, w.admin)), 422, field)
    assert count(db, Customer) == before


@pytest.mark.parametrize(
    "query",
    ["q=a%00b", "channel=w%00eb", "priority=%00", "owner=1%00", "status=open%00"],
)
def test_nul_in_case_list_parameters_is_never_a_500(
    client: TestClient, db: Session, w: factories.World, is_postgres: bool, query: str
) -> None:
    # Refused before any database sees it, the same on SQLite and PostgreSQL.
    problem(client.get(f"{CASES}?{query}", headers=as_(db, w.admin)), 400)


@pytest.mark.parametrize(
    "path",
    [f"{CASES}/NA%00", f"{API}/customers?q=%00", f"{API}/users?role=agent%00"],
)
def test_nul_in_other_parameters_is_never_a_500(
    client: TestClient, db: Session, w: factories.World, is_postgres: bool, path: str
) -> None:
    problem(client.get(path, headers=as_(db, w.admin)), 400)


def test_nul_in_login_is_never_a_500(
    client: TestClient, db: Session, w: factories.World, is_postgres: bool
) -> None:
    response = client.post(
        f"{API}/auth/login", json={"email": "alice\u0000@example.test", "password": "x\u0000"}
    )
    problem(response, 401)


# ---- numbers beyond the database's integers ----
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", f"{API}/customers/{HUGE}", None),
        ("GET", f"{API}/customers/-{HUGE}", None),
        ("GET", f"{CASES}?team_id={HUGE}", None),
        ("GET", f"{CASES}?customer_id={HUGE}", None),
        ("GET", f"{CASES}?owner={HUGE}", None),
        ("GET", f"{API}/teams/{HUGE}", None),
        ("GET", f"{API}/users/{HUGE}", None),
        ("PATCH", f"{API}/topics/{HUGE}", {"name_en": "x"}),
        ("PUT", f"{API}/teams/{HUGE}/members/{HUGE}", None),
        ("DELETE", f"{API}/me/tokens/{HUGE}", None),
        ("POST", CASES, {"message": "x", "customer_id": HUGE}),
        ("POST", CASES, {"message": "x", "customer_id": 1, "topic_id": HUGE}),
    ],
)
def test_huge_numbers_are_refused_not_500(
    client: TestClient, db: Session, w: factories.World, method: str, url: str, body: Any
) -> None:
    before = count(db, Case)
    response = client.request(method, url, json=body, headers=as_(db, w.admin))
    assert response.status_code in (404, 422), response.text
    problem(response, response.status_code)
    assert count(db, Case) == before


def test_numbers_at_the_edge_of_the_range(
    client: TestClient, db: Session, w: factories.World, is_postgres: bool
) -> None:
    admin = as_(db, w.admin)
    problem(client.get(f"{API}/customers/{2**31 - 1}", headers=admin), 404)
    # Ids are 32-bit on PostgreSQL, 64-bit on SQLite.
    problem(client.get(f"{API}/customers/{2**31}", headers=admin), 422 if is_postgres else 404)
    problem(client.get(f"{API}/customers/{2**63 - 1}", headers=admin), 422 if is_postgres else 404)
    problem(client.get(f"{API}/customers/{2**63}", headers=admin), 422)
    problem(client.get(f"{API}/customers/0", headers=admin), 404)
    problem(client.get(f"{API}/customers/-1", headers=admin), 404)


# ---- long and odd headers ----
def test_long_header_values(client: TestClient, db: Session, w: factories.World) -> None:
    long = "x" * 100_000
    problem(client.get(f"{API}/me", headers={"Authorization": f"Bearer nara_{long}"}), 401)
    problem(client.get(f"{API}/me", headers={"Cookie": f"nara_session={long}"}), 401)
    problem(
        client.post(
            CASES, json={"message": "x"}, headers=as_(db, w.alice_user) | {"Idempotency-Key": long}
        ),
        422,
        "Idempotency-Key",
    )
    headers = as_(db, w.alice_user) | {"User-Agent": long, "Accept-Language": long, "X-Long": long}
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    user_actions.set_password(session=db, actor=SYSTEM, user_id=w.card_agent.id, password="x" * 12)
    login = client.post(
        f"{API}/auth/login",
        json={"email": w.card_agent.email, "password": "x" * 12},
        headers={"User-Agent": long},
    )
    assert login.status_code == 200


def test_non_ascii_header_bytes(client: TestClient, db: Session, w: factories.World) -> None:
    headers = factories.headers(db, w.alice_user)
    db.commit()
    response = client.post(
        CASES,
        json={"message": "x"},
        headers=[*headers.items(), ("Idempotency-Key", b"nyckel-\xe5\xe4\xf6")],
    )
    assert response.status_code == 201
    again = client.post(
        CASES,
        json={"message": "x"},
        headers=[*headers.items(), ("Idempotency-Key", b"nyckel-\xe5\xe4\xf6")],
    )
    assert again.status_code == 200
    assert again.json()["number"] == response.json()["number"]
    odd_cookie = client.get(f"{API}/me", headers=[("Cookie", b"nara_session=\xff\xfe")])
    problem(odd_cookie, 401)


def test_tampered_cursor_is_422(client: TestClient, db: Session, w: factories.World) -> None:
    raw = base64.urlsafe_b64encode(b'["0001-01-01T00:00:00+14:00", 1]').decode()
    problem(client.get(f"{CASES}?cursor={raw}", headers=as_(db, w.admin)), 422, "cursor")


# ---- pages escape what people wrote ----
def _page_login(client: TestClient, email: str, password: str) -> None:
    landing = client.get("/")
    assert landing.status_code == 200
    assert landing.headers["content-type"].startswith("text/html")
    match = re.search(r'name="csrf_token" value="([^"]+)"', landing.text)
    assert match is not None
    assert client.cookies.get("nara_login_csrf") == match.group(1)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": match.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/cases"


def test_case_page_escapes_markup(client: TestClient, db: Session, w: factories.World) -> None:
    password = "ett långt lösenord"
    user_actions.set_password(session=db, actor=SYSTEM, user_id=w.card_agent.id, password=password)
    customer = factories.customer(db)
    customer.name = f'"><img src=x onerror=alert(1)>{SCRIPT}'
    db.commit()
    created = client.post(
        CASES,
        json={"message": f"{SCRIPT}\nmer", "customer_id": customer.id, "topic_id": w.card_topic.id},
        headers=as_(db, w.card_agent),
    )
    assert created.status_code == 201
    number = created.json()["number"]
    reply = client.post(
        f"{CASES}/{number}/notes", json={"body": f"note {SCRIPT}"}, headers=as_(db, w.card_agent)
    )
    assert reply.status_code == 201
    _page_login(client, w.card_agent.email, password)
    page = client.get(f"/cases/{number}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert SCRIPT not in page.text
    assert "<img src=x" not in page.text
    assert ESCAPED_SCRIPT in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert page.text.count(ESCAPED_SCRIPT) >= 4  # title, heading, message, note, customer
    # No inline scripts at all (the CSP would block them).
    assert re.search(r"<script(?![^>]*\ssrc=)", page.text) is None
    # The agent's inbox opens on "mine"; the unassigned case is under the team tab.
    listing = client.get("/cases", params={"tab": "team"})
    assert number in listing.text
    assert SCRIPT not in listing.text
    assert ESCAPED_SCRIPT in listing.text
    search = client.get("/cases", params={"q": '"><script>alert(2)</script>'})
    assert "<script>alert(2)" not in search.text
    assert "&lt;script&gt;alert(2)" in search.text


def test_page_forms_check_csrf(client: TestClient, db: Session, w: factories.World) -> None:
    password = "ett långt lösenord"
    user_actions.set_password(session=db, actor=SYSTEM, user_id=w.card_agent.id, password=password)
    db.commit()
    # Logging in without the login form's cookie is refused.
    bare = client.post(
        "/login",
        data={"email": w.card_agent.email, "password": password, "csrf_token": "gissning"},
        follow_redirects=False,
    )
    assert bare.status_code == 400
    assert client.cookies.get("nara_session") is None
    _page_login(client, w.card_agent.email, password)
    number = w.alice_case.number
    forged = client.post(f"/cases/{number}/reply", data={"body": "förfalskat"})
    html_error(forged, 403)
    wrong = client.post(
        f"/cases/{number}/reply", data={"body": "förfalskat", "csrf_token": "gissning"}
    )
    html_error(wrong, 403)
    page = client.get(f"/cases/{number}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    sent = client.post(
        f"/cases/{number}/reply",
        data={"body": f"äkta {SCRIPT}", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    after = client.get(f"/cases/{number}").text
    assert "förfalskat" not in after
    assert f"äkta {ESCAPED_SCRIPT}" in after


def test_page_login_failure_escapes_nothing_unsafe(client: TestClient) -> None:
    landing = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', landing.text)
    assert token is not None
    wrong = client.post(
        "/login",
        data={"email": f"{SCRIPT}@example.test", "password": "x", "csrf_token": token.group(1)},
    )
    assert wrong.status_code == 401
    assert SCRIPT not in wrong.text


# ---- security headers everywhere ----
def _assert_security_headers(response: Any) -> None:
    csp = response.headers["content-security-policy"]
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "script-src" in directives
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives.get("default-src", "")
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["object-src"] == "object-src 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"{API}/health", 200),
        ("GET", f"{API}/me", 401),
        ("GET", f"{API}/nope", 404),
        ("DELETE", f"{API}/health", 405),
        ("POST", f"{API}/auth/login", 422),
        ("GET", "/", 200),
        ("GET", "/static/nara.css", 200),
        ("GET", f"{API}/docs", 200),
        ("GET", f"{API}/openapi.json", 200),
        ("GET", "/cases", 303),
        ("GET", "/nope", 404),
        ("DELETE", "/cases", 405),
        ("POST", "/login", 400),
    ],
)
def test_security_headers_on_every_response(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code == status
    _assert_security_headers(response)


def test_security_headers_on_413_and_authenticated_pages(
    client: TestClient, db: Session, w: factories.World
) -> None:
    too_big = client.post(CASES, content=b"x" * (LIMIT + 1))
    assert too_big.status_code == 413
    _assert_security_headers(too_big)
    case = client.get(f"{CASES}/{w.alice_case.number}", headers=as_(db, w.alice_user))
    _assert_security_headers(case)


def test_no_500_for_a_sweep_of_bad_requests(
    client: TestClient, db: Session, w: factories.World
) -> None:
    """A quick sweep: odd input on every case route answers with a 4xx problem."""
    headers = as_(db, w.card_agent)
    number = w.alice_case.number
    odd_bodies: list[Any] = [None, [], "x", 0, {"": ""}, {"body": None}, {"status": []}]
    for suffix in ("replies", "notes", "status", "assign", "priority", "claim"):
        for body in odd_bodies:
            response = client.post(f"{CASES}/{number}/{suffix}", json=body, headers=headers)
            assert response.status_code < 500, (suffix, body, response.text)
            if response.status_code >= 400:
                problem(response, response.status_code)
    for odd in ("..", "%2e%2e", "NA-2026-" + "9" * 500, "%F0%9F%99%82"):
        response = client.get(f"{CASES}/{odd}", headers=headers)
        assert response.status_code in (404, 422), (odd, response.text)
