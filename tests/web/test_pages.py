"""The server-rendered pages through HTTP: who may see which page, the customer portal,
the agent workspace, the lead and admin pages, languages, CSRF and escaping.

Sessions come from the real login form or from ``nara.domain.auth.start_session``
(cookie ``nara_session``); forms send the session's CSRF token as ``csrf_token``."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.domain import auth as auth_actions
from nara.domain import cases as case_actions
from nara.domain import customers as customer_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM
from nara.models import ApiToken, Case, CaseEvent, TeamMember, TeamTopic, Topic, User
from nara.queries import inbox as inbox_queries
from nara.web.deps import SESSION_COOKIE
from tests import factories

SCRIPT = "<script>alert('xss')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;"
PASSWORD = "ett långt lösenord"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


# ---- helpers ----
@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    db.commit()  # keep the world when a refused request rolls back
    return world


def log_in(client: TestClient, db: Session, user: User) -> str:
    """Start a session for ``user`` in ``client`` (replacing any other); return its
    CSRF token."""
    new = auth_actions.start_session(session=db, user=user)
    db.commit()
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, new.token)
    return new.session.csrf_token


def form_login(client: TestClient, db: Session, user: User) -> None:
    """Log in the way a person does: open the landing page, send the login form."""
    user_actions.set_password(session=db, actor=SYSTEM, user_id=user.id, password=PASSWORD)
    db.commit()
    client.cookies.clear()
    landing = client.get("/")
    assert landing.status_code == 200
    token = login_csrf_of(landing.text)
    assert client.cookies.get("nara_login_csrf") == token
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/cases"
    assert client.cookies.get(SESSION_COOKIE)


def csrf_of(html: str) -> str:
    """The session's CSRF token as the page's forms carry it."""
    tokens = set(CSRF_FIELD.findall(html))
    assert len(tokens) == 1, tokens  # every form of the page carries the same token
    token = tokens.pop()
    assert token
    return token


def login_csrf_of(html: str) -> str:
    form = re.search(r'<form method="post" action="/login".*?</form>', html, re.S)
    assert form is not None
    return csrf_of(form.group(0))


def post(client: TestClient, url: str, csrf: str | None, **data: Any) -> httpx.Response:
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post(url, data=data, follow_redirects=False)


def page(response: httpx.Response, status: int = 200) -> str:
    """A whole HTML page with ``status``."""
    assert response.status_code == status, response.text[-2000:]
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert re.search(r'<html lang="(sv|en)">', response.text)
    return response.text


def fragment(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" not in response.text
    assert "<body" not in response.text
    return response.text


def redirected(response: httpx.Response, location: str) -> None:
    assert response.status_code == 303, response.text[-2000:]
    assert response.headers["location"] == location


def visible(text: str) -> str:
    """The text of a page without its tags (and so without class names)."""
    return re.sub(r"<[^>]*>", " ", text)


def html_lang(text: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', text)
    assert match is not None
    return match.group(1)


def count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def events(db: Session, case: Case) -> list[CaseEvent]:
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))


def fresh(db: Session, case: Case) -> Case:
    return reloaded(db, Case, case.id)


def reloaded(db: Session, model: type[Any], row_id: int) -> Any:
    """The row as stored now (the app may have detached the test's own instance)."""
    db.expire_all()
    found = db.get(model, row_id)
    assert found is not None
    return found


def tab_counts(text: str) -> dict[str, int]:
    found = re.findall(r'href="/cases\?tab=(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', text)
    return {tab: int(n) for tab, n in found}


def listed(text: str) -> list[str]:
    """Case numbers in the inbox table, in order."""
    return re.findall(r'<tr class="inbox-row" data-href="/cases/([^"]+)"', text)


def assert_field_error(text: str, field_id: str) -> None:
    """An error summary (role=alert) and the field marked invalid and linked to its
    message."""
    assert 'class="error-summary" role="alert"' in text
    tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{field_id}"[^>]*>', text, re.S)
    assert tag is not None, f"no field {field_id}"
    assert 'aria-invalid="true"' in tag.group(0)
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described is not None
    assert f"{field_id}-error" in described.group(1).split()
    assert f'id="{field_id}-error"' in text


def assert_escaped(text: str, times: int = 1) -> None:
    assert SCRIPT not in text
    assert "<script>alert" not in text
    assert text.count(ESCAPED_SCRIPT) >= times, text.count(ESCAPED_SCRIPT)
    assert re.search(r"<script(?![^>]*\ssrc=)", text) is None  # no inline scripts


# ---- who may see which page ----
def _pages(w: factories.World) -> dict[str, str]:
    return {
        "landing": "/",
        "cases": "/cases",
        "new": "/cases/new",
        "case": f"/cases/{w.alice_case.number}",
        "timeline": f"/cases/{w.alice_case.number}?partial=1",
        "inbox fragment": "/cases?partial=1",
        "teams": "/admin/teams",
        "team": f"/admin/teams/{w.cards.id}",
        "topics": "/admin/topics",
        "users": "/admin/users",
        "tokens": "/admin/tokens",
        "customers": "/customers?q=Kund",
        "customer": f"/customers/{w.alice.id}",
        "notifications": "/notifications",
    }


STAFF_ONLY = {"teams", "team", "topics", "tokens", "customers", "customer", "notifications"}


@pytest.mark.parametrize("role", ["customer", "agent", "lead", "admin"])
def test_every_page_renders_for_the_roles_that_may_see_it(
    client: TestClient, db: Session, w: factories.World, role: str
) -> None:
    user = {"customer": w.alice_user, "agent": w.card_agent, "lead": w.card_lead, "admin": w.admin}[
        role
    ]
    log_in(client, db, user)
    for name, url in _pages(w).items():
        response = client.get(url, follow_redirects=False)
        if name == "landing":
            redirected(response, "/cases")
        elif name in ("timeline", "inbox fragment"):
            if name == "inbox fragment" and role == "customer":
                page(response)  # a customer's "My cases" has no fragment
            else:
                fragment(response)
        elif (name in STAFF_ONLY and role == "customer") or (name == "users" and role != "admin"):
            text = page(response, 403)
            assert "Inte tillåtet" in text
            assert 'role="alert"' in text
        else:
            page(response)


def test_anonymous_visitors_are_sent_to_the_login_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    for name, url in _pages(w).items():
        response = client.get(url, follow_redirects=False)
        if name == "landing":
            assert "Logga in" in page(response)
        elif name == "new":  # the articles' "create a case" link: how to reach a person
            text = page(response)
            assert 'href="/help"' in text and 'href="/"' in text
        else:
            redirected(response, "/")
    before = (count(db, Case), count(db, CaseEvent), count(db, User), count(db, TeamMember))
    for url, data in [
        ("/cases/new", {"message": "hej"}),
        (f"/cases/{w.alice_case.number}/reply", {"body": "hej"}),
        (f"/cases/{w.alice_case.number}/claim", {}),
        (f"/admin/teams/{w.cards.id}/add-member", {"user_id": str(w.loan_agent.id)}),
        ("/admin/users", {"email": "ny@example.test", "display_name": "Ny", "role": "admin"}),
        ("/admin/tokens", {"name": "x"}),
        ("/logout", {}),
    ]:
        redirected(post(client, url, "whatever", **data), "/")
    assert (count(db, Case), count(db, CaseEvent), count(db, User), count(db, TeamMember)) == before


def test_the_role_menus_show_only_what_the_role_may_open(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    portal = page(client.get("/cases"))
    assert "Mina ärenden" in portal
    assert 'href="/admin/' not in portal
    log_in(client, db, w.card_agent)
    inbox = page(client.get("/cases"))
    assert "Inkorg" in inbox
    assert 'href="/admin/teams"' in inbox
    assert 'href="/admin/users"' not in inbox
    log_in(client, db, w.admin)
    assert 'href="/admin/users"' in page(client.get("/cases"))


def test_a_customer_cannot_open_another_customers_case(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.alice_user)
    number = w.bob_case.number
    text = page(client.get(f"/cases/{number}"), 404)
    assert "Hittades inte" in text
    assert w.bob_case.subject not in text
    page(client.get(f"/cases/{number}?partial=1"), 404)
    before = len(events(db, w.bob_case))
    page(post(client, f"/cases/{number}/reply", csrf, body="intrång"), 404)
    assert len(events(db, w.bob_case)) == before
    # A case that does not exist looks the same.
    assert page(client.get("/cases/NA-1999-999999"), 404)


def test_an_agent_of_another_team_gets_404(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.loan_agent)
    number = w.alice_case.number  # a case of the cards team
    page(client.get(f"/cases/{number}"), 404)
    page(client.get(f"/cases/{number}?partial=1"), 404)
    before = len(events(db, w.alice_case))
    for action, data in [
        ("reply", {"body": "x"}),
        ("note", {"body": "x"}),
        ("claim", {}),
        ("status", {"status": "resolved"}),
    ]:
        page(post(client, f"/cases/{number}/{action}", csrf, **data), 404)
    assert len(events(db, w.alice_case)) == before
    assert number not in listed(page(client.get("/cases?tab=team")))
    assert listed(page(client.get(f"/cases?tab=team&q={number}"))) == []


def test_the_login_form_and_logout(client: TestClient, db: Session, w: factories.World) -> None:
    form_login(client, db, w.card_agent)
    assert "Inkorg" in page(client.get("/cases"))
    text = page(client.get("/cases"))
    csrf = csrf_of(text)
    # Logging out needs the token too.
    page(post(client, "/logout", "fel"), 403)
    assert page(client.get("/cases"))
    redirected(post(client, "/logout", csrf), "/")
    assert client.cookies.get(SESSION_COOKIE) is None
    redirected(client.get("/cases", follow_redirects=False), "/")


def test_a_wrong_password_shows_an_error_on_the_form(
    client: TestClient, db: Session, w: factories.World
) -> None:
    token = login_csrf_of(page(client.get("/")))
    response = client.post(
        "/login", data={"email": w.card_agent.email, "password": "fel fel fel", "csrf_token": token}
    )
    text = page(response, 401)
    assert 'role="alert"' in text
    assert 'aria-invalid="true"' in text
    assert client.cookies.get(SESSION_COOKIE) is None


def test_a_locked_login_form_says_when_to_retry(
    client: TestClient, db: Session, w: factories.World
) -> None:
    token = login_csrf_of(page(client.get("/")))
    wrong = {"email": w.card_agent.email, "password": "fel fel fel", "csrf_token": token}
    codes = [client.post("/login", data=wrong).status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    locked = client.post("/login", data=wrong)
    page(locked, 429)
    assert int(locked.headers["retry-after"]) == 15 * 60


# ---- the customer portal ----
def test_my_cases_lists_only_my_own_with_status_in_plain_words(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    text = page(client.get("/cases"))
    assert w.alice_case.number in text
    assert w.bob_case.number not in text
    assert "Mottaget" in text  # "new", in words a customer reads
    assert "new" not in visible(text).split()
    assert "Vad händer nu:" in text
    assert "Vi har tagit emot ditt ärende" in text
    # The agent takes the case and asks a question.
    agent = factories.actor(db, w.card_agent)
    case_actions.assign_case(
        session=db, actor=agent, number=w.alice_case.number, owner_id=w.card_agent.id
    )
    case_actions.reply_to_case(session=db, actor=agent, number=w.alice_case.number, body="Fråga?")
    db.commit()
    text = page(client.get("/cases"))
    assert "Handläggs" in text
    first_name = w.card_agent.display_name.split()[0]  # customers see the first name only
    # One named owner, not a team: who handles it and what happens next.
    assert f"Handläggs av {first_name}</p>" in text
    assert f"{first_name} handlägger ditt ärende och svarar dig här." in text
    assert w.card_agent.display_name not in text
    case_actions.change_status(
        session=db, actor=agent, number=w.alice_case.number, status="waiting_on_customer"
    )
    db.commit()
    text = page(client.get("/cases"))
    assert "Väntar på ditt svar" in text
    assert "waiting_on_customer" not in visible(text)
    case_page = page(client.get(f"/cases/{w.alice_case.number}"))
    assert "Vad händer nu" in case_page
    assert "Vi väntar på ditt svar" in case_page


def test_a_customer_without_cases_is_told_so(client: TestClient, db: Session) -> None:
    new = factories.customer(db, with_login=True)
    assert new.user_id is not None
    user = db.get(User, new.user_id)
    assert user is not None
    log_in(client, db, user)
    text = page(client.get("/cases"))
    assert "Mina ärenden" in text
    assert 'href="/cases/new"' in text
    assert 'class="card case-card"' not in text


def test_opening_a_case_through_the_form(
    client: TestClient, db: Session, w: factories.World
) -> None:
    form_login(client, db, w.alice_user)
    form = page(client.get("/cases/new"))
    assert f'<option value="{w.card_topic.id}"' in form
    assert 'name="customer_id"' not in form  # customers open their own cases
    before = count(db, Case)
    response = post(
        client,
        "/cases/new",
        csrf_of(form),
        message="Kortet är spärrat.\nVarför?",
        topic_id=str(w.card_topic.id),
        subject="",
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/cases/[A-Z]+-\d{4}-\d+", location)
    assert count(db, Case) == before + 1
    case = db.scalar(select(Case).where(Case.number == location.rsplit("/", 1)[1]))
    assert case is not None
    assert case.customer_id == w.alice.id
    assert case.topic_id == w.card_topic.id
    assert case.team_id == w.cards.id
    assert case.channel == "web"
    assert case.subject == "Kortet är spärrat."
    text = page(client.get(location))
    assert "Kortet är spärrat." in text
    assert "Mottaget" in text
    assert location.rsplit("/", 1)[1] in page(client.get("/cases"))


def test_opening_a_case_without_a_message_shows_the_error(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.alice_user)
    before = count(db, Case)
    response = post(
        client,
        "/cases/new",
        csrf,
        message="   ",
        subject="Mitt ämne",
        topic_id=str(w.card_topic.id),
    )
    text = page(response, 422)
    assert_field_error(text, "f-message")
    assert 'value="Mitt ämne"' in text  # what was written is kept
    assert re.search(rf'<option value="{w.card_topic.id}" selected', text)
    assert count(db, Case) == before


def test_staff_open_a_case_for_a_customer(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    form = page(client.get("/cases/new"))
    assert 'name="customer"' in form
    missing = post(client, "/cases/new", csrf, message="Ringde in.", customer="")
    assert_field_error(page(missing, 422), "f-customer")
    assert 'value="Ringde in."' not in page(missing, 422)  # a textarea keeps it as text
    assert ">Ringde in.</textarea>" in missing.text
    before = count(db, Case)
    # the personnummer in any accepted form finds exactly one customer: the case opens
    response = post(
        client,
        "/cases/new",
        csrf,
        message="Ringde in.",
        customer="800426-2385",
        topic_id=str(w.card_topic.id),
    )
    assert response.status_code == 303
    case = db.scalar(select(Case).where(Case.number == response.headers["location"][7:]))
    assert case is not None
    assert (case.customer_id, case.channel, case.team_id) == (w.alice.id, "phone", w.cards.id)
    assert count(db, Case) == before + 1
    # so do the e-mail (any case) and the customer number
    for search in (w.bob.email.upper(), f"#{w.bob.id}"):
        response = post(client, "/cases/new", csrf, message="Igen.", customer=search)
        assert response.status_code == 303, search
        number = response.headers["location"][7:]
        assert db.scalar(select(Case.customer_id).where(Case.number == number)) == w.bob.id


def test_staff_choose_among_customers_that_match(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    before = count(db, Case)
    several = post(client, "/cases/new", csrf, message="Ringde in.", customer="Kund")
    text = page(several)
    assert count(db, Case) == before  # nothing opened yet
    assert "Several customers match" in text or "Flera kunder" in text
    assert f'id="customer-{w.alice.id}"' in text and f'id="customer-{w.bob.id}"' in text
    assert "198004262385" not in text and "19800426-****" in text  # masked for agents
    assert ">Ringde in.</textarea>" in text
    chosen = post(
        client, "/cases/new", csrf, message="Ringde in.", customer="Kund",
        customer_id=str(w.bob.id),
    )  # fmt: skip
    assert chosen.status_code == 303
    number = chosen.headers["location"][7:]
    assert db.scalar(select(Case.customer_id).where(Case.number == number)) == w.bob.id


@pytest.mark.parametrize("search", ["nobody@example.test", "Ingen Alls", "190001010000"])
def test_no_matching_customer_is_a_clear_error(
    client: TestClient, db: Session, w: factories.World, search: str
) -> None:
    csrf = log_in(client, db, w.card_agent)
    before = count(db, Case)
    response = post(client, "/cases/new", csrf, message="Ringde in.", customer=search)
    text = page(response, 422)
    assert_field_error(text, "f-customer")
    assert f'value="{search}"' in text
    assert count(db, Case) == before


def test_a_name_is_confirmed_and_a_stale_choice_is_not_taken(
    client: TestClient, db: Session, w: factories.World
) -> None:
    karin = customer_actions.create_customer(session=db, actor=SYSTEM, name="Karin Unik")
    db.commit()
    csrf = log_in(client, db, w.card_agent)
    before = count(db, Case)
    # one customer by part of a name: asked, not taken
    asked = page(post(client, "/cases/new", csrf, message="Ringde.", customer="karin"))
    assert f'id="customer-{karin.id}"' in asked and count(db, Case) == before
    # a choice left over from an earlier search does not count for a new one
    stale = post(client, "/cases/new", csrf, message="Ringde.", customer="karin",
                 customer_id=str(w.bob.id))  # fmt: skip
    assert stale.status_code == 200 and count(db, Case) == before
    # a field error after choosing keeps the choice
    empty = post(client, "/cases/new", csrf, message="", customer="karin",
                 customer_id=str(karin.id))  # fmt: skip
    text = page(empty, 422)
    assert re.search(rf'id="customer-{karin.id}"[^>]*checked', text)
    chosen = post(client, "/cases/new", csrf, message="Ringde.", customer="karin",
                  customer_id=str(karin.id))  # fmt: skip
    assert chosen.status_code == 303
    assert count(db, Case) == before + 1


@pytest.mark.parametrize("search", ["x" * 5000, "Kund\x00", "\x00"])
def test_odd_customer_searches_are_field_errors_or_choices(
    client: TestClient, db: Session, w: factories.World, search: str
) -> None:
    csrf = log_in(client, db, w.card_agent)
    response = post(client, "/cases/new", csrf, message="Ringde in.", customer=search)
    assert response.status_code in (200, 422)
    assert ">Ringde in.</textarea>" in response.text  # the form is kept


def test_personnummer_searches_on_the_form_count_towards_the_limit(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    for _ in range(30):
        found = post(client, "/cases/new", csrf, message="", customer="800426-2385")
        assert found.status_code == 422  # the message is missing; the search itself is fine
    stopped = post(client, "/cases/new", csrf, message="Ringde in.", customer="800426-2385")
    text = page(stopped, 429)
    assert "personnummer" in text and ">Ringde in.</textarea>" in text
    assert 1 <= int(stopped.headers["retry-after"]) <= 3600


def test_a_lead_edits_only_topics_their_teams_alone_handle(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_lead)
    text = page(client.get("/admin/topics"))
    assert f'action="/admin/topics/{w.card_topic.id}"' in text
    assert f'action="/admin/topics/{w.loan_topic.id}"' not in text
    refused = post(client, f"/admin/topics/{w.loan_topic.id}", csrf, name_sv="Mitt",
                   name_en="Mine", is_active="on")  # fmt: skip
    assert refused.status_code == 403
    db.expire_all()
    assert db.get(Topic, w.loan_topic.id).name_en != "Mine"


def test_a_customer_cannot_open_a_case_for_someone_else(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.alice_user)
    response = post(
        client, "/cases/new", csrf, message="Hej", customer=w.bob.email,
        customer_id=str(w.bob.id),
    )  # fmt: skip
    assert response.status_code == 303
    number = response.headers["location"][7:]
    assert db.scalar(select(Case.customer_id).where(Case.number == number)) == w.alice.id


def test_a_customer_reply_appears_in_the_timeline(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    number = w.alice_case.number
    text = page(client.get(f"/cases/{number}"))
    redirected(
        post(client, f"/cases/{number}/reply", csrf_of(text), body="Kortet kom idag!"),
        f"/cases/{number}",
    )
    timeline = fragment(client.get(f"/cases/{number}?partial=1"))
    assert "Kortet kom idag!" in timeline
    assert "Du skrev" in timeline  # the customer's own words, on the customer's own page
    assert "Meddelande från kunden" not in timeline
    assert timeline.index("Mitt kort har inte kommit.") < timeline.index("Kortet kom idag!")
    assert "Kortet kom idag!" in page(client.get(f"/cases/{number}"))
    # The agent sees it too, as the customer's message; routing is done by Nära.
    log_in(client, db, w.card_agent)
    staff = page(client.get(f"/cases/{number}"))
    assert "Kortet kom idag!" in staff and "Meddelande från kunden" in staff
    routed = staff.split("event-case-routed")[1].split("</p>")[0]
    assert "Nära" in routed and w.alice_user.display_name not in routed


def test_an_empty_customer_reply_shows_the_error(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.alice_user)
    before = len(events(db, w.alice_case))
    text = page(post(client, f"/cases/{w.alice_case.number}/reply", csrf, body=" \n "), 422)
    assert_field_error(text, "f-body")
    assert len(events(db, w.alice_case)) == before


def test_internal_notes_never_reach_the_customer(
    client: TestClient, db: Session, w: factories.World
) -> None:
    number = w.alice_case.number
    csrf = log_in(client, db, w.card_agent)
    redirected(
        post(client, f"/cases/{number}/note", csrf, body="Hemlig anteckning 4711"),
        f"/cases/{number}",
    )
    redirected(
        post(client, f"/cases/{number}/reply", csrf, body="Vi tittar på det."), f"/cases/{number}"
    )
    agent_view = page(client.get(f"/cases/{number}"))
    assert "Hemlig anteckning 4711" in agent_view
    assert "badge-internal" in agent_view
    csrf = log_in(client, db, w.alice_user)
    for url in (f"/cases/{number}", f"/cases/{number}?partial=1", "/cases"):
        text = client.get(url).text
        assert "Hemlig anteckning 4711" not in text
        assert "Intern anteckning" not in text
        assert "badge-internal" not in text
    assert "Vi tittar på det." in page(client.get(f"/cases/{number}"))
    # Nor can the customer write one, or change what only staff change.
    before = len(events(db, w.alice_case))
    page(post(client, f"/cases/{number}/note", csrf, body="Jag är personal"), 404)
    assert page(post(client, f"/cases/{number}/status", csrf, status="closed"), 403)
    assert page(post(client, f"/cases/{number}/priority", csrf, priority="urgent"), 403)
    assert page(post(client, f"/cases/{number}/claim", csrf), 403)
    assert len(events(db, w.alice_case)) == before
    case = fresh(db, w.alice_case)
    assert (case.status, case.priority, case.owner_id) == ("open", "normal", None)


# ---- the agent workspace ----
def test_inbox_tabs_count_and_list_the_right_cases(
    client: TestClient, db: Session, w: factories.World
) -> None:
    agent = factories.actor(db, w.card_agent)
    mine = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, message="Mitt ärende")
    case_actions.assign_case(session=db, actor=agent, number=mine.number, owner_id=w.card_agent.id)
    lead_owned = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, message="Ledarens")
    case_actions.assign_case(
        session=db, actor=agent, number=lead_owned.number, owner_id=w.card_lead.id
    )
    db.commit()
    log_in(client, db, w.card_agent)
    text = page(client.get("/cases"))
    assert tab_counts(text) == {"mine": 1, "unassigned": 1, "team": 3}
    assert 'href="/cases?tab=mine" aria-current="page"' in text
    assert listed(text) == [mine.number]
    unassigned = page(client.get("/cases?tab=unassigned"))
    assert listed(unassigned) == [w.alice_case.number]
    assert 'href="/cases?tab=unassigned" aria-current="page"' in unassigned
    team = listed(page(client.get("/cases?tab=team")))
    assert sorted(team) == sorted([w.alice_case.number, mine.number, lead_owned.number])
    assert w.bob_case.number not in team  # another team's case
    # An unknown tab falls back to "mine".
    assert listed(page(client.get("/cases?tab=evil"))) == [mine.number]
    # Closed cases leave the inbox.
    case_actions.change_status(session=db, actor=agent, number=mine.number, status="closed")
    db.commit()
    assert tab_counts(page(client.get("/cases")))["mine"] == 0
    # The loans agent sees only the loans case.
    log_in(client, db, w.loan_agent)
    assert tab_counts(page(client.get("/cases"))) == {"mine": 0, "unassigned": 1, "team": 1}


def test_a_tab_past_the_count_cap_says_so_and_pages_on(
    client: TestClient, db: Session, w: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap a tab shows "3+", says "More than 3 cases" and numbers its pages
    without a last one; Next leads on while cases follow (English and Swedish)."""
    for _ in range(3):
        factories.case(db, the_customer=w.bob, the_topic=w.card_topic, message="Kö")
    db.commit()
    monkeypatch.setattr(inbox_queries, "BACKLOG_CAP", 3)
    log_in(client, db, w.card_agent)
    client.cookies.set("nara_lang", "en")
    whole = page(client.get("/cases?tab=team"))
    assert re.search(r'tab=team"[^>]*>[^<]*<span class="count">3\+</span>', whole)
    assert "More than 3 cases · page 1<" in whole
    assert len(listed(whole)) == 4 and ">Next<" not in whole  # alice's and three more
    whole_inbox = inbox_queries.inbox
    monkeypatch.setattr(  # three cases a page
        inbox_queries,
        "inbox",
        lambda s, a, q: whole_inbox(s, a, dataclasses.replace(q, per_page=3)),
    )
    first = page(client.get("/cases?tab=team"))
    assert len(listed(first)) == 3 and ">Next<" in first and ">Previous<" not in first
    client.cookies.set("nara_lang", "sv")
    second = page(client.get("/cases?tab=team&page=2"))
    assert "Fler än 3 ärenden · sida 2<" in second and ">Nästa<" not in second
    assert len(listed(second)) == 1 and set(listed(second)).isdisjoint(listed(first))
    assert set(listed(first)) | set(listed(second)) == set(listed(whole))


def test_filters_narrow_the_inbox(client: TestClient, db: Session, w: factories.World) -> None:
    agent = factories.actor(db, w.card_agent)
    other_topic = factories.topic(db, teams=[w.cards])
    phone = case_actions.open_case(
        session=db,
        actor=agent,
        message="Telefon",
        customer_id=w.bob.id,
        channel="phone",
        priority="high",
        topic_id=other_topic.id,
    ).case
    waiting = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, message="Väntar")
    case_actions.change_status(
        session=db, actor=agent, number=waiting.number, status="waiting_on_customer"
    )
    resolved = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, message="Klart")
    case_actions.change_status(session=db, actor=agent, number=resolved.number, status="resolved")
    db.commit()
    log_in(client, db, w.card_agent)

    def shown(**params: str) -> set[str]:
        return set(listed(page(client.get("/cases", params={"tab": "team", **params}))))

    everything = {w.alice_case.number, phone.number, waiting.number}  # resolved: not active
    assert shown() == everything
    assert shown(topic=str(other_topic.id)) == {phone.number}
    assert shown(topic=str(w.card_topic.id)) == everything - {phone.number}
    assert shown(channel="phone") == {phone.number}
    assert shown(channel="web") == everything - {phone.number}
    assert shown(priority="high") == {phone.number}
    assert shown(priority="urgent") == set()
    assert shown(status="waiting_on_customer") == {waiting.number}
    assert shown(status="resolved") == {resolved.number}
    assert shown(status="new") == {w.alice_case.number, phone.number}
    assert shown(topic=str(w.card_topic.id), status="new") == {w.alice_case.number}
    # Values that are not choices are ignored, not errors.
    assert shown(channel="fax", priority="", status="x", topic="abc") == everything
    # The form shows the chosen filters.
    text = page(client.get("/cases", params={"tab": "team", "channel": "phone"}))
    assert '<option value="phone" selected>' in text


def test_search_by_case_number_and_customer_name(
    client: TestClient, db: Session, w: factories.World
) -> None:
    stina = customer_actions.create_customer(session=db, actor=SYSTEM, name="Stina Ödmark")
    stinas = factories.case(db, the_customer=stina, the_topic=w.card_topic, message="Hej")
    db.commit()
    log_in(client, db, w.card_agent)

    def found(q: str) -> list[str]:
        return listed(page(client.get("/cases", params={"tab": "team", "q": q})))

    assert found(w.alice_case.number) == [w.alice_case.number]
    assert found(w.alice_case.number.lower()) == [w.alice_case.number]
    assert found(stinas.number) == [stinas.number]
    assert found("Stina Ödmark") == [stinas.number]
    assert found("stina") == [stinas.number]
    assert found(w.alice.name) == [w.alice_case.number]
    assert found("ingen sådan kund") == []
    assert found("%") == []  # LIKE wildcards are taken literally
    text = page(client.get("/cases", params={"tab": "team", "q": "ingen sådan kund"}))
    assert 'value="ingen sådan kund"' in text
    # Another team's case is not found by its number.
    assert found(w.bob_case.number) == []
    # Counts follow the search.
    assert tab_counts(page(client.get("/cases", params={"tab": "team", "q": "stina"})))["team"] == 1


def test_partial_returns_only_the_fragment(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.card_agent)
    table = fragment(client.get("/cases", params={"tab": "team", "partial": "1"}))
    assert table.lstrip().startswith('<div id="inbox"')
    assert listed(table) == [w.alice_case.number]
    assert 'hx-get="/cases?' in table
    assert "partial=1" in table
    filtered = fragment(client.get("/cases", params={"tab": "team", "partial": "1", "q": "zzz"}))
    assert listed(filtered) == []
    timeline = fragment(client.get(f"/cases/{w.alice_case.number}?partial=1"))
    assert timeline.lstrip().startswith('<ol class="timeline"')
    assert "Mitt kort har inte kommit." in timeline


def test_case_forms_change_the_case_and_show_in_the_timeline(
    client: TestClient, db: Session, w: factories.World
) -> None:
    number = w.alice_case.number
    url = f"/cases/{number}"
    log_in(client, db, w.card_agent)
    text = page(client.get(url))
    assert 'id="claim-form"' in text
    assert "Ingen ännu" in text
    csrf = csrf_of(text)

    redirected(post(client, f"{url}/claim", csrf), url)
    assert fresh(db, w.alice_case).owner_id == w.card_agent.id
    text = page(client.get(url))
    assert "Ärendeägare ändrad" in text
    assert 'id="claim-form"' not in text  # nothing to claim any more
    assert w.alice_case.number in listed(page(client.get("/cases?tab=mine")))

    redirected(post(client, f"{url}/status", csrf, status="waiting_on_customer"), url)
    assert fresh(db, w.alice_case).status == "waiting_on_customer"
    assert "Status ändrad" in page(client.get(url))

    redirected(post(client, f"{url}/priority", csrf, priority="urgent"), url)
    assert fresh(db, w.alice_case).priority == "urgent"
    text = page(client.get(url))
    assert "Prioritet ändrad" in text
    assert "Normal → Brådskande" in text

    redirected(post(client, f"{url}/note", csrf, body="Kollat kortregistret."), url)
    redirected(post(client, f"{url}/reply", csrf, body="Nytt kort är skickat."), url)
    text = page(client.get(url))
    assert "Kollat kortregistret." in text
    assert "Nytt kort är skickat." in text
    assert "Svar till kunden" in text
    assert fresh(db, w.alice_case).first_response_at is not None

    redirected(post(client, f"{url}/assign", csrf, owner_id=str(w.card_lead.id)), url)
    assert fresh(db, w.alice_case).owner_id == w.card_lead.id
    redirected(post(client, f"{url}/assign", csrf, owner_id=""), url)
    assert fresh(db, w.alice_case).owner_id is None
    types = [e.type for e in events(db, w.alice_case)]
    for expected in (
        "case.assigned",
        "case.status_changed",
        "case.priority_changed",
        "note.added",
        "message.agent",
        "case.unassigned",
    ):
        assert expected in types

    # Moving the case to another team is a hand-over: without a reason it is refused.
    refused = page(
        post(client, f"{url}/assign", csrf, owner_id="keep", team_id=str(w.loans.id)), 422
    )
    assert "Ange varför du lämnar över ärendet" in refused
    assert fresh(db, w.alice_case).team_id == w.cards.id
    # The hand-over form: the agent who handed it over keeps reading the case.
    redirected(
        post(client, f"{url}/handover", csrf, team=w.loans.slug, owner="", reason="Ett lån."), url
    )
    assert fresh(db, w.alice_case).team_id == w.loans.id
    text = page(client.get(url))
    assert "Överlämnat" in text and "Ett lån." in text
    # The agent only reads it now: no forms that would change it.
    assert "Du kan läsa ärendet eftersom du eller ditt team har deltagit i det." in text
    for action in ("handover", "reply", "status", "claim"):
        assert f'action="/cases/{w.alice_case.number}/{action}"' not in text
    log_in(client, db, w.loan_agent)
    assert "Överlämnat" in page(client.get(url))


def test_case_form_errors_are_shown_on_the_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"/cases/{w.alice_case.number}"
    csrf = log_in(client, db, w.card_agent)
    before = len(events(db, w.alice_case))
    text = page(post(client, f"{url}/reply", csrf, body="   "), 422)
    assert_field_error(text, "f-body")
    # A status that does not exist, an owner outside the team.
    assert 'role="alert"' in page(post(client, f"{url}/status", csrf, status="bogus"), 422)
    bad_owner = post(client, f"{url}/assign", csrf, owner_id=str(w.loan_agent.id))
    assert 'role="alert"' in page(bad_owner, 422)
    assert len(events(db, w.alice_case)) == before
    assert fresh(db, w.alice_case).owner_id is None
    # An unknown action is a 404 page.
    assert "Hittades inte" in page(post(client, f"{url}/explode", csrf), 404)


def test_a_failed_note_marks_the_note_field_not_the_reply(
    client: TestClient, db: Session, w: factories.World
) -> None:
    url = f"/cases/{w.alice_case.number}"
    csrf = log_in(client, db, w.card_agent)
    text = page(post(client, f"{url}/note", csrf, body="  "), 422)
    assert_field_error(text, "f-note")
    reply = re.search(r'<textarea[^>]*id="f-body"[^>]*>', text, re.S)
    assert reply is not None
    assert "aria-invalid" not in reply.group(0)


def test_closed_cases_offer_no_forms(client: TestClient, db: Session, w: factories.World) -> None:
    agent = factories.actor(db, w.card_agent)
    case_actions.change_status(session=db, actor=agent, number=w.alice_case.number, status="closed")
    db.commit()
    url = f"/cases/{w.alice_case.number}"
    csrf = log_in(client, db, w.card_agent)
    text = page(client.get(url))
    assert f'action="{url}/reply"' not in text
    assert 'id="claim-form"' not in text
    assert 'role="alert"' in page(post(client, f"{url}/reply", csrf, body="hej"), 409)
    log_in(client, db, w.alice_user)
    text = page(client.get(url))
    assert "Avslutat" in text
    assert 'href="/cases/new"' in text
    assert f'action="{url}/reply"' not in text


# ---- CSRF on every form ----
def _forms(w: factories.World) -> list[tuple[str, dict[str, str]]]:
    number = w.alice_case.number
    return [
        (f"/cases/{number}/reply", {"body": "förfalskat"}),
        (f"/cases/{number}/note", {"body": "förfalskat"}),
        (f"/cases/{number}/status", {"status": "closed"}),
        (f"/cases/{number}/priority", {"priority": "urgent"}),
        (f"/cases/{number}/claim", {}),
        (f"/cases/{number}/assign", {"owner_id": ""}),
        ("/cases/new", {"message": "förfalskat", "customer_id": str(w.bob.id)}),
        (f"/admin/teams/{w.cards.id}/add-member", {"user_id": str(w.loan_agent.id)}),
        (f"/admin/teams/{w.cards.id}/remove-member", {"user_id": str(w.card_agent.id)}),
        (f"/admin/teams/{w.cards.id}/add-topic", {"topic_id": str(w.loan_topic.id)}),
        (f"/admin/teams/{w.cards.id}/remove-topic", {"topic_id": str(w.card_topic.id)}),
        (f"/admin/teams/{w.cards.id}/fallback", {}),
        ("/admin/teams", {"slug": "falsk", "name_sv": "F", "name_en": "F"}),
        ("/admin/topics", {"slug": "falsk", "name_sv": "F", "name_en": "F"}),
        (f"/admin/topics/{w.card_topic.id}", {"name_sv": "F", "name_en": "F"}),
        ("/admin/users", {"email": "falsk@example.test", "display_name": "F", "role": "admin"}),
        (f"/admin/users/{w.card_agent.id}/active", {"active": "0"}),
        ("/admin/tokens", {"name": "falsk"}),
        ("/lang", {"lang": "en"}),
        ("/logout", {}),
    ]


def _state(db: Session, w: factories.World) -> tuple[object, ...]:
    db.expire_all()
    case = fresh(db, w.alice_case)
    agent = db.get(User, w.card_agent.id)
    admin = db.get(User, w.admin.id)
    topic = db.get(Topic, w.card_topic.id)
    assert agent is not None and admin is not None and topic is not None
    return (
        count(db, Case),
        count(db, CaseEvent),
        count(db, User),
        count(db, TeamMember),
        count(db, TeamTopic),
        count(db, ApiToken),
        case.status,
        case.priority,
        case.owner_id,
        agent.is_active,
        admin.locale,
        topic.name_sv,
        w.front.is_fallback,
    )


@pytest.mark.parametrize("csrf", [None, "", "fel-token"], ids=["missing", "empty", "wrong"])
def test_forms_without_the_right_csrf_token_change_nothing(
    client: TestClient, db: Session, w: factories.World, csrf: str | None
) -> None:
    real = log_in(client, db, w.admin)
    before = _state(db, w)
    for url, data in _forms(w):
        text = page(post(client, url, csrf, **data), 403)
        assert "Inte tillåtet" in text, url
    assert _state(db, w) == before
    assert client.get("/cases", follow_redirects=False).status_code == 200  # still logged in
    assert client.cookies.get("nara_lang") is None
    # The right token works.
    redirected(
        post(client, f"/cases/{w.alice_case.number}/priority", real, priority="high"),
        f"/cases/{w.alice_case.number}",
    )


def test_another_sessions_token_is_refused(
    client: TestClient, db: Session, w: factories.World
) -> None:
    others = auth_actions.start_session(session=db, user=w.card_agent).session.csrf_token
    log_in(client, db, w.card_agent)
    before = len(events(db, w.alice_case))
    page(post(client, f"/cases/{w.alice_case.number}/note", others, body="x"), 403)
    assert len(events(db, w.alice_case)) == before


# ---- lead and admin pages ----
def test_a_lead_manages_members_and_topics_of_their_own_team(
    client: TestClient, db: Session, w: factories.World
) -> None:
    base = f"/admin/teams/{w.cards.id}"
    csrf = log_in(client, db, w.card_lead)
    text = page(client.get(base))
    assert f'action="{base}/add-member"' in text
    assert f'<option value="{w.loan_agent.id}">' in text

    redirected(post(client, f"{base}/add-member", csrf, user_id=str(w.loan_agent.id)), base)
    text = page(client.get(base))
    members = text.split('id="members-heading"')[1].split('id="topics-heading"')[0]
    assert w.loan_agent.display_name in members
    redirected(post(client, f"{base}/remove-member", csrf, user_id=str(w.loan_agent.id)), base)
    members = page(client.get(base)).split('id="members-heading"')[1].split("topics-heading")[0]
    assert w.loan_agent.display_name not in members.split("<select")[0]

    new_topic = factories.topic(db)  # no team handles it yet
    redirected(post(client, f"{base}/add-topic", csrf, topic_id=str(new_topic.id)), base)
    assert db.scalar(
        select(TeamTopic).where(TeamTopic.team_id == w.cards.id, TeamTopic.topic_id == new_topic.id)
    )
    redirected(post(client, f"{base}/remove-topic", csrf, topic_id=str(new_topic.id)), base)
    assert not db.scalar(
        select(TeamTopic).where(TeamTopic.team_id == w.cards.id, TeamTopic.topic_id == new_topic.id)
    )
    # The loans team's topic is theirs: not offered, and refused when posted anyway.
    offered = page(client.get(base)).split('id="add-topic"')[1].split("</select>")[0]
    assert f'<option value="{new_topic.id}">' in offered
    assert f'<option value="{w.loan_topic.id}">' not in offered
    page(post(client, f"{base}/add-topic", csrf, topic_id=str(w.loan_topic.id)), 403)
    # A customer cannot be made a member.
    text = page(post(client, f"{base}/add-member", csrf, user_id=str(w.alice_user.id)), 422)
    assert 'role="alert"' in text
    assert w.alice_user.display_name not in text.split('id="members-heading"')[1].split("<form")[0]


def test_a_lead_cannot_change_another_team(
    client: TestClient, db: Session, w: factories.World
) -> None:
    base = f"/admin/teams/{w.loans.id}"
    csrf = log_in(client, db, w.card_lead)
    text = page(client.get(base))  # may look
    assert f'action="{base}/add-member"' not in text
    assert f'action="{base}/remove-member"' not in text
    assert f'action="{base}/add-topic"' not in text
    before = (count(db, TeamMember), count(db, TeamTopic))
    for action, data in [
        ("add-member", {"user_id": str(w.card_agent.id)}),
        ("remove-member", {"user_id": str(w.loan_agent.id)}),
        ("add-topic", {"topic_id": str(w.card_topic.id)}),
        ("remove-topic", {"topic_id": str(w.loan_topic.id)}),
        ("fallback", {}),
    ]:
        assert "Inte tillåtet" in page(post(client, f"{base}/{action}", csrf, **data), 403)
    assert (count(db, TeamMember), count(db, TeamTopic)) == before
    # Agents change no team, not even their own.
    csrf = log_in(client, db, w.card_agent)
    page(
        post(client, f"/admin/teams/{w.cards.id}/add-member", csrf, user_id=str(w.loan_agent.id)),
        403,
    )
    assert (count(db, TeamMember), count(db, TeamTopic)) == before


def test_admin_creates_teams_and_topics(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.admin)
    redirected(
        post(
            client,
            "/admin/teams",
            csrf,
            slug="bolan",
            name_sv="Bolån",
            name_en="Mortgages",
            description="",
        ),
        "/admin/teams",
    )
    assert "Bolån" in page(client.get("/admin/teams"))
    text = page(
        post(client, "/admin/teams", csrf, slug="Inte En Slug", name_sv="X", name_en="X"), 422
    )
    assert_field_error(text, "f-slug")
    assert 'value="Inte En Slug"' in text
    redirected(
        post(
            client,
            "/admin/topics",
            csrf,
            slug="lan-fraga",
            name_sv="Lånefråga",
            name_en="Loan question",
        ),
        "/admin/topics",
    )
    text = page(client.get("/admin/topics"))
    assert "Lånefråga" in text
    assert "Inget team: går till reservteamet" in text
    text = page(
        post(client, "/admin/topics", csrf, slug="lan-fraga", name_sv="Igen", name_en="Again"), 422
    )
    assert_field_error(text, "f-slug")
    redirected(
        post(
            client,
            f"/admin/topics/{w.card_topic.id}",
            csrf,
            name_sv="Kortärende",
            name_en="Card matter",
        ),
        "/admin/topics",
    )
    topic = reloaded(db, Topic, w.card_topic.id)
    assert (topic.name_sv, topic.is_active) == ("Kortärende", False)
    # Agents and leads may not create teams; agents may not create topics.
    csrf = log_in(client, db, w.card_lead)
    before = count(db, Topic)
    page(post(client, "/admin/teams", csrf, slug="ledarens", name_sv="L", name_en="L"), 403)
    csrf = log_in(client, db, w.card_agent)
    text = page(client.get("/admin/topics"))
    assert 'action="/admin/topics"' not in text
    page(post(client, "/admin/topics", csrf, slug="agentens", name_sv="A", name_en="A"), 403)
    page(
        post(
            client,
            f"/admin/topics/{w.card_topic.id}",
            csrf,
            name_sv="A",
            name_en="A",
            is_active="on",
        ),
        403,
    )
    assert count(db, Topic) == before


def test_admin_creates_users_and_sees_duplicate_email(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.admin)
    text = page(client.get("/admin/users"))
    assert w.card_agent.email in text
    assert w.alice_user.email in text
    before = count(db, User)
    redirected(
        post(
            client,
            "/admin/users",
            csrf,
            email="ny.agent@example.test",
            display_name="Ny Agent",
            role="agent",
            password="",
        ),
        "/admin/users",
    )
    assert count(db, User) == before + 1
    assert "ny.agent@example.test" in page(client.get("/admin/users"))
    text = page(
        post(
            client,
            "/admin/users",
            csrf,
            email="NY.agent@example.test",
            display_name="Dubblett",
            role="lead",
        ),
        422,
    )
    assert_field_error(text, "f-email")
    assert "Det finns redan en användare med den här e-postadressen." in text  # in Swedish
    assert 'value="Dubblett"' in text  # the form keeps what was written
    text = page(
        post(client, "/admin/users", csrf, email="inte-en-adress", display_name="X", role="agent"),
        422,
    )
    assert_field_error(text, "f-email")
    assert count(db, User) == before + 1


def test_admin_deactivates_and_activates_users(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.admin)
    url = f"/admin/users/{w.card_agent.id}/active"
    redirected(post(client, url, csrf, active="0"), "/admin/users")
    assert reloaded(db, User, w.card_agent.id).is_active is False
    assert "Aktivera" in page(client.get("/admin/users"))
    # A deactivated user cannot log in.
    agent_client_token = auth_actions.log_in(session=db, email=w.card_agent.email, password="x")
    assert agent_client_token is None
    redirected(post(client, url, csrf, active="1"), "/admin/users")
    assert reloaded(db, User, w.card_agent.id).is_active is True
    # Admins cannot deactivate themselves: an error on the page, nothing changes.
    text = page(post(client, f"/admin/users/{w.admin.id}/active", csrf, active="0"), 422)
    assert 'role="alert"' in text
    assert reloaded(db, User, w.admin.id).is_active is True


@pytest.mark.parametrize("role", ["agent", "lead", "customer"])
def test_only_admins_manage_users(
    client: TestClient, db: Session, w: factories.World, role: str
) -> None:
    user = {"agent": w.card_agent, "lead": w.card_lead, "customer": w.alice_user}[role]
    csrf = log_in(client, db, user)
    before = count(db, User)
    page(client.get("/admin/users"), 403)
    created = page(
        post(
            client,
            "/admin/users",
            csrf,
            email="smyg@example.test",
            display_name="Smyg",
            role="admin",
        ),
        403,
    )
    deactivated = page(post(client, f"/admin/users/{w.admin.id}/active", csrf, active="0"), 403)
    for text in (created, deactivated):  # the user list is not shown to them
        assert w.admin.email not in text
        assert w.bob_user.email not in text
    assert count(db, User) == before
    assert reloaded(db, User, w.admin.id).is_active is True


def test_customers_have_no_admin_pages_and_no_tokens(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.alice_user)
    for url in ("/admin/teams", f"/admin/teams/{w.cards.id}", "/admin/topics", "/admin/tokens"):
        page(client.get(url), 403)
    before = (count(db, ApiToken), count(db, Topic))
    page(post(client, "/admin/tokens", csrf, name="kundens"), 403)
    page(post(client, "/admin/topics", csrf, slug="kund", name_sv="K", name_en="K"), 403)
    page(post(client, "/admin/teams", csrf, slug="kund", name_sv="K", name_en="K"), 403)
    assert (count(db, ApiToken), count(db, Topic)) == before


def test_tokens_are_shown_once_and_can_be_revoked(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    text = page(client.get("/admin/tokens"))
    assert 'class="token"' not in text
    created = page(post(client, "/admin/tokens", csrf, name="CRM-synk"))
    match = re.search(r'<code class="token">(nara_[^<]+)</code>', created)
    assert match is not None
    token = match.group(1)
    assert "CRM-synk" in created
    # The API accepts it.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["id"] == w.card_agent.id
    # Shown once: not on the next visit.
    listing = page(client.get("/admin/tokens"))
    assert token not in listing
    assert "CRM-synk" in listing
    # The same name again is an error on the form.
    assert_field_error(page(post(client, "/admin/tokens", csrf, name="CRM-synk"), 422), "f-name")
    api_token = db.scalar(select(ApiToken).where(ApiToken.user_id == w.card_agent.id))
    assert api_token is not None
    redirected(post(client, f"/admin/tokens/{api_token.id}/revoke", csrf), "/admin/tokens")
    assert "Återkallad" in page(client.get("/admin/tokens"))
    client.cookies.clear()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # Someone else's token cannot be revoked, and is not listed.
    other = factories.token(db, w.loan_agent)
    db.commit()
    other_id = db.scalar(select(ApiToken.id).where(ApiToken.user_id == w.loan_agent.id))
    csrf = log_in(client, db, w.card_agent)
    response = post(client, f"/admin/tokens/{other_id}/revoke", csrf)
    assert 'role="alert"' in page(response, 422)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200


# ---- languages ----
def test_swedish_is_the_default(client: TestClient) -> None:
    text = page(client.get("/"))
    assert html_lang(text) == "sv"
    assert "Logga in" in text
    assert "E-postadress" in text
    assert ">English</button>" in text


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,en;q=0.5", "en"),
        ("sv-SE", "sv"),
        ("nb-NO", "sv"),
        ("fr, de", "sv"),
        ("en;q=0, sv;q=0.1", "sv"),
        ("", "sv"),
        ("x" * 5000, "sv"),
    ],
)
def test_accept_language_chooses_the_language(client: TestClient, header: str, lang: str) -> None:
    text = page(client.get("/", headers={"Accept-Language": header}))
    assert html_lang(text) == lang
    assert ("Log in" if lang == "en" else "Logga in") in text


def test_english_pages_are_in_english(client: TestClient, db: Session, w: factories.World) -> None:
    en = {"Accept-Language": "en"}
    log_in(client, db, w.alice_user)
    text = page(client.get("/cases", headers=en))
    assert html_lang(text) == "en"
    assert "My cases" in text
    assert "Received" in text
    assert "What happens next:" in text
    assert "Mina ärenden" not in text
    log_in(client, db, w.card_agent)
    text = page(client.get("/cases", headers=en))
    assert "Inbox" in text
    text = page(client.get(f"/cases/{w.alice_case.number}", headers=en))
    assert "Case opened" in text
    assert "Not allowed" in page(client.get("/admin/users", headers=en), 403)
    assert "Not found" in page(client.get("/cases/NA-1999-1", headers=en), 404)


def test_the_language_switch_for_visitors(client: TestClient) -> None:
    redirected(post(client, "/lang", None, lang="en", next="/"), "/")
    assert client.cookies.get("nara_lang") == "en"
    text = page(client.get("/"))
    assert html_lang(text) == "en"
    assert "Log in" in text
    assert ">Svenska</button>" in text
    # The choice beats the browser's language.
    assert html_lang(page(client.get("/", headers={"Accept-Language": "sv"}))) == "en"
    redirected(post(client, "/lang", None, lang="sv", next="/"), "/")
    assert html_lang(page(client.get("/", headers={"Accept-Language": "en"}))) == "sv"


def test_the_language_switch_is_stored_on_the_user(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    redirected(post(client, "/lang", csrf, lang="en", next="/cases?tab=team"), "/cases?tab=team")
    assert reloaded(db, User, w.card_agent.id).locale == "en"
    assert html_lang(page(client.get("/cases"))) == "en"
    # A new browser (no language cookie) gets the user's language.
    log_in(client, db, w.card_agent)
    assert client.cookies.get("nara_lang") is None
    text = page(client.get("/cases"))
    assert html_lang(text) == "en"
    assert "Inbox" in text
    # Switching back is stored too.
    redirected(post(client, "/lang", csrf_of(text), lang="sv", next="/cases"), "/cases")
    assert reloaded(db, User, w.card_agent.id).locale == "sv"


def test_the_language_form_on_a_page_switches(
    client: TestClient, db: Session, w: factories.World
) -> None:
    log_in(client, db, w.alice_user)
    text = page(client.get(f"/cases/{w.alice_case.number}"))
    form = re.search(r'<form method="post" action="/lang".*?</form>', text, re.S)
    assert form is not None
    next_url = re.search(r'name="next" value="([^"]+)"', form.group(0))
    assert next_url is not None
    assert next_url.group(1) == f"/cases/{w.alice_case.number}"
    response = post(client, "/lang", csrf_of(form.group(0)), lang="en", next=next_url.group(1))
    redirected(response, f"/cases/{w.alice_case.number}")
    assert "What happens next" in page(client.get(response.headers["location"]))


@pytest.mark.parametrize(
    ("lang", "accept", "expected"),
    [
        ("xx", "", "sv"),
        ("xx", "en", "en"),
        ("", "", "sv"),
        ("EN", "", "sv"),
        ("en\u0000", "", "sv"),
        (SCRIPT, "en", "en"),
    ],
)
def test_an_unsupported_language_falls_back(
    client: TestClient, lang: str, accept: str, expected: str
) -> None:
    response = client.post(
        "/lang",
        data={"lang": lang, "next": "/"},
        headers={"Accept-Language": accept},
        follow_redirects=False,
    )
    redirected(response, "/")
    assert client.cookies.get("nara_lang") == expected
    assert html_lang(page(client.get("/"))) == expected


def test_an_unsupported_language_is_not_stored_on_the_user(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.card_agent)
    redirected(post(client, "/lang", csrf, lang="de", next="/cases"), "/cases")
    assert reloaded(db, User, w.card_agent.id).locale == "sv"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/cases",
        "https://evil.example",
        "http:/evil.example",
        "evil.example",
        "javascript:alert(1)",
        "",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        " //evil.example",
    ],
)
def test_the_language_switch_never_redirects_off_site(client: TestClient, target: str) -> None:
    response = post(client, "/lang", None, lang="en", next=target)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert "\t" not in location and "\\" not in location
    assert httpx.URL(f"https://nara.example{location}").host == "nara.example"


def test_the_language_switch_keeps_a_local_target(client: TestClient) -> None:
    redirected(
        post(client, "/lang", None, lang="en", next="/cases?tab=team&q=x"), "/cases?tab=team&q=x"
    )


# ---- escaping ----
@pytest.fixture
def evil(db: Session, w: factories.World) -> dict[str, Any]:
    """A team, topic, customer (with login) and case whose every text is markup."""
    team = team_actions.create_team(
        session=db, actor=SYSTEM, slug="ond", name_sv=SCRIPT, name_en=SCRIPT, description=SCRIPT
    )
    topic = team_actions.create_topic(
        session=db, actor=SYSTEM, slug="ont", name_sv=SCRIPT, name_en=SCRIPT
    )
    team_actions.add_team_topic(session=db, actor=SYSTEM, team_id=team.id, topic_id=topic.id)
    for member in (w.card_agent, w.card_lead):
        team_actions.add_team_member(session=db, actor=SYSTEM, team_id=team.id, user_id=member.id)
    login = user_actions.create_user(
        session=db, actor=SYSTEM, email="ond@example.test", display_name=SCRIPT, role="customer"
    )
    customer = customer_actions.create_customer(
        session=db, actor=SYSTEM, name=SCRIPT, user_id=login.id
    )
    case = factories.case(
        db, the_customer=customer, the_topic=topic, by=login, message=f"{SCRIPT}\nrad två"
    )
    db.commit()
    assert case.team_id == team.id
    assert case.subject == SCRIPT
    return {"team": team, "topic": topic, "login": login, "customer": customer, "case": case}


def test_markup_is_escaped_on_every_staff_page(
    client: TestClient, db: Session, w: factories.World, evil: dict[str, Any]
) -> None:
    number = evil["case"].number
    log_in(client, db, w.card_lead)
    checks = {
        "/cases?tab=team": 3,  # subject, customer, team; topic in the filter
        f"/cases?tab=team&q={number}": 3,
        f"/cases?tab=team&partial=1&q={number}": 3,
        f"/cases/{number}": 6,  # title, heading, message, customer, team, topic, actor
        f"/cases/{number}?partial=1": 2,  # message, actor
        f"/cases/{w.alice_case.number}": 1,  # the team in "move to team"
        "/cases/new": 1,  # topic
        "/admin/teams": 2,  # team, topic
        f"/admin/teams/{evil['team'].id}": 3,  # title, heading, description, topic
        f"/admin/teams/{w.cards.id}": 1,  # free topic
        "/admin/topics": 2,  # topic, team
    }
    for lang in ("sv", "en"):
        for url, times in checks.items():
            response = client.get(url, headers={"Accept-Language": lang})
            assert response.status_code == 200, url
            assert_escaped(response.text, times)
    log_in(client, db, w.admin)
    assert_escaped(page(client.get("/admin/users")), 2)  # display name, team
    csrf = log_in(client, db, w.card_lead)
    # Error pages and re-rendered forms escape what was sent.
    assert_escaped(page(client.get(f"/nope/{SCRIPT}"), 404))
    odd = client.get(f"/cases/{SCRIPT}")  # "</script>" makes it /cases/{number}/{action}
    assert SCRIPT not in page(odd, odd.status_code)
    assert odd.status_code in (404, 405)
    text = page(post(client, f"/cases/{number}/status", csrf, status=SCRIPT), 422)
    assert SCRIPT not in text
    text = page(post(client, "/cases/new", csrf, message="", subject=SCRIPT, customer_id="1"), 422)
    assert_escaped(text)


def test_markup_is_escaped_on_every_customer_page(
    client: TestClient, db: Session, w: factories.World, evil: dict[str, Any]
) -> None:
    number = evil["case"].number
    agent = factories.actor(db, w.card_agent)
    case_actions.assign_case(session=db, actor=agent, number=number, owner_id=w.card_agent.id)
    case_actions.reply_to_case(session=db, actor=agent, number=number, body=f"svar {SCRIPT}")
    db.commit()
    csrf = log_in(client, db, evil["login"])
    for lang in ("sv", "en"):
        headers = {"Accept-Language": lang}
        assert_escaped(
            page(client.get("/cases", headers=headers)), 2
        )  # subject, name (owned: no team)
        assert_escaped(page(client.get(f"/cases/{number}", headers=headers)), 5)
        assert_escaped(fragment(client.get(f"/cases/{number}?partial=1", headers=headers)), 3)
        assert_escaped(page(client.get("/cases/new", headers=headers)), 2)  # topic, name
    text = page(post(client, f"/cases/{number}/reply", csrf, body=" "), 422)
    assert_escaped(text)
    redirected(
        post(client, f"/cases/{number}/reply", csrf, body=f"igen {SCRIPT}"), f"/cases/{number}"
    )
    assert f"igen {ESCAPED_SCRIPT}" in page(client.get(f"/cases/{number}"))


def test_markup_in_a_token_name_and_new_team_form_is_escaped(
    client: TestClient, db: Session, w: factories.World
) -> None:
    csrf = log_in(client, db, w.admin)
    assert_escaped(page(post(client, "/admin/tokens", csrf, name=SCRIPT)), 1)
    assert_escaped(page(client.get("/admin/tokens")), 1)
    text = page(
        post(
            client,
            "/admin/teams",
            csrf,
            slug=SCRIPT,
            name_sv=SCRIPT,
            name_en=SCRIPT,
            description=SCRIPT,
        ),
        422,
    )
    assert_escaped(text, 3)
    text = page(
        post(client, "/admin/users", csrf, email=SCRIPT, display_name=SCRIPT, role="agent"), 422
    )
    assert_escaped(text, 2)


# ---- odd input on pages is never a 500 ----
def test_odd_page_input_is_never_a_500(client: TestClient, db: Session, w: factories.World) -> None:
    csrf = log_in(client, db, w.admin)
    number = w.alice_case.number
    huge = str(10**30)
    gets = [
        "/cases?topic=%C2%B2",
        "/cases?topic=-1",
        f"/cases?topic={huge}",
        "/cases?page=0",
        "/cases?page=99999",
        "/cases?page=abc",
        "/cases?partial=kanske",
        "/cases?q=" + "x" * 201,
        f"/cases/{number}?partial=x",
        "/cases/" + "9" * 500,
        f"/admin/teams/{huge}",
        "/admin/teams/abc",
        "/admin/teams/-1",
        "/admin/teams/%C2%B2",
    ]
    for url in ("/cases?q=%00", "/cases?status=%00", "/cases/%00"):  # refused before routing
        assert client.get(url).status_code == 400
    for url in gets:
        response = client.get(url)
        assert response.status_code < 500, (url, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("text/html"), url
    posts: list[tuple[str, dict[str, str]]] = [
        ("/cases/new", {"message": "x", "customer_id": huge}),
        ("/cases/new", {"message": "x", "customer_id": str(w.bob.id), "topic_id": huge}),
        ("/cases/new", {"message": "x", "customer_id": "²", "topic_id": "²"}),
        (f"/cases/{number}/assign", {"owner_id": huge}),
        (f"/cases/{number}/assign", {"owner_id": "²"}),
        (f"/cases/{number}/assign", {"team_id": huge, "owner_id": "keep"}),
        (f"/cases/{number}/reply", {"body": "a\u0000b"}),
        (f"/cases/{number}/note", {"body": "x" * 20_001}),
        (f"/admin/teams/{w.cards.id}/add-member", {"user_id": huge}),
        (f"/admin/teams/{w.cards.id}/add-member", {"user_id": "abc"}),
        (f"/admin/teams/{w.cards.id}/add-topic", {"topic_id": huge}),
        (f"/admin/topics/{huge}", {"name_sv": "x", "name_en": "x"}),
        (f"/admin/users/{huge}/active", {"active": "0"}),
        (f"/admin/tokens/{huge}/revoke", {}),
        ("/admin/users", {"email": "a\u0000b@example.test", "display_name": "x", "role": "x"}),
    ]
    for url, data in posts:
        response = post(client, url, csrf, **data)
        assert response.status_code < 500, (url, data, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("text/html"), (url, data)
    assert fresh(db, w.alice_case).owner_id is None
