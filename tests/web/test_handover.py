"""Hand-over over HTTP: the API contract, its refusals, the case page's form in Swedish
and English, the timeline, and what the customer sees (one named owner, nothing
internal)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import cases as case_actions
from nara.domain.actors import SYSTEM
from nara.models import Case, Team
from nara.queries.service_results import service_results
from tests import factories
from tests.domain.test_ownership_figures import world_with_history
from tests.web.test_pages import assert_field_error, log_in, page, post, redirected

API = "/api/v1/cases"
PROBLEM = "application/problem+json"


@pytest.fixture
def w(db: Session) -> factories.World:
    return factories.world(db)


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def kept_case(client: TestClient, db: Session, w: factories.World) -> str:
    """The card agent takes a call about a loan: they keep the case (cards team)."""
    body = {
        "message": "Kunden ringer om sitt lån.",
        "customer_id": w.alice.id,
        "topic_id": w.loan_topic.id,
        "channel": "phone",
    }
    opened = client.post(API, json=body, headers=factories.headers(db, w.card_agent))
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["team"]["id"] == w.cards.id and case["owner"]["id"] == w.card_agent.id
    number: str = case["number"]
    return number


# ---- the API ----


def test_handover_answers_with_the_case_as_the_caller_now_sees_it(
    client: TestClient, db: Session, w: factories.World
) -> None:
    number = kept_case(client, db, w)
    agent = factories.headers(db, w.card_agent)
    body = {"team": w.loans.slug, "owner": w.loan_agent.email, "reason": "Gäller lånet."}
    handed = client.post(f"{API}/{number}/handover", json=body, headers=agent)
    assert handed.status_code == 200, handed.text
    case = handed.json()
    assert (case["team"]["id"], case["owner"]["id"]) == (w.loans.id, w.loan_agent.id)
    last = case["events"][-1]
    assert last["type"] == "case.handed_over" and last["public"] is False
    assert last["data"]["reason"] == "Gäller lånet."
    assert last["data"]["from_owner_id"] == w.card_agent.id
    assert "Gäller lånet." in last["summary"]
    # The same body as GET gives the earlier owner, who keeps reading the case.
    assert client.get(f"{API}/{number}", headers=agent).json() == case
    # The customer sees one named owner (the new one, by first name) and nothing internal.
    alice = client.get(f"{API}/{number}", headers=factories.headers(db, w.alice_user)).json()
    assert alice["owner"] == {"id": None, "display_name": w.loan_agent.first_name}
    assert "case.handed_over" not in [e["type"] for e in alice["events"]]
    assert "Gäller lånet." not in str(alice)


def test_bad_handovers_are_clear_4xx_and_change_nothing(
    client: TestClient, db: Session, w: factories.World
) -> None:
    number = kept_case(client, db, w)
    url = f"{API}/{number}/handover"
    agent = factories.headers(db, w.card_agent)
    empty = factories.team(db)
    inactive = factories.team(db)
    factories.user(db, teams=[inactive])
    row = db.get(Team, inactive.id)
    assert row is not None
    row.is_active = False  # no writer sets it yet (the schema has it)
    db.commit()
    reason = "Ett lån."
    for body, field in [
        ({"team": "finns-inte", "reason": reason}, "team"),
        ({"team": "Inte En Slug", "reason": reason}, "team"),
        ({"team": inactive.slug, "reason": reason}, "team"),
        ({"team": empty.slug, "reason": reason}, "team"),
        ({"team": w.loans.slug, "owner": w.card_lead.email, "reason": reason}, "owner"),
        ({"team": w.loans.slug}, "reason"),
        ({"team": w.loans.slug, "reason": ""}, "reason"),
        ({"team": w.loans.slug, "reason": "   "}, "reason"),
        ({"team": w.loans.slug, "reason": "x" * 2001}, "reason"),
    ]:
        problem(client.post(url, json=body, headers=agent), 422, field)
    ok = {"team": w.loans.slug, "reason": reason}
    problem(client.post(url, json=ok, headers=factories.headers(db, w.alice_user)), 403)
    problem(client.post(url, json=ok, headers=factories.headers(db, w.loan_agent)), 404)
    mine = {"team": w.cards.slug, "owner": w.card_agent.email, "reason": "Till mig"}
    assert "already own" in problem(client.post(url, json=mine, headers=agent), 409)["detail"]
    case = db.scalars(select(Case).where(Case.number == number)).one()
    db.refresh(case)
    assert (case.team_id, case.owner_id, case.handover_count) == (w.cards.id, w.card_agent.id, 0)
    # After the hand-over the earlier owner reads the case but may not hand it back (403);
    # a closed case is not handed over (409).
    assert client.post(url, json=ok, headers=agent).status_code == 200
    problem(client.post(url, json=mine, headers=agent), 403)
    loan_agent = factories.headers(db, w.loan_agent)
    closed = client.post(f"{API}/{number}/status", json={"status": "closed"}, headers=loan_agent)
    assert closed.status_code == 200
    back = {"team": w.cards.slug, "reason": "Tillbaka"}
    problem(client.post(url, json=back, headers=loan_agent), 409)


# ---- pages ----


def test_an_agent_opens_a_case_on_another_teams_topic_and_lands_on_it(
    client: TestClient, db: Session, w: factories.World
) -> None:
    """The journey that ended on a 404: a front-line agent opens a phone case on another
    team's topic, presses Send and lands on the case they now own."""
    csrf = log_in(client, db, w.card_agent)
    sent = post(
        client,
        "/cases/new",
        csrf,
        message="Kunden ringer om lånet.",
        customer="800426-2385",
        topic_id=str(w.loan_topic.id),
    )
    assert sent.status_code == 303
    url = sent.headers["location"]
    text = page(client.get(url))
    assert f"Dirigeringen föreslår {w.loans.name_sv}: samråd med dem eller lämna över." in text
    assert "behålls av den som öppnade det" in text
    assert f'<option value="{w.loans.slug}" selected>' in text  # the hand-over form
    english = page(client.get(url, headers={"Accept-Language": "en"}))
    assert f"Routing suggests {w.loans.name_en}: consult them or hand over." in english


