"""The audit log over HTTP: the API with its filters and pages, the CSV export and the
admin page in both languages; nobody but admins reads it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import auth as auth_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM
from nara.domain.calendars import set_team_calendar
from nara.domain.callbacks import book_callback
from nara.models import User
from nara.models.audit import ACTIONS, OBJECT_TYPES
from nara.web.deps import SESSION_COOKIE
from nara.web.ui import labels
from tests import factories

API = "/api/v1"
PROBLEM = "application/problem+json"
STHLM = ZoneInfo("Europe/Stockholm")
PASSWORD = "ett långt och hemligt lösenord"


@pytest.fixture
def admin(db: Session) -> User:
    return factories.user(db, role="admin")


def get(client: TestClient, db: Session, who: User, url: str) -> Response:
    return client.get(url, headers=factories.headers(db, who))


def problem(response: Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = response.json()
    return body


def three_teams_at_known_times(db: Session, admin: User) -> list[int]:
    """Three teams created by the admin on 1, 2 and 3 December at noon, Stockholm time."""
    actor = factories.actor(db, admin)
    ids = []
    for day in (1, 2, 3):
        with clock.frozen_at(datetime(2026, 12, day, 12, tzinfo=STHLM)):
            team = team_actions.create_team(
                session=db,
                actor=actor,
                slug=f"team-{day}",
                name_sv=f"Team {day}",
                name_en=f"Team {day}",
            )
        ids.append(team.id)
    return ids


def test_admins_read_entries_with_who_what_and_changes(
    client: TestClient, db: Session, admin: User
) -> None:
    ids = three_teams_at_known_times(db, admin)
    body = get(client, db, admin, f"{API}/audit-log?object_type=team").json()
    newest = body["items"][0]
    assert newest["action"] == "team.created"
    assert newest["object_type"] == "team" and newest["object_id"] == str(ids[2])
    assert newest["actor"] == {"id": admin.id, "kind": "user", "label": admin.email}
    assert newest["at"].startswith("2026-12-03T11:00:00")
    assert newest["changes"]["slug"] == [None, "team-3"]
    assert body["next_cursor"] is None


def test_filters_by_actor_type_and_dates(client: TestClient, db: Session, admin: User) -> None:
    ids = three_teams_at_known_times(db, admin)
    factories.team(db)  # by the system, not the admin

    def objects(query: str) -> list[str]:
        items = get(client, db, admin, f"{API}/audit-log?{query}").json()["items"]
        return [i["object_id"] for i in items if i["action"] == "team.created"]

    by_admin = [str(i) for i in reversed(ids)]
    assert objects(f"actor={admin.id}") == by_admin
    assert objects(f"actor={admin.email.upper()}") == by_admin
    # dates are whole days in the display time zone; "to" includes its day
    assert objects(f"actor={admin.id}&from=2026-12-02&to=2026-12-02") == [str(ids[1])]
    assert objects(f"actor={admin.id}&from=2026-12-02") == by_admin[:2]
    assert objects(f"actor={admin.id}&to=2026-12-01") == [str(ids[0])]
    # a date and time with its zone
    assert objects(f"actor={admin.id}&from=2026-12-03T10:59:00%2B00:00") == [str(ids[2])]
    assert objects("object_type=promise") == []


def test_pages_follow_the_cursor_without_gaps_or_repeats(
    client: TestClient, db: Session, admin: User
) -> None:
    ids = three_teams_at_known_times(db, admin)
    seen: list[str] = []
    cursor = ""
    for _ in range(5):
        url = f"{API}/audit-log?actor={admin.id}&object_type=team&limit=2{cursor}"
        body = get(client, db, admin, url).json()
        seen += [i["object_id"] for i in body["items"]]
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == [str(i) for i in reversed(ids)]


@pytest.mark.parametrize("role", ["customer", "agent", "lead"])
def test_everyone_but_admins_is_refused(client: TestClient, db: Session, role: str) -> None:
    w = factories.world(db)
    who = {"customer": w.alice_user, "agent": w.card_agent, "lead": w.card_lead}[role]
    for url in (f"{API}/audit-log", f"{API}/audit-log.csv", f"{API}/audit-log?from=nonsense"):
        assert "audit log" in str(problem(get(client, db, who, url), 403)["detail"])
    problem(client.get(f"{API}/audit-log"), 401)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("object_type=case", "object_type"),
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-12-03&to=2026-12-01", "from"),
        ("actor=somebody", "actor"),
        ("cursor=not-a-cursor", "cursor"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=many", "limit"),
    ],
)
def test_bad_filters_are_422(
    client: TestClient, db: Session, admin: User, query: str, field: str
) -> None:
    body = problem(get(client, db, admin, f"{API}/audit-log?{query}"), 422)
    assert field in json.dumps(body)
    if field not in ("cursor", "limit"):  # the export has neither
        problem(get(client, db, admin, f"{API}/audit-log.csv?{query}"), 422)


def test_csv_export_for_auditors(client: TestClient, db: Session, admin: User) -> None:
    ids = three_teams_at_known_times(db, admin)
    user_actions.create_user(
        session=db,
        actor=factories.actor(db, admin),
        email="åsa@example.test",
        display_name='=HYPERLINK("http://evil")',
        role="agent",
    )
    response = get(client, db, admin, f"{API}/audit-log.csv?actor={admin.id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw: bytes = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    teams = [r for r in rows if r["action"] == "team.created"]
    assert [r["object_id"] for r in teams] == [str(i) for i in ids]  # oldest first
    assert teams[0]["at"] == "2026-12-01T11:00:00+00:00"
    assert teams[0]["actor_label"] == admin.email
    created = next(r for r in rows if r["action"] == "user.created")
    changes = json.loads(created["changes"])
    assert changes["email"] == [None, "åsa@example.test"]
    assert changes["display_name"][1].startswith("=HYPERLINK")  # a fact, in JSON in one cell
    only_teams = get(client, db, admin, f"{API}/audit-log.csv?object_type=team&from=2026-12-02")
    assert len(list(csv.reader(io.StringIO(only_teams.text)))) == 1 + 2


def test_a_login_over_http_records_the_client_address(client: TestClient, db: Session) -> None:
    admin = factories.user(db, role="admin", password=PASSWORD)
    db.commit()
    client.post(f"{API}/auth/login", json={"email": admin.email, "password": "wrong"})
    ok = client.post(f"{API}/auth/login", json={"email": admin.email, "password": PASSWORD})
    assert ok.status_code == 200
    csrf = ok.json()["csrf_token"]
    client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": csrf})
    client.cookies.clear()
    items = get(client, db, admin, f"{API}/audit-log?actor={admin.id}").json()["items"]
    actions = [(i["action"], i["ip"]) for i in items]
    assert ("auth.login", "testclient") in actions
    assert ("auth.logout", "testclient") in actions
    failed = get(client, db, admin, f"{API}/audit-log?object_type=user").json()["items"]
    assert any(
        i["action"] == "auth.login_failed"
        and i["object_id"] == str(admin.id)
        and i["actor"]["kind"] == "anonymous"
        and i["ip"] == "testclient"
        for i in failed
    )


def log_in(client: TestClient, db: Session, user: User, lang: str) -> None:
    new = auth_actions.start_session(session=db, user=user)
    db.commit()
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, new.token)
    client.cookies.set("nara_lang", lang)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("sv", ["Granskningslogg", "Team skapat", "Ladda ner som CSV", "Kortnamn"]),
        ("en", ["Audit log", "Team created", "Download as CSV", "Short name"]),
    ],
)
def test_the_page_renders_in_the_readers_language(
    client: TestClient, db: Session, admin: User, lang: str, words: list[str]
) -> None:
    three_teams_at_known_times(db, admin)
    log_in(client, db, admin, lang)
    response = client.get("/admin/audit?object_type=team")
    assert response.status_code == 200
    for word in words:
        assert word in response.text
    assert 'href="/admin/audit"' in response.text  # in the admin navigation
    assert "/api/v1/audit-log.csv?object_type=team" in response.text
    # times in the display time zone and the reader's format
    assert ("2026-12-03 12:00" if lang == "sv" else "3 Dec 2026, 12:00") in response.text


def test_the_page_pages_and_refuses_bad_input_and_non_admins(
    client: TestClient, db: Session, admin: User
) -> None:
    actor = factories.actor(db, admin)
    for i in range(55):
        team_actions.create_topic(
            session=db, actor=actor, slug=f"amne-{i}", name_sv=f"Ämne {i}", name_en=f"Topic {i}"
        )
    log_in(client, db, admin, "en")
    first = client.get(f"/admin/audit?actor={admin.email}")
    assert first.status_code == 200 and first.text.count("Topic created") == 50
    older = first.text.split("cursor=")[1].split('"')[0].replace("&amp;", "&")
    second = client.get(f"/admin/audit?actor={admin.email}&cursor={older}")
    assert second.status_code == 200 and second.text.count("Topic created") == 5
    bad = client.get("/admin/audit?from=31/12/2026")
    assert bad.status_code == 422 and "Write a date like 2026-12-01." in bad.text
    assert 'aria-invalid="true"' in bad.text
    w = factories.world(db)
    log_in(client, db, w.card_lead, "en")
    assert client.get("/admin/audit").status_code == 403
    assert 'href="/admin/audit"' not in client.get("/cases").text


def test_the_case_timeline_renders_callback_times_in_the_readers_language(
    client: TestClient, db: Session
) -> None:
    w = factories.world(db)
    week = {d: "09:00-12:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    set_team_calendar(session=db, actor=SYSTEM, team_id=w.cards.id, hours=week)
    slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)
    with clock.frozen_at(slot - timedelta(hours=2)):
        book_callback(
            session=db,
            actor=SYSTEM,
            number=w.alice_case.number,
            starts_at=slot,
            phone="070-123 45 67",
        )
    for lang, shown in (("sv", "2026-11-30 10:00"), ("en", "30 Nov 2026, 10:00")):
        log_in(client, db, w.card_agent, lang)
        page = client.get(f"/cases/{w.alice_case.number}")
        assert page.status_code == 200
        assert f'<time datetime="{slot.astimezone(UTC).isoformat()}">{shown}</time>' in page.text


def test_every_action_and_kind_of_object_has_words_in_the_catalogs() -> None:
    assert set(labels.LABELS["audit_action"]) == ACTIONS
    assert set(labels.LABELS["audit_object"]) == set(OBJECT_TYPES)
