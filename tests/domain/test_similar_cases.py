"""Similar cases: each case's vector is stored (by the demo loader, the backfill and the
periodic ``cases.embed`` job, in-process on SQLite), and the search keeps to the topics,
the time window and the exclusions it is given. A word-hashing embedder stands in for
the model except where the real one is the point."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.db import session_scope
from nara.domain.actors import SYSTEM
from nara.domain.case_embeddings import embed_cases, store_case_embeddings
from nara.domain.case_links import merge_case
from nara.domain.knowledge import save_article
from nara.domain.selfservice import ask, start_conversation
from nara.improvements import similarity
from nara.jobs.runner import run_periodic
from nara.jobs.tasks import CASE_EMBEDDING, embed_pending
from nara.models import Case, CaseEmbedding, JobRun, Topic
from nara.queries.similar_cases import (
    cases_to_embed,
    groups_like_case,
    similar_cases,
    similar_to_cases,
    texts_of_cases,
)
from nara.selfservice.embeddings import EMBEDDER_NAME
from nara.selfservice.errors import EmbeddingUnavailable
from nara.selfservice.predictions import Candidate, Prediction
from tests import factories
from tests.similarity_fakes import WordEmbedder

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
CARD = "Mitt nya kort har inte kommit med posten"


@dataclass
class Bank:
    cards: Topic
    loans: Topic
    customer_id: int


@pytest.fixture
def bank(db: Session) -> Bank:
    factories.team(db, fallback=True)
    team = factories.team(db)
    cards = factories.topic(db, teams=[team])
    loans = factories.topic(db, teams=[team])
    customer = factories.customer(db)
    return Bank(cards, loans, customer.id)


def _open(db: Session, bank: Bank, text: str, topic: Topic, at: datetime = NOW) -> Case:
    with clock.frozen_at(at):
        return factories.case(db, the_customer=_customer(db, bank), the_topic=topic, message=text)


def _customer(db: Session, bank: Bank):  # type: ignore[no-untyped-def]
    from nara.models import Customer

    return db.get(Customer, bank.customer_id)


def _search(db: Session, bank: Bank, **kwargs: object) -> list[int]:
    options: dict[str, object] = {
        "text": CARD,
        "topic_ids": [bank.cards.id],
        "since": NOW - timedelta(days=30),
        "threshold": 0.5,
        "embedder": WordEmbedder(),
    }
    options.update(kwargs)
    return [case_id for case_id, _ in similar_cases(db, **options)]  # type: ignore[arg-type]


def test_the_search_keeps_to_the_topics_the_window_and_the_exclusions(
    db: Session, bank: Bank
) -> None:
    near = _open(db, bank, "Mitt nya kort har inte kommit", bank.cards)
    nearer = _open(db, bank, CARD + " ännu", bank.cards)
    other_topic = _open(db, bank, CARD, bank.loans)
    too_old = _open(db, bank, CARD, bank.cards, at=NOW - timedelta(days=60))
    unlike = _open(db, bank, "Jag vill höja min kreditgräns inför resan", bank.cards)
    later = _open(db, bank, CARD, bank.cards, at=NOW + timedelta(days=2))
    ids = [near.id, nearer.id, other_topic.id, too_old.id, unlike.id, later.id]
    assert embed_cases(session=db, case_ids=ids, embedder=WordEmbedder()) == 6
    with clock.frozen_at(NOW + timedelta(days=3)):
        assert _search(db, bank) == [later.id, nearer.id, near.id]
        assert _search(db, bank, until=NOW + timedelta(days=1)) == [nearer.id, near.id]
        assert _search(db, bank, exclude_case_ids=[later.id, near.id]) == [nearer.id]
        assert _search(db, bank, limit=1) == [later.id]
        # Equal scores: the lower id first.
        assert _search(db, bank, since=None) == [too_old.id, later.id, nearer.id, near.id]
        both = _search(db, bank, topic_ids=[bank.cards.id, bank.loans.id])
        assert both == [other_topic.id, later.id, nearer.id, near.id]
        assert _search(db, bank, topic_ids=[bank.loans.id]) == [other_topic.id]
        assert _search(db, bank, topic_ids=[]) == []
        assert _search(db, bank, text="  ") == []
        assert _search(db, bank, threshold=1.01) == []
        scored = similar_cases(
            db,
            text=CARD,
            topic_ids=[bank.cards.id],
            since=None,
            threshold=0.5,
            embedder=WordEmbedder(),
        )
    assert scored[0][1] == pytest.approx(1.0, abs=2e-3)
    assert all(score >= 0.5 for _, score in scored)


def test_a_duplicate_merged_into_another_case_is_not_suggested(db: Session, bank: Bank) -> None:
    first = _open(db, bank, CARD, bank.cards)
    duplicate = _open(db, bank, CARD, bank.cards)
    embed_cases(session=db, case_ids=[first.id, duplicate.id], embedder=WordEmbedder())
    admin = factories.user(db, role="admin")
    merge_case(
        session=db, actor=factories.actor(db, admin), number=duplicate.number, into=first.number
    )
    with clock.frozen_at(NOW):
        assert _search(db, bank) == [first.id]


def test_the_evidence_vectors_find_more_cases_without_the_model(
    db: Session, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    evidence = _open(db, bank, CARD, bank.cards)
    like = _open(db, bank, CARD + " tyvärr", bank.cards)
    unlike = _open(db, bank, "Hur ändrar jag min adress", bank.cards)
    embed_cases(session=db, case_ids=[evidence.id, like.id, unlike.id], embedder=WordEmbedder())
    monkeypatch.setattr(similarity, "default_embedder", _unavailable)
    found = similar_to_cases(
        db,
        case_ids=[evidence.id],
        topic_ids=[bank.cards.id],
        since=None,
        threshold=0.5,
        model=WordEmbedder.name,
    )
    assert [case_id for case_id, _ in found] == [like.id]
    assert similar_to_cases(db, case_ids=[], topic_ids=[bank.cards.id], since=None) == []


def test_a_case_finds_the_groups_whose_evidence_it_looks_like(db: Session, bank: Bank) -> None:
    card = _open(db, bank, CARD, bank.cards)
    card_again = _open(db, bank, CARD + " tyvärr", bank.cards)
    address = _open(db, bank, "Hur ändrar jag min adress", bank.cards)
    new = _open(db, bank, CARD + " än", bank.cards)
    unembedded = _open(db, bank, CARD, bank.cards)
    embed_cases(
        session=db, case_ids=[card.id, card_again.id, address.id, new.id], embedder=WordEmbedder()
    )
    groups = {7: [address.id, card.id], 8: [address.id], 9: [unembedded.id], 10: [new.id]}
    found = groups_like_case(
        db, case_id=new.id, groups=groups, threshold=0.5, model=WordEmbedder.name
    )
    assert [g for g, _ in found] == [7]
    assert found[0][1] == pytest.approx(0.94, abs=0.03)
    assert groups_like_case(db, case_id=unembedded.id, groups=groups, model=WordEmbedder.name) == []


def _unavailable() -> WordEmbedder:
    raise EmbeddingUnavailable("the model is not here")


def test_without_the_model_there_are_no_suggestions_and_cases_still_open(
    db: Session, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(similarity, "default_embedder", _unavailable)
    case = _open(db, bank, CARD, bank.cards)
    assert case.number
    assert similar_cases(db, text=CARD, topic_ids=[bank.cards.id], since=None) == []


def test_a_text_is_embedded_once_per_model_and_again_when_it_changes(
    db: Session, bank: Bank
) -> None:
    case = _open(db, bank, CARD, bank.cards)
    embedder = WordEmbedder()
    assert embed_cases(session=db, case_ids=[case.id], embedder=embedder) == 1
    assert embed_cases(session=db, case_ids=[case.id], embedder=embedder) == 0
    assert len(embedder.calls) == 1
    assert cases_to_embed(db, model=WordEmbedder.name, after_id=case.id - 1) == []
    assert cases_to_embed(db, model=EMBEDDER_NAME, after_id=case.id - 1) == [case.id]
    row = db.get(CaseEmbedding, case.id)
    assert row is not None and row.dim == 384 and len(row.vector) == 768
    # Storing again replaces the row (an upsert: the job and a backfill may race).
    store_case_embeddings(
        session=db,
        model=WordEmbedder.name,
        case_ids=[case.id, 10**9],
        texts=["x", "y"],
        vectors=WordEmbedder().embed(["x", "y"]),
    )
    db.expire_all()
    again = db.get(CaseEmbedding, case.id)
    assert again is not None and again.text_hash == similarity.text_hash("x")
    assert db.get(CaseEmbedding, 10**9) is None


def test_a_handover_is_embedded_by_what_the_customer_wrote(db: Session, bank: Bank) -> None:
    save_article(
        session=db,
        actor=SYSTEM,
        topic_id=bank.cards.id,
        lang="sv",
        title="Kort",
        body_md="Vänta fem bankdagar.",
    )
    customer = factories.customer(db, with_login=True)
    from nara.models import User

    login = db.get(User, customer.user_id)
    assert login is not None
    actor = factories.actor(db, login)
    conversation = start_conversation(session=db, actor=actor, channel="portal", lang="sv")
    reply = ask(
        session=db,
        actor=actor,
        conversation=conversation,
        question="Något konstigt hände med mitt kort i Spanien",
        predictor=_Unsure(),
    )
    assert reply.case is not None
    texts = texts_of_cases(db, [reply.case.id])
    assert texts == {reply.case.id: "Något konstigt hände med mitt kort i Spanien"}
    plain = _open(db, bank, "Hej!\nMitt kort har inte kommit", bank.cards)
    assert texts_of_cases(db, [plain.id]) == {plain.id: "Hej!\nMitt kort har inte kommit"}


@dataclass
class _Unsure:
    def predict(self, text: str) -> Prediction:
        return Prediction(
            candidates=[Candidate("x", 0.3)], confidence=0.3, answer=False, model_version="t"
        )


@pytest.fixture
def committed(committed_engine: Engine) -> Iterator[tuple[Engine, Bank]]:
    with session_scope(committed_engine) as session:
        factories.team(session, fallback=True)
        team = factories.team(session)
        cards = factories.topic(session, teams=[team])
        loans = factories.topic(session, teams=[team])
        customer = factories.customer(session)
        bank = Bank(cards, loans, customer.id)
    yield committed_engine, bank


def test_the_periodic_job_embeds_a_newly_opened_case_with_the_real_model(
    committed: tuple[Engine, Bank],
) -> None:
    engine, bank = committed
    with session_scope(engine) as session:
        case = _open(session, bank, CARD, bank.cards, at=clock.now())
    status, run_id = run_periodic(engine, CASE_EMBEDDING)
    assert status == "succeeded"
    with session_scope(engine) as session:
        run = session.get(JobRun, run_id)
        assert run is not None and run.result == {"embedded": 1}
        row = session.get(CaseEmbedding, case.id)
        assert row is not None and row.model == EMBEDDER_NAME
        found = similar_cases(
            session,
            text="Mitt nya kort har inte kommit med posten!",
            topic_ids=[bank.cards.id],
            since=clock.now() - timedelta(days=1),
        )
    assert [case_id for case_id, _ in found] == [case.id]
    assert found[0][1] >= similarity.SUGGESTION_THRESHOLD
    # Nothing left: the next tick embeds nothing.
    assert embed_pending(engine, since=None).embedded == 0


def test_without_the_model_the_job_waits_and_the_backfill_catches_up(
    committed: tuple[Engine, Bank], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, bank = committed
    monkeypatch.setattr(similarity, "default_embedder", _unavailable)
    with session_scope(engine) as session:
        old = _open(session, bank, CARD, bank.cards, at=clock.now() - timedelta(days=40))
        new = _open(session, bank, "Kortet kom aldrig", bank.cards, at=clock.now())
    status, run_id = run_periodic(engine, CASE_EMBEDDING)
    assert status == "succeeded"
    with session_scope(engine) as session:
        run = session.get(JobRun, run_id)
        assert run is not None and run.result["embedded"] == 0 and run.result["unavailable"]
        assert session.scalar(select(func.count()).select_from(CaseEmbedding)) == 0
    monkeypatch.setattr(similarity, "default_embedder", WordEmbedder)
    progress: list[tuple[int, int]] = []
    report = embed_pending(
        engine, since=None, batch=1, progress=lambda done, total: progress.append((done, total))
    )
    assert (report.embedded, report.looked_at) == (2, 2)
    assert progress[-1] == (2, 2)
    with session_scope(engine) as session:
        assert set(session.scalars(select(CaseEmbedding.case_id))) == {old.id, new.id}
