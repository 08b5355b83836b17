"""/api/v1/customers, /teams, /topics and /users through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM
from tests import factories

API = "/api/v1"
PROBLEM = "application/problem+json"
ALICE_PNR = "198004262385"  # factories.world gives Alice this personnummer


@pytest.fixture
def w(db: Session) -> factories.World:
    return factories.world(db)


def as_(db: Session, user: Any) -> dict[str, str]:
    return factories.headers(db, user)


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors") or []], body
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# ---- customers ----
def _search(client: TestClient, headers: dict[str, str], q: str) -> list[dict[str, Any]]:
    return list(ok(client.get(f"{API}/customers", params={"q": q}, headers=headers)))


@pytest.mark.parametrize(
    "q",
    [
        "800426-2385",
        "8004262385",
        "198004262385",
        "19800426-2385",
        "19800426 2385",
        " 800426-2385 ",
        "800426 2385",
    ],
)
def test_staff_find_a_customer_by_personnummer_in_any_format(
    client: TestClient, db: Session, w: factories.World, q: str
) -> None:
    found = _search(client, as_(db, w.card_lead), q)
    assert [c["id"] for c in found] == [w.alice.id]
    assert found[0]["personnummer"] == ALICE_PNR


def _with_check_digit(nine: str) -> str:
    """A ten-digit personnummer: ``nine`` digits and their Luhn check digit."""
    total = 0
    for i, digit in enumerate(nine):
        doubled = int(digit) * (2 if i % 2 == 0 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    return nine + str((10 - total % 10) % 10)


def test_searches_by_personnummer_are_limited_for_those_who_see_it_masked(
    client: TestClient, db: Session, w: factories.World
) -> None:
    """An agent sees personnummer masked; trying the hidden digits one search at a time
    must not uncover them, so such searches are limited (names are not)."""
    agent = as_(db, w.card_agent)
    for serial in range(30):  # valid numbers of the same birth date, as a prober would try
        candidate = _with_check_digit(f"800426{serial:03d}")
        response = client.get(f"{API}/customers", params={"q": candidate}, headers=agent)
        assert response.status_code == 200
    stopped = client.get(f"{API}/customers", params={"q": ALICE_PNR}, headers=agent)
    body = problem(stopped, 429)
    assert "personnummer" in body["detail"] and int(stopped.headers["retry-after"]) > 0
    assert _search(client, agent, "kund")  # other searches go on
    lead = as_(db, w.card_lead)  # sees personnummer in full: no limit
    for _ in range(31):
        assert client.get(f"{API}/customers", params={"q": ALICE_PNR}, headers=lead).is_success


def test_staff_find_customers_by_name_and_email(
    client: TestClient, db: Session, w: factories.World
) -> None:
    agent = as_(db, w.card_agent)
    assert [c["id"] for c in _search(client, agent, w.alice.name)] == [w.alice.id]
    assert [c["id"] for c in _search(client, agent, w.alice.name.upper())] == [w.alice.id]
    both = {c["id"] for c in _search(client, agent, "kund")}
    assert {w.alice.id, w.bob.id} <= both
    assert w.bob.email is not None
    assert [c["id"] for c in _search(client, agent, w.bob.email.upper())] == [w.bob.id]
    # E-mail matches whole addresses only.
    assert _search(client, agent, "@example.test") == []
    assert _search(client, agent, "ingen sådan kund") == []
    # A number that is not a valid personnummer is just text.
    assert _search(client, agent, "800426-2384") == []


def test_search_treats_like_wildcards_as_text(
    client: TestClient, db: Session, w: factories.World
) -> None:
    agent = as_(db, w.card_agent)
    odd = ok(client.post(f"{API}/customers", json={"name": "Procent_100%"}, headers=agent), 201)
    assert [c["id"] for c in _search(client, agent, "_")] == [odd["id"]]
    assert [c["id"] for c in _search(client, agent, "100%")] == [odd["id"]]
    assert [c["id"] for c in _search(client, agent, "%")] == [odd["id"]]
    assert _search(client, agent, "\\") == []


def test_customer_list_limit(client: TestClient, db: Session, w: factories.World) -> None:
    admin = as_(db, w.admin)
    for _ in range(3):
        factories.customer(db)
    assert len(ok(client.get(f"{API}/customers?limit=2", headers=admin))) == 2
    assert len(ok(client.get(f"{API}/customers?limit=100", headers=admin))) == 5
    for bad in ("0", "101", "x"):
        problem(client.get(f"{API}/customers?limit={bad}", headers=admin), 422, "limit")
    problem(client.get(f"{API}/customers?q={'x' * 201}", headers=admin), 422, "q")


def test_personnummer_is_masked_for_agents_and_customers(
    client: TestClient, db: Session, w: factories.World
) -> None:
    masked = "19800426-****"
    for user in (w.card_agent, w.alice_user):
        headers = as_(db, user)
        assert ok(client.get(f"{API}/customers/{w.alice.id}", headers=headers))["personnummer"] == (
            masked
        )
        listed = ok(client.get(f"{API}/customers", headers=headers))
        alice = next(c for c in listed if c["id"] == w.alice.id)
        assert alice["personnummer"] == masked
        assert ALICE_PNR not in str(listed)
    for user in (w.card_lead, w.admin):
        shown = ok(client.get(f"{API}/customers/{w.alice.id}", headers=as_(db, user)))
        assert shown["personnummer"] == ALICE_PNR
    # The agent's own writes come back masked too.
    patched = ok(
        client.patch(
            f"{API}/customers/{w.alice.id}", json={"name": "Alice A"}, headers=as_(db, w.card_agent)
        )
    )
    assert patched["personnummer"] == masked
    created = ok(
        client.post(
            f"{API}/customers",
            json={"name": "Ny", "personnummer": "900101-0017"},
            headers=as_(db, w.card_agent),
        ),
        201,
    )
    assert created["personnummer"] == "19900101-****"
    # Customers without a personnummer have none.
    assert (
        ok(client.get(f"{API}/customers/{w.bob.id}", headers=as_(db, w.admin)))["personnummer"]
        is None
    )


def test_customer_sees_only_themselves(client: TestClient, db: Session, w: factories.World) -> None:
    alice = as_(db, w.alice_user)
    for q in ("", w.bob.name, "kund", "800426-2385"):
        listed = ok(client.get(f"{API}/customers", params={"q": q}, headers=alice))
        assert [c["id"] for c in listed] == [w.alice.id]
    me = ok(client.get(f"{API}/customers/{w.alice.id}", headers=alice))
    assert me["has_login"] is True
    problem(client.get(f"{API}/customers/{w.bob.id}", headers=alice), 404)
    problem(client.get(f"{API}/customers/999999", headers=alice), 404)
    # They may change their own e-mail and phone...
    changed = ok(
        client.patch(
            f"{API}/customers/{w.alice.id}",
            json={"email": "Alice@Example.TEST", "phone": "+46 70-123 45 67"},
            headers=alice,
        )
    )
    assert changed["email"] == "alice@example.test"
    assert changed["phone"] == "+46 70-123 45 67"
    # ... but not their name or personnummer, and never anyone else's details.
    problem(client.patch(f"{API}/customers/{w.alice.id}", json={"name": "X"}, headers=alice), 403)
    problem(
        client.patch(
            f"{API}/customers/{w.alice.id}", json={"personnummer": "900101-0017"}, headers=alice
        ),
        403,
    )
    problem(client.patch(f"{API}/customers/{w.bob.id}", json={"phone": "112"}, headers=alice), 404)


def test_staff_create_and_update_customers(
    client: TestClient, db: Session, w: factories.World
) -> None:
    lead = as_(db, w.card_lead)
    created = ok(
        client.post(
            f"{API}/customers",
            json={
                "name": "  Greta Garbo ",
                "email": "GRETA@example.test",
                "phone": "08-123 45",
                "personnummer": "900101-0017",
            },
            headers=lead,
        ),
        201,
    )
    assert created["name"] == "Greta Garbo"
    assert created["email"] == "greta@example.test"
    assert created["personnummer"] == "199001010017"
    assert created["has_login"] is False
    fetched = ok(client.get(f"{API}/customers/{created['id']}", headers=lead))
    assert fetched == created
    updated = ok(
        client.patch(
            f"{API}/customers/{created['id']}",
            json={"name": "Greta Lovisa Gustafsson", "personnummer": "19900101-0017"},
            headers=lead,
        )
    )
    assert updated["name"] == "Greta Lovisa Gustafsson"
    assert updated["personnummer"] == "199001010017"  # the same number is no clash
    problem(client.patch(f"{API}/customers/999999", json={"name": "x"}, headers=lead), 404)


@pytest.mark.parametrize(
    ("pnr", "words"),
    [
        ("800426-2384", "check digit"),
        ("801326-2385", "not a valid date"),
        ("800230-2381", "not a valid date"),
        ("123", "10 or 12 digits"),
        ("abcdef-ghij", "10 or 12 digits"),
        ("19800426+2385", "10-digit form"),
        ("20990101-0000", "future"),
        ("８００４２６-２３８５", "10 or 12 digits"),
    ],
)
def test_invalid_personnummer_is_422_saying_what_is_wrong(
    client: TestClient, db: Session, w: factories.World, pnr: str, words: str
) -> None:
    agent = as_(db, w.card_agent)
    body = problem(
        client.post(f"{API}/customers", json={"name": "X", "personnummer": pnr}, headers=agent),
        422,
        "personnummer",
    )
    assert words in body["detail"]
    assert body["detail"].startswith("personnummer")
    patched = client.patch(f"{API}/customers/{w.bob.id}", json={"personnummer": pnr}, headers=agent)
    problem(patched, 422, "personnummer")


@pytest.mark.parametrize("pnr", ["198004262385", "800426-2385", "19800426-2385"])
def test_duplicate_personnummer_is_409(
    client: TestClient, db: Session, w: factories.World, pnr: str
) -> None:
    agent = as_(db, w.card_agent)
    before = len(ok(client.get(f"{API}/customers?limit=100", headers=agent)))
    problem(
        client.post(f"{API}/customers", json={"name": "Kopia", "personnummer": pnr}, headers=agent),
        409,
        "personnummer",
    )
    assert len(ok(client.get(f"{API}/customers?limit=100", headers=agent))) == before
    problem(
        client.patch(f"{API}/customers/{w.bob.id}", json={"personnummer": pnr}, headers=agent),
        409,
        "personnummer",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "X", "email": "inte en adress"}, "email"),
        ({"name": "X", "email": "a@b"}, "email"),
        ({"name": "X", "phone": "ring mig"}, "phone"),
        ({"name": "X", "user_id": 1}, "user_id"),
        ({"name": ["X"]}, "name"),
    ],
)
def test_invalid_customer_input_is_422(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any], field: str
) -> None:
    problem(client.post(f"{API}/customers", json=body, headers=as_(db, w.admin)), 422, field)


# ---- teams ----
def test_admin_creates_teams(client: TestClient, db: Session, w: factories.World) -> None:
    admin = as_(db, w.admin)
    created = ok(
        client.post(
            f"{API}/teams",
            json={
                "slug": "bolan",
                "name_sv": "Bolån",
                "name_en": "Mortgages",
                "description": "Allt om bolån",
            },
            headers=admin,
        ),
        201,
    )
    assert created["slug"] == "bolan"
    assert created["members"] == []
    assert created["topics"] == []
    assert created["is_fallback"] is False
    assert ok(client.get(f"{API}/teams/{created['id']}", headers=admin)) == created
    assert created["id"] in [t["id"] for t in ok(client.get(f"{API}/teams", headers=admin))]
    problem(
        client.post(
            f"{API}/teams", json={"slug": "bolan", "name_sv": "B", "name_en": "B"}, headers=admin
        ),
        409,
        "slug",
    )
    for lead_or_agent in (w.card_lead, w.card_agent):
        problem(
            client.post(
                f"{API}/teams",
                json={"slug": "eget", "name_sv": "E", "name_en": "E"},
                headers=as_(db, lead_or_agent),
            ),
            403,
        )


def test_a_new_fallback_team_replaces_the_old(
    client: TestClient, db: Session, w: factories.World
) -> None:
    admin = as_(db, w.admin)
    new = ok(
        client.post(
            f"{API}/teams",
            json={
                "slug": "kundtjanst",
                "name_sv": "Kundtjänst",
                "name_en": "Service",
                "is_fallback": True,
            },
            headers=admin,
        ),
        201,
    )
    assert new["is_fallback"] is True
    fallbacks = [t["id"] for t in ok(client.get(f"{API}/teams", headers=admin)) if t["is_fallback"]]
    assert fallbacks == [new["id"]]
    case = ok(
        client.post(f"{API}/cases", json={"message": "?"}, headers=as_(db, w.alice_user)), 201
    )
    assert case["team"]["id"] == new["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Stora Bokstäver", "name_sv": "x", "name_en": "x"}, "slug"),
        ({"slug": "-start", "name_sv": "x", "name_en": "x"}, "slug"),
        ({"slug": "a" * 65, "name_sv": "x", "name_en": "x"}, "slug"),
        ({"slug": "ok", "name_sv": "", "name_en": "x"}, "name_sv"),
        ({"slug": "ok", "name_sv": "x"}, "name_en"),
        ({"slug": "ok", "name_sv": "x", "name_en": "x", "description": "d" * 2001}, "description"),
        ({"slug": "ok", "name_sv": "x", "name_en": "x", "lead_id": 1}, "lead_id"),
    ],
)
def test_invalid_team_input_is_422(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any], field: str
) -> None:
    problem(client.post(f"{API}/teams", json=body, headers=as_(db, w.admin)), 422, field)


def test_lead_manages_own_teams_members_and_topics(
    client: TestClient, db: Session, w: factories.World
) -> None:
    lead = as_(db, w.card_lead)
    cards = f"{API}/teams/{w.cards.id}"
    newcomer = factories.user(db, role="agent")
    topic = factories.topic(db)
    team = ok(client.put(f"{cards}/members/{newcomer.id}", headers=lead))
    assert sorted(m["id"] for m in team["members"]) == sorted(
        [w.card_agent.id, w.card_lead.id, newcomer.id]
    )
    again = ok(client.put(f"{cards}/members/{newcomer.id}", headers=lead))
    assert again == team  # adding twice changes nothing
    me = ok(client.get(f"{API}/me", headers=as_(db, newcomer)))
    assert me["team_ids"] == [w.cards.id]
    with_topic = ok(client.put(f"{cards}/topics/{topic.id}", headers=lead))
    assert sorted(t["id"] for t in with_topic["topics"]) == sorted([w.card_topic.id, topic.id])
    # The new topic now routes to the cards team.
    case = ok(
        client.post(
            f"{API}/cases",
            json={"message": "x", "topic_id": topic.id},
            headers=as_(db, w.alice_user),
        ),
        201,
    )
    assert case["team"]["id"] == w.cards.id
    assert client.delete(f"{cards}/topics/{topic.id}", headers=lead).status_code == 204
    assert client.delete(f"{cards}/members/{newcomer.id}", headers=lead).status_code == 204
    assert ok(client.get(f"{API}/me", headers=as_(db, newcomer)))["team_ids"] == []
    problem(client.delete(f"{cards}/topics/{topic.id}", headers=lead), 404)
    problem(client.delete(f"{cards}/members/{newcomer.id}", headers=lead), 404)
    # Customers cannot be team members; unknown people, topics and teams are 404.
    problem(client.put(f"{cards}/members/{w.alice_user.id}", headers=lead), 422, "user_id")
    problem(client.put(f"{cards}/members/999999", headers=lead), 404)
    problem(client.put(f"{cards}/topics/999999", headers=lead), 404)
    admin = as_(db, w.admin)
    problem(client.put(f"{API}/teams/999999/members/{newcomer.id}", headers=admin), 404)
    problem(client.get(f"{API}/teams/999999", headers=admin), 404)


def test_lead_cannot_manage_another_team(
    client: TestClient, db: Session, w: factories.World
) -> None:
    lead = as_(db, w.card_lead)
    loans = f"{API}/teams/{w.loans.id}"
    newcomer = factories.user(db, role="agent")
    problem(client.put(f"{loans}/members/{newcomer.id}", headers=lead), 403)
    problem(client.delete(f"{loans}/members/{w.loan_agent.id}", headers=lead), 403)
    problem(client.put(f"{loans}/topics/{w.card_topic.id}", headers=lead), 403)
    problem(client.delete(f"{loans}/topics/{w.loan_topic.id}", headers=lead), 403)
    # Not even by adding themselves to it.
    problem(client.put(f"{loans}/members/{w.card_lead.id}", headers=lead), 403)
    team = ok(client.get(loans, headers=lead))
    assert [m["id"] for m in team["members"]] == [w.loan_agent.id]
    assert [t["id"] for t in team["topics"]] == [w.loan_topic.id]
    # Once an admin makes them a member, they manage it.
    team_actions.add_team_member(
        session=db, actor=SYSTEM, team_id=w.loans.id, user_id=w.card_lead.id
    )
    assert (
        client.put(f"{loans}/members/{newcomer.id}", headers=as_(db, w.card_lead)).status_code
        == 200
    )


def test_customers_see_no_teams(client: TestClient, db: Session, w: factories.World) -> None:
    alice = as_(db, w.alice_user)
    problem(client.get(f"{API}/teams", headers=alice), 403)
    problem(client.get(f"{API}/teams/{w.cards.id}", headers=alice), 403)


# ---- topics ----
def test_customers_see_only_active_topics(
    client: TestClient, db: Session, w: factories.World
) -> None:
    admin = as_(db, w.admin)  # the loans team's topic: not the cards lead's to switch off
    ok(client.patch(f"{API}/topics/{w.loan_topic.id}", json={"is_active": False}, headers=admin))
    customer_view = ok(client.get(f"{API}/topics", headers=as_(db, w.alice_user)))
    assert [t["id"] for t in customer_view] == [w.card_topic.id]
    staff_view = ok(client.get(f"{API}/topics", headers=as_(db, w.card_agent)))
    assert {t["id"]: t["is_active"] for t in staff_view} == {
        w.card_topic.id: True,
        w.loan_topic.id: False,
    }
    # An inactive topic cannot be chosen for a new case.
    problem(
        client.post(
            f"{API}/cases",
            json={"message": "x", "topic_id": w.loan_topic.id},
            headers=as_(db, w.alice_user),
        ),
        422,
        "topic_id",
    )
    ok(client.patch(f"{API}/topics/{w.loan_topic.id}", json={"is_active": True}, headers=admin))
    assert len(ok(client.get(f"{API}/topics", headers=as_(db, w.alice_user)))) == 2


def test_topics_list_their_teams(client: TestClient, db: Session, w: factories.World) -> None:
    topics = ok(client.get(f"{API}/topics", headers=as_(db, w.alice_user)))
    by_id = {t["id"]: t for t in topics}
    assert by_id[w.card_topic.id]["team_ids"] == [w.cards.id]
    assert by_id[w.loan_topic.id]["team_ids"] == [w.loans.id]
    assert by_id[w.card_topic.id]["name_sv"].startswith("Ämne")


def test_leads_and_admins_create_and_rename_topics(
    client: TestClient, db: Session, w: factories.World
) -> None:
    lead = as_(db, w.card_lead)
    created = ok(
        client.post(
            f"{API}/topics",
            json={"slug": "swish", "name_sv": "Swish", "name_en": "Swish"},
            headers=lead,
        ),
        201,
    )
    assert created["is_active"] is True
    assert created["team_ids"] == []
    problem(
        client.post(
            f"{API}/topics", json={"slug": "swish", "name_sv": "S", "name_en": "S"}, headers=lead
        ),
        409,
        "slug",
    )
    renamed = ok(
        client.patch(
            f"{API}/topics/{created['id']}",
            json={"name_en": "Swish payments"},
            headers=as_(db, w.admin),
        )
    )
    assert renamed["name_en"] == "Swish payments"
    assert renamed["name_sv"] == "Swish"
    agent = as_(db, w.card_agent)
    problem(
        client.post(
            f"{API}/topics", json={"slug": "x", "name_sv": "x", "name_en": "x"}, headers=agent
        ),
        403,
    )
    problem(
        client.patch(f"{API}/topics/{created['id']}", json={"name_en": "x"}, headers=agent), 403
    )
    problem(client.patch(f"{API}/topics/999999", json={"name_en": "x"}, headers=lead), 404)
    problem(
        client.patch(f"{API}/topics/{created['id']}", json={"name_sv": ""}, headers=lead),
        422,
        "name_sv",
    )
    problem(
        client.patch(f"{API}/topics/{created['id']}", json={"slug": "ny"}, headers=lead),
        422,
        "slug",
    )


# ---- users ----
def test_admin_creates_users(client: TestClient, db: Session, w: factories.World) -> None:
    admin = as_(db, w.admin)
    created = ok(
        client.post(
            f"{API}/users",
            json={
                "email": " Nisse.Holgersson@Example.TEST ",
                "display_name": "Nils Holgersson",
                "role": "agent",
                "password": "gåsen Mårten flyger",
                "locale": "en",
            },
            headers=admin,
        ),
        201,
    )
    assert created["email"] == "nisse.holgersson@example.test"
    assert created["role"] == "agent"
    assert created["locale"] == "en"
    assert created["is_active"] is True
    assert created["team_ids"] == []
    assert "password" not in str(created).lower()
    # The new user can log in.
    login = client.post(
        f"{API}/auth/login",
        json={"email": "nisse.holgersson@example.test", "password": "gåsen Mårten flyger"},
    )
    assert login.status_code == 200
    assert login.json()["id"] == created["id"]
    assert (
        ok(client.get(f"{API}/users/{created['id']}", headers=admin))["email"] == created["email"]
    )
    # Duplicate e-mail, in any case, is a conflict.
    problem(
        client.post(
            f"{API}/users",
            json={
                "email": "NISSE.holgersson@example.test",
                "display_name": "Nils 2",
                "role": "lead",
            },
            headers=admin,
        ),
        409,
        "email",
    )


@pytest.mark.parametrize("role", ["customer", "agent", "lead"])
def test_only_admins_create_users(
    client: TestClient, db: Session, w: factories.World, role: str
) -> None:
    who = {"customer": w.alice_user, "agent": w.card_agent, "lead": w.card_lead}[role]
    response = client.post(
        f"{API}/users",
        json={"email": "smyg@example.test", "display_name": "Smyg", "role": "admin"},
        headers=as_(db, who),
    )
    problem(response, 403)
    users = ok(client.get(f"{API}/users?limit=500", headers=as_(db, w.admin)))
    assert "smyg@example.test" not in [u["email"] for u in users]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "x", "display_name": "X", "role": "agent"}, "email"),
        ({"email": "x@example.test", "display_name": "", "role": "agent"}, "display_name"),
        ({"email": "x@example.test", "display_name": "X", "role": "boss"}, "role"),
        (
            {"email": "x@example.test", "display_name": "X", "role": "agent", "password": "kort"},
            "password",
        ),
        (
            {"email": "x@example.test", "display_name": "X", "role": "agent", "locale": "de"},
            "locale",
        ),
        ({"email": "x@example.test", "display_name": "X"}, "role"),
        (
            {"email": "x@example.test", "display_name": "X", "role": "agent", "is_active": False},
            "is_active",
        ),
    ],
)
def test_invalid_user_input_is_422(
    client: TestClient, db: Session, w: factories.World, body: dict[str, Any], field: str
) -> None:
    problem(client.post(f"{API}/users", json=body, headers=as_(db, w.admin)), 422, field)


def test_who_sees_which_users(client: TestClient, db: Session, w: factories.World) -> None:
    agent = as_(db, w.card_agent)
    admin = as_(db, w.admin)
    staff_view = ok(client.get(f"{API}/users?limit=500", headers=agent))
    assert w.alice_user.id not in [u["id"] for u in staff_view]
    assert {w.card_agent.id, w.loan_agent.id, w.card_lead.id, w.admin.id} <= {
        u["id"] for u in staff_view
    }
    assert ok(client.get(f"{API}/users?role=customer", headers=agent)) == []
    leads = ok(client.get(f"{API}/users?role=lead", headers=agent))
    assert [u["id"] for u in leads] == [w.card_lead.id]
    customers = ok(client.get(f"{API}/users?role=customer", headers=admin))
    assert {u["id"] for u in customers} == {w.alice_user.id, w.bob_user.id}
    assert len(ok(client.get(f"{API}/users?limit=1", headers=admin))) == 1
    problem(client.get(f"{API}/users?limit=501", headers=admin), 422, "limit")
    colleague = ok(client.get(f"{API}/users/{w.loan_agent.id}", headers=agent))
    assert colleague["team_ids"] == [w.loans.id]
    problem(client.get(f"{API}/users/{w.alice_user.id}", headers=agent), 404)
    problem(client.get(f"{API}/users/999999", headers=admin), 404)
    alice = as_(db, w.alice_user)
    assert ok(client.get(f"{API}/users/{w.alice_user.id}", headers=alice))["role"] == "customer"
    problem(client.get(f"{API}/users/{w.bob_user.id}", headers=alice), 403)
    problem(client.get(f"{API}/users", headers=alice), 403)


def test_admin_deactivates_and_reactivates_users(
    client: TestClient, db: Session, w: factories.World
) -> None:
    admin = as_(db, w.admin)
    agent_headers = as_(db, w.loan_agent)
    off = ok(
        client.patch(f"{API}/users/{w.loan_agent.id}", json={"is_active": False}, headers=admin)
    )
    assert off["is_active"] is False
    problem(client.get(f"{API}/me", headers=agent_headers), 401)
    on = ok(client.patch(f"{API}/users/{w.loan_agent.id}", json={"is_active": True}, headers=admin))
    assert on["is_active"] is True
    # Deactivation revoked the agent's tokens: reactivating does not bring them back.
    problem(client.get(f"{API}/me", headers=agent_headers), 401)
    assert client.get(f"{API}/me", headers=as_(db, w.loan_agent)).status_code == 200
    problem(
        client.patch(f"{API}/users/{w.admin.id}", json={"is_active": False}, headers=admin), 409
    )
    problem(client.patch(f"{API}/users/999999", json={"is_active": False}, headers=admin), 404)
    assert ok(client.patch(f"{API}/users/{w.loan_agent.id}", json={}, headers=admin))["is_active"]
    lead = as_(db, w.card_lead)
    problem(
        client.patch(f"{API}/users/{w.card_agent.id}", json={"is_active": False}, headers=lead), 403
    )
    problem(client.patch(f"{API}/users/{w.card_agent.id}", json={}, headers=lead), 403)
