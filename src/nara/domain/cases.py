"""Writes on cases: open, reply, note, change status, assign, change priority."""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, Update, bindparam, cast, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from nara import clock
from nara.config import get_settings
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.callbacks import cancel_for_case
from nara.domain.consultations import require_may_write_note
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.domain.mentions import notify_mentions
from nara.domain.ownership import (
    check_owner,
    hand_over_to_team_id,
    kept_by_opener,
    opener_keeps,
    set_owner,
)
from nara.domain.presence import end_work
from nara.domain.promises import apply_promise, refresh_due_times, schedule_promise_check
from nara.domain.resolution import mark_earlier_answers_unresolved
from nara.domain.routing import RoutingDecision, front_line_decision, route
from nara.domain.training_suggestions import CONFIRMED, suggest_from_case
from nara.domain.waiting import estimate_wait, new_estimate, record_first_response
from nara.i18n import N_
from nara.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseStatus,
    Channel,
    Customer,
    IdempotencyKey,
    Priority,
    ResponsePolicy,
    User,
    WorkSession,
)
from nara.promises.maths import PAUSING_STATUSES
from nara.queries import directory
from nara.queries.access import case_visibility, get_case_for, require_staff
from nara.queries.directory import CaseReferences, OwnerRow, RefRow
from nara.queries.service import matching_policy, workloads_kept

MAX_MESSAGE = 20_000
IDEMPOTENCY_TTL = timedelta(hours=24)
"""How long an Idempotency-Key answers with the case it created; after that it is new."""
CUSTOMER_CHANNELS = frozenset({Channel.web, Channel.chat})


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""Pass as ``owner_id`` to ``assign_case`` to leave the owner as it is."""


@dataclass(frozen=True)
class OpenedCase:
    case: Case
    created: bool  # False when an idempotent retry returned the earlier case
    timeline: tuple[CaseEvent, ...] = ()
    """When ``created``: the new case's whole timeline, in order (flushed, with ids)."""
    references: CaseReferences | None = None
    """When ``created``: what ``directory.case_references`` reads of the case (customer
    name, topic, team, owner), as the opening knew them."""


def _org_zone() -> ZoneInfo:
    """Case numbers count per calendar year where the organisation is."""
    return ZoneInfo(get_settings().display_timezone)


