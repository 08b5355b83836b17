"""The in-process promise check that ``nara serve`` runs (a background thread)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain.actors import SYSTEM
from nara.domain.cases import open_case
from nara.domain.promises import create_policy
from nara.models import CaseEvent
from nara.web.app import create_app
from tests import factories


def test_serve_runs_the_promise_check_in_the_background(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(committed_engine) as session:
        factories.team(session, fallback=True)
        customer = factories.customer(session)
        with clock.frozen_at(clock.now() - timedelta(days=30)):
            create_policy(session=session, actor=SYSTEM, first_response_minutes=60,
                          resolution_minutes=600)  # fmt: skip
            case_id = open_case(session=session, actor=SYSTEM, message="Hjälp",
                                customer_id=customer.id).case.id  # fmt: skip
        session.commit()
    monkeypatch.setenv("NARA_PROMISE_CHECK_SECONDS", "1")
    monkeypatch.setenv("NARA_CASE_EMBEDDING_SECONDS", "0")
    get_settings.cache_clear()
    try:
        app = create_app(committed_engine, background_jobs=True)
        found: list[str] = []
        with TestClient(app):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(found) < 2:
                time.sleep(0.5)
                with Session(committed_engine) as session:
                    found = list(
                        session.scalars(
                            select(CaseEvent.type).where(
                                CaseEvent.case_id == case_id,
                                CaseEvent.type == "promise.breached",
                            )
                        )
                    )
        assert len(found) == 2
    finally:
        get_settings.cache_clear()
