"""Training the engine from what is stored, tuning its precision, and who may."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.selfservice_models import (
    evaluation_questions,
    fit_model,
    measure,
    prepare_training,
    set_precision_target,
    store_evaluation,
    store_model,
    train_model,
    training_data,
)
from nara.domain.training import add_training_examples
from nara.models import SelfServiceModel
from nara.queries.audit import AuditFilter, list_audit
from nara.queries.selfservice import active_predictor
from nara.selfservice.held_out import in_slice
from nara.selfservice.scorecard import Question
from tests import factories

CARD = [
    "Mitt kort har inte kommit", "Kortet har inte dykt upp i posten", "Var är mitt nya kort?",
    "Jag väntar fortfarande på bankkortet", "Har ni skickat mitt kort?", "Inget kort i brevlådan",
    "När kommer mitt ersättningskort?", "Mitt beställda kort har inte anlänt",
]  # fmt: skip
SWISH = [
    "Swish fungerar inte", "Jag kan inte swisha", "Swish säger att något gick fel",
    "Kan inte koppla swish till mitt nummer", "Swishbetalningen gick inte igenom",
    "Swish-appen krånglar", "Varför funkar inte swish?", "Swish nekar min betalning",
]  # fmt: skip
LOAN = [
    "Vad är räntan på bolånet?", "Kan jag binda räntan?", "Bolåneräntan har höjts",
    "Hur mycket ränta betalar jag på huslånet?", "Jag vill förhandla min bolåneränta",
    "Rörlig eller bunden ränta?", "Sänk min ränta tack", "Varför steg räntan på lånet?",
]  # fmt: skip
OTHER = ["Vad blir vädret i helgen?", "Vem vann matchen igår?", "Recept på kanelbullar",
         "Hur gammal är jorden?", "Vad kostar en bil?", "Tips på film ikväll"]  # fmt: skip


@pytest.fixture
def examples(db: Session) -> None:
    team = factories.team(db, fallback=True)
    for slug, texts in (("kort", CARD), ("swish", SWISH), ("bolan", LOAN)):
        factories.topic(db, teams=[team], slug=slug)
        add_training_examples(session=db, actor=SYSTEM, source="import", lang="sv",
                              examples=[(t, slug) for t in texts])  # fmt: skip
    add_training_examples(session=db, actor=SYSTEM, source="import", lang="sv",
                          examples=[(t, "oos") for t in OTHER])  # fmt: skip


def test_training_stores_and_activates_a_model(db: Session, examples: None) -> None:
    stages: list[str] = []
    row = train_model(session=db, actor=SYSTEM, precision_target=0.9,
                      progress=lambda stage, done, total: stages.append(stage))  # fmt: skip
    everything = CARD + SWISH + LOAN + OTHER
    trained = [t for t in everything if not in_slice(t)]
    # The fixed held-out slice is never trained on; the model is measured on it.
    assert row.is_active and row.n_examples == len(trained) < len(everything)
    held = row.metrics["held_out"]
    assert held["questions"] == len(everything) - len(trained)
    assert held["model_version"] == row.version
    assert set(held["targets"]) >= {"0.9", "0.97", "0.99"}
    assert stages  # progress was reported
    assert set(row.metrics["operating_points"]) >= {"0.9", "0.97", "0.99"}
    predictor = active_predictor(db)
    assert predictor is not None
    answer = predictor.predict("Mitt kort har fortfarande inte kommit")
    assert answer.candidates[0].label == "kort"
    second = train_model(session=db, actor=SYSTEM)  # same data: the same model, reused
    assert second.id == row.id and second.precision_target == 0.97
    add_training_examples(session=db, actor=SYSTEM, source="import",
                          examples=[("Kortet syns inte i appen", "kort")])  # fmt: skip
    third = train_model(session=db, actor=SYSTEM)
    actives = list(db.scalars(select(SelfServiceModel).where(SelfServiceModel.is_active)))
    assert actives == [third] and third.version != row.version


def test_resolved_cases_teach_too(db: Session, examples: None) -> None:
    w = factories.world(db)
    case = factories.case(db, the_customer=w.alice, the_topic=w.card_topic,
                          message="Kortet kom aldrig fram")  # fmt: skip
    from nara.domain.cases import change_status

    change_status(session=db, actor=SYSTEM, number=case.number, status="resolved")
    assert ("Kortet kom aldrig fram", w.card_topic.slug) in training_data(db)


def test_precision_target_can_be_tuned(db: Session, examples: None) -> None:
    with pytest.raises(Conflict):
        set_precision_target(session=db, actor=SYSTEM, precision_target=0.95)
    train_model(session=db, actor=SYSTEM)
    row = set_precision_target(session=db, actor=SYSTEM, precision_target=0.93)
    assert row.precision_target == 0.93 and "0.93" in row.metrics["operating_points"]
    with pytest.raises(ValidationFailed):
        set_precision_target(session=db, actor=SYSTEM, precision_target=1.5)


def test_agents_cannot_train(db: Session, examples: None) -> None:
    agent = factories.actor(db, factories.user(db, role="agent"))
    with pytest.raises(PermissionDenied):
        train_model(session=db, actor=agent)


def test_too_little_data_is_a_clear_conflict(db: Session) -> None:
    with pytest.raises(Conflict):
        train_model(session=db, actor=SYSTEM)


def test_training_activation_and_tuning_are_audited(db: Session, examples: None) -> None:
    lead = factories.actor(db, factories.user(db, role="lead"))
    page = list_audit(
        db, SYSTEM, AuditFilter(object_type="selfservice_model"), cursor=None, limit=100
    )
    added = [e for e in page.items if e.action == "selfservice.examples_added"]
    assert {e.changes["count"][1] for e in added} == {len(CARD), len(OTHER)}
    first = train_model(session=db, actor=lead, precision_target=0.9)
    add_training_examples(
        session=db, actor=lead, source="import", examples=[("Kortet syns inte i appen", "kort")]
    )
    second = train_model(session=db, actor=lead)
    set_precision_target(session=db, actor=lead, precision_target=0.95)
    log = sorted(
        list_audit(db, SYSTEM, AuditFilter(actor_id=lead.user_id), cursor=None, limit=100).items,
        key=lambda e: e.id,
    )
    assert [e.action for e in log] == [
        "selfservice.model_trained",
        "selfservice.model_activated",
        "selfservice.examples_added",
        "selfservice.model_trained",
        "selfservice.model_activated",
        "selfservice.settings_changed",
    ]
    assert log[0].changes["version"] == [None, first.version]
    assert log[1].changes == {"version": [None, first.version]}
    assert log[4].object_id == str(second.id)
    assert log[4].changes == {"version": [first.version, second.version]}
    assert log[5].changes == {"precision_target": [0.97, 0.95]}
    assert all("blob" not in e.changes for e in log)


def test_a_model_that_never_answers_at_a_target_is_stored_as_strict_json(
    db: Session,
) -> None:
    """On little, overlapping data no threshold reaches 99 % precision: the engine says
    ``inf`` (never answer), which PostgreSQL's json column refuses as ``Infinity``."""
    import json

    team = factories.team(db, fallback=True)
    same = [
        "Det fungerar inte",
        "Det går inte",
        "Något är fel",
        "Hjälp mig",
        "Det krånglar",
        "Inget fungerar",
        "Det blev fel",
        "Varför går det inte?",
    ]
    for slug in ("kort", "swish"):
        factories.topic(db, teams=[team], slug=slug)
        # The same words under two topics: no confidence is ever right 99 % of the time.
        add_training_examples(
            session=db,
            actor=SYSTEM,
            source="import",
            lang="sv",
            examples=[(t, slug) for t in same],
        )
    row = train_model(session=db, actor=SYSTEM, precision_target=0.9)
    db.flush()
    db.expire(row)
    points = row.metrics["operating_points"]
    json.dumps(row.metrics, allow_nan=False)  # strict JSON: no Infinity, no NaN
    assert any(p["threshold"] is None for p in points.values()), points
    never = next(p for p in points.values() if p["threshold"] is None)
    assert never["coverage"] == 0.0
    tuned = set_precision_target(session=db, actor=SYSTEM, precision_target=0.995)
    db.flush()
    json.dumps(tuned.metrics, allow_nan=False)
    assert tuned.metrics["operating_points"]["0.995"]["threshold"] is None


