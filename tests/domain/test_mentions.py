"""@mentions in internal notes and reading one's notifications."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain import notifications as notification_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM
from nara.domain.cases import add_note
from nara.domain.errors import NotFound, PermissionDenied
from nara.domain.mentions import handles
from nara.domain.notifications import notify
from nara.models import Notification
from nara.queries import notifications as notification_queries
from tests import factories


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@oskar kan du titta?", ["oskar"]),
        ("Fråga @oskar.", ["oskar"]),
        ("Hej @oskar.berg, och @Oskar.Berg igen", ["oskar.berg"]),
        ("(@karin.lead) och @oskar!", ["karin.lead", "oskar"]),
        ("Kunden skrev från kund@example.se", []),
        ("e-post: a.b@c.se och x+@y", []),
        ("@", []),
        ("@@oskar", []),
        ("rad ett\n@åsa-lind tack", ["åsa-lind"]),
    ],
)
def test_handles_in_a_note(text: str, expected: list[str]) -> None:
    assert handles(text) == expected


def test_a_mention_notifies_a_colleague_who_may_see_the_case(db: Session) -> None:
    w = factories.world(db)
    colleague = factories.user(db, teams=[w.cards], email="oskar.berg@exempelbanken.se")
    writer = factories.actor(db, w.card_agent)
    add_note(
        session=db,
        actor=writer,
        number=w.alice_case.number,
        body="@oskar.berg kan du ringa kunden? Och @nobody, och jag själv: "
        f"@{w.card_agent.email.split('@')[0]}",
    )
    rows = db.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.case_id, n.actor_id) for n in rows] == [
        (colleague.id, "note.mention", w.alice_case.id, w.card_agent.id)
    ]
    assert rows[0].data["case_number"] == w.alice_case.number
    assert rows[0].data["excerpt"].startswith("@oskar.berg kan du ringa kunden?")


def test_no_mention_for_those_who_may_not_see_the_case(db: Session) -> None:
    w = factories.world(db)
    factories.user(db, teams=[w.loans], email="lina@exempelbanken.se")  # another team
    inactive = factories.user(db, teams=[w.cards], email="ove@exempelbanken.se")
    user_actions.set_user_active(session=db, actor=SYSTEM, user_id=inactive.id, active=False)
    # A customer whose login happens to have the same local part is not staff.
    factories.user(db, role="customer", email="kim@example.test")
    writer = factories.actor(db, w.card_agent)
    add_note(
        session=db,
        actor=writer,
        number=w.alice_case.number,
        body="@lina @ove @kim @" + w.admin.email.split("@")[0],
    )
    notified = set(db.scalars(select(Notification.user_id)))
    assert notified == {w.admin.id}  # admins see every case


def test_reading_ones_own_notifications(db: Session) -> None:
    w = factories.world(db)
    me = factories.actor(db, w.card_agent)
    for kind in ("consultation.asked", "note.mention", "something.new"):
        notify(db, user_ids=[w.card_agent.id], kind=kind, case=w.alice_case, actor=SYSTEM)
    [theirs] = notify(db, user_ids=[w.loan_agent.id], kind="note.mention", case=w.bob_case)
    db.flush()
    page = notification_queries.list_notifications(db, me, limit=2)
    assert [line.notification.kind for line in page.items] == ["something.new", "note.mention"]
    assert page.next_cursor is not None
    rest = notification_queries.list_notifications(db, me, cursor=page.next_cursor, limit=2)
    assert [line.notification.kind for line in rest.items] == ["consultation.asked"]
    assert rest.next_cursor is None
    assert notification_queries.unread_count(db, w.card_agent.id) == 3
    first = page.items[0].notification
    notification_actions.mark_read(session=db, actor=me, notification_id=first.id)
    assert first.read_at is not None
    unread = notification_queries.list_notifications(db, me, unread_only=True)
    assert len(unread.items) == 2
    with pytest.raises(NotFound):
        notification_actions.mark_read(session=db, actor=me, notification_id=theirs.id)
    assert notification_actions.mark_all_read(session=db, actor=me) == 2
    assert notification_actions.mark_all_read(session=db, actor=me) == 0
    assert notification_queries.unread_count(db, w.card_agent.id) == 0
    assert notification_queries.unread_count(db, w.loan_agent.id) == 1
    customer = factories.actor(db, w.alice_user)
    with pytest.raises(PermissionDenied):
        notification_queries.list_notifications(db, customer)


def test_kinds_in_words_and_unknown_kinds_generically() -> None:
    from nara import i18n

    sv = i18n.translations("sv").gettext
    en = i18n.translations("en").gettext
    describe = notification_queries.describe
    assert describe("note.mention", "NA-2026-000001", en) == (
        "You were mentioned in a note on case NA-2026-000001"
    )
    assert describe("note.mention", "NA-2026-000001", sv) == (
        "Du nämndes i en anteckning i ärende NA-2026-000001"
    )
    assert describe("case.handed_over", "NA-1", sv) == "Ärende NA-1 har lämnats över till dig"
    assert describe("brand.new", "NA-1", en) == "Something new on case NA-1"
    assert describe("brand.new", None, sv) == "Något nytt för dig"
    for kind in notification_queries.KIND_TEXT:
        assert "NA-9" in describe(kind, "NA-9", sv)
