"""Reference data kept per process (``nara.reference_cache``): a second reader does not
read it again, and every change is seen by the next transaction of any session from the
moment it commits, never before, and never after a rollback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from nara import reference_cache
from nara.demo.loader import wipe
from nara.domain.actors import SYSTEM
from nara.domain.auth import authenticate_token_with_membership
from nara.domain.calendars import set_team_calendar
from nara.domain.mandates import (
    change_rule,
    create_decision_type,
    create_rule,
    update_decision_type,
)
from nara.domain.teams import update_team
from nara.models import ReferenceVersion, User
from nara.queries import directory
from nara.queries.mandates import kept_rules_in_force, type_rows_for_topic
from nara.queries.service import calendar_for_team
from tests import factories


@contextmanager
def reads(engine: Engine) -> Iterator[list[str]]:
    found: list[str] = []

    def record(conn: Any, cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            found.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def team(committed_engine: Engine) -> int:
    reference_cache.forget_all()
    with Session(committed_engine) as s:
        t = factories.team(s)
        factories.user(s, teams=[t])
        s.commit()
        return t.id


def _names(engine: Engine) -> dict[int, str]:
    with Session(engine) as s:
        return {t.id: t.name_sv for t in directory.active_team_refs(s)}


def test_a_second_reader_reads_only_the_tokens(committed_engine: Engine, team: int) -> None:
    with Session(committed_engine) as s:
        directory.active_team_refs(s)
        directory.handover_targets(s)
    with reads(committed_engine) as found, Session(committed_engine) as s:
        assert team in {t.id for t in directory.active_team_refs(s)}
        targets = directory.handover_targets(s)
    assert not [sql for sql in found if "FROM teams" in sql], found
    assert len([sql for sql in found if "reference_versions" in sql]) == 1
    assert [t for t, members in targets if t.id == team and members]


def test_a_committed_change_is_seen_by_the_next_transaction(
    committed_engine: Engine, team: int
) -> None:
    assert _names(committed_engine)[team].startswith("Team ")
    with Session(committed_engine) as s:
        update_team(session=s, actor=SYSTEM, team_id=team, name_sv="Omdöpt")
        s.commit()
    assert _names(committed_engine)[team] == "Omdöpt"
    with Session(committed_engine) as s:
        update_team(session=s, actor=SYSTEM, team_id=team, is_active=False)
        s.commit()
    assert team not in _names(committed_engine)


def test_an_uncommitted_change_is_not_kept_for_others_and_a_rollback_leaves_nothing(
    committed_engine: Engine, team: int
) -> None:
    before = _names(committed_engine)[team]
    with Session(committed_engine) as writer:
        update_team(session=writer, actor=SYSTEM, team_id=team, name_sv="Ännu inte")
        # The writer sees its own change, before and after flushing it.
        assert {t.id: t.name_sv for t in directory.active_team_refs(writer)}[team] == "Ännu inte"
        writer.flush()
        assert {t.id: t.name_sv for t in directory.active_team_refs(writer)}[team] == "Ännu inte"
        writer.rollback()
    # Nothing the writer read was kept: the next reader sees the committed name.
    assert _names(committed_engine)[team] == before


def test_a_login_does_not_renew_the_directory(committed_engine: Engine, team: int) -> None:
    with Session(committed_engine) as s:
        before = reference_cache.tokens(s)
    with Session(committed_engine) as s:
        user = s.scalars(select(User).where(User.role == "agent")).first()
        assert user is not None
        user.last_login_at = user.created_at
        s.commit()
    with Session(committed_engine) as s:
        assert reference_cache.tokens(s) == before
        person = s.scalars(select(User).where(User.role == "agent")).first()
        assert person is not None
        person.display_name = "Nytt Namn"
        s.commit()
    with Session(committed_engine) as s:
        after = reference_cache.tokens(s)
    assert after[reference_cache.DIRECTORY] != before[reference_cache.DIRECTORY]
    assert after[reference_cache.CALENDARS] == before[reference_cache.CALENDARS]


def test_a_changed_calendar_is_used_from_the_next_transaction(
    committed_engine: Engine, team: int
) -> None:
    with Session(committed_engine) as s:
        assert calendar_for_team(s, team).hours[6] == ()  # the default: closed on Sundays
    with Session(committed_engine) as s:
        set_team_calendar(session=s, actor=SYSTEM, team_id=team, hours={"sun": "10:00-14:00"})
        s.commit()
    with Session(committed_engine) as s:
        assert calendar_for_team(s, team).hours[6] == ((600, 840),)


def test_wiping_keeps_the_tokens_and_renews_them(committed_engine: Engine, team: int) -> None:
    with Session(committed_engine) as s:
        before = reference_cache.tokens(s)
    with Session(committed_engine) as s:
        wipe(s)
        s.commit()
    with Session(committed_engine) as s:
        after = {v.kind: v.token for v in s.scalars(select(ReferenceVersion))}
        assert set(after) == set(reference_cache.KINDS)
        assert all(after[k] != before[k] for k in reference_cache.KINDS)
        assert directory.active_team_refs(s) == ()


def test_changed_mandate_rules_and_holding_teams_are_seen_by_the_next_transaction(
    committed_engine: Engine, team: int
) -> None:
    """The rules in force are kept under the mandates' token and the directory's (a
    rule held by a team is in force only while the team is active)."""
    with Session(committed_engine) as s:
        kind = create_decision_type(
            session=s, actor=SYSTEM, slug="avgift", name_sv="Avgift", name_en="Fee", kind="amount"
        )
        rule = create_rule(
            session=s,
            actor=SYSTEM,
            decision_type_id=kind.id,
            name="Teamets avgifter",
            holder={"kind": "team", "team_id": team},
            limit="500",
        )
        s.commit()
        type_id, rule_id = kind.id, rule.rule_id

    def limits() -> list[object]:
        with Session(committed_engine) as s:
            return [v.limit_amount for v in kept_rules_in_force(s).get(type_id, ())]

    def types() -> list[str]:
        with Session(committed_engine) as s:
            return [t.name_en for t in type_rows_for_topic(s, None)]

    assert limits() == [Decimal("500.00")] and types() == ["Fee"]
    with Session(committed_engine) as s:
        change_rule(session=s, actor=SYSTEM, rule_id=rule_id, why="Höjd", limit="800")
        update_decision_type(session=s, actor=SYSTEM, type_id=type_id, name_en="Fees")
        s.commit()
    assert limits() == [Decimal("800.00")] and types() == ["Fees"]
    with Session(committed_engine) as s:
        update_team(session=s, actor=SYSTEM, team_id=team, is_active=False)
        s.commit()
    assert limits() == []


def test_the_callers_lookup_brings_the_tokens(committed_engine: Engine, team: int) -> None:
    """The caller's lookup (the request's first statement) reads the tokens along; kept
    reference data then costs no statement of its own."""
    with Session(committed_engine) as s:
        person = s.scalars(select(User).where(User.role == "agent")).first()
        assert person is not None
        secret = factories.token(s, person)
        s.commit()
        directory.active_team_refs(s)  # kept by the process
    with reads(committed_engine) as found, Session(committed_engine) as s:
        assert authenticate_token_with_membership(session=s, token=secret) is not None
        assert team in {t.id for t in directory.active_team_refs(s)}
    assert len(found) == 1 and "reference_versions" in found[0], found
