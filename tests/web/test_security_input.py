"""Findings of the security review about text: invalid Unicode is refused once at the
edge, e-mail addresses are normalised and look-alikes refused, names and subjects carry
no bidirectional controls."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain import auth as auth_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM
from nara.models import Case, Customer, Team, Topic, User
from tests import factories

API = "/api/v1"
LONE = '"\\ud800"'  # JSON text: a lone high surrogate
JSON = {"content-type": "application/json"}


@pytest.fixture
def w(db: Session) -> factories.World:
    return factories.world(db)


def _refused(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert "not valid Unicode" in body["detail"]
    return body


def _conversation(client: TestClient) -> str:
    started = client.post(f"{API}/selfservice/conversations", json={"lang": "sv"})
    assert started.status_code == 201
    return str(started.json()["conversation"])


# ---- invalid Unicode: 422 at the edge, never 500 ----


def test_a_lone_surrogate_is_refused_in_every_text_field(
    client: TestClient, db: Session, w: factories.World
) -> None:
    staff = factories.headers(db, w.admin) | JSON
    alice = factories.headers(db, w.alice_user) | JSON
    before = db.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    sends = [
        (f"{API}/cases", f'{{"message": {LONE}}}', alice),
        (f"{API}/cases/{w.alice_case.number}/replies", f'{{"body": {LONE}}}', alice),
        (f"{API}/customers", f'{{"name": {LONE}}}', staff),
        (f"{API}/me/tokens", f'{{"name": {LONE}}}', staff),
        (f"{API}/topics", f'{{"slug": "x", "name_sv": {LONE}, "name_en": "x"}}', staff),
    ]
    for url, body, headers in sends:
        _refused(client.post(url, content=body.encode(), headers=headers))
    article = f'{{"title": "T", "body_md": "a {LONE[1:-1]} b"}}'
    _refused(
        client.put(
            f"{API}/topics/{w.card_topic.id}/articles/sv", content=article.encode(), headers=staff
        )
    )
    # anonymous endpoints too
    cid = _conversation(client)
    ss = f"{API}/selfservice/conversations/{cid}"
    _refused(
        client.post(f"{ss}/questions", content=f'{{"question": {LONE}}}'.encode(), headers=JSON)
    )
    contact = f'{{"name": {LONE}, "email": "eva@example.test"}}'
    _refused(client.post(f"{ss}/contact", content=contact.encode(), headers=JSON))
    assert db.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before


@pytest.mark.parametrize(
    "text",
    ['"\\udc00"', '"\\ud800x"', '"\\ud800\\u0041"', '"a\\ud83d"', '"\\ude00\\ud83d"'],
)
def test_every_kind_of_broken_surrogate_is_refused(client: TestClient, text: str) -> None:
    cid = _conversation(client)
    body = f'{{"question": {text}}}'.encode()
    _refused(
        client.post(f"{API}/selfservice/conversations/{cid}/questions", content=body, headers=JSON)
    )


def test_surrogate_pairs_and_escaped_backslashes_are_text(
    client: TestClient, db: Session, w: factories.World
) -> None:
    staff = factories.headers(db, w.admin) | JSON
    # An emoji written as a pair, and a literal backslash followed by "ud800".
    body = '{"name": "Eva \\ud83d\\ude00 \\\\ud800"}'
    created = client.post(f"{API}/customers", content=body.encode(), headers=staff)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Eva \U0001f600 \\ud800"


def test_bytes_that_are_not_utf8_are_refused(
    client: TestClient, db: Session, w: factories.World
) -> None:
    staff = factories.headers(db, w.admin)
    _refused(client.get(f"{API}/customers?q=%ED%A0%80", headers=staff))
    _refused(client.get(f"{API}/cases?q=%FF", headers=staff))
    raw = b'{"name": "Eva \xff"}'  # no JSON text at all: malformed, as before
    assert client.post(f"{API}/customers", content=raw, headers=staff | JSON).status_code == 400
    utf16 = '{"name": "Eva \\ud800"}'.encode("utf-16")  # JSON may come in UTF-16 too
    _refused(client.post(f"{API}/customers", content=utf16, headers=staff | JSON))


def test_pages_refuse_invalid_text_with_a_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    new = auth_actions.start_session(session=db, user=w.card_agent)
    db.commit()
    client.cookies.set("nara_session", new.token)
    client.cookies.set("nara_lang", "en")
    searched = client.get("/cases?q=%ED%A0%80")
    assert searched.status_code == 422
    assert searched.headers["content-type"].startswith("text/html")
    assert "not valid Unicode" in searched.text
    form = f"csrf_token={new.session.csrf_token}&message=%ED%A0%80&customer=x".encode()
    posted = client.post(
        "/cases/new", content=form, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert posted.status_code == 422 and "not valid Unicode" in posted.text
    client.cookies.set("nara_lang", "sv")
    assert "inte är giltig Unicode" in client.get("/cases?q=%ff").text


# ---- e-mail addresses: one identity per address ----


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("ａｄａ@example.test", 409),  # full-width letters: the same address
        ("  Ada@EXAMPLE.test ", 409),  # spaces and case: the same address
        ("аda@example.test", 422),  # a Cyrillic "а"
        ("ada@exаmple.test", 422),  # a Cyrillic "а" in the domain
        ("ada\u200b@example.test", 422),  # a zero-width space
        ("ada@example.test\u200b", 422),  # a trailing zero-width space
        ("ada@example.test.", 422),  # a trailing dot
        ("ada.@example.test", 422),
        ("ada\u00a0@example.test", 422),  # a no-break space
    ],
)
def test_look_alike_addresses_are_not_new_identities(
    client: TestClient, db: Session, w: factories.World, address: str, status: int
) -> None:
    user_actions.create_user(
        session=db, actor=SYSTEM, email="ada@example.test", display_name="Ada", role="agent"
    )
    admin = factories.headers(db, w.admin)
    body = {"email": address, "display_name": "Ada 2", "role": "agent", "password": "x" * 12}
    response = client.post(f"{API}/users", json=body, headers=admin)
    assert response.status_code == status, response.text
    assert db.scalar(select(User.id).where(User.email == "ada@example.test")) is not None
    if status == 422:
        assert response.json()["errors"][0]["field"] == "email"


def test_addresses_in_one_other_script_are_fine(
    client: TestClient, db: Session, w: factories.World
) -> None:
    admin = factories.headers(db, w.admin)
    for address in ("ада@пример.рф", "ada@пример.рф"):
        body = {"email": address, "display_name": "Ада", "role": "agent"}
        assert client.post(f"{API}/users", json=body, headers=admin).status_code == 201


def test_login_and_lookups_use_the_normal_form(
    client: TestClient, db: Session, w: factories.World
) -> None:
    user_actions.create_user(
        session=db,
        actor=SYSTEM,
        email="ＢＯ@Example.test",
        display_name="Bo",
        role="agent",
        password="x" * 12,
    )
    assert db.scalar(select(User.email).where(User.display_name == "Bo")) == "bo@example.test"
    login = client.post(
        f"{API}/auth/login", json={"email": " ｂｏ@example.TEST", "password": "x" * 12}
    )
    assert login.status_code == 200, login.text
    customer = factories.customer(db)
    customer.email = "kund@example.test"
    db.flush()
    staff = factories.headers(db, w.card_agent)
    found = client.get(f"{API}/customers", params={"q": "ＫＵＮＤ@example.test"}, headers=staff)
    assert [c["id"] for c in found.json()] == [customer.id]


# ---- names and subjects: no bidirectional controls ----

RLO = "\u202e"


def test_bidi_controls_are_stripped_from_names_and_subjects(
    client: TestClient, db: Session, w: factories.World
) -> None:
    admin = factories.headers(db, w.admin)
    alice = factories.headers(db, w.alice_user)
    name = f"Eva {RLO}gpj.exe"
    customer = client.post(f"{API}/customers", json={"name": name}, headers=admin).json()
    assert customer["name"] == "Eva gpj.exe"
    user = client.post(
        f"{API}/users",
        json={"email": "eva@example.test", "display_name": name, "role": "agent"},
        headers=admin,
    ).json()
    assert user["display_name"] == "Eva gpj.exe"
    case = client.post(
        f"{API}/cases", json={"message": "Hej", "subject": f"Kort{RLO}\u2066 borta"}, headers=alice
    ).json()
    assert case["subject"] == "Kort borta"
    team = client.post(
        f"{API}/teams",
        json={"slug": "bidi", "name_sv": f"{RLO}Kort", "name_en": "Cards\u200f"},
        headers=admin,
    )
    assert team.status_code == 201, team.text
    topic = client.post(
        f"{API}/topics",
        json={"slug": "bidi", "name_sv": f"Lån{RLO}", "name_en": "\u202aLoans"},
        headers=admin,
    )
    assert topic.status_code == 201, topic.text
    for row in (db.get(Customer, customer["id"]), db.get(User, user["id"])):
        assert row is not None and RLO not in repr(row.__dict__)
    stored_team = db.scalar(select(Team).where(Team.slug == "bidi"))
    stored_topic = db.scalar(select(Topic).where(Topic.slug == "bidi"))
    assert stored_team is not None and (stored_team.name_sv, stored_team.name_en) == (
        "Kort",
        "Cards",
    )
    assert stored_topic is not None and (stored_topic.name_sv, stored_topic.name_en) == (
        "Lån",
        "Loans",
    )
    only_controls = client.post(f"{API}/customers", json={"name": RLO}, headers=admin)
    assert only_controls.status_code == 422
