"""The private link: an anonymous visitor who handed over follows and answers their case
at /follow/{token}, without an account; staff withdraw the link on the case page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.auth import start_session
from nara.domain.calendars import set_team_calendar
from nara.domain.cases import add_note, change_status
from nara.models import AuditEntry, Callback, Case, CaseEvent, CasePrivateLink
from nara.queries.private_links import GRACE_DAYS
from nara.web.deps import SESSION_COOKIE
from nara.web.ui import help as help_pages
from nara.web.ui import private_link
from tests import factories
from tests.web.test_help_pages import Engine, csrf

WEEK = {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(help_pages, "active_predictor", lambda db: Engine())
    yield


@pytest.fixture
def w(db: Session) -> factories.World:
    return factories.world(db)


def hand_over(client: TestClient, lang: str = "sv", **contact: str) -> tuple[str, str, str]:
    """An anonymous visitor asks, is not answered, leaves contact details: (the page,
    the case number, the token)."""
    headers = {"Accept-Language": lang}
    page = client.get("/help", headers=headers)
    asked = client.post(
        "/help/ask",
        headers=headers,
        data={"csrf_token": csrf(page.text), "question": "Något om ett arv"},
    )
    cid = re.search(r'name="conversation" value="([^"]+)"', asked.text)
    assert cid, asked.text
    details = {
        "csrf_token": csrf(asked.text),
        "conversation": cid.group(1),
        "name": "Eva",
        **(contact or {"email": "eva@example.test"}),
    }
    done = client.post("/help/contact", data=details, headers=headers)
    assert done.status_code == 200, done.text
    number = re.search(r"NA-\d{4}-\d{6}", done.text)
    token = re.search(r"/follow/(nl_[A-Za-z0-9_-]+)", done.text)
    assert number and token, done.text
    return done.text, number.group(0), token.group(1)


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def test_hand_over_gives_number_expected_time_and_link_never_an_e_mail_promise(
    client: TestClient, w: factories.World
) -> None:
    page, number, token = hand_over(client)
    assert number in page and f"/follow/{token}" in page
    assert "Vi skickar inte e-post" in page
    assert "Vi räknar med att en person svarar dig" in page  # the stored estimate
    assert "e-post" not in page.split("Vi skickar inte e-post")[0].split(number)[1]
    assert "kontaktar dig via e-post" not in page and "kontaktar dig per e-post" not in page


def test_the_page_shows_only_the_public_timeline(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _page, number, token = hand_over(client)
    add_note(session=db, actor=SYSTEM, number=number, body="Intern anteckning: kolla arvet")
    response = client.get(f"/follow/{token}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in response.headers["x-robots-tag"]
    assert number in response.text and "Något om ett arv" in response.text
    assert "Intern anteckning" not in response.text
    internal = db.scalars(
        select(CaseEvent.type).where(
            CaseEvent.case_id == db.scalar(select(Case.id).where(Case.number == number)),
            CaseEvent.is_public.is_(False),
        )
    ).all()
    assert {"note.added", "case.routed"} <= set(internal)
    assert "Dirigerat" not in response.text and "Anteckning" not in response.text
    assert "Din privata länk" in response.text
    assert 'lang="sv"' in response.text


def test_english_page(client: TestClient, w: factories.World) -> None:
    page, _number, token = hand_over(client, lang="en")
    assert "We do not send e-mail" in page and "private link" in page
    response = client.get(f"/follow/{token}", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and 'lang="en"' in response.text
    assert "Your private link" in response.text and "Write to us" in response.text
    gone = client.get("/follow/nl_nothing", headers={"Accept-Language": "en"})
    assert gone.status_code == 404 and "This link does not work" in gone.text


def test_the_visitor_replies_with_the_form_token(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _page, number, token = hand_over(client)
    page = client.get(f"/follow/{token}")
    forged = client.post(f"/follow/{token}/reply", data={"form_token": "x", "body": "Förfalskat"})
    assert forged.status_code == 403 and "Formuläret har gått ut" in forged.text
    sent = client.post(
        f"/follow/{token}/reply",
        follow_redirects=False,
        data={"form_token": form_token(page.text), "body": "Jag har mer att säga"},
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/follow/{token}#messages"
    bodies = db.scalars(
        select(CaseEvent.body)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.number == number, CaseEvent.type == "message.customer")
    ).all()
    assert bodies == ["Jag har mer att säga"]
    again = client.get(f"/follow/{token}")
    assert "Jag har mer att säga" in again.text and "Du skrev" in again.text
    empty = client.post(
        f"/follow/{token}/reply", data={"form_token": form_token(page.text), "body": " "}
    )
    assert empty.status_code == 422 and "Fältet får inte vara tomt." in empty.text


def test_the_visitor_books_a_callback_with_a_phone_number(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _page, number, token = hand_over(client, phone="070-123 45 67")
    case = db.scalar(select(Case).where(Case.number == number))
    assert case is not None
    set_team_calendar(
        session=db,
        actor=SYSTEM,
        team_id=case.team_id,
        hours=WEEK,
        callback_slot_minutes=30,
        callback_capacity=2,
    )
    page = client.get(f"/follow/{token}")
    assert 'value="070-123 45 67"' in page.text  # the number given at the hand-over
    booked = client.post(
        f"/follow/{token}/callback",
        follow_redirects=False,
        data={"form_token": form_token(page.text), **first_free(page.text)},
    )
    assert booked.status_code == 303, booked.text
    callback = db.scalar(select(Callback).where(Callback.case_id == case.id))
    assert callback is not None and callback.phone == "070-123 45 67"
    assert "070-123 45 67" in client.get(f"/follow/{token}").text


def test_wrong_expired_and_withdrawn_links_tell_nothing(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _page, number, token = hand_over(client)
    wrong = client.get(f"/follow/{token[:-2]}xy")
    assert wrong.status_code == 404 and "Länken fungerar inte" in wrong.text
    assert number not in wrong.text and "Något om ett arv" not in wrong.text
    assert client.get("/follow/" + "a" * 500).status_code == 404
    change_status(session=db, actor=SYSTEM, number=number, status="closed")
    with clock.frozen_at(clock.now() + timedelta(days=GRACE_DAYS + 1)):
        expired = client.get(f"/follow/{token}")
        assert expired.status_code == 410 and "Länken fungerar inte längre" in expired.text
        assert number not in expired.text
        refused = client.post(f"/follow/{token}/reply", data={"form_token": "x", "body": "Hej"})
        assert refused.status_code == 410


def test_staff_withdraw_the_link_on_the_case_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _page, number, token = hand_over(client)
    visitor_page = client.get(f"/follow/{token}")
    staff = start_session(session=db, user=w.admin)
    client.cookies.set(SESSION_COOKIE, staff.token)
    case_page = client.get(f"/cases/{number}")
    assert "Privat länk" in case_page.text and "Dra tillbaka länken" in case_page.text
    link = db.scalar(select(CasePrivateLink).join(Case).where(Case.number == number))
    assert link is not None
    forged = client.post(
        f"/cases/{number}/private-links/{link.id}/revoke", data={"csrf_token": "forged"}
    )
    assert forged.status_code == 403
    done = client.post(
        f"/cases/{number}/private-links/{link.id}/revoke",
        data={"csrf_token": staff.session.csrf_token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.refresh(link)
    assert link.revoked_at is not None
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "private_link.revoked"))
    client.cookies.clear()
    gone = client.get(f"/follow/{token}")
    assert gone.status_code == 410 and number not in gone.text
    late = client.post(
        f"/follow/{token}/reply",
        data={"form_token": form_token(visitor_page.text), "body": "Hallå"},
    )
    assert late.status_code == 410


def test_a_customer_cannot_withdraw_a_link(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _page, number, _token = hand_over(client)
    link = db.scalar(select(CasePrivateLink).join(Case).where(Case.number == number))
    assert link is not None
    alice = start_session(session=db, user=w.alice_user)
    client.cookies.set(SESSION_COOKIE, alice.token)
    refused = client.post(
        f"/cases/{number}/private-links/{link.id}/revoke",
        data={"csrf_token": alice.session.csrf_token},
    )
    assert refused.status_code in (403, 404)
    db.refresh(link)
    assert link.revoked_at is None


def test_wrong_links_are_rate_limited(client: TestClient, w: factories.World) -> None:
    statuses = [client.get(f"/follow/nl_guess{i}").status_code for i in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[10:] == [429, 429]


def test_replies_through_one_link_are_rate_limited(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, w: factories.World
) -> None:
    monkeypatch.setattr(private_link, "FOLLOW_WRITES", "2/hour")
    _page, _number, token = hand_over(client)
    page = client.get(f"/follow/{token}")
    data = {"form_token": form_token(page.text), "body": "Hej"}
    codes = [
        client.post(f"/follow/{token}/reply", data=data, follow_redirects=False).status_code
        for _ in range(3)
    ]
    assert codes == [303, 303, 429]


def test_a_link_opens_its_own_case_and_nothing_else(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _page, number, token = hand_over(client)
    client.cookies.clear()
    _other_page, other_number, other_token = hand_over(client, email="olle@example.test")
    assert other_number != number
    mine = client.get(f"/follow/{token}")
    assert number in mine.text and other_number not in mine.text
    other_case = db.scalar(select(Case).where(Case.number == other_number))
    assert other_case is not None
    set_team_calendar(
        session=db,
        actor=SYSTEM,
        team_id=other_case.team_id,
        hours=WEEK,
        callback_slot_minutes=30,
        callback_capacity=2,
    )
    theirs_page = client.get(f"/follow/{other_token}")
    client.post(
        f"/follow/{other_token}/callback",
        data={
            "form_token": form_token(theirs_page.text),
            **first_free(theirs_page.text),
            "phone": "08-123 456",
        },
    )
    theirs = db.scalar(select(Callback).where(Callback.case_id == other_case.id))
    assert theirs is not None
    mine = client.get(f"/follow/{token}")
    # This link's form token does not work on the other link, nor its callbacks here.
    crossed = client.post(
        f"/follow/{other_token}/reply", data={"form_token": form_token(mine.text), "body": "Kapat"}
    )
    assert crossed.status_code == 403
    cancel = client.post(
        f"/follow/{token}/callback/{theirs.id}/cancel", data={"form_token": form_token(mine.text)}
    )
    assert cancel.status_code == 404
    db.refresh(theirs)
    assert theirs.status == "booked"
    # The token is no credential anywhere else: not for the portal, not for the API.
    portal = client.get(f"/cases/{number}", follow_redirects=False)
    assert portal.status_code in (302, 303, 307) and number not in portal.text
    api = client.get(f"/api/v1/cases/{number}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_articles_create_a_case_link_works_for_anonymous_visitors(
    client: TestClient, w: factories.World
) -> None:
    page = client.get("/cases/new", follow_redirects=False)
    assert page.status_code == 200
    assert 'href="/help"' in page.text and "Logga in" in page.text
    english = client.get("/cases/new", headers={"Accept-Language": "en"})
    assert "Without an account" in english.text


def test_contact_card_says_what_logging_in_means(client: TestClient, w: factories.World) -> None:
    page = client.get("/help")
    asked = client.post("/help/ask", data={"csrf_token": csrf(page.text), "question": "arv"})
    assert "Logga in för att följa ärendet i portalen" in asked.text
    assert "vi skickar inte e-post" in asked.text
    assert "kontaktar dig" not in asked.text


def first_free(html: str) -> dict[str, str]:
    """The picker's first day and its first free time of day, as the form sends them."""
    day = re.search(r'name="day"[^>]*>\s*<option value="([^"]+)"', html)
    assert day, html
    time = re.search(rf'<option value="([^"]+)" data-days="[^"]*{day.group(1)}', html)
    assert time, html
    return {"day": day.group(1), "time": time.group(1)}