def test_a_new_model_is_measured_on_the_evaluation_set(db: Session, examples: None) -> None:
    data = prepare_training(session=db, actor=SYSTEM)
    assert data.questions == ()  # not the demo bank's topics: no evaluation set
    questions = (
        Question("Mitt kort har fortfarande inte kommit fram", "sv", "kort"),
        Question("Swishen strular igen", "sv", "swish", held_out=True),
        Question("Vem vinner Melodifestivalen?", "sv", None),
    )
    data = replace(data, questions=questions)
    model = fit_model(data)
    row = store_model(
        session=db, actor=SYSTEM, data=data, model=model, evaluation=measure(data, model)
    )
    db.expire(row)
    evaluation = row.metrics["evaluation"]
    assert evaluation["model_version"] == row.version
    assert set(evaluation["targets"]) == {"0.9", "0.95", "0.97", "0.98", "0.99"}
    loose = evaluation["targets"]["0.9"]
    assert loose["all"]["questions"] == 3 and loose["all"]["in_scope"] == 2
    assert loose["all"]["no_topic"] == 1 and loose["sv"] == loose["all"]
    assert loose["held_out"]["questions"] == 1 and "en" not in loose
    for figures in evaluation["targets"].values():
        assert figures["all"]["answered_right"] <= figures["all"]["answered"]
        assert 0 <= (figures["all"]["coverage"] or 0) <= 1


def test_the_demo_banks_set_applies_to_the_demo_banks_topics(db: Session) -> None:
    from nara.demo.content import TOPICS
    from nara.demo.evaluation_set import EVALUATION_SET, is_held_out

    team = factories.team(db, fallback=True)
    for slug, *_ in TOPICS[:-1]:
        factories.topic(db, teams=[team], slug=slug)
    assert evaluation_questions(db) == ()  # one topic missing: not the demo bank
    factories.topic(db, teams=[team], slug=TOPICS[-1][0])
    questions = evaluation_questions(db)
    assert [q.text for q in questions] == [q.text for q in EVALUATION_SET]
    assert [q.held_out for q in questions] == [is_held_out(q) for q in EVALUATION_SET]


def test_stored_figures_must_belong_to_the_model(db: Session, examples: None) -> None:
    row = train_model(session=db, actor=SYSTEM)
    figures = {"model_version": row.version, "targets": {}}
    stored = store_evaluation(session=db, actor=SYSTEM, model_id=row.id, evaluation=figures)
    assert stored.metrics["evaluation"] == figures and "operating_points" in stored.metrics
    with pytest.raises(Conflict):
        store_evaluation(
            session=db,
            actor=SYSTEM,
            model_id=row.id,
            evaluation={"model_version": "ss2-other", "targets": {}},
        )
    with pytest.raises(NotFound):
        store_evaluation(session=db, actor=SYSTEM, model_id=row.id + 1000, evaluation=figures)
    w = factories.world(db)
    with pytest.raises(PermissionDenied):
        store_evaluation(
            session=db, actor=factories.actor(db, w.card_agent), model_id=row.id, evaluation=figures
        )