def next_case_number(session: Session, year: int) -> str:
    """Reserve the next number of ``year`` with one atomic upsert. On PostgreSQL the row
    lock serialises concurrent openers until their transactions end, so it is taken as
    the last write of opening a case (``_add_numbered_case``); on SQLite the database write
    lock serialises writers anyway."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(CaseNumberCounter)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[CaseNumberCounter.year],
            set_={"last_value": CaseNumberCounter.last_value + 1},
        )
        .returning(CaseNumberCounter.last_value)
    )
    value = session.execute(stmt).scalar_one()
    prefix = get_settings().case_number_prefix
    return f"{prefix}-{year}-{value:06d}"


def _request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def forget_expired_idempotency_keys(*, session: Session, now: datetime | None = None) -> int:
    """Delete the keys older than :data:`IDEMPOTENCY_TTL` (the daily clean-up job)."""
    cutoff = (now or clock.now()) - IDEMPOTENCY_TTL
    removed = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= cutoff))
    return int(removed.rowcount or 0)  # type: ignore[attr-defined]


def _find_idempotent(session: Session, actor: Actor, key: str, request_hash: str) -> Case | None:
    """The case an earlier request with this key created, as ``actor`` may see it now
    (NotFound when they no longer may); None for a new key. A key older than
    :data:`IDEMPOTENCY_TTL` has expired: it is forgotten and the request is new."""
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.created_at <= clock.now() - IDEMPOTENCY_TTL:
        session.delete(row)
        session.flush()
        return None
    if row.request_hash != request_hash:
        raise ValidationFailed(
            "this Idempotency-Key was already used with a different request",
            field="Idempotency-Key",
        )
    earlier = session.scalar(select(Case).where(Case.id == row.case_id, case_visibility(actor)))
    if earlier is None:
        raise NotFound("the case this Idempotency-Key created is not one you may see")
    return earlier


def _resolve_customer(session: Session, actor: Actor, customer_id: int | None) -> Customer:
    if actor.is_customer:
        if actor.customer_id is None:
            raise PermissionDenied(
                "your login is not linked to a customer record",
                template=N_("Your login is not linked to a customer record."),
            )
        if customer_id is not None and customer_id != actor.customer_id:
            raise PermissionDenied(
                "customers can only open cases for themselves",
                template=N_("Customers can only open cases for themselves."),
            )
        customer_id = actor.customer_id
    else:
        require_staff(actor)
    if customer_id is None:
        raise ValidationFailed(
            "customer_id is required", field="customer_id", template=N_("Choose a customer.")
        )
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise ValidationFailed(
            f"no customer with id {customer_id}",
            field="customer_id",
            template=N_("No customer with id %(customer_id)s."),
            params={"customer_id": customer_id},
        )
    return customer


def _resolve_topic(session: Session, topic_id: int | None) -> RefRow | None:
    """The active topic ``topic_id`` (from the directory this process keeps)."""
    if topic_id is None:
        return None
    topic = next((t for t in directory.active_topic_refs(session) if t.id == topic_id), None)
    if topic is None:
        raise ValidationFailed(
            f"no active topic with id {topic_id}",
            field="topic_id",
            template=N_("No active topic with id %(topic_id)s."),
            params={"topic_id": topic_id},
        )
    return topic


def open_case(
    *,
    session: Session,
    actor: Actor,
    message: str,
    customer_id: int | None = None,
    topic_id: int | None = None,
    channel: str = "web",
    subject: str | None = None,
    priority: str = "normal",
    team_id: int | None = None,
    owner_id: int | None = None,
    idempotency_key: str | None = None,
    front_line: bool = False,
) -> OpenedCase:
    """Open a case with its first message. Customers open their own (web or chat);
    staff open on behalf of a customer and may choose team, owner and priority.

    With ``idempotency_key`` a retry with the same key and request returns the case the
    first call created, also when the retries race (unique key, savepoint, re-read).
    ``front_line`` sends the case to the front line (``routing.front_line_team``)
    instead of routing it: self-service hand-overs the engine was not sure of."""
    body = validation.text(message, field="message", max_length=MAX_MESSAGE)
    the_channel = validation.choice(Channel, channel, field="channel")
    the_priority = validation.choice(Priority, priority, field="priority")
    if actor.is_customer:
        if the_channel not in CUSTOMER_CHANNELS:
            raise ValidationFailed(
                "customers open cases on the web or chat channel",
                field="channel",
                template=N_("Customers open cases on the web or chat channel."),
            )
        if team_id is not None or owner_id is not None or the_priority != Priority.normal:
            raise PermissionDenied(
                "customers cannot choose team, owner or priority",
                template=N_("Customers cannot choose team, owner or priority."),
            )
    payload = {
        "message": body, "customer_id": customer_id, "topic_id": topic_id,
        "channel": the_channel.value, "subject": subject, "priority": the_priority.value,
        "team_id": team_id, "owner_id": owner_id,
    }  # fmt: skip
    key = None
    if idempotency_key is not None:
        key = validation.text(idempotency_key, field="Idempotency-Key", max_length=255)
        if actor.user_id is None:
            raise ValidationFailed("idempotency keys need a user", field="Idempotency-Key")
        earlier = _find_idempotent(session, actor, key, _request_hash(payload))
        if earlier is not None:
            return OpenedCase(case=earlier, created=False)
    customer = _resolve_customer(session, actor, customer_id)
    topic = _resolve_topic(session, topic_id)
    now = clock.now()
    policy = matching_policy(
        session,
        topic_id=topic.id if topic else None,
        priority=the_priority.value,
        channel=the_channel.value,
    )
    with workloads_kept(session):
        if team_id is not None:
            chosen = directory.routing_map(session).teams.get(team_id)
            if chosen is None:
                raise ValidationFailed(
                    f"no team with id {team_id}",
                    field="team_id",
                    template=N_("No team with id %(team_id)s."),
                    params={"team_id": team_id},
                )
            team = chosen.ref
            decision = RoutingDecision(team, "chosen")
        elif front_line:
            decision = front_line_decision(session)
            team = decision.team
        else:
            decision = route(session, topic_id=topic.id if topic else None, policy=policy, now=now)
            if owner_id is None and opener_keeps(actor):
                decision = kept_by_opener(session, actor, decision, topic.id if topic else None)
                owner_id = actor.user_id
            team = decision.team
        if owner_id is not None and not (owner_id == actor.user_id and team.id in actor.team_ids):
            # (staff opening a case for their own team are known members of it)
            check_owner(session, owner_id, team.id)
        subject_text = validation.name(
            subject if subject and subject.strip() else body.splitlines()[0][:120],
            field="subject",
            max_length=200,
        )
        opening = _Opening(
            customer=customer,
            topic=topic,
            team=team,
            channel=the_channel,
            priority=the_priority,
            subject=subject_text,
            body=body,
            owner_id=owner_id,
            decision=decision,
            policy=policy,
            now=now,
        )
        if key is None:
            return _insert_case(session, actor, opening)
        assert actor.user_id is not None
        try:
            with session.begin_nested():
                opened = _insert_case(session, actor, opening)
                session.add(
                    IdempotencyKey(
                        user_id=actor.user_id,
                        key=key,
                        request_hash=_request_hash(payload),
                        case_id=opened.case.id,
                        created_at=now,
                    )
                )
                session.flush()
        except IntegrityError:
            # A concurrent request with the same key committed first: return its case.
            earlier = _find_idempotent(session, actor, key, _request_hash(payload))
            if earlier is None:
                raise
            return OpenedCase(case=earlier, created=False)
        return opened


@dataclass(frozen=True)
class _Opening:
    """What a new case is opened with, checked."""

    customer: Customer
    topic: RefRow | None
    team: RefRow
    channel: Channel
    priority: Priority
    subject: str
    body: str
    owner_id: int | None
    decision: RoutingDecision
    policy: ResponsePolicy | None
    now: datetime


def _insert_case(session: Session, actor: Actor, opening: _Opening) -> OpenedCase:
    customer, topic, team = opening.customer, opening.topic, opening.team
    channel, priority, subject, body = (
        opening.channel,
        opening.priority,
        opening.subject,
        opening.body,
    )
    owner_id, decision, now = opening.owner_id, opening.decision, opening.now
    case = Case(
        number=_provisional_number(),
        customer_id=customer.id,
        topic_id=topic.id if topic else None,
        team_id=team.id,
        owner_id=owner_id,
        first_owner_id=owner_id,
        channel=channel.value,
        status=CaseStatus.new.value,
        priority=priority.value,
        subject=subject,
        opened_at=now,
        first_response_at=None,
        resolved_at=None,
        closed_at=None,
        updated_at=now,
        created_by_id=actor.user_id,
        promise_alerts=[],
        routing_flag=decision.flag,
    )
    # The promise first, so that the row is inserted once with its due times.
    policy = opening.policy
    apply_promise(session, case, policy)
    reserved = _reserve_id(session)
    if reserved is None:
        # SQLite: the row goes in now (writers take turns on the database anyway).
        session.add(case)
        session.flush()
    else:
        case.id = reserved
    if topic is not None:
        mark_earlier_answers_unresolved(session, customer_id=customer.id, topic_id=topic.id)
    # Every query first, then one flush that inserts the case (with a placeholder number),
    # its timeline, its estimate and the opener's work session, then the number.
    with session.no_autoflush:
        estimate = new_estimate(session, case, now=now, context="opened")
        owner = _owner_named(session, actor, owner_id)
        if owner is not None and owner.id == actor.user_id:
            # whatever they worked on before
            end_work(session, user_id=owner.id, now=now, skip_locked=True)
        events = [
            ("case.opened", body, {"channel": channel.value, "subject": subject}),
            (
                "case.routed",
                "",
                {
                    "team": team.name_sv,
                    "team_en": team.name_en,
                    "team_id": team.id,
                    "reason": decision.reason,
                    **decision.detail,
                    **({"flag": decision.flag} if decision.flag else {}),
                },
            ),
        ]
        if policy is not None:
            events.append(
                (
                    "promise.set",
                    "",
                    {
                        "first_response_minutes": policy.first_response_minutes,
                        "resolution_minutes": policy.resolution_minutes,
                        "first_response_due_at": _iso(case.first_response_due_at),
                        "resolution_due_at": _iso(case.resolution_due_at),
                    },
                )
            )
        if owner is not None:
            events.append(
                ("case.assigned", "", {"owner_id": owner.id, "owner_name": owner.display_name})
            )
    if reserved is not None:
        session.add(case)
    timeline = tuple(
        append_event(session, case=case, at=now, type=kind, actor=actor, body=event_body, data=data)
        for kind, event_body, data in events
    )
    if estimate is not None:
        session.add(estimate)
    if owner is not None and owner.id == actor.user_id:
        session.add(
            WorkSession(
                team_id=team.id, user_id=owner.id, case_id=case.id, started_at=now, ended_at=None
            )
        )
    session.flush()
    _number_case(session, case, now.astimezone(_org_zone()).year)
    references = (
        customer.name,
        topic,
        team,
        owner,
    )
    return OpenedCase(case=case, created=True, timeline=timeline, references=references)


def _owner_named(session: Session, actor: Actor, owner_id: int | None) -> OwnerRow | None:
    """The new case's owner as its timeline names them: the opener as they signed in
    (no query: the usual case of staff keeping what they open), anyone else read."""
    if owner_id is None:
        return None
    if owner_id == actor.user_id and actor.display_name:
        return OwnerRow(owner_id, actor.display_name, actor.role.value)
    user = session.get(User, owner_id)
    return OwnerRow(user.id, user.display_name, user.role) if user is not None else None


def _reserve_id(session: Session) -> int | None:
    """On PostgreSQL, the new case's id from its sequence, so that the timeline can be
    built before the row is inserted; None on SQLite (no sequences)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(
        session.execute(text("SELECT nextval(pg_get_serial_sequence('cases', 'id'))")).scalar_one()
    )


