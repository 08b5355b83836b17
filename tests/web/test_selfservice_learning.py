"""Leads review the front line's training suggestions, by the API and on the page (both
languages, keyboard-usable forms); the self-service page compares model versions on the
held-out slice and hands a knowledge gap's cases to a raise-an-improvement form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.jobs import store_gap_report
from nara.domain.selfservice import ask, give_feedback, start_conversation
from nara.domain.training import add_training_examples
from nara.models import AuditEntry, SelfServiceModel, TrainingExample
from nara.selfservice.predictions import Candidate, Prediction
from tests import factories
from tests.web.test_selfservice_admin_pages import log_in

API = "/api/v1/selfservice"


class Sure:
    def __init__(self, slug: str) -> None:
        self.slug = slug

    def predict(self, text: str) -> Prediction:
        return Prediction([Candidate(self.slug, 0.99)], 0.99, True, "t")


@pytest.fixture
def w(db: Session) -> factories.World:
    world = factories.world(db)
    from nara.domain.knowledge import save_article

    for lang in ("sv", "en"):
        save_article(
            session=db,
            actor=SYSTEM,
            topic_id=world.card_topic.id,
            lang=lang,
            title="Kortet",
            body_md="Så här.",
        )
    return world


def _reject(db: Session, w: factories.World, text: str, lang: str = "sv") -> int:
    conversation = start_conversation(session=db, actor=None, channel="widget", lang=lang)
    ask(
        session=db,
        actor=None,
        conversation=conversation,
        question=text,
        predictor=Sure(w.card_topic.slug),
    )
    give_feedback(session=db, actor=None, conversation=conversation, solved=False)
    row = db.scalar(
        select(TrainingExample).where(TrainingExample.conversation_id == conversation.id)
    )
    assert row is not None
    return row.id


def test_leads_list_and_review_suggestions_by_the_api(
    client: TestClient, db: Session, w: factories.World
) -> None:
    first = _reject(db, w, "Kortet kom inte, och appen säger fel")
    second = _reject(db, w, "The card never came and the app is wrong", lang="en")
    db.commit()
    lead = factories.headers(db, w.card_lead)
    listed = client.get(f"{API}/suggestions", headers=lead)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 2 and [i["id"] for i in body["items"]] == [first, second]
    item = body["items"][0]
    assert item["kind"] == "counter_example" and item["not_topic"] == w.card_topic.slug
    assert item["topic"] is None and item["source"] == "rejection" and item["status"] == "suggested"
    english = client.get(f"{API}/suggestions?lang=en&kind=counter_example", headers=lead).json()
    assert [i["id"] for i in english["items"]] == [second]
    moved = client.post(
        f"{API}/suggestions/review",
        json={"ids": [first, second], "action": "move", "topic": w.loan_topic.slug},
        headers=lead,
    )
    assert moved.status_code == 200, moved.text
    out = moved.json()
    assert out["reviewed"] == 2
    assert {(i["status"], i["kind"], i["topic"]) for i in out["items"]} == {
        ("accepted", "example", w.loan_topic.slug)
    }
    assert all(i["reviewed_by"] == w.card_lead.display_name for i in out["items"])
    assert client.get(f"{API}/suggestions", headers=lead).json()["total"] == 0
    everything = client.get(f"{API}/suggestions?status=all", headers=lead).json()
    assert everything["total"] == 2
    audit = db.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == "selfservice.suggestion_reviewed")
    ).all()
    assert sorted(audit) == sorted([str(first), str(second)])


def test_bad_review_input_is_a_clear_422_and_changes_nothing(
    client: TestClient, db: Session, w: factories.World
) -> None:
    row = _reject(db, w, "Kortet kom inte fram")
    db.commit()
    lead = factories.headers(db, w.card_lead)
    for body in (
        {"ids": [], "action": "accept"},
        {"ids": [row], "action": "approve"},
        {"ids": [row], "action": "move"},
        {"ids": [row], "action": "move", "topic": "finns-inte"},
        {"ids": [row, 10**9], "action": "accept"},
        {"ids": list(range(1, 600)), "action": "discard"},
        {"ids": [row], "action": "accept", "extra": 1},
    ):
        answer = client.post(f"{API}/suggestions/review", json=body, headers=lead)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{API}/suggestions?status=bogus", headers=lead).status_code == 422
    db.expire_all()
    stored = db.get(TrainingExample, row)
    assert stored is not None and stored.status == "suggested"


def test_only_leads_and_admins_see_or_review_suggestions(
    client: TestClient, db: Session, w: factories.World
) -> None:
    row = _reject(db, w, "Kortet kom inte fram")
    db.commit()
    for who, status in ((w.card_agent, 403), (w.alice_user, 403), (w.admin, 200)):
        headers = factories.headers(db, who)
        assert client.get(f"{API}/suggestions", headers=headers).status_code == status
        assert client.get(f"{API}/models", headers=headers).status_code == status
    for who in (w.card_agent, w.alice_user):
        answer = client.post(
            f"{API}/suggestions/review",
            json={"ids": [row], "action": "accept"},
            headers=factories.headers(db, who),
        )
        assert answer.status_code == 403
    assert client.get(f"{API}/suggestions").status_code == 401


def _models(db: Session) -> None:
    for minutes, version, coverage, precision in (
        (0, "ss2-aaa", 0.5, 0.9),
        (5, "ss2-bbb", 0.62, 0.97),
    ):
        figures = {"coverage": coverage, "precision": precision}
        db.add(
            SelfServiceModel(
                version=version,
                n_examples=80,
                precision_target=0.97,
                created_at=clock.now() - timedelta(hours=1) + timedelta(minutes=minutes),
                metrics={
                    "operating_points": {
                        "0.97": {"threshold": 0.5, "coverage": 0.7, "oos_abstain_rate": 0.9}
                    },
                    "held_out": {"questions": 20, "in_scope": 16, "targets": {"0.97": figures}},
                },
                blob=b"",
                is_active=version == "ss2-bbb",
            )
        )
    db.commit()


def test_model_versions_by_the_api(client: TestClient, db: Session, w: factories.World) -> None:
    _models(db)
    answer = client.get(f"{API}/models", headers=factories.headers(db, w.card_lead))
    assert answer.status_code == 200
    newest, older = answer.json()
    assert newest["version"] == "ss2-bbb" and newest["is_active"]
    assert newest["coverage"] == 0.62 and newest["coverage_change"] == 0.12
    assert newest["precision_change"] == 0.07 and newest["held_out_questions"] == 20
    assert older["coverage_change"] is None
    other = client.get(f"{API}/models?target=0.9", headers=factories.headers(db, w.card_lead))
    assert other.json()[0]["coverage"] is None


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_review_page_in_both_languages(
    client: TestClient, db: Session, w: factories.World, lang: str
) -> None:
    first = _reject(db, w, "Kortet kom inte, och appen säger fel")
    second = _reject(db, w, "Mitt kort är borta")
    w.card_lead.locale = lang
    db.commit()
    csrf = log_in(client, db, w.card_lead)
    page = client.get("/admin/selfservice/suggestions")
    assert page.status_code == 200
    words = {
        "sv": ("Träningsförslag", "Motexempel", "Tillämpa på de valda förslagen"),
        "en": ("Training suggestions", "Counter-example", "Apply to the chosen suggestions"),
    }[lang]
    for word in words:
        assert word in page.text
    assert f'id="choose-{first}"' in page.text and f'for="choose-{first}"' in page.text
    # Nothing chosen: refused with the reason, in the reader's language.
    refused = client.post(
        "/admin/selfservice/suggestions/review", data={"csrf_token": csrf, "action": "accept"}
    )
    assert refused.status_code == 422
    assert {"sv": "Välj minst ett förslag.", "en": "Choose at least one suggestion."}[
        lang
    ] in refused.text
    done = client.post(
        "/admin/selfservice/suggestions/review",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "ids": [str(first), str(second)],
            "action": "discard",
            "back": "status=suggested&lang=sv",
        },
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/admin/selfservice/suggestions?status=suggested")
    after = client.get(done.headers["location"])
    assert {"sv": "2 förslag granskade", "en": "2 suggestions reviewed"}[lang] in after.text
    db.expire_all()
    assert {db.get(TrainingExample, i).status for i in (first, second)} == {"discarded"}  # type: ignore[union-attr]
    # Without the form token nothing happens.
    forged = client.post(
        "/admin/selfservice/suggestions/review", data={"ids": [str(first)], "action": "accept"}
    )
    assert forged.status_code == 403


def test_agents_and_customers_do_not_get_the_review_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    for who in (w.card_agent, w.alice_user):
        log_in(client, db, who)
        assert client.get("/admin/selfservice/suggestions").status_code in (403, 404)


def test_the_selfservice_page_compares_versions_and_links_suggestions(
    client: TestClient, db: Session, w: factories.World
) -> None:
    _models(db)
    _reject(db, w, "Kortet kom inte fram")
    db.commit()
    log_in(client, db, w.card_lead)
    page = client.get("/admin/selfservice")
    assert page.status_code == 200
    assert 'id="model-versions"' in page.text and "ss2-aaa" in page.text
    assert "62.0 %" in page.text and "+12.0" in page.text and "+7.0" in page.text
    assert "Granska 1 väntande förslag" in page.text


def test_a_gap_hands_its_cases_to_a_raise_improvement_form_when_there_is_one(
    client: TestClient, db: Session, w: factories.World, app: FastAPI
) -> None:
    store_gap_report(
        session=db,
        days=30,
        questions=2,
        gaps=[
            {
                "count": 2,
                "examples": ["Arv efter pappa"],
                "terms": ["arv"],
                "cases": [w.alice_case.number, "NA-2026-000999"],
            },
        ],
    )
    db.commit()
    log_in(client, db, w.card_lead)
    page = client.get("/admin/selfservice")
    assert f'href="/cases/{w.alice_case.number}"' in page.text
    assert "/improvements/new" not in page.text  # no such form yet: no dead link

    @app.get("/improvements/new", response_class=PlainTextResponse)
    def new_improvement() -> str:  # stands in for the improvements form (issue 15)
        return "form"

    try:
        page = client.get("/admin/selfservice")
        assert (
            f"/improvements/new?kind=opportunity&amp;title=arv&amp;cases={w.alice_case.number}"
            "&amp;cases=NA-2026-000999" in page.text
        )
    finally:
        app.router.routes.pop()


def test_suggestions_add_examples_to_what_training_counts(
    client: TestClient, db: Session, w: factories.World
) -> None:
    add_training_examples(
        session=db,
        actor=SYSTEM,
        source="import",
        examples=[("Kortet har inte kommit", w.card_topic.slug)],
    )
    _reject(db, w, "Kortet kom inte fram")
    db.commit()
    log_in(client, db, w.card_lead)
    page = client.get("/admin/selfservice")
    assert "1 märkt exempelfråga" in page.text  # the waiting suggestion is not counted


def test_odd_filters_never_break_the_review_page(
    client: TestClient, db: Session, w: factories.World
) -> None:
    row = _reject(db, w, "Kortet kom inte fram")
    db.commit()
    csrf = log_in(client, db, w.card_lead)
    for query in ("status=bogus&kind=x&lang=zz", "topic=" + "a" * 5000, "page=0", "page=abc"):
        page = client.get(f"/admin/selfservice/suggestions?{query}")
        assert page.status_code == 200, query
    bad_back = client.post(
        "/admin/selfservice/suggestions/review",
        data={"csrf_token": csrf, "ids": [str(row)], "action": "accept", "back": "a=1&" * 100},
        follow_redirects=False,
    )
    assert bad_back.status_code == 303
    assert bad_back.headers["location"].startswith(
        "/admin/selfservice/suggestions?status=suggested"
    )
