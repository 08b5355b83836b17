"""The admins' page of background jobs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara.domain import jobs as job_actions
from nara.domain.actors import SYSTEM
from nara.domain.auth import start_session
from nara.models import JobRun, User
from nara.web.deps import SESSION_COOKIE
from nara.web.ui import jobs_admin
from tests import factories


def log_in(client: TestClient, db: Session, user: User) -> str:
    new = start_session(session=db, user=user)
    client.cookies.set(SESSION_COOKIE, new.token)
    return new.session.csrf_token


def _failed_run(db: Session) -> JobRun:
    run = job_actions.request_job(session=db, actor=SYSTEM, task="selfservice.train")
    job_actions.start_run(session=db, run_id=run.id, worker="w")
    done = job_actions.finish_run(
        session=db, run_id=run.id, worker="w", attempt=1, error="RuntimeError: disk full"
    )
    assert done is not None
    return done


def test_admins_see_runs_and_retry_a_failed_one(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = factories.world(db)
    run = _failed_run(db)
    dispatched: list[Any] = []
    monkeypatch.setattr(jobs_admin, "dispatch", lambda *args: dispatched.append(args))
    csrf = log_in(client, db, w.admin)
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert "Träning av självservice" in page.text and "Misslyckades" in page.text
    assert "RuntimeError: disk full" in page.text
    assert client.get("/admin/jobs?status=succeeded").text.count("Misslyckades") == 1  # filter
    done = client.post(
        f"/admin/jobs/{run.id}/retry", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303 and dispatched[0][1] == run.id
    db.refresh(run)
    assert run.status == "queued" and run.max_attempts == 2
    again = client.post(f"/admin/jobs/{run.id}/retry", data={"csrf_token": csrf})
    assert again.status_code == 409 and "Bara en misslyckad jobbkörning" in again.text
    missing = client.post("/admin/jobs/999999/retry", data={"csrf_token": csrf})
    assert missing.status_code == 404
    assert len(dispatched) == 1


def test_everyone_else_is_refused(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    run = _failed_run(db)
    for user in (w.card_lead, w.card_agent, w.alice_user):
        csrf = log_in(client, db, user)
        assert client.get("/admin/jobs").status_code == 403
        refused = client.post(f"/admin/jobs/{run.id}/retry", data={"csrf_token": csrf})
        assert refused.status_code == 403
    db.refresh(run)
    assert run.status == "failed"
    client.cookies.clear()
    assert client.get("/admin/jobs", follow_redirects=False).status_code in (303, 401)
