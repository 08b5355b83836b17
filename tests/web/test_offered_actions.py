"""Pages offer only the buttons a person may use: what the viewer cannot change is shown
read-only (with a short note where it helps), and the person with the right gets the form.
Each case checks both sides, so that a hidden form is hidden for the right person only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import consultations as consult
from nara.models import User
from tests import factories
from tests.web.test_pages import log_in, page

MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture
def w(db: Session) -> Iterator[factories.World]:
    with clock.frozen_at(MONDAY_9 - timedelta(minutes=30)):
        world = factories.world(db)
    db.commit()
    with clock.frozen_at(MONDAY_9):
        yield world


def _html(client: TestClient, db: Session, user: User, path: str) -> str:
    log_in(client, db, user)
    return page(client.get(path))


def test_the_calendar_form_is_offered_to_the_teams_lead_and_admins_only(
    client: TestClient, db: Session, w: factories.World
) -> None:
    action = f'action="/admin/teams/{w.loans.id}/calendar"'
    other_lead = _html(client, db, w.card_lead, f"/admin/teams/{w.loans.id}/calendar")
    assert action not in other_lead and "Spara kalendern" not in other_lead
    assert 'id="read-only"' in other_lead
    assert "08:00-17:00" in other_lead  # the hours are shown, read-only
    agent = _html(client, db, w.loan_agent, f"/admin/teams/{w.loans.id}/calendar")
    assert action not in agent
    admin = _html(client, db, w.admin, f"/admin/teams/{w.loans.id}/calendar")
    assert action in admin and 'id="read-only"' not in admin
    own = _html(client, db, w.card_lead, f"/admin/teams/{w.cards.id}/calendar")
    assert f'action="/admin/teams/{w.cards.id}/calendar"' in own


def _routing_teams(html: str) -> set[int]:
    """The teams whose routing row has an edit form on the page."""
    forms = html.split('action="/admin/service/routing"')[1:]
    found = set()
    for form in forms:
        match = re.search(r'name="team_id" value="(\d+)"', form[:600])
        assert match is not None
        found.add(int(match.group(1)))
    return found


def test_routing_is_editable_only_for_the_leads_own_teams(
    client: TestClient, db: Session, w: factories.World
) -> None:
    lead = _routing_teams(_html(client, db, w.card_lead, "/admin/service"))
    assert w.cards.id in lead and w.loans.id not in lead
    admin = _routing_teams(_html(client, db, w.admin, "/admin/service"))
    assert {w.cards.id, w.loans.id} <= admin
    assert _routing_teams(_html(client, db, w.card_agent, "/admin/service")) == set()


def test_a_consulted_team_is_not_offered_the_callback_forms(
    client: TestClient, db: Session, w: factories.World
) -> None:
    consult.ask_consultation(
        session=db,
        actor=factories.actor(db, w.card_agent),
        number=w.alice_case.number,
        team=w.loans.slug,
        question="Har kunden ett bolån hos oss?",
        due=None,
    )
    db.commit()
    book = f'action="/cases/{w.alice_case.number}/callback/book"'
    consulted = _html(client, db, w.loan_agent, f"/cases/{w.alice_case.number}")
    assert 'id="read-only"' in consulted and book not in consulted
    owning = _html(client, db, w.card_agent, f"/cases/{w.alice_case.number}")
    assert book in owning
    customer = _html(client, db, w.alice_user, f"/cases/{w.alice_case.number}")
    assert book in customer


def test_next_case_is_offered_to_members_of_a_team_only(
    client: TestClient, db: Session, w: factories.World
) -> None:
    admin = _html(client, db, w.admin, "/cases")  # an admin in no team has no queue
    assert 'id="next-case-form"' not in admin and 'id="no-queue"' in admin
    agent = _html(client, db, w.card_agent, "/cases")
    assert 'id="next-case-form"' in agent and 'id="no-queue"' not in agent