@functools.cache
def _numbering() -> Update:
    """The counter's update and the case's number in one statement (PostgreSQL), built
    once: ``year``, ``prefix`` (``NA-2026-``), ``case_id``."""
    counter = (
        postgresql.insert(CaseNumberCounter)
        .values(year=bindparam("b_year"), last_value=1)
        .on_conflict_do_update(
            index_elements=[CaseNumberCounter.year],
            set_={"last_value": CaseNumberCounter.last_value + 1},
        )
        .returning(CaseNumberCounter.last_value)
        .cte("counter")
    )
    taken = select(counter.c.last_value).scalar_subquery()
    number = bindparam("b_prefix", type_=String) + func.lpad(cast(taken, String), 6, "0")
    return (
        update(Case)
        .where(Case.id == bindparam("b_case_id"))
        .values(number=number)
        .returning(Case.number)
        .execution_options(synchronize_session=False)
    )


def _number_case(session: Session, case: Case, year: int) -> None:
    """The case, already inserted with a placeholder, gets its gap-free number as the last
    thing opening it does: the counter row stays locked from its update to the commit, so
    concurrent openers wait on each other for that alone, not for routing, promises,
    estimates or the inserts (``docs/architecture.md``, "Case numbers"). On PostgreSQL the
    counter's update and the case's number are one statement, one round trip."""
    if session.get_bind().dialect.name != "postgresql":
        case.number = next_case_number(session, year)
        session.flush()
        return
    prefix = f"{get_settings().case_number_prefix}-{year}-"
    params = {"b_year": year, "b_prefix": prefix, "b_case_id": case.id}
    value = session.execute(_numbering(), params).scalar_one()
    set_committed_value(case, "number", value)


