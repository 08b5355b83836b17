"""The customer's whole picture, related and merged cases, and notifications, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import selfservice as assistant
from nara.domain.actors import SYSTEM
from nara.domain.callbacks import book_callback
from nara.domain.cases import change_status
from nara.domain.customers import update_customer
from nara.domain.notifications import notify
from nara.domain.users import set_locale
from nara.models import Case, Consultation
from nara.queries.callbacks import team_slots
from tests import factories

API = "/api/v1"


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    db.commit()
    return world


def _get(client: TestClient, url: str, headers: dict[str, str], status: int = 200) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def _consultation(db: Session, case: Case, team_id: int, asking_team_id: int) -> Consultation:
    """A consultation under way (asked through domain/consultations.py, another part of
    issue 12; the row is what the picture reads)."""
    now = clock.now()
    row = Consultation(
        case_id=case.id,
        team_id=team_id,
        asking_team_id=asking_team_id,
        question="Kan ni titta på krediten?",
        status="open",
        asked_at=now,
        due_at=now + timedelta(hours=8),
        alerts=[],
    )
    db.add(row)
    db.flush()
    return row


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SELECT statements sent inside the block."""
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


# ---- the customer's whole picture ----
def test_the_overview_shows_every_team_but_subjects_only_of_readable_cases(
    client: TestClient, db: Session, w: factories.World
) -> None:
    loans_case = factories.case(
        db, the_customer=w.alice, team_id=w.loans.id, message="Lånet är hemligt"
    )
    old = factories.case(db, the_customer=w.alice, team_id=w.cards.id, message="Gammalt kort")
    change_status(session=db, actor=SYSTEM, number=old.number, status="closed")
    _consultation(db, w.alice_case, w.loans.id, w.cards.id)  # on a case the agent reads
    _consultation(db, loans_case, w.front.id, w.loans.id)  # on one the agent may not read
    db.commit()
    agent = factories.headers(db, w.card_agent)
    body = _get(client, f"{API}/customers/{w.alice.id}/overview", agent)
    assert body["customer"]["id"] == w.alice.id
    assert body["customer"]["personnummer"] == "19800426-****"  # masked for agents
    numbers = [c["number"] for c in body["cases"]]
    assert numbers == [loans_case.number, w.alice_case.number, old.number]  # open first
    by_number = {c["number"]: c for c in body["cases"]}
    hidden = by_number[loans_case.number]
    assert hidden["readable"] is False and hidden["subject"] is None
    assert hidden["team"]["slug"] == w.loans.slug and hidden["team"]["name"] == w.loans.name_sv
    assert hidden["status"] == "new" and hidden["owner"] is None
    assert "hemligt" not in str(body)
    own = by_number[w.alice_case.number]
    assert own["readable"] is True and own["subject"] == w.alice_case.subject
    assert by_number[old.number]["status_category"] == "closed"
    assert (body["total_cases"], body["open_cases"]) == (3, 2)
    assert [k["case_number"] for k in body["open_consultations"]] == [w.alice_case.number]
    assert body["open_consultations"][0]["team"]["id"] == w.loans.id
    assert body["open_consultations"][0]["status"] == "open"
    assert body["contacts"]["by_channel"] == {"web": 3}
    assert body["contacts"]["last_contact_at"] is not None
    # A lead sees the personnummer in full; an admin reads every subject.
    lead = factories.headers(db, w.card_lead)
    assert _get(client, f"{API}/customers/{w.alice.id}/overview", lead)["customer"][
        "personnummer"
    ] == ("198004262385")
    admin = _get(client, f"{API}/customers/{w.alice.id}/overview", factories.headers(db, w.admin))
    assert all(c["readable"] and c["subject"] for c in admin["cases"])
    assert len(admin["open_consultations"]) == 2


