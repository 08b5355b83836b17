"""Private links: made at an anonymous hand-over, only a hash stored, expiry and renewal,
withdrawal by staff (audited) and automatically after a closed case's grace period."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.calendars import set_team_calendar
from nara.domain.cases import change_status, reply_to_case
from nara.domain.errors import NotFound, PermissionDenied, ValidationFailed
from nara.domain.private_links import (
    book_callback_by_link,
    cancel_callback_by_link,
    issue_private_link,
    link_actor,
    reply_by_link,
    revoke_private_link,
)
from nara.domain.selfservice import (
    AnonymousHandOver,
    ask,
    hand_over_with_contact,
    start_conversation,
)
from nara.models import AuditEntry, Case, CaseEvent, CasePrivateLink, Customer
from nara.queries.access import get_case_for
from nara.queries.private_links import GRACE_DAYS, LINK_DAYS, LinkState, find_link, link_digest
from tests import factories
from tests.domain.test_selfservice import FakeEngine
from tests.factories import World

STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=STHLM)


@pytest.fixture
def w(db: Session) -> World:
    with clock.frozen_at(MONDAY_9 - timedelta(hours=1)):
        return factories.world(db)


def _anonymous_case(
    db: Session, *, phone: str | None = None, email: str | None = None
) -> AnonymousHandOver:
    conversation = start_conversation(session=db, actor=None, channel="widget", lang="sv")
    ask(
        session=db,
        actor=None,
        conversation=conversation,
        question="Hjälp med arvet",
        predictor=FakeEngine("okänt", 0.1),
    )
    return hand_over_with_contact(
        session=db, conversation=conversation, name="Eva", email=email, phone=phone
    )


def test_hand_over_makes_a_link_and_stores_only_its_hash(db: Session, w: World) -> None:
    with clock.frozen_at(MONDAY_9):
        handed = _anonymous_case(db, email="eva@example.test")
        token = handed.link.token
        assert token.startswith("nl_") and len(token) >= 3 + 43  # 32 random bytes
        row = db.scalar(select(CasePrivateLink).where(CasePrivateLink.case_id == handed.case.id))
        assert row is not None and row.token_hash == link_digest(token)
        assert token not in row.token_hash
        assert row.expires_at == clock.now() + timedelta(days=LINK_DAYS)
        access = find_link(db, token, clock.now())
        assert access is not None and access.case.id == handed.case.id
        assert access.state is LinkState.active
        assert find_link(db, token[:-1] + ("A" if token[-1] != "A" else "B"), clock.now()) is None
        assert find_link(db, "nara_" + token, clock.now()) is None
        created = db.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "private_link.created", AuditEntry.object_id == str(row.id)
            )
        )
        assert created is not None and token not in str(created.changes)


def test_two_links_never_share_a_token(db: Session, w: World) -> None:
    first = issue_private_link(session=db, actor=SYSTEM, case=w.alice_case)
    second = issue_private_link(session=db, actor=SYSTEM, case=w.alice_case)
    assert first.token != second.token
    assert first.link.token_hash != second.link.token_hash


def test_a_phone_number_is_enough_and_one_of_them_is_needed(db: Session, w: World) -> None:
    handed = _anonymous_case(db, phone="070-123 45 67")
    customer = db.get(Customer, handed.case.customer_id)
    assert customer is not None and customer.phone == "070-123 45 67" and customer.email is None
    with pytest.raises(ValidationFailed) as refused:
        _anonymous_case(db)
    assert refused.value.field == "email"


def test_link_expires_and_case_activity_renews_it(db: Session, w: World) -> None:
    with clock.frozen_at(MONDAY_9):
        handed = _anonymous_case(db, email="eva@example.test")
        token = handed.link.token
        number = handed.case.number
    agent = factories.actor(db, w.admin)
    with clock.frozen_at(MONDAY_9 + timedelta(days=LINK_DAYS - 5)):
        reply_to_case(session=db, actor=agent, number=number, body="Vi tittar på det.")
    with clock.frozen_at(MONDAY_9 + timedelta(days=LINK_DAYS + 10)):
        access = find_link(db, token, clock.now())
        assert access is not None and access.state is LinkState.active  # renewed
    with clock.frozen_at(MONDAY_9 + timedelta(days=2 * LINK_DAYS - 4)):
        access = find_link(db, token, clock.now())
        assert access is not None and access.state is LinkState.expired
        with pytest.raises(NotFound):
            reply_by_link(session=db, access=access, body="Hallå?")


def test_a_reply_through_the_link_renews_it(db: Session, w: World) -> None:
    with clock.frozen_at(MONDAY_9):
        token = _anonymous_case(db, email="eva@example.test").link.token
    with clock.frozen_at(MONDAY_9 + timedelta(days=LINK_DAYS - 1)):
        access = find_link(db, token, clock.now())
        assert access is not None
        reply_by_link(session=db, access=access, body="Något nytt?")
        assert access.link.expires_at == clock.now() + timedelta(days=LINK_DAYS)
    with clock.frozen_at(MONDAY_9 + timedelta(days=2 * LINK_DAYS - 2)):
        access = find_link(db, token, clock.now())
        assert access is not None and access.state is LinkState.active


def test_a_reply_is_a_customer_message_on_that_case(db: Session, w: World) -> None:
    handed = _anonymous_case(db, email="eva@example.test")
    access = find_link(db, handed.link.token, clock.now())
    assert access is not None
    reply_by_link(session=db, access=access, body="Jag har mer att berätta.")
    event = db.scalar(
        select(CaseEvent).where(
            CaseEvent.case_id == handed.case.id, CaseEvent.type == "message.customer"
        )
    )
    assert event is not None and event.is_public and event.body == "Jag har mer att berätta."
    assert event.actor_id is None


def test_closing_the_case_ends_the_link_after_the_grace_period(db: Session, w: World) -> None:
    with clock.frozen_at(MONDAY_9):
        handed = _anonymous_case(db, email="eva@example.test")
        change_status(session=db, actor=SYSTEM, number=handed.case.number, status="closed")
    with clock.frozen_at(MONDAY_9 + timedelta(days=GRACE_DAYS - 1)):
        access = find_link(db, handed.link.token, clock.now())
        assert access is not None and access.state is LinkState.active
    with clock.frozen_at(MONDAY_9 + timedelta(days=GRACE_DAYS, minutes=1)):
        access = find_link(db, handed.link.token, clock.now())
        assert access is not None and access.state is LinkState.expired


def test_staff_withdraw_a_link_and_it_is_audited(db: Session, w: World) -> None:
    handed = _anonymous_case(db, email="eva@example.test")
    case = db.get(Case, handed.case.id)
    assert case is not None
    stranger = factories.actor(db, w.loan_agent)
    assert case.team_id not in stranger.team_ids
    with pytest.raises(NotFound):  # another team's case is not found
        revoke_private_link(
            session=db, actor=stranger, number=case.number, link_id=handed.link.link.id
        )
    customer = factories.actor(db, w.alice_user)
    with pytest.raises(PermissionDenied):
        revoke_private_link(
            session=db, actor=customer, number=case.number, link_id=handed.link.link.id
        )
    admin = factories.actor(db, w.admin)
    with pytest.raises(NotFound):  # a link of another case
        other = issue_private_link(session=db, actor=SYSTEM, case=w.bob_case)
        revoke_private_link(session=db, actor=admin, number=case.number, link_id=other.link.id)
    revoked = revoke_private_link(
        session=db, actor=admin, number=case.number, link_id=handed.link.link.id
    )
    assert revoked.revoked_at is not None and revoked.revoked_by_id == w.admin.id
    entry = db.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "private_link.revoked", AuditEntry.object_id == str(revoked.id)
        )
    )
    assert entry is not None and entry.actor_user_id == w.admin.id
    access = find_link(db, handed.link.token, clock.now())
    assert access is not None and access.state is LinkState.revoked
    with pytest.raises(NotFound):
        reply_by_link(session=db, access=access, body="Hallå?")


def test_the_link_holder_is_a_customer_without_a_login_and_never_the_system(
    db: Session, w: World
) -> None:
    handed = _anonymous_case(db, email="eva@example.test")
    access = find_link(db, handed.link.token, clock.now())
    assert access is not None
    holder = link_actor(db, access)
    assert holder.is_customer and not holder.is_system and not holder.is_staff
    with pytest.raises(NotFound):
        get_case_for(db, holder, w.alice_case.number)
    assert get_case_for(db, holder, handed.case.number).id == handed.case.id


def test_callbacks_through_the_link_touch_only_its_case(db: Session, w: World) -> None:
    week = {d: "09:00-12:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    with clock.frozen_at(MONDAY_9):
        handed = _anonymous_case(db, phone="070-123 45 67")
        team_id = handed.case.team_id
        set_team_calendar(
            session=db,
            actor=SYSTEM,
            team_id=team_id,
            hours=week,
            callback_slot_minutes=30,
            callback_capacity=2,
        )
        access = find_link(db, handed.link.token, clock.now())
        assert access is not None
        slot = datetime(2026, 11, 30, 10, tzinfo=STHLM)
        callback = book_callback_by_link(session=db, access=access, starts_at=slot, phone=None)
        assert callback.case_id == handed.case.id and callback.phone == "070-123 45 67"
        other = factories.case(db, the_customer=w.bob, team_id=team_id)
        their_link = issue_private_link(session=db, actor=SYSTEM, case=other)
        their_access = find_link(db, their_link.token, clock.now())
        assert their_access is not None and their_access.case.id == other.id
        theirs = book_callback_by_link(
            session=db, access=their_access, starts_at=slot, phone="08-123 456"
        )
        with pytest.raises(NotFound):
            cancel_callback_by_link(session=db, access=access, callback_id=theirs.id)
        cancelled = cancel_callback_by_link(session=db, access=access, callback_id=callback.id)
        assert cancelled.status == "cancelled"
