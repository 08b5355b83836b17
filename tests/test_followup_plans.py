"""The follow-up stays index-bound on PostgreSQL (issue 16): with a seeded year (30,000
cases with ratings, conversations and consultations), its roll-ups and fresh planner
statistics, no statement of the figures, the personal figures or the drill-down's first
page reads a growing table from end to end, whatever the filter and the viewer. The
rolled days are read on the roll-up's key, the live day on the day-indexed moments.

``nara bench followup`` times the same queries at any number of cases
(benchmarks/README.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select, text
from sqlalchemy.orm import Session

from nara import clock
from nara.demo.loader import load_demo
from nara.domain.actors import SYSTEM, actor_for_user
from nara.domain.followup_rollups import roll_days
from nara.followup.filters import Filters
from nara.models import Case, Channel, Priority, Team, Topic, User
from nara.queries import followup
from nara.simulation.followup_bench import DRILLDOWNS, add_extras
from nara.simulation.plans import GROWING_TABLES, LARGE, Statement, explain

CASES = 30_000
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 2)
LEAD = "karin.lead@exempelbanken.se"
AGENT = "oskar@exempelbanken.se"
GROWING = GROWING_TABLES | {"followup_daily", "satisfaction_ratings", "consultations"}


@dataclass
class Seeded:
    connection: Connection


@pytest.fixture(scope="module")
def seeded(engine: Engine) -> Iterator[Seeded]:
    if engine.dialect.name != "postgresql":
        pytest.skip("query plans are PostgreSQL's (the production database)")
    from nara.simulation.seed import seed_cases

    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    with clock.frozen_at(NOW):
        load_demo(session, cases=0, history=0, embed=False)
        seed_cases(session, cases=CASES, seed=5)
        add_extras(session, after_id=0)
        roll_days(
            session=session,
            actor=SYSTEM,
            first=TODAY - timedelta(days=370),
            last=TODAY - timedelta(days=1),
            now=NOW,
        )
    session.commit()
    session.close()
    connection.execute(text("ANALYZE"))
    yield Seeded(connection)
    transaction.rollback()
    connection.close()


@contextmanager
def statements_of(engine: Engine) -> Iterator[list[Statement]]:
    """Every read sent while the block runs (the follow-up's start with WITH too)."""
    found: list[Statement] = []

    def record(
        conn: Connection, cursor: Any, sql: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and not many:
            found.append(Statement(sql, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _large(connection: Connection) -> frozenset[str]:
    rows = connection.exec_driver_sql(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %(large)s",
        {"large": LARGE},
    )
    return frozenset(name for (name,) in rows if name in GROWING)


def test_the_follow_up_reads_no_growing_table_whole(engine: Engine, seeded: Seeded) -> None:
    session = Session(bind=seeded.connection, join_transaction_mode="create_savepoint")
    large = _large(seeded.connection)
    assert {"cases", "followup_daily", "conversations"} <= large
    team = session.scalar(select(Team.slug).join(Case, Case.team_id == Team.id).limit(1))
    topic = session.scalar(select(Topic.slug).join(Case, Case.topic_id == Topic.id).limit(1))
    month = Filters(TODAY - timedelta(days=29), TODAY)
    year = Filters(TODAY - timedelta(days=364), TODAY)
    scenarios = {
        "org 30 days": month,
        "org 1 year (weekly and monthly trends)": year,
        "team 30 days": replace(month, team=team),
        "team 1 year": replace(year, team=team),
        "topic 1 year": replace(year, topic=topic),
        "channel phone 1 year": replace(year, channel=Channel.phone),
        "priority urgent 1 year": replace(year, priority=Priority.urgent),
    }
    viewers = {
        "admin": SYSTEM,
        "lead": actor_for_user(session, _user(session, LEAD)),
        "agent": actor_for_user(session, _user(session, AGENT)),
    }
    scans: list[str] = []

    def check(what: str, work: Any) -> None:
        with statements_of(engine) as found:
            work()
        assert found, what
        for statement in found:
            plan = explain(seeded.connection, statement, large=large)
            if plan.full_scans:
                scans.append(f"{what}: {plan.full_scans} in {statement.sql[:300]}")

    with clock.frozen_at(NOW):
        for name, filters in scenarios.items():
            check(name, lambda f=filters: followup.figures(session, SYSTEM, f, NOW))
        agent = viewers["agent"]
        check("agent's teams", lambda: followup.figures(session, agent, month, NOW))
        check("personal", lambda: followup.personal_figures(session, agent, month, NOW))
        for metric, scenario in DRILLDOWNS:
            filters = scenarios[scenario]
            for who, viewer in viewers.items():
                if who == "agent":
                    filters = replace(filters, team=None)

                def first_page(v: Any = viewer, f: Filters = filters, m: str = metric) -> None:
                    followup.drilldown(session, v, f, m, None, 25, now=NOW)

                check(f"drill-down {metric} as {who}", first_page)
    session.close()
    assert not scans, "\n".join(scans)


def test_rare_items_and_breakdowns_are_read_by_their_own_index(
    engine: Engine, seeded: Seeded
) -> None:
    """Late messages (KKiK) are found in the partial index of those that can be late, a
    team's resolutions in the team's index of resolutions (not by combining every case
    of the team with a day's), and the breakdowns by channel and topic from the roll-ups'
    covering index: what keeps these flat from 1 to 10 million cases."""
    session = Session(bind=seeded.connection, join_transaction_mode="create_savepoint")
    team = session.scalar(select(Team.slug).join(Case, Case.team_id == Team.id).limit(1))
    month = Filters(TODAY - timedelta(days=29), TODAY)
    year = Filters(TODAY - timedelta(days=364), TODAY)

    def indexes(work: Any) -> set[str]:
        with statements_of(engine) as found:
            work()
        return {i for s in found for i in explain(seeded.connection, s).indexes}

    with clock.frozen_at(NOW):
        late = indexes(lambda: followup.drilldown(session, SYSTEM, month, "kkik.late", None, 25))
        resolved = indexes(
            lambda: followup.drilldown(
                session, SYSTEM, replace(year, team=team), "resolution.first_contact", None, 25
            )
        )
        figures = indexes(lambda: followup.figures(session, SYSTEM, year, NOW))
    session.close()
    assert "ix_cases_kkik_late" in late
    assert "ix_cases_team_resolved" in resolved
    assert "ix_followup_daily_opened" in figures


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user
