"""Callbacks instead of queueing: slots from a team's calendar, booking that never
overbooks (also when customers book at the same moment), cancel, move, and the outcome
of the call (reached, or not reached and a next attempt offered).

No overbooking: a slot row is created on first booking (``INSERT … ON CONFLICT DO
NOTHING`` on ``(team_id, starts_at)``) and a booking takes a place with one conditional
``UPDATE callback_slots SET booked = booked + 1 WHERE id = … AND booked < capacity``; a
CHECK constraint backs it up. Concurrent bookers of the last place: one UPDATE matches,
the others match no row and get "full".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.errors import Conflict, NotFound, ValidationFailed
from nara.domain.events import append_event
from nara.domain.waiting import record_first_response
from nara.i18n import N_
from nara.models import (
    Callback,
    CallbackSlot,
    CallbackStatus,
    Case,
    CaseStatus,
    Customer,
)
from nara.queries.access import (
    case_visibility,
    get_case_for,
    require_owning_side,
    require_staff,
)
from nara.queries.callbacks import SlotView, team_slots

CLOSED_STATUSES = (CaseStatus.resolved.value, CaseStatus.closed.value)


def _find_slot(session: Session, team_id: int, starts_at: datetime, now: datetime) -> SlotView:
    if starts_at.tzinfo is None:
        raise ValidationFailed(
            "give the slot's time with a time zone",
            field="starts_at",
            template=N_("Give the slot's time with a time zone."),
        )
    if starts_at <= now:
        raise ValidationFailed(
            "this time has already passed",
            field="starts_at",
            template=N_("This time has already passed. Choose a later time."),
        )
    for slot in team_slots(session, team_id, now=now):
        if slot.starts_at == starts_at:
            if slot.free <= 0:
                raise Conflict(
                    "this callback time is fully booked; choose another",
                    field="starts_at",
                    template=N_("This time is fully booked. Choose another time."),
                )
            return slot
    raise ValidationFailed(
        "no bookable callback slot starts at this time",
        field="starts_at",
        template=N_("There is no callback time then. Choose one of the times offered."),
    )


def _take_place(session: Session, team_id: int, slot: SlotView) -> CallbackSlot:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(CallbackSlot)
        .values(
            team_id=team_id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            capacity=slot.capacity,
            booked=0,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "starts_at"])
    )
    row = session.scalar(
        select(CallbackSlot).where(
            CallbackSlot.team_id == team_id, CallbackSlot.starts_at == slot.starts_at
        )
    )
    assert row is not None
    if row.capacity != slot.capacity:  # capacity changed since the row was made
        session.execute(
            update(CallbackSlot)
            .where(CallbackSlot.id == row.id, CallbackSlot.booked <= slot.capacity)
            .values(capacity=slot.capacity)
            .execution_options(synchronize_session=False)
        )
    taken = session.execute(
        update(CallbackSlot)
        .where(
            CallbackSlot.id == row.id,
            CallbackSlot.booked < CallbackSlot.capacity,
            CallbackSlot.booked < slot.capacity,  # also when capacity was lowered since
        )
        .values(booked=CallbackSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "this callback time is fully booked; choose another",
            field="starts_at",
            template=N_("This time is fully booked. Choose another time."),
        )
    session.refresh(row)
    return row


def _release_place(session: Session, slot_id: int) -> None:
    session.execute(
        update(CallbackSlot)
        .where(CallbackSlot.id == slot_id, CallbackSlot.booked > 0)
        .values(booked=CallbackSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )


def active_callback(session: Session, case_id: int) -> Callback | None:
    return session.scalar(
        select(Callback).where(
            Callback.case_id == case_id, Callback.status == CallbackStatus.booked.value
        )
    )


def book_callback(
    *,
    session: Session,
    actor: Actor,
    number: str,
    starts_at: datetime,
    phone: str | None = None,
) -> Callback:
    """Book a callback on a case (the customer in the portal, or staff on the phone)."""
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    if case.status in CLOSED_STATUSES:
        raise Conflict(
            f"case {case.number} is {case.status}; open a new case instead",
            template=N_("This case is closed. Open a new case instead."),
        )
    if active_callback(session, case.id) is not None:
        raise Conflict(
            "this case already has a booked callback; move or cancel it",
            template=N_("This case already has a booked callback. Move or cancel it."),
        )
    customer = session.get(Customer, case.customer_id)
    assert customer is not None
    earlier = session.scalar(
        select(Callback).where(Callback.case_id == case.id).order_by(Callback.id.desc()).limit(1)
    )
    fallback = earlier.phone if earlier is not None else customer.phone
    number_to_call = validation.phone(phone or fallback, field="phone")
    if number_to_call is None:
        raise ValidationFailed(
            "a phone number to call is needed",
            field="phone",
            template=N_("Give a phone number we can call."),
        )
    now = clock.now()
    slot = _find_slot(session, case.team_id, starts_at, now)
    row = _take_place(session, case.team_id, slot)
    callback = Callback(
        case_id=case.id, team_id=case.team_id, slot_id=row.id, starts_at=slot.starts_at,
        ends_at=slot.ends_at, phone=number_to_call, status=CallbackStatus.booked.value,
        attempt=(earlier.attempt if earlier else 0) + 1, booked_by_id=actor.user_id, created_at=now,
        done_at=None, done_by_id=None, note="",
    )  # fmt: skip
    session.add(callback)
    session.flush()
    data = {"callback_id": callback.id, "starts_at": slot.starts_at.isoformat()}
    append_event(session, case=case, type="callback.booked", actor=actor, data=data)
    return callback


def _callback_for(session: Session, actor: Actor, callback_id: int) -> tuple[Callback, Case]:
    row = session.execute(
        select(Callback, Case)
        .join(Case, Case.id == Callback.case_id)
        .where(Callback.id == callback_id, case_visibility(actor))
    ).first()
    if row is None:
        raise NotFound(
            f"no callback with id {callback_id}",
            template=N_("No callback with id %(callback_id)s."),
            params={"callback_id": callback_id},
        )
    require_owning_side(actor, row[1])  # a consulted team reads, it does not call back
    return row[0], row[1]


def _require_booked(callback: Callback) -> None:
    if callback.status != CallbackStatus.booked.value:
        raise Conflict(
            f"this callback is {callback.status}, not booked",
            template=N_("This callback is no longer booked."),
        )


def _transition(session: Session, callback: Callback, **values: object) -> None:
    """Change a booked callback, atomically: the UPDATE only matches while the row is
    still booked in the same slot, so two requests racing (a double click, a cancel
    and a move) cannot both release or take a place."""
    changed = session.execute(
        update(Callback)
        .where(
            Callback.id == callback.id,
            Callback.status == CallbackStatus.booked.value,
            Callback.slot_id == callback.slot_id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "this callback was changed at the same moment; reload and try again",
            template=N_("This callback is no longer booked."),
        )
    session.refresh(callback)


def cancel_callback(*, session: Session, actor: Actor, callback_id: int) -> Callback:
    callback, case = _callback_for(session, actor, callback_id)
    _require_booked(callback)
    return _cancel(session, actor, callback, case)


def _cancel(session: Session, actor: Actor, callback: Callback, case: Case,
            reason: str | None = None) -> Callback:  # fmt: skip
    old_slot = callback.slot_id
    _transition(session, callback, status=CallbackStatus.cancelled.value, done_at=clock.now(),
                done_by_id=actor.user_id)  # fmt: skip
    _release_place(session, old_slot)
    data: dict[str, object] = {"callback_id": callback.id}
    if reason:
        data["reason"] = reason
    append_event(session, case=case, type="callback.cancelled", actor=actor, data=data)
    session.flush()
    return callback


def cancel_for_case(session: Session, actor: Actor, case: Case, reason: str) -> None:
    """The case was resolved, closed or moved to another team: its booked callback is
    cancelled and the place given back (the new team books its own)."""
    callback = active_callback(session, case.id)
    if callback is not None:
        _cancel(session, actor, callback, case, reason)


def move_callback(
    *, session: Session, actor: Actor, callback_id: int, starts_at: datetime
) -> Callback:
    """Move a booking to another slot: the new place is taken before the old one is
    given back, so a failed move leaves the booking as it was."""
    callback, case = _callback_for(session, actor, callback_id)
    _require_booked(callback)
    if case.status in CLOSED_STATUSES:
        raise Conflict(
            f"case {case.number} is {case.status}",
            template=N_("This case is closed. Open a new case instead."),
        )
    if starts_at == callback.starts_at:
        return callback
    now = clock.now()
    slot = _find_slot(session, callback.team_id, starts_at, now)
    row = _take_place(session, callback.team_id, slot)
    old_slot = callback.slot_id
    _transition(session, callback, slot_id=row.id, starts_at=slot.starts_at,
                ends_at=slot.ends_at)  # fmt: skip
    _release_place(session, old_slot)
    data = {"callback_id": callback.id, "starts_at": slot.starts_at.isoformat()}
    append_event(session, case=case, type="callback.moved", actor=actor, data=data)
    session.flush()
    return callback


def record_callback_outcome(
    *, session: Session, actor: Actor, callback_id: int, reached: bool, note: str = ""
) -> Callback:
    """The agent called: reached (a human response) or not reached (the customer is
    offered a new time; staff can book the next attempt at once)."""
    require_staff(actor)
    callback, case = _callback_for(session, actor, callback_id)
    _require_booked(callback)
    now = clock.now()
    text = validation.text(note, field="note", max_length=2000, required=False)
    _transition(session, callback,
                status=(CallbackStatus.reached if reached else CallbackStatus.not_reached).value,
                done_at=now, done_by_id=actor.user_id, note=text)  # fmt: skip
    if reached and case.first_response_at is None:
        case.first_response_at = now
        record_first_response(session, case, now)
    append_event(session, case=case, type="callback.reached" if reached else "callback.not_reached",
                 actor=actor, body=callback.note,
                 data={"callback_id": callback.id, "attempt": callback.attempt})  # fmt: skip
    session.flush()
    return callback
