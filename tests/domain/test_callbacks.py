"""Callbacks: slots from the team's calendar, booking, cancel, move and outcome."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM, Actor
from nara.domain.calendars import set_team_calendar
from nara.domain.callbacks import (
    book_callback,
    cancel_callback,
    move_callback,
    record_callback_outcome,
)
from nara.domain.cases import change_status
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.events import EVENT_TYPES
from nara.models import CallbackSlot, CaseEvent
from nara.queries.callbacks import due_callbacks, team_slots
from nara.queries.inbox import InboxQuery, inbox
from tests import factories
from tests.factories import World

STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=STHLM)
WEEK = {d: "09:00-12:00" for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def w(db: Session) -> World:
    with clock.frozen_at(MONDAY_9 - timedelta(hours=1)):
        world = factories.world(db)
    set_team_calendar(session=db, actor=SYSTEM, team_id=world.cards.id, hours=WEEK,
                      callback_slot_minutes=30, callback_capacity=2)  # fmt: skip
    return world


def test_slots_follow_the_calendar(db: Session, w: World) -> None:
    slots = team_slots(db, w.cards.id, now=MONDAY_9, days=7)
    starts = [s.starts_at.astimezone(STHLM) for s in slots]
    # Monday: 09:30 is too soon (15 min notice), so 09:30? no: 09:00 has passed;
    # 09:30, 10:00 ... 11:30 remain; then Tue-Fri 6 each.
    assert starts[0] == datetime(2026, 11, 30, 9, 30, tzinfo=STHLM)
    assert len(slots) == 5 + 4 * 6
    assert all(s.capacity == 2 and s.free == 2 for s in slots)
    assert all(s.starts_at.astimezone(STHLM).weekday() < 5 for s in slots)


def test_book_cancel_move_and_never_overbook(db: Session, w: World) -> None:
    alice = factories.actor(db, w.alice_user)
    bob_case = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, by=w.bob_user)
    carol = factories.customer(db, with_login=True)
    carol_user = db.get(type(w.alice_user), carol.user_id)
    carol_case = factories.case(db, the_customer=carol, the_topic=w.card_topic, by=carol_user)
    slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)
    with clock.frozen_at(MONDAY_9):
        first = book_callback(session=db, actor=alice, number=w.alice_case.number,
                              starts_at=slot, phone="070-123 45 67")  # fmt: skip
        book_callback(session=db, actor=factories.actor(db, w.bob_user),
                      number=bob_case.number, starts_at=slot, phone="070-765 43 21")  # fmt: skip
        with pytest.raises(Conflict, match="fully booked"):
            book_callback(session=db, actor=factories.actor(db, carol_user),
                          number=carol_case.number, starts_at=slot,
                          phone="070-111 11 11")  # fmt: skip
        row = db.scalar(select(CallbackSlot).where(CallbackSlot.starts_at == slot))
        assert row is not None and row.booked == 2
        # one booking per case
        with pytest.raises(Conflict, match="already"):
            book_callback(session=db, actor=alice, number=w.alice_case.number,
                          starts_at=slot + timedelta(minutes=30),
                          phone="070-123 45 67")  # fmt: skip
        # move: the new place is taken, the old one freed
        moved = move_callback(session=db, actor=alice, callback_id=first.id,
                              starts_at=slot + timedelta(hours=1))  # fmt: skip
        db.refresh(row)
        assert row.booked == 1 and moved.starts_at == slot + timedelta(hours=1)
        # now carol gets the freed place
        carol_cb = book_callback(session=db, actor=factories.actor(db, carol_user),
                                 number=carol_case.number, starts_at=slot,
                                 phone="070-111 11 11")  # fmt: skip
        cancel_callback(session=db, actor=factories.actor(db, carol_user),
                        callback_id=carol_cb.id)  # fmt: skip
        db.refresh(row)
        assert row.booked == 1
        with pytest.raises(Conflict):
            cancel_callback(session=db, actor=factories.actor(db, carol_user),
                            callback_id=carol_cb.id)  # fmt: skip


def test_booking_errors(db: Session, w: World) -> None:
    alice = factories.actor(db, w.alice_user)
    number = w.alice_case.number
    with clock.frozen_at(MONDAY_9):
        cases = [
            (datetime(2026, 11, 30, 8, tzinfo=STHLM), ValidationFailed),  # past
            (datetime(2026, 11, 30, 9, 10, tzinfo=STHLM), ValidationFailed),  # too soon/not a slot
            (datetime(2026, 11, 30, 10, 10, tzinfo=STHLM), ValidationFailed),  # not a slot start
            (datetime(2026, 11, 30, 13, tzinfo=STHLM), ValidationFailed),  # closed
            (datetime(2026, 12, 5, 10, tzinfo=STHLM), ValidationFailed),  # Saturday
            (datetime(2027, 3, 1, 10, tzinfo=STHLM), ValidationFailed),  # beyond booking days
        ]
        for when, error in cases:
            with pytest.raises(error):
                book_callback(session=db, actor=alice, number=number, starts_at=when,
                              phone="070-123 45 67")  # fmt: skip
        with pytest.raises(ValidationFailed):  # no phone on file and none given
            book_callback(session=db, actor=alice, number=number,
                          starts_at=datetime(2026, 11, 30, 10, tzinfo=STHLM))  # fmt: skip
        with pytest.raises(ValidationFailed):
            book_callback(session=db, actor=alice, number=number, phone="call me",
                          starts_at=datetime(2026, 11, 30, 10, tzinfo=STHLM))  # fmt: skip
        with pytest.raises(ValidationFailed):  # naive time
            book_callback(session=db, actor=alice, number=number, phone="070-123 45 67",
                          starts_at=datetime(2026, 11, 30, 10))  # fmt: skip
        with pytest.raises(NotFound):  # someone else's case
            book_callback(session=db, actor=factories.actor(db, w.bob_user), number=number,
                          phone="070-123 45 67",
                          starts_at=datetime(2026, 11, 30, 10, tzinfo=STHLM))  # fmt: skip
        change_status(session=db, actor=SYSTEM, number=number, status="closed")
        with pytest.raises(Conflict):
            book_callback(session=db, actor=alice, number=number, phone="070-123 45 67",
                          starts_at=datetime(2026, 11, 30, 10, tzinfo=STHLM))  # fmt: skip


def test_team_without_callback_capacity_offers_nothing(db: Session, w: World) -> None:
    set_team_calendar(session=db, actor=SYSTEM, team_id=w.cards.id, hours=WEEK,
                      callback_capacity=0)  # fmt: skip
    assert team_slots(db, w.cards.id, now=MONDAY_9) == []
    with clock.frozen_at(MONDAY_9), pytest.raises(ValidationFailed):
        book_callback(session=db, actor=factories.actor(db, w.alice_user),
                      number=w.alice_case.number, phone="070-123 45 67",
                      starts_at=datetime(2026, 11, 30, 10, tzinfo=STHLM))  # fmt: skip


def test_outcomes_and_next_attempt(db: Session, w: World) -> None:
    alice = factories.actor(db, w.alice_user)
    agent = factories.actor(db, w.card_agent)
    slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)
    with clock.frozen_at(MONDAY_9):
        cb = book_callback(session=db, actor=alice, number=w.alice_case.number, starts_at=slot,
                           phone="070-123 45 67")  # fmt: skip
        assert [c.id for c, _ in due_callbacks(db, agent, now=MONDAY_9)] == [cb.id]
        assert due_callbacks(db, factories.actor(db, w.loan_agent), now=MONDAY_9) == []
        with pytest.raises(PermissionDenied):
            record_callback_outcome(session=db, actor=alice, callback_id=cb.id, reached=True)
        with pytest.raises(NotFound):  # another team's agent cannot see it
            record_callback_outcome(session=db, actor=factories.actor(db, w.loan_agent),
                                    callback_id=cb.id, reached=True)  # fmt: skip
    with clock.frozen_at(slot + timedelta(minutes=5)):
        record_callback_outcome(session=db, actor=agent, callback_id=cb.id, reached=False,
                                note="Inget svar")  # fmt: skip
        assert w.alice_case.first_response_at is None
        second = book_callback(session=db, actor=agent, number=w.alice_case.number,
                               starts_at=slot + timedelta(hours=1))  # fmt: skip
        assert second.attempt == 2 and second.phone == "070-123 45 67"  # the same number again
    with clock.frozen_at(slot + timedelta(hours=1, minutes=2)):
        record_callback_outcome(session=db, actor=agent, callback_id=second.id, reached=True)
    assert w.alice_case.first_response_at == slot + timedelta(hours=1, minutes=2)
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == w.alice_case.id,
                                CaseEvent.type.like("callback.%"))
    ).all()  # fmt: skip
    assert [e.type for e in events] == [
        "callback.booked", "callback.not_reached", "callback.booked", "callback.reached",
    ]  # fmt: skip
    for e in events:
        assert e.is_public
        for locale in ("sv", "en"):
            assert "{" not in EVENT_TYPES[e.type].summary(locale, e.data)


def test_resolving_or_moving_the_case_cancels_its_callback(db: Session, w: World) -> None:
    from nara.domain.cases import assign_case

    alice = factories.actor(db, w.alice_user)
    slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)
    with clock.frozen_at(MONDAY_9):
        cb = book_callback(session=db, actor=alice, number=w.alice_case.number, starts_at=slot,
                           phone="070-123 45 67")  # fmt: skip
        row = db.scalar(select(CallbackSlot).where(CallbackSlot.starts_at == slot))
        assert row is not None and row.booked == 1
        assign_case(
            session=db,
            actor=SYSTEM,
            number=w.alice_case.number,
            team_id=w.loans.id,
            reason="Ett lån",
        )
        db.refresh(row)
        assert cb.status == "cancelled" and row.booked == 0  # the new team books its own
        assert due_callbacks(db, factories.actor(db, w.card_agent), now=MONDAY_9) == []
        bob = factories.actor(db, w.bob_user)
        bob_case = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, by=w.bob_user)
        cb2 = book_callback(session=db, actor=bob, number=bob_case.number, starts_at=slot,
                            phone="070-765 43 21")  # fmt: skip
        change_status(session=db, actor=SYSTEM, number=bob_case.number, status="resolved")
        db.refresh(row)
        assert cb2.status == "cancelled" and row.booked == 0
        cancelled = db.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == bob_case.id, CaseEvent.type == "callback.cancelled"
            )
        ).one()
        assert cancelled.data["reason"] == "resolved"


def test_lowered_capacity_stops_further_bookings(db: Session, w: World) -> None:
    slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)
    with clock.frozen_at(MONDAY_9):
        alice = factories.actor(db, w.alice_user)
        book_callback(session=db, actor=alice, number=w.alice_case.number, starts_at=slot,
                      phone="070-123 45 67")  # fmt: skip
        set_team_calendar(session=db, actor=SYSTEM, team_id=w.cards.id, hours=WEEK,
                          callback_slot_minutes=30, callback_capacity=1)  # fmt: skip
        bob_case = factories.case(db, the_customer=w.bob, the_topic=w.card_topic, by=w.bob_user)
        bob = factories.actor(db, w.bob_user)
        with pytest.raises(Conflict, match="fully booked"):
            book_callback(session=db, actor=bob, number=bob_case.number, starts_at=slot,
                          phone="070-765 43 21")  # fmt: skip


def test_callback_events_store_the_time_and_render_it_in_the_readers_language(
    db: Session, w: World
) -> None:
    agent = factories.actor(db, w.card_agent)
    slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)
    with clock.frozen_at(MONDAY_9):
        cb = book_callback(
            session=db,
            actor=agent,
            number=w.alice_case.number,
            starts_at=slot,
            phone="070-123 45 67",
        )
        move_callback(
            session=db, actor=agent, callback_id=cb.id, starts_at=slot + timedelta(hours=1)
        )
    events = db.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == w.alice_case.id, CaseEvent.type.like("callback.%"))
        .order_by(CaseEvent.id)
    ).all()
    booked, moved = events
    # facts only: the time in UTC, no words in either language
    assert booked.data == {"callback_id": cb.id, "starts_at": "2026-11-30T09:00:00+00:00"}
    assert moved.data["starts_at"] == "2026-11-30T10:00:00+00:00"
    summary = EVENT_TYPES["callback.booked"].summary
    # rendered at read time, in the display time zone (Stockholm: 10:00)
    assert summary("sv", booked.data) == "Återuppringning bokad 2026-11-30 10:00"
    assert summary("en", booked.data) == "Callback booked for 30 Nov 2026, 10:00"
    assert "11:00" in EVENT_TYPES["callback.moved"].summary("sv", moved.data)


def test_callback_events_written_before_facts_still_render() -> None:
    old = {"callback_id": 1, "when": "30 nov. 10:00", "when_en": "Nov 30, 10:00"}
    assert (
        EVENT_TYPES["callback.booked"].summary("sv", old) == "Återuppringning bokad 30 nov. 10:00"
    )
    assert EVENT_TYPES["callback.moved"].summary("en", old) == "Callback moved to Nov 30, 10:00"


def test_the_inbox_asks_whether_callbacks_are_due_with_its_counts(db: Session, w: World) -> None:
    """The inbox reads the due callbacks only when its probe says some may be due; the
    probe never says no where they are (an admin's are every team's: not probed)."""
    agent = factories.actor(db, w.card_agent)
    other = factories.actor(db, w.loan_agent)
    admin = factories.actor(db, w.admin)
    slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)

    def probed(actor: Actor, now: datetime) -> bool | None:
        with clock.frozen_at(now):
            return inbox(db, actor, InboxQuery(tab="team")).callbacks_due

    assert probed(agent, MONDAY_9) is False and probed(admin, MONDAY_9) is None
    with clock.frozen_at(MONDAY_9):
        alice = factories.actor(db, w.alice_user)
        book_callback(session=db, actor=alice, number=w.alice_case.number, starts_at=slot,
                      phone="070-123 45 67")  # fmt: skip
    for now in (MONDAY_9 - timedelta(hours=2), MONDAY_9, slot, slot + timedelta(hours=3)):
        for actor in (agent, other):
            if due_callbacks(db, actor, now=now):
                assert probed(actor, now) is True, (now, actor)
    assert probed(agent, MONDAY_9) is True and due_callbacks(db, agent, now=MONDAY_9)
    assert probed(other, MONDAY_9) is False  # the loans team has none
    assert probed(agent, MONDAY_9 - timedelta(hours=2)) is False  # not yet within the hour