def test_the_hand_over_form_in_swedish_and_english(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    case_actions.assign_case(
        session=db,
        actor=factories.actor(db, w.card_agent),
        number=w.alice_case.number,
        owner_id=w.card_agent.id,
    )
    db.commit()
    url = f"/cases/{w.alice_case.number}"
    form = page(client.get(url))
    for label in ('for="f-handover-team"', 'for="f-handover-owner"', 'for="f-handover-reason"'):
        assert label in form
    assert "Flytta till team" not in form
    refused = post(client, f"{url}/handover", csrf, team=w.loans.slug, owner="", reason=" ")
    text = page(refused, 422)
    assert_field_error(text, "f-handover-reason")
    assert "Ange varför du lämnar över ärendet: anledningen är obligatorisk." in text
    wrong_owner = post(
        client, f"{url}/handover", csrf, team=w.loans.slug, owner=w.card_lead.email, reason="Lån"
    )
    text = page(wrong_owner, 422)
    assert_field_error(text, "f-handover-owner")
    assert ">Lån</textarea>" in text  # the reason is kept
    english = client.post(
        f"{url}/handover",
        data={"csrf_token": csrf, "team": w.loans.slug, "owner": "", "reason": ""},
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )
    assert "Say why you hand the case over: the reason is required." in page(english, 422)
    # Handed over to a named member: the timeline tells staff, in both languages.
    redirected(
        post(
            client,
            f"{url}/handover",
            csrf,
            team=w.loans.slug,
            owner=w.loan_agent.email,
            reason="Gäller ett lån.",
        ),
        url,
    )
    text = page(client.get(url))
    assert "Överlämnat" in text and "Anledning:" in text and "Gäller ett lån." in text
    assert f"{w.cards.name_sv} ({w.card_agent.display_name}) → {w.loans.name_sv}" in text
    english = page(client.get(url, headers={"Accept-Language": "en"}))
    assert "Handed over" in english and "Reason:" in english
    # The customer sees the new owner by first name, not the team, and no reason.
    log_in(client, db, w.alice_user)
    for lang, words in (("sv", "handlägger ditt ärende"), ("en", "is handling your case")):
        portal = page(client.get(url, headers={"Accept-Language": lang}))
        assert f"{w.loan_agent.first_name} {words}" in portal
        assert w.loans.name_sv not in portal and "Gäller ett lån." not in portal
        assert "A person in" not in portal and "En person på" not in portal
    cases = page(client.get("/cases"))
    assert f"Handläggs av {w.loan_agent.first_name}</p>" in cases


def test_the_team_shows_to_the_customer_only_while_nobody_owns_the_case(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    url = f"/cases/{w.alice_case.number}"
    assert f"En person på {w.cards.name_sv} svarar dig här." in page(client.get(url))
    case_actions.assign_case(
        session=db, actor=SYSTEM, number=w.alice_case.number, owner_id=w.card_agent.id
    )
    case_actions.change_status(
        session=db, actor=SYSTEM, number=w.alice_case.number, status="waiting_on_team"
    )
    db.commit()
    text = page(client.get(url))
    assert f"{w.card_agent.first_name} utreder det tillsammans med en kollega." in text
    assert w.cards.name_sv not in text


# ---- the figures ----


def test_the_api_and_the_page_show_the_ownership_figures(
    client: TestClient, db: Session, w: factories.World
) -> None:
    world_with_history(db, w)
    db.commit()
    lead = factories.headers(db, w.card_lead)
    rows = client.get("/api/v1/service/results", headers=lead).json()
    assert [r["team_id"] for r in rows[:-1]] == [
        r.team.id for r in service_results(db, now=clock.now())
    ]
    everyone = rows[-1]
    assert everyone["team_id"] is None
    assert (everyone["cases_opened"], everyone["handovers"], everyone["handovers_per_case"]) == (
        5,
        3,
        0.6,
    )
    assert everyone["kept_first_owner_share"] == pytest.approx(1 / 3)
    assert everyone["consultations_answered_in_time_share"] == 0.6
    assert everyone["consultation_median_answer_minutes"] == 60
    loans = next(r for r in rows if r["team_id"] == w.loans.id)
    assert (loans["consultations_decided"], loans["consultations_answered_in_time"]) == (4, 2)
    log_in(client, db, w.card_lead)
    text = page(client.get("/admin/service"))
    assert "Överlämningar per ärende" in text and "Alla team" in text
    assert "0,6 <" in text  # hand-overs per case of all teams, in Swedish
    assert "1 av 3" in text  # resolved with their first owner
    english = page(client.get("/admin/service", headers={"Accept-Language": "en"}))
    assert "Hand-overs per case" in english and "All teams" in english
    assert "Consultations answered on time" in english
