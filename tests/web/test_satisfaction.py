"""Customer satisfaction over HTTP: the API (201/200/404/409/422), the question on the
customer's case page, the private link page and the signed rating link, and what staff
see on the case page, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.cases import change_status
from nara.domain.private_links import issue_private_link
from nara.models import Case, CaseTask, Notification, SatisfactionRating
from nara.queries.satisfaction import rating_path
from tests import factories
from tests.web.test_pages import log_in

API = "/api/v1"


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    change_status(session=db, actor=SYSTEM, number=world.alice_case.number, status="resolved")
    db.commit()  # keep the world when a refused request rolls back
    return world


def url(case: Case) -> str:
    return f"{API}/cases/{case.number}/satisfaction"


def ratings(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(SatisfactionRating)) or 0


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


# ---- the API ----
def test_the_customer_rates_201_then_changes_200(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.headers(db, w.alice_user)
    first = client.post(url(w.alice_case), json={"score": 4, "comment": " Bra! "}, headers=alice)
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["score"], body["comment"], body["via"], body["changeable"]) == (
        4,
        "Bra!",
        "api",
        True,
    )
    assert body["changed_at"] is None
    changed = client.post(url(w.alice_case), json={"score": 5}, headers=alice)
    assert changed.status_code == 200 and changed.json()["score"] == 5
    assert changed.json()["comment"] == ""
    read = client.get(url(w.alice_case), headers=alice)
    assert read.status_code == 200 and read.json()["score"] == 5
    detail = client.get(f"{API}/cases/{w.alice_case.number}", headers=alice).json()
    assert detail["satisfaction"]["score"] == 5
    assert ratings(db) == 1


def test_anyone_else_gets_404_and_nothing_is_stored(
    client: TestClient, db: Session, w: factories.World
) -> None:
    for who in (w.bob_user, w.card_agent, w.card_lead, w.admin, w.loan_agent):
        response = client.post(
            url(w.alice_case), json={"score": 5}, headers=factories.headers(db, who)
        )
        assert response.status_code == 404, (who.role, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    anonymous = client.post(url(w.alice_case), json={"score": 5})
    assert anonymous.status_code == 404
    assert client.get(url(w.alice_case)).status_code == 404
    assert ratings(db) == 0


def test_staff_who_read_the_case_see_the_rating_and_others_do_not(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.headers(db, w.alice_user)
    assert client.get(url(w.alice_case), headers=alice).status_code == 404  # not yet rated
    client.post(url(w.alice_case), json={"score": 2, "comment": "Långsamt"}, headers=alice)
    for who in (w.card_agent, w.card_lead, w.admin):
        read = client.get(url(w.alice_case), headers=factories.headers(db, who))
        assert read.status_code == 200 and read.json()["comment"] == "Långsamt"
        detail = client.get(
            f"{API}/cases/{w.alice_case.number}", headers=factories.headers(db, who)
        )
        assert detail.json()["satisfaction"]["score"] == 2
    for who in (w.loan_agent, w.bob_user):
        assert client.get(url(w.alice_case), headers=factories.headers(db, who)).status_code == 404


@pytest.mark.parametrize("score", [0, 6, "3", "3.5", 3.5, None, True, "tre"])
def test_a_score_outside_one_to_five_is_422(
    client: TestClient, db: Session, w: factories.World, score: object
) -> None:
    response = client.post(
        url(w.alice_case), json={"score": score}, headers=factories.headers(db, w.alice_user)
    )
    assert response.status_code == 422, response.text
    assert "score" in [e["field"] for e in response.json()["errors"]]
    assert ratings(db) == 0


def test_a_100_kb_comment_is_refused_with_a_clear_message(
    client: TestClient, db: Session, w: factories.World
) -> None:
    response = client.post(
        url(w.alice_case),
        json={"score": 4, "comment": "x" * 100_000},
        headers=factories.headers(db, w.alice_user),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["comment"]
    assert "2000" in response.text
    assert ratings(db) == 0


def test_unresolved_and_too_late_are_409(
    client: TestClient, db: Session, w: factories.World
) -> None:
    bob = factories.headers(db, w.bob_user)
    unresolved = client.post(url(w.bob_case), json={"score": 3}, headers=bob)
    assert unresolved.status_code == 409 and "not resolved" in unresolved.json()["detail"]
    alice = factories.headers(db, w.alice_user)
    assert client.post(url(w.alice_case), json={"score": 3}, headers=alice).status_code == 201
    with clock.frozen_at(clock.now() + timedelta(days=7, minutes=1)):
        late = client.post(url(w.alice_case), json={"score": 1}, headers=alice)
    assert late.status_code == 409 and "no longer be changed" in late.json()["detail"]


def test_a_low_score_notifies_the_lead_and_shows_the_task(
    client: TestClient, db: Session, w: factories.World
) -> None:
    alice = factories.headers(db, w.alice_user)
    client.post(url(w.alice_case), json={"score": 1, "comment": "Ingen svarade"}, headers=alice)
    client.post(url(w.alice_case), json={"score": 2}, headers=alice)
    assert db.scalar(select(func.count()).select_from(CaseTask)) == 1
    notes = db.scalars(select(Notification).where(Notification.kind == "satisfaction.low")).all()
    assert [n.user_id for n in notes] == [w.card_lead.id]
    lead = factories.headers(db, w.card_lead)
    service = client.get(f"{API}/cases/{w.alice_case.number}/service", headers=lead).json()
    assert [t["kind"] for t in service["tasks"]] == ["satisfaction_followup"]
    listed = client.get(f"{API}/notifications", headers=lead).json()
    assert any(w.alice_case.number in str(n) for n in listed["items"])
    done = client.post(
        f"{API}/cases/{w.alice_case.number}/tasks/satisfaction_followup/done", headers=lead
    )
    assert done.status_code == 204


# ---- the portal ----
def test_the_customer_answers_on_the_case_page_in_swedish(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    page = client.get(f"/cases/{w.alice_case.number}", headers={"Accept-Language": "sv"})
    assert page.status_code == 200
    assert "<legend>Hur väl hjälpte vi dig?</legend>" in page.text
    assert "1 – Inte alls bra" in page.text and "5 – Mycket bra" in page.text
    assert page.text.count('type="radio" ') == 5
    sent = client.post(
        f"/cases/{w.alice_case.number}/satisfaction",
        data={"csrf_token": csrf(page.text), "score": "4", "comment": "Tack för hjälpen"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    after = client.get(f"/cases/{w.alice_case.number}")
    assert "Ditt svar: 4 av 5" in after.text
    assert "Du kan ändra ditt svar till och med" in after.text or "ändra ditt svar" in after.text
    assert "Tack för hjälpen" in after.text
    rating = db.scalar(select(SatisfactionRating))
    assert rating is not None and rating.via == "portal" and rating.score == 4


def test_the_case_page_form_shows_refusals_in_english(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    headers = {"Accept-Language": "en"}
    page = client.get(f"/cases/{w.alice_case.number}", headers=headers)
    assert "<legend>How well did we help you?</legend>" in page.text
    refused = client.post(
        f"/cases/{w.alice_case.number}/satisfaction",
        data={"csrf_token": csrf(page.text), "score": "9", "comment": "Hm"},
        headers=headers,
    )
    assert refused.status_code == 422 and "Choose a score from 1 to 5." in refused.text
    assert 'aria-describedby="score-error"' in refused.text and ">Hm</textarea>" in refused.text
    assert ratings(db) == 0


def test_an_open_case_does_not_ask(client: TestClient, db: Session, w: factories.World) -> None:
    csrf_token = log_in(client, db, w.bob_user)
    page = client.get(f"/cases/{w.bob_case.number}")
    assert "satisfaction-form" not in page.text
    refused = client.post(
        f"/cases/{w.bob_case.number}/satisfaction", data={"csrf_token": csrf_token, "score": "5"}
    )
    assert refused.status_code == 409 and "när ärendet är löst" in refused.text
    other = client.post(
        f"/cases/{w.alice_case.number}/satisfaction",
        data={"csrf_token": csrf_token, "score": "5"},
    )
    assert other.status_code == 404 and ratings(db) == 0


def test_staff_see_the_score_and_comment_on_the_case_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    client.post(
        url(w.alice_case),
        json={"score": 2, "comment": "Ingen ringde"},
        headers=factories.headers(db, w.alice_user),
    )
    log_in(client, db, w.card_agent)
    page = client.get(f"/cases/{w.alice_case.number}", headers={"Accept-Language": "sv"})
    assert "Kundnöjdhet" in page.text and "2 av 5" in page.text and "Ingen ringde" in page.text
    assert "Följ upp kundens låga betyg" in page.text
    assert "teamledaren följer upp" in page.text  # an agent does not mark it done
    log_in(client, db, w.card_lead)
    lead_page = client.get(f"/cases/{w.alice_case.number}", headers={"Accept-Language": "en"})
    assert "Customer satisfaction" in lead_page.text and "Mark as followed up" in lead_page.text


# ---- the private link ----
def test_the_private_link_asks_the_same_question(
    client: TestClient, db: Session, w: factories.World
) -> None:
    link = issue_private_link(session=db, actor=SYSTEM, case=w.alice_case)
    db.commit()
    page = client.get(f"/follow/{link.token}")
    assert "Hur väl hjälpte vi dig?" in page.text
    forged = client.post(
        f"/follow/{link.token}/satisfaction", data={"form_token": "x", "score": "5"}
    )
    assert forged.status_code == 403 and ratings(db) == 0
    sent = client.post(
        f"/follow/{link.token}/satisfaction",
        data={"form_token": form_token(page.text), "score": "5", "comment": "Toppen"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/follow/{link.token}#satisfaction"
    again = client.get(f"/follow/{link.token}")
    assert "Ditt svar: 5 av 5" in again.text
    refused = client.post(
        f"/follow/{link.token}/satisfaction",
        data={"form_token": form_token(page.text), "score": "0"},
    )
    assert refused.status_code == 422 and "Välj ett betyg från 1 till 5." in refused.text


# ---- the signed rating link ----
def test_the_rating_link_page(client: TestClient, db: Session, w: factories.World) -> None:
    path = rating_path(w.alice_case)
    assert path is not None
    page = client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<h1>Hur väl hjälpte vi dig?</h1>" in page.text and w.alice_case.number in page.text
    sent = client.post(
        path,
        data={"form_token": form_token(page.text), "score": "3", "comment": "Helt okej"},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith(path)
    thanks = client.get(sent.headers["location"], headers={"Accept-Language": "en"})
    assert "Thank you for your answer" in thanks.text and "Your answer: 3 of 5" in thanks.text
    rating = db.scalar(select(SatisfactionRating))
    assert rating is not None and rating.via == "link"


def test_a_forged_or_expired_rating_link_is_a_friendly_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    path = rating_path(w.alice_case)
    assert path is not None
    forged = client.get(path[:-3] + "abc")
    assert forged.status_code == 404 and "Länken fungerar inte" in forged.text
    assert client.post(path[:-3] + "abc", data={"score": "5"}).status_code == 404
    with clock.frozen_at(clock.now() + timedelta(days=31)):
        expired = client.get(path, headers={"Accept-Language": "en"})
    assert expired.status_code == 410 and "This link no longer works" in expired.text
    assert ratings(db) == 0


def test_rating_link_misses_are_rate_limited(
    client: TestClient, db: Session, w: factories.World
) -> None:
    answers = [client.get(f"/rate/nr1.1.{n}.x").status_code for n in range(12)]
    assert answers[:10] == [404] * 10 and answers[-1] == 429
