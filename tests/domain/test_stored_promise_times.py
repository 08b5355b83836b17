"""Promise warning and check times stored with the case: the periodic check reads only
the cases whose time has come, and list badges need no calendar maths for their state."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.cases import change_status, open_case, reply_to_case
from nara.domain.promises import check_promise_batch, check_promises, create_policy
from nara.models import Case, CaseEvent
from nara.queries.case_service import promise_badges
from nara.queries.promises import promise_views
from tests import factories
from tests.factories import World

STHLM = ZoneInfo("Europe/Stockholm")
TUESDAY_9 = datetime(2026, 11, 24, 9, tzinfo=STHLM)


@pytest.fixture
def w(db: Session) -> World:
    with clock.frozen_at(TUESDAY_9 - timedelta(hours=1)):
        world = factories.world(db)
    create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=480)
    return world


def open_card_case(db: Session, w: World) -> Case:
    return open_case(
        session=db,
        actor=SYSTEM,
        message="Kortet nekas",
        customer_id=w.alice.id,
        topic_id=w.card_topic.id,
    ).case


def at(hour: int, minute: int = 0) -> datetime:
    return TUESDAY_9.replace(hour=hour, minute=minute)


def test_the_next_check_follows_the_promise_through_the_case(db: Session, w: World) -> None:
    with clock.frozen_at(TUESDAY_9):
        case = open_card_case(db, w)
    # 60 business minutes, warning with a quarter left; resolution 8 h, warning after 6 h
    assert case.first_response_warn_at == at(9, 45)
    assert case.first_response_due_at == at(10)
    assert case.resolution_warn_at == at(15)
    assert case.promise_check_at == at(9, 45)
    check_promises(session=db, actor=SYSTEM, now=at(9, 50))
    assert case.promise_check_at == at(10)  # the warning is raised, the breach pending
    check_promises(session=db, actor=SYSTEM, now=at(10, 1))
    assert case.promise_check_at == at(15)  # now only the resolution promise is ahead
    agent = factories.actor(db, w.card_agent)
    with clock.frozen_at(at(11)):
        reply_to_case(session=db, actor=agent, number=case.number, body="Vi tittar på det")
        change_status(session=db, actor=agent, number=case.number, status="waiting_on_customer")
    assert case.promise_check_at is None  # paused: the clock is stopped
    with clock.frozen_at(at(12)):
        change_status(session=db, actor=agent, number=case.number, status="open")
    # one hour of pause moves the resolution warning by one hour
    assert case.resolution_warn_at == at(16)
    assert case.promise_check_at == at(16)
    with clock.frozen_at(at(13)):
        change_status(session=db, actor=agent, number=case.number, status="resolved")
    assert case.promise_check_at is None
    with clock.frozen_at(at(14)):
        change_status(session=db, actor=agent, number=case.number, status="open")
    assert case.promise_check_at == at(16)  # running again after the resolution


def test_the_check_reads_only_cases_whose_time_has_come(db: Session, w: World) -> None:
    with clock.frozen_at(TUESDAY_9):
        due = open_card_case(db, w)
        quiet = open_card_case(db, w)
    # A case whose stored time says "nothing pending" is not read at all, however late:
    # the check trusts the stored times instead of walking the backlog.
    quiet.promise_check_at = None
    db.flush()
    report, after = check_promise_batch(
        session=db, actor=SYSTEM, now=at(11), phase="promises", after_id=0
    )
    assert after is None
    assert (report.warnings, report.breaches) == (1, 1)  # `due` only
    alerted = set(db.scalars(select(CaseEvent.case_id).where(CaseEvent.type == "promise.breached")))
    assert due.id in alerted and quiet.id not in alerted


def test_a_case_from_before_stored_warning_times_is_brought_up_to_date(
    db: Session, w: World
) -> None:
    with clock.frozen_at(TUESDAY_9):
        case = open_card_case(db, w)
    # as migration 0008 leaves an active case: no warning times, looked at once
    case.first_response_warn_at = case.resolution_warn_at = None
    case.promise_check_at = case.opened_at
    db.flush()
    report = check_promises(session=db, actor=SYSTEM, now=at(9, 10))
    assert (report.warnings, report.breaches) == (0, 0)
    assert case.first_response_warn_at == at(9, 45)
    assert case.promise_check_at == at(9, 45)


def test_badges_from_stored_times_agree_with_the_calendar(db: Session, w: World) -> None:
    rng = random.Random(11)
    with clock.frozen_at(TUESDAY_9):
        cases = [open_card_case(db, w) for _ in range(3)]
    agent = factories.actor(db, w.card_agent)
    with clock.frozen_at(at(9, 30)):
        reply_to_case(session=db, actor=agent, number=cases[1].number, body="Hej")
    for minutes in [*sorted(rng.sample(range(0, 60 * 24 * 90), 40)), 44, 45, 46, 59, 60, 61]:
        now = TUESDAY_9 + timedelta(minutes=minutes)
        badges = promise_badges(db, cases, now)
        for case in cases:
            views = {v.kind: v for v in promise_views(db, case, now)}
            badge = badges[case.id]
            view = views[badge.kind]
            assert badge.state == view.state.value, (minutes, case.number)
            if view.business_seconds_left is not None:
                assert badge.minutes_left == round(view.business_seconds_left / 60)
