from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories


def test_health_reports_database(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"


def test_customer_sees_own_case_but_not_another(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    alice = factories.headers(db, w.alice_user)
    own = client.get(f"/api/v1/cases/{w.alice_case.number}", headers=alice)
    assert own.status_code == 200
    assert own.json()["number"] == w.alice_case.number
    other = client.get(f"/api/v1/cases/{w.bob_case.number}", headers=alice)
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
