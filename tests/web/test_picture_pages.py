"""Pages for the customer's whole picture, related and merged cases, and notifications."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.case_links import link_cases
from nara.domain.notifications import notify
from nara.models import Case, Consultation, Notification
from tests import factories
from tests.web.test_api_picture import statements as selects
from tests.web.test_pages import csrf_of, log_in, page, post, redirected, visible


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    db.commit()  # keep the world when a refused request rolls back
    return world


def _loans_case(db: Session, w: factories.World, message: str = "Hemligt lån") -> Case:
    case = factories.case(db, the_customer=w.alice, team_id=w.loans.id, message=message)
    db.commit()
    return case


# ---- the customer's whole picture ----
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_customer_page_shows_every_team_without_other_teams_subjects(
    client: TestClient, db: Session, w: factories.World, lang: str
) -> None:
    loans_case = _loans_case(db, w)
    log_in(client, db, w.card_agent)
    text = page(client.get(f"/customers/{w.alice.id}", headers={"Accept-Language": lang}))
    assert re.search(r'<html lang="' + lang, text)
    assert "Hemligt lån" not in text
    assert f'href="/cases/{loans_case.number}"' not in text  # no link to what it cannot open
    assert loans_case.number in text and w.loans.name_sv in text
    assert f'href="/cases/{w.alice_case.number}"' in text
    assert w.alice_case.subject in text
    assert "19800426-****" in text
    assert text.count("<caption") >= 1 and text.count("<h1") == 1
    words = visible(text)
    assert ("Kundbild" if lang == "sv" else "Customer overview") in words
    assert ("Ett annat teams ärende" if lang == "sv" else "Another team's case") in words


def test_customers_cannot_open_the_customer_pages(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    for url in (f"/customers/{w.alice.id}", f"/customers/{w.bob.id}", "/customers?q=Kund"):
        assert "Inte tillåtet" in page(client.get(url), 403)
    log_in(client, db, w.card_agent)
    page(client.get("/customers/999999"), 404)
    client.cookies.clear()
    redirected(client.get(f"/customers/{w.alice.id}", follow_redirects=False), "/")


def test_customer_search_links_to_the_whole_picture(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.card_agent)
    text = page(client.get("/customers", params={"q": w.alice.name}))
    assert f'href="/customers/{w.alice.id}"' in text
    assert "19800426-****" in text
    empty = page(client.get("/customers", params={"q": "ingen sådan kund"}))
    assert "Ingen kund matchar" in empty
    assert 'id="customer-results"' not in page(client.get("/customers"))
    # Staff choosing a caller on the new-case page can open the picture too.
    csrf = csrf_of(page(client.get("/cases/new")))
    choices = page(post(client, "/cases/new", csrf, message="Hej", customer="Kund"))
    assert f'href="/customers/{w.alice.id}"' in choices


def test_the_case_pages_customer_card_shows_other_open_cases_of_every_team(
    client: TestClient, db: Session, w: factories.World
) -> None:
    loans_case = _loans_case(db, w)
    second = factories.case(db, the_customer=w.alice, team_id=w.cards.id, message="Andra kortet")
    now = clock.now()
    db.add(
        Consultation(
            case_id=second.id,
            team_id=w.loans.id,
            asking_team_id=w.cards.id,
            question="?",
            status="open",
            asked_at=now,
            due_at=now + timedelta(hours=8),
            alerts=[],
        )
    )
    db.commit()
    log_in(client, db, w.card_agent)
    text = page(client.get(f"/cases/{w.alice_case.number}"))
    card = text[text.index('id="customer-card"') :]
    card = card[: card.index("</section>")]
    assert f'href="/customers/{w.alice.id}"' in card
    assert f'<a href="/cases/{second.number}">' in card and "Andra kortet" in card
    assert loans_case.number in card and f'href="/cases/{loans_case.number}"' not in card
    assert "Hemligt lån" not in text
    assert 'id="other-consultations"' in card and w.loans.name_sv in card


# ---- related and merged cases ----
def test_relating_removing_and_merging_on_the_case_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    second = factories.case(db, the_customer=w.alice, team_id=w.cards.id)
    db.commit()
    csrf = log_in(client, db, w.card_agent)
    number = w.alice_case.number
    text = page(client.get(f"/cases/{number}"))
    assert 'id="relate-form"' in text and 'id="merge-form"' in text
    redirected(
        post(client, f"/cases/{number}/related/add", csrf, case=second.number),
        f"/cases/{number}#related",
    )
    text = page(client.get(f"/cases/{number}"))
    related = text[text.index('id="related-cases"') :]
    assert f'<a href="/cases/{second.number}">' in related
    # Relating twice is an error next to the form, in Swedish.
    again = page(post(client, f"/cases/{number}/related/add", csrf, case=second.number), 409)
    assert "De här ärendena är redan relaterade." in again
    itself = page(post(client, f"/cases/{number}/related/add", csrf, case=number), 422)
    assert 'id="f-case-error"' in itself and 'aria-invalid="true"' in itself
    unknown = page(post(client, f"/cases/{number}/related/add", csrf, case="na-1999-1"), 404)
    assert "Det finns inget ärende NA-1999-1 som du kan se." in unknown
    assert 'id="f-case-error"' in unknown
    redirected(
        post(client, f"/cases/{number}/related/remove", csrf, other=second.number),
        f"/cases/{number}#related",
    )
    assert 'id="related-cases"' not in page(client.get(f"/cases/{number}"))
    # Merge the second case into Alice's first one.
    redirected(
        post(client, f"/cases/{second.number}/merge/into", csrf, into=number),
        f"/cases/{second.number}#related",
    )
    merged = page(client.get(f"/cases/{second.number}"))
    assert 'id="merged-into"' in merged and f'href="/cases/{number}"' in merged
    assert 'id="merge-form"' not in merged  # closed: no more forms
    db.expire_all()
    assert db.get(Case, second.id).merged_into_id == w.alice_case.id  # type: ignore[union-attr]
    # The customer reads, in plain words, where the case continues.
    log_in(client, db, w.alice_user)
    portal = page(client.get(f"/cases/{second.number}"))
    assert "Vi fortsätter med ditt ärende i ärende" in portal
    assert f'href="/cases/{number}"' in portal
    assert "Ärenden sammanslagna" not in portal  # the internal event stays internal


def test_a_merge_that_cannot_be_done_says_why(
    client: TestClient, db: Session, w: factories.World
) -> None:
    bobs = factories.case(db, the_customer=w.bob, team_id=w.cards.id)
    db.commit()
    csrf = log_in(client, db, w.card_agent)
    number = w.alice_case.number
    text = page(post(client, f"/cases/{number}/merge/into", csrf, into=bobs.number), 422)
    assert "Bara ärenden som gäller samma kund kan slås ihop." in text
    assert 'id="f-into-error"' in text
    assert db.get(Case, w.alice_case.id).status == "new"  # type: ignore[union-attr]


def test_a_reader_who_does_not_own_the_case_gets_no_forms(
    client: TestClient, db: Session, w: factories.World
) -> None:
    loans_case = _loans_case(db, w)
    link_cases(session=db, actor=SYSTEM, number=w.alice_case.number, other=loans_case.number)
    db.commit()
    log_in(client, db, w.admin)
    assert 'id="relate-form"' in page(client.get(f"/cases/{loans_case.number}"))
    log_in(client, db, w.card_agent)
    text = page(client.get(f"/cases/{w.alice_case.number}"))
    related = text[text.index('id="related-cases"') :]
    related = related[: related.index("</ul>")]
    assert loans_case.number in related
    assert f'href="/cases/{loans_case.number}"' not in related
    assert "Hemligt lån" not in text


# ---- notifications ----
def test_the_header_counts_unread_notifications(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.card_agent)
    text = page(client.get("/cases"))
    link = re.search(r'<a class="notifications-link".*?</a>', text, re.S)
    assert link is not None and 'class="count"' not in link.group(0)
    for _ in range(3):
        notify(db, user_ids=[w.card_agent.id], kind="note.mention", case=w.alice_case)
    db.commit()
    text = page(client.get("/cases"))
    link = re.search(r'<a class="notifications-link".*?</a>', text, re.S)
    assert link is not None
    assert "3 olästa" in link.group(0) and ">3<" in link.group(0)
    english = page(client.get("/cases", headers={"Accept-Language": "en"}))
    assert "3 unread" in english
    # Someone else's do not count; every tab and a search count the same (the backlog's
    # tabs count them with their own counts, a search on its own).
    notify(db, user_ids=[w.loan_agent.id], kind="note.mention", case=w.bob_case)
    db.commit()
    for path in (
        "/cases?tab=team",
        "/cases?tab=unassigned",
        "/cases?q=zzz",
        "/cases?status=closed",
    ):
        link = re.search(r'<a class="notifications-link".*?</a>', page(client.get(path)), re.S)
        assert link is not None and "3 olästa" in link.group(0), path
    # Fragments that refresh themselves do not count.
    assert "notifications-link" not in client.get("/cases?partial=1").text
    log_in(client, db, w.alice_user)
    assert "notifications-link" not in page(client.get("/cases"))


def test_following_a_notification_marks_it_read(
    client: TestClient, db: Session, w: factories.World
) -> None:
    [mention] = notify(
        db,
        user_ids=[w.card_agent.id],
        kind="note.mention",
        case=w.alice_case,
        data={"excerpt": "@user kan du titta?"},
    )
    notify(db, user_ids=[w.card_agent.id], kind="something.unheard.of", case=w.alice_case)
    [theirs] = notify(db, user_ids=[w.card_lead.id], kind="note.mention", case=w.alice_case)
    db.commit()
    csrf = log_in(client, db, w.card_agent)
    text = page(client.get("/notifications"))
    assert f"Du nämndes i en anteckning i ärende {w.alice_case.number}" in text
    assert f"Något nytt i ärende {w.alice_case.number}" in text  # an unknown kind, in words
    assert "@user kan du titta?" in text
    assert f'action="/notifications/{theirs.id}/open"' not in text
    redirected(
        post(client, f"/notifications/{mention.id}/open", csrf),
        f"/cases/{w.alice_case.number}",
    )
    db.expire_all()
    assert db.get(Notification, mention.id).read_at is not None  # type: ignore[union-attr]
    unread = page(client.get("/notifications?unread=true"))
    assert f'action="/notifications/{mention.id}/open"' not in unread
    # Someone else's notification is not found, and stays unread.
    page(post(client, f"/notifications/{theirs.id}/open", csrf), 404)
    redirected(post(client, "/notifications/read-all", csrf), "/notifications")
    unread_ids = db.scalars(select(Notification.id).where(Notification.read_at.is_(None))).all()
    assert list(unread_ids) == [theirs.id]
    assert "Inga olästa aviseringar." in page(client.get("/notifications?unread=true"))
    # Without the CSRF token nothing changes.
    assert post(client, "/notifications/read-all", "fel").status_code == 403


def test_customers_have_no_notifications_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.alice_user)
    page(client.get("/notifications"), 403)
    page(post(client, "/notifications/read-all", csrf), 403)


def test_markup_is_escaped_on_the_picture_pages(
    client: TestClient, db: Session, w: factories.World
) -> None:
    script = "<script>alert('xss')</script>"
    escaped = "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;"
    customer = factories.customer(db)
    customer.name = script
    mine = factories.case(db, the_customer=customer, team_id=w.cards.id, message=script)
    theirs = factories.case(db, the_customer=customer, team_id=w.loans.id, message=script)
    link_cases(session=db, actor=SYSTEM, number=mine.number, other=theirs.number)
    notify(db, user_ids=[w.card_agent.id], kind=script, case=mine, data={"excerpt": script})
    db.commit()
    log_in(client, db, w.card_agent)
    for url in (
        f"/customers/{customer.id}",
        f"/customers?q={customer.id}",
        f"/cases/{mine.number}",
        "/notifications",
    ):
        for lang in ("sv", "en"):
            text = page(client.get(url, headers={"Accept-Language": lang}))
            assert script not in text, url
            assert re.search(r"<script(?![^>]*\ssrc=)", text) is None
    assert escaped in page(client.get(f"/customers/{customer.id}"))


def test_the_case_page_costs_the_same_for_a_customer_with_many_open_cases(
    client: TestClient, db: Session, engine: Engine, w: factories.World
) -> None:
    log_in(client, db, w.card_agent)
    url = f"/cases/{w.alice_case.number}"
    factories.case(db, the_customer=w.alice, team_id=w.cards.id)
    db.commit()
    page(client.get(url))
    # The app shares the test's session: no row comes from its memory, and each request
    # starts its own transaction (reading the reference data's tokens once), as it does
    # with a session of its own.
    db.commit()
    db.expire_all()
    with selects(engine) as few:
        page(client.get(url))
    for team in (w.cards, w.loans, w.front, w.cards):
        factories.case(db, the_customer=w.alice, team_id=team.id)
    db.commit()
    db.expire_all()
    with selects(engine) as many:
        text = page(client.get(url))
    assert text.count("<li>") >= 5
    assert len(many) == len(few)
