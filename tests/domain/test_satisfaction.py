"""Customer satisfaction: who may answer "How well did we help you?", when, how often,
and what a low score sets off (domain/satisfaction.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.domain.cases import change_status, reply_to_case
from nara.domain.errors import Conflict, NotFound, ValidationFailed
from nara.domain.promises import complete_task
from nara.domain.satisfaction import (
    FOLLOW_UP_TASK,
    Rated,
    customer_actor,
    rate_by_rating_link,
    rate_case,
)
from nara.models import CaseEvent, CaseTask, Notification, SatisfactionRating
from nara.queries.satisfaction import (
    TokenState,
    changeable_until,
    find_rating_link,
    link_expiry,
    rating_token,
    rating_view,
)
from tests import factories

T0 = datetime.fromisoformat("2026-03-02T09:00:00+00:00")


@pytest.fixture
def w(db: Session) -> factories.World:
    with clock.frozen_at(T0):
        world = factories.world(db)
        change_status(session=db, actor=SYSTEM, number=world.alice_case.number, status="resolved")
    return world


def alice(db: Session, w: factories.World) -> Actor:
    return actor_for_user(db, w.alice_user)


def rate(
    db: Session,
    w: factories.World,
    score: object,
    comment: str | None = None,
    *,
    actor: Actor | None = None,
    number: str | None = None,
) -> Rated:
    return rate_case(
        session=db,
        actor=actor or alice(db, w),
        number=number or w.alice_case.number,
        score=score,
        comment=comment,
    )


def events(db: Session, case_id: int, type_: str) -> list[CaseEvent]:
    return list(
        db.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.type == type_)
            .order_by(CaseEvent.id)
        )
    )


def test_the_customer_rates_a_resolved_case_once_with_an_internal_event(
    db: Session, w: factories.World
) -> None:
    with clock.frozen_at(T0 + timedelta(hours=1)):
        rated = rate(db, w, 4, "  Snabbt och vänligt.  ")
    assert rated.created
    assert (rated.rating.score, rated.rating.comment, rated.rating.via) == (
        4,
        "Snabbt och vänligt.",
        "portal",
    )
    assert rated.rating.customer_id == w.alice.id
    [event] = events(db, w.alice_case.id, "satisfaction.rated")
    assert not event.is_public and event.data == {"score": 4, "via": "portal"}
    assert event.body == "Snabbt och vänligt."
    view = rating_view(db, w.alice_case)
    assert view is not None and view.changed_at is None
    assert view.changeable_until == T0 + timedelta(hours=1, days=7)


def test_an_unresolved_case_cannot_be_rated(db: Session, w: factories.World) -> None:
    bob = actor_for_user(db, w.bob_user)
    with pytest.raises(Conflict, match="not resolved"):
        rate(db, w, 5, actor=bob, number=w.bob_case.number)
    assert db.scalar(select(func.count()).select_from(SatisfactionRating)) == 0


def test_a_closed_case_can_be_rated(db: Session, w: factories.World) -> None:
    change_status(session=db, actor=SYSTEM, number=w.alice_case.number, status="closed")
    assert rate(db, w, 3).created


@pytest.mark.parametrize("score", [0, 6, -1, "3.5", 3.5, "tre", "", None, True, "05x", "100"])
def test_the_score_is_a_whole_number_from_one_to_five(
    db: Session, w: factories.World, score: object
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rate(db, w, score)
    assert refused.value.field == "score"
    assert db.scalar(select(func.count()).select_from(SatisfactionRating)) == 0


def test_a_form_sends_the_score_as_text(db: Session, w: factories.World) -> None:
    assert rate(db, w, " 2 ").rating.score == 2


def test_the_comment_is_trimmed_and_at_most_2000_characters(
    db: Session, w: factories.World
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rate(db, w, 4, "x" * 100_000)
    assert refused.value.field == "comment" and "2000" in refused.value.detail
    assert db.scalar(select(func.count()).select_from(SatisfactionRating)) == 0
    assert rate(db, w, 4, "y" * 2000 + "   ").rating.comment == "y" * 2000


def test_nobody_else_may_rate_the_case(db: Session, w: factories.World) -> None:
    bob = actor_for_user(db, w.bob_user)
    for actor in (
        bob,  # another customer: the case does not exist for them
        actor_for_user(db, w.card_agent),  # staff who read it
        actor_for_user(db, w.card_lead),
        actor_for_user(db, w.admin),
        actor_for_user(db, w.loan_agent),  # staff who may not read it
        SYSTEM,
    ):
        with pytest.raises(NotFound):
            rate(db, w, 5, actor=actor)
    assert db.scalar(select(func.count()).select_from(SatisfactionRating)) == 0


def test_the_answer_can_be_changed_for_seven_days_and_then_not(
    db: Session, w: factories.World
) -> None:
    with clock.frozen_at(T0):
        first = rate(db, w, 4, "Bra")
    until = changeable_until(first.rating)
    assert until == T0 + timedelta(days=7)
    with clock.frozen_at(until - timedelta(seconds=1)):
        changed = rate(db, w, 5, "Riktigt bra")
    assert not changed.created and changed.rating.id == first.rating.id
    assert (changed.rating.score, changed.rating.comment) == (5, "Riktigt bra")
    [event] = events(db, w.alice_case.id, "satisfaction.changed")
    assert event.data == {"score": 5, "old_score": 4, "via": "portal"}
    with clock.frozen_at(until), pytest.raises(Conflict, match="no longer be changed"):
        rate(db, w, 3)
    with clock.frozen_at(until + timedelta(days=30)), pytest.raises(Conflict):
        rate(db, w, 3)
    db.refresh(first.rating)
    assert first.rating.score == 5
    assert db.scalar(select(func.count()).select_from(SatisfactionRating)) == 1


def test_the_same_answer_again_changes_nothing(db: Session, w: factories.World) -> None:
    rate(db, w, 4, "Bra")
    again = rate(db, w, 4, "Bra")
    assert not again.created
    assert events(db, w.alice_case.id, "satisfaction.changed") == []


def test_a_reopened_case_cannot_be_rated_until_resolved_again(
    db: Session, w: factories.World
) -> None:
    rate(db, w, 4)
    reply_to_case(session=db, actor=alice(db, w), number=w.alice_case.number, body="En sak till")
    with pytest.raises(Conflict, match="not resolved"):
        rate(db, w, 2)


def test_a_low_score_makes_one_follow_up_task_for_the_lead(db: Session, w: factories.World) -> None:
    other_lead = factories.user(db, role="lead", teams=[w.loans])
    rate(db, w, 2, "Ingen ringde tillbaka")
    rate(db, w, 1)
    rate(db, w, 4)
    rate(db, w, 1)
    tasks = list(db.scalars(select(CaseTask).where(CaseTask.case_id == w.alice_case.id)))
    assert [t.kind for t in tasks] == [FOLLOW_UP_TASK]
    [made] = events(db, w.alice_case.id, "task.created")
    assert made.data == {"kind": FOLLOW_UP_TASK, "score": 2} and not made.is_public
    notes = list(db.scalars(select(Notification).where(Notification.kind == "satisfaction.low")))
    assert [n.user_id for n in notes] == [w.card_lead.id]  # the owning team's lead only
    assert other_lead.id not in {n.user_id for n in notes}
    assert notes[0].case_id == w.alice_case.id


def test_a_good_score_makes_no_task(db: Session, w: factories.World) -> None:
    rate(db, w, 3)
    assert db.scalar(select(func.count()).select_from(CaseTask)) == 0


def test_the_lead_marks_the_follow_up_done_and_agents_may_not(
    db: Session, w: factories.World
) -> None:
    rate(db, w, 1)
    agent = actor_for_user(db, w.card_agent)
    with pytest.raises(Exception, match="lead"):
        complete_task(session=db, actor=agent, number=w.alice_case.number, kind=FOLLOW_UP_TASK)
    lead = actor_for_user(db, w.card_lead)
    task = complete_task(session=db, actor=lead, number=w.alice_case.number, kind=FOLLOW_UP_TASK)
    assert task.done_at is not None and task.done_by_id == w.card_lead.id


# ---- the signed rating link ----
def test_the_rating_link_opens_the_case_for_thirty_days_after_resolution(
    db: Session, w: factories.World
) -> None:
    case = w.alice_case
    token = rating_token(case)
    assert token is not None and token == rating_token(case)  # stable, nothing stored
    expires = link_expiry(case)
    assert expires is not None and case.resolved_at is not None
    assert expires == case.resolved_at + timedelta(days=30)
    with clock.frozen_at(expires - timedelta(seconds=1)):
        link = find_rating_link(db, token, clock.now())
        assert link is not None and link.case.id == case.id
        assert link.state is TokenState.valid
        rated = rate_by_rating_link(session=db, link=link, score=5, comment="Tack!")
    assert rated.created and rated.rating.via == "link"
    expired = find_rating_link(db, token, expires)
    assert expired is not None and expired.state is TokenState.expired
    with pytest.raises(NotFound):
        rate_by_rating_link(session=db, link=expired, score=4, comment=None)


def test_a_forged_or_altered_token_opens_nothing(db: Session, w: factories.World) -> None:
    token = rating_token(w.alice_case)
    assert token is not None
    prefix, case_id, stamp, signature = token.split(".")
    bob_token = rating_token(w.bob_case)
    assert bob_token is None  # not resolved: no link
    forged = [
        f"{prefix}.{w.bob_case.id}.{stamp}.{signature}",  # another case
        f"{prefix}.{case_id}.{int(stamp) + 86400}.{signature}",  # a later expiry
        f"{prefix}.{case_id}.{stamp}.{signature[:-1]}A",
        f"{prefix}.{case_id}.{stamp}",
        "nr1.1.1.x",
        "",
        "x" * 500,
        f"{token}.extra",
    ]
    for bad in forged:
        assert find_rating_link(db, bad, clock.now()) is None, bad


def test_a_rating_link_rates_as_the_customer_without_a_login(
    db: Session, w: factories.World
) -> None:
    actor = customer_actor(db, w.alice_case)
    assert actor.is_customer and actor.user_id is None and actor.customer_id == w.alice.id
    rated = rate_case(session=db, actor=actor, number=w.alice_case.number, score=3, via="link")
    [event] = events(db, w.alice_case.id, "satisfaction.rated")
    assert rated.created and event.actor_id is None
