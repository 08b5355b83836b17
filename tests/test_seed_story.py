"""The story of the seeded history (``simulation/seed_story.py``), as the follow-up will
read it: a team that keeps its promises and one that struggles on Mondays, satisfaction
that drops when waits grow, a self-service topic with many rejected answers; and the new
rows as the domain would have written them. Seeded once for the module (SQLite and
PostgreSQL), rolled back at the end."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.demo.loader import load_demo
from nara.models import (
    ArticleVersion,
    Case,
    CaseEvent,
    CaseTask,
    Conversation,
    ConversationTurn,
    Customer,
    SatisfactionRating,
    Team,
    Topic,
    User,
)
from nara.simulation.seed import SeedReport, seed_cases
from nara.simulation.seed_story import KEEPS_PROMISES, MONDAY_STRUGGLE, REJECTED_TOPIC

CASES = 6000
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="module")
def story(engine: Engine) -> Iterator[tuple[Session, SeedReport]]:
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    with clock.frozen_at(NOW):
        load_demo(session, cases=0, history=0, embed=False)
        report = seed_cases(session, cases=CASES, seed=3, chunk_size=2500)
    session.flush()
    yield session, report
    session.close()
    transaction.rollback()
    connection.close()


def _team(db: Session, slug: str) -> int:
    team_id = db.scalar(select(Team.id).where(Team.slug == slug))
    assert team_id is not None
    return team_id


def _answered(db: Session, team_id: int | None = None) -> list[Case]:
    """Cases with a first response and a first-response promise."""
    where = [Case.first_response_at.is_not(None), Case.first_response_due_at.is_not(None)]
    if team_id is not None:
        where.append(Case.team_id == team_id)
    return list(db.scalars(select(Case).where(*where)))


def _missed(cases: list[Case]) -> float:
    late = [c for c in cases if c.first_response_at > c.first_response_due_at]  # type: ignore[operator]
    return len(late) / len(cases)


def _monday(case: Case) -> bool:
    return case.opened_at.astimezone(ZONE).weekday() == 0


def test_one_team_keeps_its_first_response_promises(
    story: tuple[Session, SeedReport],
) -> None:
    db, _ = story
    keeper = _answered(db, _team(db, KEEPS_PROMISES))
    everyone = _answered(db)
    assert len(keeper) > 300
    assert _missed(keeper) <= 0.02
    others = [c for c in everyone if c.team_id != _team(db, KEEPS_PROMISES)]
    assert _missed(others) >= _missed(keeper) + 0.03


def test_another_team_struggles_on_mondays(story: tuple[Session, SeedReport]) -> None:
    db, _ = story
    cases = _answered(db, _team(db, MONDAY_STRUGGLE))
    mondays = [c for c in cases if _monday(c)]
    other_days = [c for c in cases if not _monday(c)]
    assert len(mondays) > 100 and len(other_days) > 500
    assert _missed(mondays) >= 0.2
    assert _missed(mondays) >= 3 * _missed(other_days)
    # Other teams have no Monday problem.
    elsewhere = [c for c in _answered(db) if c.team_id != _team(db, MONDAY_STRUGGLE)]
    calm = [c for c in elsewhere if _monday(c)]
    assert _missed(calm) < 0.5 * _missed(mondays)


def test_a_realistic_share_of_resolved_cases_is_rated(story: tuple[Session, SeedReport]) -> None:
    db, report = story
    resolved = db.scalar(
        select(func.count()).select_from(Case).where(Case.resolved_at.is_not(None))
    )
    ratings = list(db.scalars(select(SatisfactionRating)))
    assert report.ratings == len(ratings)
    assert resolved and 0.25 <= len(ratings) / resolved <= 0.35
    cases = {c.id: c for c in db.scalars(select(Case))}
    for rating in ratings:
        case = cases[rating.case_id]
        assert case.status in ("resolved", "closed") and case.resolved_at is not None
        assert rating.customer_id == case.customer_id
        assert case.resolved_at < rating.created_at <= rating.updated_at <= NOW
        assert 1 <= rating.score <= 5 and rating.via in ("portal", "link")
    comments = [r.comment for r in ratings if r.comment]
    assert 0.2 * len(ratings) < len(comments) < 0.5 * len(ratings)
    assert any("tack" in c.lower() for c in comments)  # Swedish
    assert any("thank" in c.lower() or "took" in c.lower() for c in comments)  # and English
    assert len(Counter(r.score for r in ratings)) == 5


def test_satisfaction_drops_when_the_first_response_was_late(
    story: tuple[Session, SeedReport],
) -> None:
    db, _ = story
    rows = db.execute(
        select(SatisfactionRating.score, Case.first_response_at, Case.first_response_due_at)
        .join(Case, Case.id == SatisfactionRating.case_id)
        .where(Case.first_response_due_at.is_not(None), Case.first_response_at.is_not(None))
    ).all()
    kept = [score for score, replied, due in rows if replied <= due]
    late = [score for score, replied, due in rows if replied > due]
    assert len(late) >= 30
    assert mean(kept) >= 3.8
    assert mean(late) <= mean(kept) - 1.0


def test_a_low_score_has_its_follow_up_task_and_events(
    story: tuple[Session, SeedReport],
) -> None:
    db, _ = story
    tasks = {t.case_id: t for t in db.scalars(select(CaseTask))}
    low = list(db.scalars(select(SatisfactionRating).where(SatisfactionRating.score <= 2)))
    assert low and all(r.case_id in tasks for r in low)
    assert {t.kind for t in tasks.values()} == {"satisfaction_followup"}
    done = [t for t in tasks.values() if t.done_at is not None]
    assert done and all(t.done_by_id is not None and t.done_at <= NOW for t in done)
    assert any(t.done_at is None for t in tasks.values()) or len(tasks) < 5
    events = Counter(
        db.scalars(select(CaseEvent.type).where(CaseEvent.type.like("satisfaction.%")))
    )
    assert events["satisfaction.rated"] == db.scalar(
        select(func.count()).select_from(SatisfactionRating)
    )
    assert 0 < events["satisfaction.changed"] < events["satisfaction.rated"] * 0.15
    task_events = Counter(db.scalars(select(CaseEvent.type).where(CaseEvent.type.like("task.%"))))
    assert task_events["task.created"] == len(tasks) and task_events["task.done"] == len(done)


def test_the_rejected_answer_topic_stands_out(story: tuple[Session, SeedReport]) -> None:
    db, report = story
    rows = db.execute(
        select(Topic.slug, Conversation.outcome, func.count())
        .join(Topic, Topic.id == Conversation.topic_id)
        .group_by(Topic.slug, Conversation.outcome)
    ).all()
    seeded = (
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.model_version == "history")
    )
    assert report.conversations == db.scalar(seeded)  # the demo's own few come on top
    by_topic: dict[str, Counter[str]] = defaultdict(Counter)
    for slug, outcome, n in rows:
        by_topic[slug][outcome] = n

    def rejected_share(outcomes: Counter[str]) -> float:
        answered = sum(outcomes[o] for o in outcomes if o.startswith("answered"))
        return outcomes["answered_rejected"] / answered if answered else 0.0

    shares = {slug: rejected_share(o) for slug, o in by_topic.items() if sum(o.values()) >= 60}
    story_share = shares.pop(REJECTED_TOPIC)
    others = sorted(shares.values())
    assert len(others) >= 10
    assert story_share >= 0.4
    assert story_share >= 2 * others[-1]  # far above every other topic
    assert story_share >= 4 * others[len(others) // 2]  # and the usual topic
    outcomes = Counter({o: n for _, o, n in rows})
    assert {"answered_confirmed", "answered_no_feedback", "answered_rejected"} <= set(outcomes)
    assert {"abstained", "asked_for_person"} <= set(outcomes)


def test_conversations_are_the_domains(story: tuple[Session, SeedReport]) -> None:
    db, _ = story
    cases = {c.id: c for c in db.scalars(select(Case))}
    logins = set(db.scalars(select(Customer.id).where(Customer.user_id.is_not(None))))
    conversations = list(db.scalars(select(Conversation)))
    turns: dict[int, list[ConversationTurn]] = defaultdict(list)
    for turn in db.scalars(select(ConversationTurn).order_by(ConversationTurn.id)):
        turns[turn.conversation_id].append(turn)
    versions = set(db.scalars(select(ArticleVersion.id)))
    assert len({c.public_id for c in conversations}) == len(conversations)
    assert Counter(c.lang for c in conversations)["en"] > 0
    for conversation in conversations:
        mine = turns[conversation.id]
        assert mine[0].role == "customer" and mine[0].text
        assert mine[1].role == "assistant" and mine[1].topic_id == conversation.topic_id
        answered = conversation.outcome != "abstained"
        assert mine[1].answered == answered
        assert (mine[1].article_version_id in versions) if answered else not mine[1].text
        if conversation.case_id is not None:  # handed over into the customer's case
            case = cases[conversation.case_id]
            assert conversation.customer_id == case.customer_id in logins
            assert case.channel in ("web", "chat") and conversation.ended_at == case.opened_at
            assert conversation.outcome in ("answered_rejected", "abstained", "asked_for_person")
        elif conversation.outcome == "answered_rejected":
            assert conversation.customer_id is None  # a visitor who left without contact
        assert conversation.started_at <= NOW


def test_the_staff_who_did_things_exist(story: tuple[Session, SeedReport]) -> None:
    db, _ = story
    staff = set(db.scalars(select(User.id).where(User.role != "customer")))
    done_by = set(db.scalars(select(CaseTask.done_by_id).where(CaseTask.done_by_id.is_not(None))))
    assert done_by and done_by <= staff
