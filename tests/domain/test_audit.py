"""The audit log: every write on users, teams, topics, routing, calendars, promises and
tokens, and every login, records who, what, before/after and from where; nothing can
change or delete an entry."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain import auth as auth_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, Actor
from nara.domain.audit import ACTIONS, diff, record_audit
from nara.domain.calendars import set_team_calendar
from nara.domain.errors import RateLimited
from nara.domain.promises import create_policy, delete_policy, update_policy
from nara.domain.routing import set_topic_routing
from nara.models import AuditEntry, User
from nara.queries.audit import AuditFilter, list_audit
from tests import factories

PASSWORD = "ett långt och hemligt lösenord"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def entries(db: Session, object_type: str | None = None) -> list[AuditEntry]:
    """The log, last written first (read as an admin would; some tests freeze the clock
    in the past, so the order of writing is the id's)."""
    page = list_audit(db, SYSTEM, AuditFilter(object_type=object_type), cursor=None, limit=100)
    return sorted(page.items, key=lambda e: e.id, reverse=True)


def latest(db: Session, action: str) -> AuditEntry:
    return next(e for e in entries(db) if e.action == action)


def as_admin(db: Session, ip: str = "192.0.2.7") -> tuple[User, Actor]:
    admin = factories.user(db, role="admin")
    return admin, dataclasses.replace(factories.actor(db, admin), ip=ip)


def test_creating_a_user_records_who_what_and_from_where(db: Session) -> None:
    admin, actor = as_admin(db)
    with clock.frozen_at(T0):
        user = user_actions.create_user(
            session=db,
            actor=actor,
            email="Ny@Example.test",
            display_name="Ny Person",
            role="agent",
            password=PASSWORD,
        )
    entry = latest(db, "user.created")
    assert (entry.at, entry.object_type, entry.object_id) == (T0, "user", str(user.id))
    assert (entry.actor_kind, entry.actor_user_id, entry.actor_label) == (
        "user",
        admin.id,
        admin.email,
    )
    assert entry.ip == "192.0.2.7"
    assert entry.changes["email"] == [None, "ny@example.test"]
    assert entry.changes["role"] == [None, "agent"]
    assert entry.changes["has_password"] == [None, True]
    assert PASSWORD not in json.dumps(entry.changes)
    assert "password_hash" not in entry.changes


def test_password_activity_and_language_changes(db: Session) -> None:
    _, actor = as_admin(db)
    user = factories.user(db)
    user_actions.set_password(session=db, actor=actor, user_id=user.id, password=PASSWORD)
    changed = latest(db, "user.password_changed")
    assert changed.object_id == str(user.id) and changed.changes == {}
    user_actions.set_user_active(session=db, actor=actor, user_id=user.id, active=False)
    assert latest(db, "user.deactivated").changes == {"is_active": [True, False]}
    user_actions.set_user_active(session=db, actor=actor, user_id=user.id, active=True)
    assert latest(db, "user.activated").changes == {"is_active": [False, True]}
    user_actions.set_locale(session=db, actor=actor, user_id=user.id, locale="en")
    assert latest(db, "user.updated").changes == {"locale": [None, "en"]}
    # setting what is already set changes nothing and records nothing
    before = len(entries(db))
    user_actions.set_locale(session=db, actor=actor, user_id=user.id, locale="en")
    user_actions.set_user_active(session=db, actor=actor, user_id=user.id, active=True)
    assert len(entries(db)) == before


def test_personnummer_in_recorded_text_is_masked(db: Session) -> None:
    _, actor = as_admin(db)
    user_actions.create_user(
        session=db,
        actor=actor,
        email="p@example.test",
        display_name="Anna 198004262385",
        role="agent",
    )
    recorded = json.dumps(latest(db, "user.created").changes)
    assert "198004262385" not in recorded
    assert "19800426-****" in recorded


def test_teams_and_membership(db: Session) -> None:
    _, actor = as_admin(db)
    team = team_actions.create_team(
        session=db, actor=actor, slug="kort", name_sv="Kort", name_en="Cards"
    )
    created = latest(db, "team.created")
    assert created.object_id == str(team.id)
    assert created.changes["name_en"] == [None, "Cards"]
    agent = factories.user(db)
    team_actions.add_team_member(session=db, actor=actor, team_id=team.id, user_id=agent.id)
    added = latest(db, "team.member_added")
    assert (added.object_type, added.object_id) == ("team", str(team.id))
    assert added.changes == {"user_id": [None, agent.id]}
    team_actions.remove_team_member(session=db, actor=actor, team_id=team.id, user_id=agent.id)
    assert latest(db, "team.member_removed").changes == {"user_id": [agent.id, None]}
    old = factories.team(db, fallback=True)
    team_actions.set_fallback_team(session=db, actor=actor, team_id=team.id)
    moved = [e for e in entries(db, "team") if e.action == "team.updated"][:2]
    assert {(e.object_id, json.dumps(e.changes["is_fallback"])) for e in moved} == {
        (str(team.id), "[false, true]"),
        (str(old.id), "[true, false]"),
    }


def test_topics_record_only_what_changed(db: Session) -> None:
    _, actor = as_admin(db)
    topic = team_actions.create_topic(
        session=db, actor=actor, slug="swish", name_sv="Swish", name_en="Swish"
    )
    assert latest(db, "topic.created").changes["is_active"] == [None, True]
    team_actions.update_topic(
        session=db, actor=actor, topic_id=topic.id, name_en="Swish app", name_sv="Swish"
    )
    assert latest(db, "topic.updated").changes == {"name_en": ["Swish", "Swish app"]}
    team_actions.update_topic(session=db, actor=actor, topic_id=topic.id, is_active=False)
    assert latest(db, "topic.updated").changes == {"is_active": [True, False]}


def test_routing_links_and_their_order(db: Session) -> None:
    _, actor = as_admin(db)
    team = factories.team(db)
    topic = factories.topic(db)
    team_actions.add_team_topic(session=db, actor=actor, team_id=team.id, topic_id=topic.id)
    added = latest(db, "routing.team_added")
    assert (added.object_type, added.object_id) == ("routing", f"{topic.id}/{team.id}")
    assert added.changes["rank"] == [None, 0]
    set_topic_routing(
        session=db, actor=actor, topic_id=topic.id, team_id=team.id, rank=3, accepts_overflow=False
    )
    changed = latest(db, "routing.changed")
    assert changed.changes == {"rank": [0, 3], "accepts_overflow": [True, False]}
    team_actions.remove_team_topic(session=db, actor=actor, team_id=team.id, topic_id=topic.id)
    assert latest(db, "routing.team_removed").changes["rank"] == [3, None]


def test_calendar_changes(db: Session) -> None:
    _, actor = as_admin(db)
    team = factories.team(db)
    set_team_calendar(session=db, actor=actor, team_id=team.id, hours={"mon": "08:00-12:00"})
    first = latest(db, "calendar.changed")
    assert (first.object_type, first.object_id) == ("calendar", str(team.id))
    assert first.changes["hours"][0] is None
    assert first.changes["hours"][1]["mon"] == [[480, 720]]
    set_team_calendar(
        session=db,
        actor=actor,
        team_id=team.id,
        hours={"mon": "08:00-12:00"},
        callback_capacity=3,
        closed_dates=["2026-12-24"],
    )
    assert latest(db, "calendar.changed").changes == {
        "closed_dates": [[], ["2026-12-24"]],
        "callback_capacity": [1, 3],
    }


def test_promises_created_changed_and_deleted(db: Session) -> None:
    _, actor = as_admin(db)
    topic = factories.topic(db)
    policy = create_policy(
        session=db,
        actor=actor,
        first_response_minutes=60,
        resolution_minutes=480,
        topic_id=topic.id,
    )
    created = latest(db, "promise.created")
    assert created.object_id == str(policy.id)
    assert created.changes["topic_id"] == [None, topic.id]
    assert created.changes["first_response_minutes"] == [None, 60]
    update_policy(
        session=db,
        actor=actor,
        policy_id=policy.id,
        first_response_minutes=30,
        resolution_minutes=480,
    )
    assert latest(db, "promise.updated").changes == {"first_response_minutes": [60, 30]}
    delete_policy(session=db, actor=actor, policy_id=policy.id)
    deleted = latest(db, "promise.deleted")
    assert deleted.object_id == str(policy.id)
    assert deleted.changes["resolution_minutes"] == [480, None]


def test_tokens_never_store_the_secret(db: Session) -> None:
    agent = factories.user(db)
    me = dataclasses.replace(factories.actor(db, agent), ip="2001:db8::1")
    new = auth_actions.create_api_token(session=db, actor=me, user_id=agent.id, name="crm")
    created = latest(db, "token.created")
    assert created.object_id == str(new.api_token.id) and created.ip == "2001:db8::1"
    assert created.changes["name"] == [None, "crm"]
    assert new.token not in json.dumps(created.changes)
    assert new.api_token.token_hash not in json.dumps(created.changes)
    auth_actions.revoke_api_token(session=db, actor=me, token_id=new.api_token.id)
    revoked = latest(db, "token.revoked")
    assert revoked.changes["revoked_at"][0] is None and revoked.changes["revoked_at"][1]


def test_logins_failures_lockout_and_logout(db: Session) -> None:
    user = factories.user(db, password=PASSWORD)
    with clock.frozen_at(T0):
        new = auth_actions.log_in(
            session=db, email=user.email, password=PASSWORD, ip="198.51.100.1"
        )
        assert new is not None
        login = latest(db, "auth.login")
        assert (login.actor_user_id, login.actor_label, login.ip) == (
            user.id,
            user.email,
            "198.51.100.1",
        )
        assert login.object_id == str(user.id)
        assert auth_actions.log_in(session=db, email=user.email, password="wrong", ip="x") is None
        failed = latest(db, "auth.login_failed")
        assert (failed.actor_kind, failed.actor_user_id, failed.object_id) == (
            "anonymous",
            None,
            str(user.id),
        )
        auth_actions.log_out(session=db, actor=factories.actor(db, user), token=new.token)
        assert latest(db, "auth.logout").object_id == str(user.id)


def test_a_stranger_address_is_never_stored(db: Session) -> None:
    typed = "nobody-here@example.test"
    assert auth_actions.log_in(session=db, email=typed, password="guess", ip="203.0.113.9") is None
    failed = latest(db, "auth.login_failed")
    assert failed.object_id is None and failed.ip == "203.0.113.9"
    assert typed not in json.dumps([failed.actor_label, failed.changes])


def test_the_attempt_that_locks_the_address_is_recorded_once(db: Session) -> None:
    user = factories.user(db, password=PASSWORD)
    limit = get_settings().login_max_failures
    with clock.frozen_at(T0):
        for _ in range(limit):
            auth_actions.log_in(session=db, email=user.email, password="wrong", ip="192.0.2.1")
        with pytest.raises(RateLimited):
            auth_actions.log_in(session=db, email=user.email, password=PASSWORD, ip="192.0.2.1")
    actions = [e.action for e in entries(db, "user") if e.object_id == str(user.id)]
    assert actions.count("auth.login_failed") == limit
    assert actions.count("auth.locked") == 1
    assert latest(db, "auth.locked").changes == {"minutes": 15}


def test_the_system_actor_is_recorded_as_such(db: Session) -> None:
    factories.team(db)
    entry = latest(db, "team.created")
    assert (entry.actor_kind, entry.actor_user_id, entry.ip) == ("system", None, None)


def test_diff_keeps_only_changed_fields_as_facts() -> None:
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert diff({"a": 1, "b": at}, {"a": 1, "b": None, "c": "x"}) == {
        "b": ["2026-12-01T10:00:00+00:00", None],
        "c": [None, "x"],
    }


def test_unknown_actions_are_refused(db: Session) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        record_audit(
            session=db, actor=SYSTEM, action="user.exploded", object_type="user", object_id=1
        )
    assert "user.created" in ACTIONS


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_entries_cannot_be_changed_or_deleted(db: Session, statement: str) -> None:
    factories.team(db)
    entry = latest(db, "team.created")
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        if statement == "update":
            db.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(action="x"))
        else:
            db.execute(delete(AuditEntry).where(AuditEntry.id == entry.id))
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM audit_log"))
    db.expire_all()
    assert latest(db, "team.created").id == entry.id
