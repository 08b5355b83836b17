"""GET /api/v1/followup and /followup/cases: the hand-computed history's figures over
HTTP, the drill-down's pages, who may read what, and bad input (issue 16)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara import clock
from tests import factories
from tests.followup_history import EXPECTED_COUNTS, NOW, History, build

API = "/api/v1/followup"
PERIOD = "from=2026-03-27&to=2026-04-08"


@pytest.fixture
def h(db: Session) -> History:
    history = build(db)
    db.commit()
    return history


def get(client: TestClient, db: Session, who: Any, url: str) -> Any:
    with clock.frozen_at(NOW):
        return client.get(url, headers=factories.headers(db, who))


def figure(body: dict[str, Any], key: str) -> dict[str, Any]:
    for section in body["sections"]:
        for fig in section["figures"]:
            if fig["key"] == key:
                return fig  # type: ignore[no-any-return]
    raise KeyError(key)


def test_the_figures_over_http(client: TestClient, db: Session, h: History) -> None:
    response = get(client, db, h.w.admin, f"{API}?{PERIOD}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filters"]["from"] == "2026-03-27" and body["timezone"] == "Europe/Stockholm"
    for key, expected in EXPECTED_COUNTS.items():
        assert figure(body, key)["count"] == expected, key
    kept = figure(body, "first_response.kept_share")
    assert kept["value"] == 0.5 and kept["target"]["kind"] == "promise"
    assert figure(body, "wait.average")["target"] == {
        "kind": "bar",
        "minutes": 10.0,
        "minutes_high": 10.0,
    }
    trends = {t["key"]: t for t in body["trends"]}
    assert [p["value"] for p in trends["cases.opened"]["weekly"]] == [2, 4, 2]
    assert body["personal"] is not None


def test_every_figure_drills_down_over_http(client: TestClient, db: Session, h: History) -> None:
    body = get(client, db, h.w.admin, f"{API}?{PERIOD}").json()
    for key in ("cases.opened", "kkik.late", "consultations.decided", "selfservice.rejected"):
        fig = next(f for s in body["sections"] for f in s["figures"] if f["metric"] == key)
        seen, cursor = [], None
        while True:
            url = f"{API}/cases?metric={key}&{PERIOD}&limit=3" + (
                f"&cursor={cursor}" if cursor else ""
            )
            page = get(client, db, h.w.admin, url).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == fig["count"], key
    first = get(client, db, h.w.admin, f"{API}/cases?metric=cases.opened&{PERIOD}").json()
    assert first["left_out"] == 0
    assert first["items"][0]["case"]["number"] == h.cases["G"].number  # newest first
    assert first["items"][0]["kind"] == "case"


def test_agents_read_their_teams_and_customers_nothing(
    client: TestClient, db: Session, h: History
) -> None:
    own = get(client, db, h.w.loan_agent, f"{API}?{PERIOD}&team={h.w.loans.slug}")
    assert own.status_code == 200
    assert own.json()["team_ids"] == [h.w.loans.id]
    other = get(client, db, h.w.loan_agent, f"{API}?{PERIOD}&team={h.w.cards.slug}")
    assert other.status_code == 403
    drill = get(
        client, db, h.w.loan_agent, f"{API}/cases?metric=cases.opened&team={h.w.cards.slug}"
    )
    assert drill.status_code == 403
    assert get(client, db, h.w.alice_user, f"{API}?{PERIOD}").status_code == 403
    assert get(client, db, h.w.alice_user, f"{API}/cases?metric=cases.opened").status_code == 403
    with clock.frozen_at(NOW):
        assert client.get(f"{API}?{PERIOD}").status_code == 401


def test_a_lead_sees_how_many_cases_were_left_out(
    client: TestClient, db: Session, h: History
) -> None:
    page = get(client, db, h.w.card_lead, f"{API}/cases?metric=cases.opened&{PERIOD}").json()
    numbers = {i["case"]["number"] for i in page["items"]}
    assert h.cases["B"].number not in numbers and h.cases["H"].number not in numbers
    assert page["left_out"] == 2
    assert all(i["case"] is not None for i in page["items"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-04-08&to=2026-03-27", "from"),
        ("from=1990-01-01&to=2040-01-01", "from"),
        ("from=2026-13-01", "from"),
        ("channel=pigeon", "channel"),
        ("priority=whenever", "priority"),
        ("team=no-such-team", "team"),
        ("topic=no-such-topic", "topic"),
        ("teams=cards", "teams"),
        ("from=2026-03-01&colour=blue", "colour"),
    ],
)
def test_bad_input_is_refused(
    client: TestClient, db: Session, h: History, query: str, field: str
) -> None:
    for url in (f"{API}?{query}", f"{API}/cases?metric=cases.opened&{query}"):
        response = get(client, db, h.w.admin, url)
        assert response.status_code == 422, (url, response.text)
        problem = response.json()
        assert problem["detail"]
        assert (
            field in [e["field"] for e in problem.get("errors", [])] or field in problem["detail"]
        )


def test_an_unknown_metric_or_cursor_is_refused(
    client: TestClient, db: Session, h: History
) -> None:
    for url in (
        f"{API}/cases?metric=cases.everything",
        f"{API}/cases",
        f"{API}/cases?metric=cases.opened&cursor=nonsense",
        f"{API}/cases?metric=cases.opened&limit=0",
    ):
        response = get(client, db, h.w.admin, url)
        assert response.status_code == 422, (url, response.text)
    unknown = get(client, db, h.w.admin, f"{API}/cases?metric=cases.everything").json()
    assert "cases.everything" in unknown["detail"]