def test_the_overview_lists_conversations_and_callbacks(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.actor(db, w.alice_user)
    conversation = assistant.start_conversation(
        session=db, actor=alice, channel="portal", lang="sv"
    )
    update_customer(session=db, actor=SYSTEM, customer_id=w.alice.id, phone="070-123 45 67")
    slot = next(s for s in team_slots(db, w.cards.id, now=clock.now()) if s.free > 0)
    book_callback(session=db, actor=SYSTEM, number=w.alice_case.number, starts_at=slot.starts_at)
    db.commit()
    body = _get(
        client, f"{API}/customers/{w.alice.id}/overview", factories.headers(db, w.card_agent)
    )
    assert [c["id"] for c in body["conversations"]] == [conversation.id]
    assert body["conversations"][0]["channel"] == "portal"
    assert body["total_conversations"] == 1
    assert "public_id" not in body["conversations"][0]
    assert [(c["case_number"], c["status"]) for c in body["callbacks"]] == [
        (w.alice_case.number, "booked")
    ]
    assert body["contacts"]["self_service"] == 1


def test_customers_may_not_see_any_overview(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.headers(db, w.alice_user)
    for who in (w.alice, w.bob):
        _get(client, f"{API}/customers/{who.id}/overview", alice, 403)
    agent = factories.headers(db, w.card_agent)
    _get(client, f"{API}/customers/999999/overview", agent, 404)


def test_the_overview_is_bounded_and_costs_the_same_for_many_cases(
    client: TestClient, db: Session, engine: Engine, w: factories.World, monkeypatch: Any
) -> None:
    from nara.queries import customer_overview

    monkeypatch.setattr(customer_overview, "CASES_SHOWN", 3)
    agent = factories.headers(db, w.card_agent)
    url = f"{API}/customers/{w.alice.id}/overview"
    _get(client, url, agent)  # the token's first use is recorded
    with statements(engine) as few:
        _get(client, url, agent)
    for _ in range(5):
        factories.case(db, the_customer=w.alice, team_id=w.loans.id)
    db.commit()
    with statements(engine) as many:
        body = _get(client, url, agent)
    assert len(many) == len(few) <= 12
    assert len(body["cases"]) == 3 and body["total_cases"] == 6


# ---- related and merged cases ----
def test_relating_and_unrelating_over_the_api(
    client: TestClient, db: Session, w: factories.World
) -> None:
    second = factories.case(db, the_customer=w.alice, team_id=w.cards.id)
    loans_case = factories.case(db, the_customer=w.alice, team_id=w.loans.id)
    db.commit()
    agent = factories.headers(db, w.card_agent)
    url = f"{API}/cases/{w.alice_case.number}/links"
    made = client.post(url, json={"case": second.number.lower()}, headers=agent)
    assert made.status_code == 201, made.text
    assert made.json()["related"] == [
        {"number": second.number, "status": "new", "subject": second.subject}
    ]
    assert made.json()["merged_into"] is None
    again = client.post(url, json={"case": second.number}, headers=agent)
    assert again.status_code == 409
    itself = client.post(url, json={"case": w.alice_case.number}, headers=agent)
    assert itself.status_code == 422
    assert itself.json()["errors"][0]["field"] == "case"
    hidden = client.post(url, json={"case": loans_case.number}, headers=agent)
    assert hidden.status_code == 404
    assert hidden.json()["errors"][0]["field"] == "case"
    # Related to another team's case (by someone who sees both): no subject for the agent.
    admin = factories.headers(db, w.admin)
    assert client.post(url, json={"case": loans_case.number}, headers=admin).status_code == 201
    related = _get(client, f"{API}/cases/{w.alice_case.number}", agent)["related"]
    assert {r["number"]: r["subject"] for r in related} == {
        second.number: second.subject,
        loans_case.number: None,
    }
    # The other side shows the link too.
    assert [
        r["number"] for r in _get(client, f"{API}/cases/{second.number}", agent)["related"]
    ] == [w.alice_case.number]
    gone = client.delete(f"{url}/{second.number}", headers=agent)
    assert gone.status_code == 204
    assert client.delete(f"{url}/{second.number}", headers=agent).status_code == 404
    after = _get(client, f"{API}/cases/{second.number}", agent)
    assert after["related"] == []
    assert [e["type"] for e in after["events"]][-2:] == ["case.linked", "case.unlinked"]


def test_merging_over_the_api(client: TestClient, db: Session, w: factories.World) -> None:
    duplicate = factories.case(db, the_customer=w.alice, team_id=w.cards.id)
    bobs = factories.case(db, the_customer=w.bob, team_id=w.cards.id)
    db.commit()
    agent = factories.headers(db, w.card_agent)
    url = f"{API}/cases/{duplicate.number}/merge"
    other_customer = client.post(url, json={"into": bobs.number}, headers=agent)
    assert other_customer.status_code == 422
    assert other_customer.json()["errors"][0]["field"] == "into"
    merged = client.post(url, json={"into": w.alice_case.number}, headers=agent)
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_into"] == w.alice_case.number
    assert merged.json()["status"] == "closed"
    assert client.post(url, json={"into": w.alice_case.number}, headers=agent).status_code == 409
    target = _get(client, f"{API}/cases/{w.alice_case.number}", agent)
    assert target["events"][-1]["type"] == "case.merged"
    assert target["events"][-1]["public"] is False
    # Alice reads where her case continues, in her language, and nothing internal.
    set_locale(session=db, actor=SYSTEM, user_id=w.alice_user.id, locale="en")
    db.commit()
    alice = factories.headers(db, w.alice_user)
    seen = _get(client, f"{API}/cases/{duplicate.number}", alice)
    assert seen["merged_into"] == w.alice_case.number
    types = [e["type"] for e in seen["events"]]
    assert "case.merged" not in types and types[-1] == "case.continued_in"
    summary = seen["events"][-1]["summary"]
    assert w.alice_case.number in summary
    assert summary.startswith("We are continuing your case")
    customer_try = client.post(
        f"{API}/cases/{w.alice_case.number}/merge", json={"into": duplicate.number}, headers=alice
    )
    assert customer_try.status_code == 403


# ---- notifications ----
def test_notifications_are_each_persons_own(
    client: TestClient, db: Session, w: factories.World
) -> None:
    for kind in ("consultation.asked", "note.mention", "case.handed_over"):
        notify(db, user_ids=[w.card_agent.id], kind=kind, case=w.alice_case)
    [theirs] = notify(db, user_ids=[w.card_lead.id], kind="note.mention", case=w.alice_case)
    db.commit()
    agent = factories.headers(db, w.card_agent)
    page = _get(client, f"{API}/notifications?limit=2", agent)
    assert [n["kind"] for n in page["items"]] == ["case.handed_over", "note.mention"]
    assert page["unread_count"] == 3
    assert page["items"][0]["text"] == f"Ärende {w.alice_case.number} har lämnats över till dig"
    assert page["items"][0]["case_number"] == w.alice_case.number
    rest = _get(client, f"{API}/notifications?limit=2&cursor={page['next_cursor']}", agent)
    assert [n["kind"] for n in rest["items"]] == ["consultation.asked"]
    assert rest["next_cursor"] is None
    first = page["items"][0]["id"]
    read = client.post(f"{API}/notifications/{first}/read", headers=agent)
    assert read.status_code == 200
    assert read.json()["unread"] is False and read.json()["read_at"] is not None
    unread = _get(client, f"{API}/notifications?unread=true", agent)
    assert first not in [n["id"] for n in unread["items"]] and unread["unread_count"] == 2
    # Someone else's notification does not exist for me, whatever my role.
    for who in (w.card_agent, w.admin):
        response = client.post(
            f"{API}/notifications/{theirs.id}/read", headers=factories.headers(db, who)
        )
        assert response.status_code == 404
    all_read = client.post(f"{API}/notifications/read-all", headers=agent)
    assert all_read.status_code == 200 and all_read.json() == {"marked": 2}
    assert _get(client, f"{API}/notifications", agent)["unread_count"] == 0
    assert (
        _get(client, f"{API}/notifications", factories.headers(db, w.card_lead))["unread_count"]
        == 1
    )
    bad = client.get(f"{API}/notifications?cursor=nonsense", headers=agent)
    assert bad.status_code == 422


def test_customers_have_no_notifications(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.headers(db, w.alice_user)
    assert client.get(f"{API}/notifications", headers=alice).status_code == 403
    assert client.post(f"{API}/notifications/read-all", headers=alice).status_code == 403


def test_a_mention_in_a_note_over_the_api(
    client: TestClient, db: Session, w: factories.World
) -> None:
    handle = w.card_lead.email.split("@")[0]
    agent = factories.headers(db, w.card_agent)
    note = client.post(
        f"{API}/cases/{w.alice_case.number}/notes",
        json={"body": f"@{handle} kan du godkänna återbetalningen?"},
        headers=agent,
    )
    assert note.status_code == 201
    lead = factories.headers(db, w.card_lead)
    [mention] = _get(client, f"{API}/notifications", lead)["items"]
    assert mention["kind"] == "note.mention"
    assert mention["actor"] == {"id": w.card_agent.id, "display_name": w.card_agent.display_name}
    assert mention["case_number"] == w.alice_case.number
    # The author is not notified of their own note.
    assert _get(client, f"{API}/notifications", agent)["items"] == []
