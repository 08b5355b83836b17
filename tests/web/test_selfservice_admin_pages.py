"""The lead's self-service page: model and coverage, precision, training, gaps."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.auth import start_session
from nara.domain.jobs import store_gap_report
from nara.domain.selfservice import ask, start_conversation
from nara.domain.selfservice_models import train_model
from nara.domain.training import add_training_examples
from nara.models import JobRun, User
from nara.queries.gaps import group, handed_over_questions
from nara.selfservice.predictions import Prediction
from nara.web.deps import SESSION_COOKIE
from nara.web.ui import selfservice_admin
from tests import factories


def log_in(client: TestClient, db: Session, user: User) -> str:
    new = start_session(session=db, user=user)
    client.cookies.set(SESSION_COOKIE, new.token)
    return new.session.csrf_token


class Unsure:
    def predict(self, text: str) -> Prediction:
        return Prediction([], 0.1, False, "t")


def test_lead_sees_no_model_then_gaps(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    for question in ("Hur gör jag med arvet efter pappa?", "Bouppteckning efter min mamma",
                     "Vill köpa aktier i Volvo"):  # fmt: skip
        conversation = start_conversation(session=db, actor=None, channel="widget", lang="sv")
        ask(session=db, actor=None, conversation=conversation, question=question,
            predictor=Unsure())  # fmt: skip
    log_in(client, db, w.card_lead)
    page = client.get("/admin/selfservice")
    assert page.status_code == 200
    assert "Ingen modell är tränad ännu" in page.text
    assert "Kunskapsluckor" in page.text
    # The page only reads the stored result of the mining job; it never groups itself.
    assert "Bouppteckning efter min mamma" not in page.text
    assert "Frågorna har inte grupperats ännu" in page.text
    questions = handed_over_questions(db)
    store_gap_report(session=db, days=30, questions=len(questions), gaps=[
        {"count": g.count, "examples": g.examples, "terms": g.terms} for g in group(questions)
    ])  # fmt: skip
    page = client.get("/admin/selfservice")
    assert "Bouppteckning efter min mamma" in page.text
    assert "från 3 frågor" in page.text
    assert "Osäker: till en person: 3" in page.text


def test_precision_can_be_changed_and_shows_coverage(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    add_training_examples(session=db, actor=SYSTEM, source="import", examples=[
        *[(f"mitt kort {i} har inte kommit", w.card_topic.slug) for i in range(8)],
        *[(f"räntan på lånet {i}", w.loan_topic.slug) for i in range(8)],
    ])  # fmt: skip
    train_model(session=db, actor=SYSTEM)
    csrf = log_in(client, db, w.card_lead)
    page = client.get("/admin/selfservice")
    assert "används" in page.text and "Besvarade frågor" in page.text
    changed = client.post("/admin/selfservice/precision", data={"csrf_token": csrf,
                                                                "target": "0.99"},
                          follow_redirects=False)  # fmt: skip
    assert changed.status_code == 303
    bad = client.post("/admin/selfservice/precision", data={"csrf_token": csrf, "target": "x"})
    assert bad.status_code == 422


def test_train_button_starts_a_background_job(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = factories.world(db)
    started: list[Any] = []
    monkeypatch.setattr(selfservice_admin, "dispatch", lambda *args: started.append(args))
    csrf = log_in(client, db, w.admin)
    response = client.post("/admin/selfservice/train", data={"csrf_token": csrf},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303 and len(started) == 1
    run = db.get(JobRun, started[0][1])
    assert run is not None and run.task == "selfservice.train" and run.status == "queued"
    assert run.requested_by_id == w.admin.id and run.args == {"precision_target": 0.97}
    page = client.get("/admin/selfservice")
    assert "Träningen står i kö" in page.text
    again = client.post("/admin/selfservice/train", data={"csrf_token": csrf})
    assert again.status_code == 409 and len(started) == 1
    assert "redan i kö eller körs" in again.text


def test_agents_and_customers_are_refused(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    for user in (w.card_agent, w.alice_user):
        csrf = log_in(client, db, user)
        assert client.get("/admin/selfservice").status_code == 403
        refused = client.post("/admin/selfservice/train", data={"csrf_token": csrf})
        assert refused.status_code == 403


def test_the_evaluation_figures_stored_with_the_model_are_shown(
    client: TestClient, db: Session
) -> None:
    from nara.domain.selfservice_models import store_evaluation

    w = factories.world(db)
    add_training_examples(
        session=db,
        actor=SYSTEM,
        source="import",
        examples=[
            *[(f"mitt kort {i} har inte kommit", w.card_topic.slug) for i in range(8)],
            *[(f"räntan på lånet {i}", w.loan_topic.slug) for i in range(8)],
        ],
    )
    row = train_model(session=db, actor=SYSTEM)
    log_in(client, db, w.card_lead)
    assert "På frågor skrivna som kunder skriver" not in client.get("/admin/selfservice").text
    part = {
        "questions": 223,
        "in_scope": 171,
        "no_topic": 52,
        "answered": 160,
        "answered_right": 156,
        "precision": 0.975,
        "coverage": 0.9123,
        "oos_handover": 0.9808,
    }
    held = {**part, "questions": 62, "precision": None}
    store_evaluation(
        session=db,
        actor=SYSTEM,
        model_id=row.id,
        evaluation={
            "model_version": row.version,
            "targets": {"0.97": {"all": part, "sv": part, "en": part, "held_out": held}},
        },
    )
    page = client.get("/admin/selfservice").text
    assert "På frågor skrivna som kunder skriver" in page
    assert "97.5 % (156/160)" in page and "91.2 %" in page and "98.1 %" in page
    assert "Undanhållen del" in page and "Engelska" in page and "–" in page