def _provisional_number() -> str:
    """A unique placeholder the case row carries until ``_number_case`` gives it its
    number, a moment before the transaction ends; it is never committed or shown."""
    return f"~{secrets.token_hex(12)}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def reply_to_case(*, session: Session, actor: Actor, number: str, body: str) -> Case:
    """A customer-visible message. A staff reply is the first human response if none was
    given yet; a customer reply reopens a case that waited on them or was resolved."""
    text = validation.text(body, field="body", max_length=MAX_MESSAGE)
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    if case.status == CaseStatus.closed:
        raise Conflict(
            f"case {case.number} is closed; open a new case instead",
            template=N_("This case is closed. Open a new case instead."),
        )
    now = clock.now()
    if actor.is_customer:
        append_event(session, case=case, type="message.customer", actor=actor, body=text)
        if case.status in (CaseStatus.waiting_on_customer, CaseStatus.resolved):
            _set_status(session, actor, case, CaseStatus.open)
    else:
        require_staff(actor)
        append_event(session, case=case, type="message.agent", actor=actor, body=text)
        if case.first_response_at is None:
            case.first_response_at = now
            record_first_response(session, case, now)
        if case.status == CaseStatus.new:
            _set_status(session, actor, case, CaseStatus.open)
    session.flush()
    return case


