"""The follow-up's roll-ups as they run: the periodic job ``followup.rollup`` (the
finished days, then the last eight again) and ``nara followup rebuild`` (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.followup.filters import Filters
from nara.jobs.runner import run_periodic
from nara.models import FollowupDaily, FollowupRollupState, User
from nara.queries import followup
from tests import factories
from tests.followup_history import EXPECTED_COUNTS, FIRST, LAST, NOW, build
from tests.test_cli import Cli, assert_clean_failure, cli, migrated  # noqa: F401


@pytest.fixture
def history(committed_engine: Engine) -> Iterator[Engine]:
    with Session(committed_engine) as session:
        build(session)
        session.commit()
    yield committed_engine


def test_the_job_rolls_the_finished_days_and_the_figures_stay_the_same(
    history: Engine,
) -> None:
    with clock.frozen_at(NOW):
        status, run_id = run_periodic(history, "followup.rollup")
    assert status == "succeeded" and run_id is not None
    with Session(history) as session:
        state = session.get(FollowupRollupState, 1)
        assert state is not None
        assert state.rolled_from == date(2026, 3, 18)  # the world's first case
        assert state.rolled_through == LAST - timedelta(days=1)
        admin = session.scalar(select(User).where(User.role == "admin"))
        assert admin is not None
        figs = followup.figures(session, factories.actor(session, admin), Filters(FIRST, LAST), NOW)
        assert figs.rolled_through == LAST - timedelta(days=1)
        for key, expected in EXPECTED_COUNTS.items():
            assert figs.figure(key).count == expected, key
        rows = session.scalar(select(func.count()).select_from(FollowupDaily))
    # A day later the job rolls the new day and the eight before it again: same rows.
    with clock.frozen_at(NOW + timedelta(days=1)):
        status, _ = run_periodic(history, "followup.rollup", tick=1)
    assert status == "succeeded"
    with Session(history) as session:
        state = session.get(FollowupRollupState, 1)
        assert state is not None and state.rolled_through == LAST
        assert session.scalar(select(func.count()).select_from(FollowupDaily)) >= (rows or 0)


def test_rebuild_refuses_a_bad_day(migrated: Cli) -> None:  # noqa: F811
    assert_clean_failure(migrated("followup", "rebuild", "--since", "igår"))


def test_rebuild_rolls_history_with_progress(migrated: Cli) -> None:  # noqa: F811
    rebuild_cli = migrated
    engine = rebuild_cli.engine()
    with Session(engine) as session:
        build(session)
        session.commit()
    with clock.frozen_at(NOW):
        result = rebuild_cli.ok("followup", "rebuild")
        again = rebuild_cli.ok("followup", "rebuild", "--since", "2026-04-01")
    assert "rolled 21 day(s)" in result.stdout  # 18 March to 7 April
    assert "days rolled: 21/21" in result.stderr
    assert "rolled 7 day(s)" in again.stdout
    with Session(engine) as session:
        state = session.get(FollowupRollupState, 1)
        assert state is not None
        assert (state.rolled_from, state.rolled_through) == (date(2026, 3, 18), date(2026, 4, 7))
    engine.dispose()
