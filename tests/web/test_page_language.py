"""Error paths of the pages speak the reader's language: every message a person sees on an
error page or in a form's error summary comes from the catalogs, in Swedish and in
English, never the API's English ``detail``.

A message counts as from the catalog when it matches one of the catalog's translations
(its ``%(name)s`` placeholders standing for any text). A Swedish message must also differ
from the English one of the same request and contain none of the English words that
leaked before."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara import i18n
from nara.models import User
from tests import factories
from tests.web.test_pages import log_in

ENGLISH_WORDS = re.compile(
    r"\b(no such|no case|the form|has expired|input should|string should|should have|"
    r"must be|only an admin|no active topic|not found|forbidden|csrf|characters)\b",
    re.IGNORECASE,
)
ALERT = re.compile(r'<p role="alert">(.*?)</p>', re.DOTALL)
SUMMARY = re.compile(r'<div class="error-summary".*?<ul>(.*?)</ul>', re.DOTALL)
ITEM = re.compile(r"<li>(.*?)</li>", re.DOTALL)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    db.commit()
    return world


@lru_cache(maxsize=2)
def catalog_patterns(lang: str) -> list[re.Pattern[str]]:
    with i18n.catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    patterns = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if not text:
                continue
            parts = PLACEHOLDER.split(text)
            # split() leaves the placeholder names at odd positions
            regex = "".join(re.escape(p) if i % 2 == 0 else ".+" for i, p in enumerate(parts))
            patterns.append(re.compile(regex.replace("%%", "%")))
    return patterns


def from_catalog(message: str, lang: str) -> bool:
    return any(p.fullmatch(message) for p in catalog_patterns(lang))


def messages_of(page: str) -> list[str]:
    """The error texts of a page: the error page's alert, or a form's error summary."""
    found = [m for m in ALERT.findall(page)]
    for summary in SUMMARY.findall(page):
        found.extend(ITEM.findall(summary))
    return [html.unescape(re.sub(r"\s+", " ", m)).strip() for m in found]


Request = Callable[[TestClient, Session, factories.World], tuple[int, str]]


def _as(client: TestClient, db: Session, user: User) -> str:
    """Log in as ``user``, keeping the language chosen for the request."""
    lang = client.cookies.get("nara_lang")
    token = log_in(client, db, user)
    if lang:
        client.cookies.set("nara_lang", lang)
    return token


def case_not_found(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.alice_user)
    response = client.get("/cases/NA-999999")
    return response.status_code, response.text


def other_customers_case(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.alice_user)
    response = client.get(f"/cases/{w.bob_case.number}")
    return response.status_code, response.text


def unknown_route(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    response = client.get("/no/such/page")
    return response.status_code, response.text


def wrong_method(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.alice_user)
    response = client.put("/cases/new")
    return response.status_code, response.text


def wrong_csrf(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.alice_user)
    response = client.post(
        f"/cases/{w.alice_case.number}/reply", data={"csrf_token": "stale", "body": "Hej"}
    )
    return response.status_code, response.text


def unknown_action(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    token = _as(client, db, w.card_agent)
    response = client.post(f"/cases/{w.alice_case.number}/fly", data={"csrf_token": token})
    return response.status_code, response.text


def expired_help_form(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    response = client.post("/help/ask", data={"csrf_token": "stale", "question": "Kortet?"})
    return response.status_code, response.text


def page_below_one(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.card_agent)
    response = client.get("/cases?page=0")
    return response.status_code, response.text


def page_not_a_number(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.card_agent)
    response = client.get("/cases?page=two")
    return response.status_code, response.text


def search_too_long(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.card_agent)
    response = client.get("/cases", params={"q": "x" * 201})
    return response.status_code, response.text


def staff_page_as_customer(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.alice_user)
    response = client.get("/customers")
    return response.status_code, response.text


def users_page_as_agent(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    _as(client, db, w.card_agent)
    response = client.get("/admin/users")
    return response.status_code, response.text


def other_teams_calendar(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    token = _as(client, db, w.card_lead)
    response = client.post(
        f"/admin/teams/{w.loans.id}/calendar",
        data={
            "csrf_token": token,
            "mon": "08:00-17:00",
            "timezone": "Europe/Stockholm",
            "callback_slot_minutes": "30",
            "callback_capacity": "2",
        },
    )
    return response.status_code, response.text


def inactive_topic(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    token = _as(client, db, w.alice_user)
    response = client.post(
        "/cases/new",
        data={"csrf_token": token, "topic_id": "999999", "subject": "Kort", "message": "Hej"},
    )
    return response.status_code, response.text


def bad_calendar_form(client: TestClient, db: Session, w: factories.World) -> tuple[int, str]:
    token = _as(client, db, w.card_lead)
    response = client.post(
        f"/admin/teams/{w.cards.id}/calendar",
        data={
            "csrf_token": token,
            "mon": "8 till 5",
            "timezone": "Mars/Olympus",
            "callback_slot_minutes": "30",
            "callback_capacity": "2",
        },
    )
    return response.status_code, response.text


PATHS: dict[str, tuple[Request, int]] = {
    "case not found": (case_not_found, 404),
    "another customer's case": (other_customers_case, 404),
    "unknown route": (unknown_route, 404),
    "wrong method": (wrong_method, 405),
    "wrong CSRF token": (wrong_csrf, 403),
    "unknown action": (unknown_action, 404),
    "expired help form": (expired_help_form, 403),
    "page below one": (page_below_one, 422),
    "page not a number": (page_not_a_number, 422),
    "search too long": (search_too_long, 422),
    "staff page as customer": (staff_page_as_customer, 403),
    "users page as agent": (users_page_as_agent, 403),
    "another team's calendar": (other_teams_calendar, 403),
    "inactive topic in a form": (inactive_topic, 422),
    "bad calendar form": (bad_calendar_form, 422),
}


@pytest.mark.parametrize("name", list(PATHS))
def test_error_messages_come_from_the_catalogs_in_both_languages(
    client: TestClient, db: Session, w: factories.World, name: str
) -> None:
    make_request, status = PATHS[name]
    seen: dict[str, list[str]] = {}
    for lang in ("en", "sv"):
        client.cookies.clear()
        client.cookies.set("nara_lang", lang)
        got, page = make_request(client, db, w)
        assert got == status, (lang, got, page[:500])
        assert f'<html lang="{lang}"' in page
        messages = messages_of(page)
        assert messages, (lang, page[:2000])
        for message in messages:
            assert from_catalog(message, lang), (lang, message)
        seen[lang] = messages
    for message in seen["sv"]:
        assert not ENGLISH_WORDS.search(message), message
    assert seen["sv"] != seen["en"]


def test_a_refusal_without_its_own_message_says_something_general_in_swedish() -> None:
    from nara.domain.errors import Conflict
    from nara.web.errors import page_message

    refusal = Conflict("something only integrators read")
    assert page_message(refusal, "en") == "something only integrators read"
    swedish = page_message(refusal, "sv")
    assert swedish == "Det går inte just nu; ladda om sidan och se hur läget är."


def test_the_api_keeps_its_english_detail(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _as(client, db, w.alice_user)
    client.cookies.set("nara_lang", "sv")
    response = client.get("/api/v1/cases/NA-999999")
    assert response.status_code == 404
    assert response.json()["detail"] == "no case NA-999999"