def add_note(*, session: Session, actor: Actor, number: str, body: str) -> Case:
    """An internal note, never shown to the customer."""
    if actor.is_customer:
        raise NotFound(
            f"no case {number}", template=N_("No case %(number)s."), params={"number": number}
        )
    require_staff(actor)
    text = validation.text(body, field="body", max_length=MAX_MESSAGE)
    case = get_case_for(session, actor, number)
    require_may_write_note(session, actor, case)  # a consulted team writes while asked
    append_event(session, case=case, type="note.added", actor=actor, body=text)
    notify_mentions(session=session, actor=actor, case=case, body=text)
    return case


def _set_status(session: Session, actor: Actor, case: Case, new: CaseStatus) -> None:
    old = CaseStatus(case.status)
    if old == new:
        return
    now = clock.now()
    case.status = new.value
    if new == CaseStatus.resolved:
        case.resolved_at = now
    elif new == CaseStatus.closed:
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
    else:
        case.resolved_at = None
    append_event(session, case=case, type="case.status_changed", actor=actor,
                 data={"old": old.value, "new": new.value})  # fmt: skip
    if new in (CaseStatus.resolved, CaseStatus.closed):
        end_work(session, case_id=case.id, now=now)
        cancel_for_case(session, actor, case, reason=new.value)
    if PAUSING_STATUSES & {old.value, new.value}:  # due times move only with pauses
        refresh_due_times(session, case)
    else:
        schedule_promise_check(case)  # done, or running again after a resolution


def change_status(*, session: Session, actor: Actor, number: str, status: str) -> Case:
    if actor.is_customer:
        raise PermissionDenied(
            "customers cannot change a case's status",
            template=N_("Customers cannot change a case's status."),
        )
    require_staff(actor)
    new = validation.choice(CaseStatus, status, field="status")
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    if case.status == CaseStatus.closed and new != CaseStatus.closed:
        raise Conflict(
            f"case {case.number} is closed and cannot be reopened",
            template=N_("Case %(number)s is closed and cannot be reopened."),
            params={"number": case.number},
        )
    if new == CaseStatus.new and case.status != CaseStatus.new:
        raise ValidationFailed(
            "a case cannot go back to 'new'",
            field="status",
            template=N_("A case cannot go back to the status New."),
        )
    _set_status(session, actor, case, new)
    if new in (CaseStatus.resolved, CaseStatus.closed) and actor.user_id is not None:
        # Staff resolving a self-service hand-over confirm its topic: a training suggestion.
        suggest_from_case(session=session, actor=actor, case=case, source=CONFIRMED)
    session.flush()
    return case


def assign_case(
    *,
    session: Session,
    actor: Actor,
    number: str,
    owner_id: int | _Keep | None = KEEP,
    team_id: int | None = None,
    reason: str | None = None,
) -> Case:
    """Set the owner (None unassigns, KEEP leaves it) within the case's team; the owner
    must belong to it. Claiming is assigning to oneself. Naming another ``team_id`` is a
    hand-over (``ownership.hand_over_to_team_id``) and needs a ``reason``."""
    if actor.is_customer:
        raise PermissionDenied(
            "customers cannot assign cases", template=N_("Customers cannot assign cases.")
        )
    require_staff(actor)
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    if case.status == CaseStatus.closed:
        raise Conflict(
            f"case {case.number} is closed",
            template=N_("Case %(number)s is closed."),
            params={"number": case.number},
        )
    if team_id is not None and team_id != case.team_id:
        new_owner = owner_id if isinstance(owner_id, int) else None
        return hand_over_to_team_id(
            session=session,
            actor=actor,
            case=case,
            team_id=team_id,
            owner_id=new_owner,
            reason=reason,
        )
    owner_before = case.owner_id
    owner = check_owner(session, owner_id, case.team_id) if isinstance(owner_id, int) else None
    if owner_id is not KEEP:
        set_owner(session, actor, case, owner)
    session.flush()
    if case.owner_id != owner_before:
        # The customer's expected wait changed: store the new one they are shown.
        estimate_wait(session, case, now=clock.now(), context="assigned")
    return case


def change_priority(*, session: Session, actor: Actor, number: str, priority: str) -> Case:
    if actor.is_customer:
        raise PermissionDenied(
            "customers cannot change a case's priority",
            template=N_("Customers cannot change a case's priority."),
        )
    require_staff(actor)
    new = validation.choice(Priority, priority, field="priority")
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    if case.priority != new.value:
        old = case.priority
        case.priority = new.value
        append_event(session, case=case, type="case.priority_changed", actor=actor,
                     data={"old": old, "new": new.value})  # fmt: skip
    return case
