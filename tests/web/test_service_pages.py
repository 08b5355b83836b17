"""Pages for service levels: Next case and presence in the inbox, the promise column,
the case's service card, callbacks in the portal and workspace, and the lead pages for
promises, routing and calendars."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.cases import reply_to_case
from nara.domain.promises import create_policy
from nara.models import Callback, MemberPresence, ResponsePolicy, TeamCalendar, TeamTopic
from tests import factories
from tests.web.test_pages import log_in, page, post, redirected

STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=STHLM)


@pytest.fixture
def w(db: Session) -> Iterator[factories.World]:
    with clock.frozen_at(MONDAY_9 - timedelta(minutes=30)):
        create_policy(session=db, actor=SYSTEM, first_response_minutes=120, resolution_minutes=960)
        world = factories.world(db)
    db.commit()
    with clock.frozen_at(MONDAY_9):
        yield world


def test_inbox_has_next_case_presence_and_promise_column(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    text = page(client.get("/cases?tab=unassigned"))
    assert 'action="/workspace/next"' in text
    assert f'id="presence-{w.cards.id}"' in text
    assert "1 tim 30 min kvar" in text  # a 2-hour promise, 30 minutes gone (Swedish page)
    redirected(
        post(
            client,
            "/workspace/presence",
            csrf,
            team_id=str(w.cards.id),
            status="away",
            away_minutes="30",
        ),
        "/cases",
    )
    row = db.get(MemberPresence, (w.cards.id, w.card_agent.id))
    assert row is not None and row.status == "away"
    assert row.away_until == MONDAY_9 + timedelta(minutes=30)
    redirected(post(client, "/workspace/next", csrf), f"/cases/{w.alice_case.number}")
    assert w.alice_case.owner_id == w.card_agent.id
    redirected(post(client, "/workspace/next", csrf), "/cases?tab=unassigned&nothing=1")
    assert "Nothing is waiting" in client.get("/cases?tab=unassigned&nothing=1").text or (
        "Inget väntar" in client.get("/cases?tab=unassigned&nothing=1").text
    )
    bad = post(client, "/workspace/presence", csrf, team_id=str(w.loans.id), status="available")
    assert bad.status_code == 422 and "html" in bad.headers["content-type"]
    assert post(client, "/workspace/next", "wrong-token").status_code == 403


def test_customer_sees_expected_wait_and_books_a_callback(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.alice_user)
    # The estimate made when the case opened (08:30) has passed by 09:00: the customer is
    # told so (pages only read estimates; they are made when the wait changes).
    expected = r"(We expected a person to answer you by|Vi räknade med att en person)"
    listing = page(client.get("/cases"))  # "my cases" shows the expected time too
    assert re.search(expected, listing)
    text = page(client.get(f"/cases/{w.alice_case.number}"))
    assert re.search(expected, text)
    # A day, then a time of day: a handful of options, not every slot of ten days.
    day = re.search(r'<option value="([^"]+)">', text.split('id="book-day"')[1])
    assert day is not None
    times = re.findall(
        r'<option value="(\d\d:\d\d)" data-days="([^"]*)"', text.split('id="book-time"')[1]
    )
    assert times and len(times) <= 48
    free = [t for t, days in times if day.group(1) in days.split()]
    taken = [t for t, days in times if day.group(1) not in days.split()]
    assert free
    if taken:  # without JavaScript a taken time can be chosen: it is refused in words
        refused = post(
            client,
            f"/cases/{w.alice_case.number}/callback/book",
            csrf,
            day=day.group(1),
            time=taken[0],
            phone="070-123 45 67",
        )
        assert refused.status_code == 422 and "error-summary" in refused.text
    garbled = post(
        client,
        f"/cases/{w.alice_case.number}/callback/book",
        csrf,
        day="sometime",
        time="soon",
        phone="070-123 45 67",
    )
    assert garbled.status_code == 422 and "error-summary" in garbled.text
    chosen = {"day": day.group(1), "time": free[0]}
    bad_phone = post(
        client,
        f"/cases/{w.alice_case.number}/callback/book",
        csrf,
        **chosen,
        phone="ring mig",
    )
    assert bad_phone.status_code == 422 and 'aria-invalid="true"' in bad_phone.text
    redirected(
        post(
            client,
            f"/cases/{w.alice_case.number}/callback/book",
            csrf,
            **chosen,
            phone="070-123 45 67",
        ),
        f"/cases/{w.alice_case.number}#callback",
    )
    cb = db.scalar(select(Callback).where(Callback.case_id == w.alice_case.id))
    assert cb is not None and cb.status == "booked"
    text = page(client.get(f"/cases/{w.alice_case.number}"))
    assert f'action="/callbacks/{cb.id}/move"' in text and "070-123 45 67" in text
    # bob cannot cancel alice's callback
    bob_csrf = log_in(client, db, w.bob_user)
    assert post(client, f"/callbacks/{cb.id}/cancel", bob_csrf).status_code == 404
    # the agent records "not reached"; alice is offered a new time
    agent_csrf = log_in(client, db, w.card_agent)
    inbox = page(client.get("/cases"))
    due = inbox.split('id="due-heading"')[1].split("</section>")[0]  # 09:15: due within the hour
    assert f"/cases/{w.alice_case.number}#callback" in due
    redirected(
        post(client, f"/callbacks/{cb.id}/outcome", agent_csrf, reached="no", note="Inget svar"),
        f"/cases/{w.alice_case.number}#callback",
    )
    assert cb.status == "not_reached"
    log_in(client, db, w.alice_user)
    text = page(client.get(f"/cases/{w.alice_case.number}"))
    assert re.search(r"(could not reach you|nådde dig inte)", text)


def test_lead_pages_for_promises_routing_and_calendar(
    client: TestClient, db: Session, w: factories.World
) -> None:
    reply_to_case(
        session=db,
        actor=factories.actor(db, w.card_agent),
        number=w.alice_case.number,
        body="Hej Alice!",
    )
    csrf = log_in(client, db, w.card_lead)
    text = page(client.get("/admin/service"))
    assert 'id="promises"' in text and 'id="routing"' in text
    results = text.split('id="results"')[1].split("</table>")[0]
    assert 'value="1.0"' in results and "100 %" in results  # answered within the promise
    bad = post(
        client, "/admin/service/promises", csrf, first_response_minutes="0", resolution_minutes="60"
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    # a lead sets promises for their teams' topics only; the organisation-wide ones are
    # the admins' (the form offers neither "Any" nor another team's topic)
    org_wide = db.scalar(select(ResponsePolicy).where(ResponsePolicy.topic_id.is_(None)))
    assert org_wide is not None
    assert f'action="/admin/service/promises/{org_wide.id}"' not in text
    assert "Bara administratörer" in text
    form = text.split('action="/admin/service/promises"')[1].split("</form>")[0]
    assert f'value="{w.card_topic.id}"' in form and f'value="{w.loan_topic.id}"' not in form
    assert '<option value="">' not in form.split('id="f-topic_id"')[1].split("</select>")[0]
    refused = post(client, "/admin/service/promises", csrf, priority="urgent",
                   first_response_minutes="30", resolution_minutes="240")  # fmt: skip
    assert refused.status_code == 403 and "error-summary" in refused.text
    refused = post(client, "/admin/service/promises", csrf, topic_id=str(w.loan_topic.id),
                   first_response_minutes="30", resolution_minutes="240")  # fmt: skip
    assert refused.status_code == 403
    redirected(
        post(
            client,
            "/admin/service/promises",
            csrf,
            topic_id=str(w.card_topic.id),
            priority="urgent",
            first_response_minutes="0,5h",
            resolution_minutes="4 h",
        ),
        "/admin/service",
    )
    urgent = db.scalar(select(ResponsePolicy).where(ResponsePolicy.priority == "urgent"))
    assert urgent is not None
    assert (urgent.first_response_minutes, urgent.resolution_minutes) == (30, 240)
    redirected(
        post(
            client,
            "/admin/service/routing",
            csrf,
            topic_id=str(w.card_topic.id),
            team_id=str(w.cards.id),
            rank="3",
        ),
        "/admin/service#routing",
    )
    link = db.get(TeamTopic, (w.cards.id, w.card_topic.id))
    assert link is not None and (link.rank, link.accepts_overflow) == (3, False)
    refused = post(
        client,
        "/admin/service/routing",
        csrf,
        topic_id=str(w.loan_topic.id),
        team_id=str(w.loans.id),
        rank="1",
    )
    assert refused.status_code == 403
    text = page(client.get(f"/admin/teams/{w.cards.id}/calendar"))
    assert "Midsommarafton" in text or "Midsummer" in text
    bad = post(
        client,
        f"/admin/teams/{w.cards.id}/calendar",
        csrf,
        mon="8-17",
        timezone="Europe/Stockholm",
        callback_slot_minutes="15",
        callback_capacity="2",
    )
    assert bad.status_code == 422 and 'id="f-mon-error"' in bad.text
    redirected(
        post(
            client,
            f"/admin/teams/{w.cards.id}/calendar",
            csrf,
            mon="08:00-12:00, 13:00-16:00",
            tue="08:00-16:00",
            holidays="yes",
            timezone="Europe/Stockholm",
            closed_dates="2026-12-28\n2026-12-29",
            callback_slot_minutes="20",
            callback_capacity="2",
        ),
        f"/admin/teams/{w.cards.id}/calendar?saved=1",
    )
    row = db.get(TeamCalendar, w.cards.id)
    assert row is not None and row.hours["mon"] == [[480, 720], [780, 960]]
    assert row.closed_dates == ["2026-12-28", "2026-12-29"] and row.callback_capacity == 2
    agent_csrf = log_in(client, db, w.card_agent)
    assert page(client.get("/admin/service"))  # agents may read
    assert (
        post(
            client,
            "/admin/service/promises",
            agent_csrf,
            first_response_minutes="30",
            resolution_minutes="60",
        ).status_code
        == 403
    )


def test_agent_case_page_shows_the_promise(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.card_agent)
    text = page(client.get(f"/cases/{w.alice_case.number}"))
    assert 'id="service-heading"' in text and 'id="callback-heading"' in text
    assert "badge-promise-ok" in text


def test_the_results_chart_shows_promises_kept_against_the_target(
    client: TestClient, db: Session, w: factories.World
) -> None:
    reply_to_case(
        session=db,
        actor=factories.actor(db, w.card_agent),
        number=w.alice_case.number,
        body="Hej Alice!",
    )
    db.commit()
    log_in(client, db, w.card_lead)
    text = page(client.get("/admin/service"))
    chart = text.split('<figure class="chart" id="kept-chart">')[1].split("</figure>")[0]
    assert 'role="img"' in chart and 'aria-labelledby="kept-chart-title kept-chart-desc"' in chart
    assert "Mål: 80\u00a0%" in chart  # the target line's label, also in the description
    assert "<table" not in chart  # the figures are in the results table under it
    assert "Målet är 80\u00a0% av de första svaren i tid." in text
