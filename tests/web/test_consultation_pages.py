"""Consultations in the web UI: asked from the case page, seen in the consulted team's
inbox tab, answered there, closed by the owner; refusals shown in both languages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.models import Consultation, User
from tests import factories
from tests.web.test_pages import log_in, page, post, redirected, visible, w  # noqa: F401


def set_lang(db: Session, user: User, lang: str) -> None:
    user.locale = lang
    db.commit()


def test_journey_in_the_browser_pages(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    number = w.alice_case.number
    set_lang(db, w.card_agent, "sv")
    csrf = log_in(client, db, w.card_agent)
    html = page(client.get(f"/cases/{number}"))
    assert "Fråga ett annat team" in visible(html)
    assert f'<option value="{w.loans.slug}">' in html
    assert f'<option value="{w.cards.slug}">' not in html  # not its own team
    r = post(
        client,
        f"/cases/{number}/consult",
        csrf,
        team=w.loans.slug,
        question="Har kunden ett bolån hos er?",
        due_at="",
        member="",
    )
    redirected(r, f"/cases/{number}#consultations")
    consultation = db.scalar(select(Consultation))
    assert consultation is not None and consultation.status == "open"
    # the consulted agent, in English
    set_lang(db, w.loan_agent, "en")
    csrf = log_in(client, db, w.loan_agent)
    tab = page(client.get("/consultations"))
    assert number in tab and "Har kunden ett bolån" in tab
    for path in ("/cases", "/cases?tab=team", "/cases?q=zzz"):  # counted with the tabs or not
        inbox = page(client.get(path))
        assert re.search(r"Consultations for my teams <span class=\"count\">1</span>", inbox)
    case_page = page(client.get(f"/cases/{number}"))
    text = visible(case_page)
    assert "Send answer" in text and "Reply to the customer" not in text
    assert "took part" in text
    r = post(client, f"/consultations/{consultation.id}/answer", csrf, body="Ja, ett bolån.")
    redirected(r, f"/cases/{number}#consultation-{consultation.id}")
    db.refresh(consultation)
    assert consultation.status == "answered"
    # answering again: refused with a message, nothing changed
    again = post(client, f"/consultations/{consultation.id}/answer", csrf, body="Igen")
    assert again.status_code == 409
    assert "no longer open" in visible(again.text)
    # the owner closes it
    csrf = log_in(client, db, w.card_agent)
    owner_page = visible(page(client.get(f"/cases/{number}")))
    assert "Ja, ett bolån." in owner_page and "Avsluta samrådet" in owner_page
    r = post(client, f"/consultations/{consultation.id}/close", csrf)
    redirected(r, f"/cases/{number}#consultation-{consultation.id}")
    db.refresh(consultation)
    assert consultation.status == "closed"


def test_refusals_are_shown_in_swedish(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    number = w.alice_case.number
    set_lang(db, w.card_agent, "sv")
    csrf = log_in(client, db, w.card_agent)
    r = post(
        client,
        f"/cases/{number}/consult",
        csrf,
        team=w.loans.slug,
        question="Fråga",
        due_at="2020-01-01T10:00",
        member="",
    )
    assert r.status_code == 422
    assert "Tidpunkten har redan passerat" in visible(r.text)
    r = post(
        client,
        f"/cases/{number}/consult",
        csrf,
        team=w.loans.slug,
        question="Fråga",
        due_at="i morgon",
        member="",
    )
    assert r.status_code == 422
    assert db.scalar(select(Consultation)) is None
    # a customer cannot reach the forms
    customer_csrf = log_in(client, db, w.alice_user)
    r = post(
        client,
        f"/cases/{number}/consult",
        customer_csrf,
        team=w.loans.slug,
        question="?",
        due_at="",
        member="",
    )
    assert r.status_code in (403, 404)
    assert db.scalar(select(Consultation)) is None


def test_overdue_consultations_on_the_leads_page(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    from datetime import timedelta

    from nara import clock
    from nara.domain import consultations as consult

    card_lead = factories.user(db, role="lead", teams=[w.loans])
    consultation = consult.ask_consultation(
        session=db,
        actor=factories.actor(db, w.card_agent),
        number=w.alice_case.number,
        team=w.loans.slug,
        question="Brådskande fråga",
        due=clock.now() + timedelta(minutes=5),
    )
    db.commit()
    log_in(client, db, card_lead)
    assert w.alice_case.number not in page(client.get("/admin/service"))
    with clock.frozen_at(consultation.due_at + timedelta(minutes=1)):
        html = page(client.get("/admin/service"))
    assert f"/cases/{w.alice_case.number}#consultation-{consultation.id}" in html


def test_a_lead_sets_the_consultation_promise_on_the_team_page(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    set_lang(db, w.card_lead, "sv")
    csrf = log_in(client, db, w.card_lead)
    html = page(client.get(f"/admin/teams/{w.cards.id}"))
    assert "Svarslöfte för samråd" in html and 'name="is_active"' not in html  # admins only
    r = post(client, f"/admin/teams/{w.cards.id}/settings", csrf, consultation_minutes="120")
    redirected(r, f"/admin/teams/{w.cards.id}")
    db.refresh(w.cards)
    assert w.cards.consultation_minutes == 120 and w.cards.is_active
    bad = post(client, f"/admin/teams/{w.cards.id}/settings", csrf, consultation_minutes="en dag")
    assert bad.status_code == 422 and "mellan 1 och" in visible(bad.text)
    other = post(client, f"/admin/teams/{w.loans.id}/settings", csrf, consultation_minutes="60")
    assert other.status_code in (403, 422)
    db.refresh(w.loans)
    assert w.loans.consultation_minutes == 480
    # an admin makes a team inactive with the checkbox left unticked
    csrf = log_in(client, db, w.admin)
    r = post(client, f"/admin/teams/{w.loans.id}/settings", csrf, consultation_minutes="480")
    redirected(r, f"/admin/teams/{w.loans.id}")
    db.refresh(w.loans)
    assert not w.loans.is_active
