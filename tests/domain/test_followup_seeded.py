"""Property-style (issue 16): over a seeded year of the demo organisation, the figures
read from the daily roll-ups plus the live days are the figures counted live, for many
random filters, periods and viewers, on SQLite and PostgreSQL; and each figure's
drill-down lists exactly its count."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from nara import clock
from nara.demo.loader import load_demo
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.domain.followup_rollups import drop_rollups, roll_days
from nara.followup.figures import FollowupFigures
from nara.followup.filters import Filters
from nara.models import Channel, Priority, Role, Team, Topic, User
from nara.queries import followup
from nara.simulation.seed import seed_cases

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
TODAY = date(2026, 11, 2)
CASES = 2500


@pytest.fixture(scope="module")
def seeded(engine: Engine) -> Iterator[Connection]:
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    with clock.frozen_at(NOW):
        load_demo(session, cases=0, history=0, embed=False)
        seed_cases(session, cases=CASES, seed=11)
        if engine.dialect.name == "postgresql":
            from nara.simulation.followup_bench import add_extras

            add_extras(session, after_id=0)
    session.commit()
    session.close()
    yield connection
    transaction.rollback()
    connection.close()


@pytest.fixture
def db(seeded: Connection) -> Iterator[Session]:
    savepoint = seeded.begin_nested()
    session = Session(bind=seeded, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    savepoint.rollback()


def _everything(figs: FollowupFigures) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section in figs.sections:
        for f in section.figures:
            out[f.key] = (f.value, f.count, f.target)
        for b in section.breakdowns:
            out[b.key] = sorted((r.value, r.count) for r in b.rows)
    for t in figs.trends:
        out[f"trend {t.key}"] = (t.weekly, t.monthly)
    return out


def _random_filters(rng: random.Random, teams: list[str], topics: list[str]) -> Filters:
    last = TODAY - timedelta(days=rng.choice([0, 0, 1, 3, 40]))
    first = last - timedelta(days=rng.choice([0, 6, 29, 90, 364]))
    return Filters(
        first,
        last,
        team=rng.choice([None, None, *teams]),
        topic=rng.choice([None, None, "-", *topics]),
        channel=rng.choice([None, None, *Channel]),
        priority=rng.choice([None, None, *Priority]),
    )


def _viewers(db: Session) -> list[Actor]:
    agent = db.scalar(select(User).where(User.role == Role.agent.value).limit(1))
    assert agent is not None
    return [SYSTEM, actor_for_user(db, agent)]


def test_rolled_and_live_figures_agree_on_random_filters(db: Session) -> None:
    rng = random.Random(16)
    teams = list(db.scalars(select(Team.slug).order_by(Team.id)))
    topics = list(db.scalars(select(Topic.slug).order_by(Topic.id)))
    system, agent = _viewers(db)
    cases: list[tuple[Actor, Filters]] = []
    for _ in range(24):
        f = _random_filters(rng, teams, topics)
        cases.append((system, f))
    agent_team = db.scalar(select(Team.slug).where(Team.id.in_(sorted(agent.team_ids))).limit(1))
    cases.append((agent, Filters(TODAY - timedelta(days=90), TODAY)))
    cases.append((agent, Filters(TODAY - timedelta(days=30), TODAY, team=agent_team)))
    with clock.frozen_at(NOW):
        live = [_everything(followup.figures(db, who, f, NOW)) for who, f in cases]
        roll_days(
            session=db,
            actor=SYSTEM,
            first=TODAY - timedelta(days=400),
            last=TODAY - timedelta(days=1),
            now=NOW,
        )
        rolled = [_everything(followup.figures(db, who, f, NOW)) for who, f in cases]
    for (who, f), a, b in zip(cases, live, rolled, strict=True):
        differing = sorted(k for k in a if a[k] != b[k])
        assert not differing, (f, who.role, differing[:5])
    drop_rollups(session=db, actor=SYSTEM)


def test_random_drill_downs_list_their_counts(db: Session) -> None:
    rng = random.Random(61)
    teams = list(db.scalars(select(Team.slug).order_by(Team.id)))
    topics = list(db.scalars(select(Topic.slug).order_by(Topic.id)))
    with clock.frozen_at(NOW):
        roll_days(
            session=db,
            actor=SYSTEM,
            first=TODAY - timedelta(days=400),
            last=TODAY - timedelta(days=5),
            now=NOW,
        )
        for _ in range(6):
            f = _random_filters(rng, teams, topics)
            figs = followup.figures(db, SYSTEM, f, NOW)
            for section in figs.sections:
                for fig in section.figures:
                    if fig.metric is None or fig.count > 300 or rng.random() < 0.5:
                        continue
                    listed, cursor = 0, None
                    while True:
                        page = followup.drilldown(db, SYSTEM, f, fig.metric, cursor, 100, now=NOW)
                        listed += len(page.items)
                        cursor = page.next_cursor
                        if cursor is None:
                            break
                    assert listed == fig.count, (f, fig.key)
