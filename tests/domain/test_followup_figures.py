"""The follow-up's figures against a hand-computed history (tests/followup_history.py),
counted live and from the daily roll-ups, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import reset_settings
from nara.domain.actors import SYSTEM
from nara.domain.errors import PermissionDenied, ValidationFailed
from nara.domain.followup_rollups import plan_rollup, roll_days
from nara.followup import histogram
from nara.followup.figures import FollowupFigures
from nara.followup.filters import Filters
from nara.followup.metrics import METRICS
from nara.models import Channel, FollowupDaily
from nara.queries import followup
from nara.queries.followup_rows import forget_live_counts
from tests import factories
from tests.followup_history import (
    EXPECTED_COUNTS,
    FIRST,
    FIRST_RESPONSE_SECONDS,
    LAST,
    NOW,
    OPENED_PER_MONTH,
    OPENED_PER_WEEK,
    RESOLUTION_SECONDS,
    History,
    build,
)


@pytest.fixture
def h(db: Session) -> History:
    return build(db)


def period(**kw: Any) -> Filters:
    return Filters(FIRST, LAST, **kw)


def admin_figures(db: Session, h: History, **kw: Any) -> FollowupFigures:
    return followup.figures(db, factories.actor(db, h.w.admin), period(**kw), NOW)


def _nearest_rank(values: tuple[int, ...], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_the_figures_are_the_hand_computed_ones(db: Session, h: History) -> None:
    figs = admin_figures(db, h)
    for key, expected in EXPECTED_COUNTS.items():
        assert figs.figure(key).value == expected, key
        assert figs.figure(key).count == expected, key
    assert figs.figure("first_response.kept_share").value == 0.5
    assert figs.figure("resolution.kept_share").value == 0.5
    assert figs.figure("resolution.first_contact_share").value == 0.5
    assert figs.figure("cases.recontact_share").value == 3 / 8
    assert figs.figure("cases.handovers_per_case").value == 1 / 8
    assert figs.figure("selfservice.answered_share").value == 0.5
    assert figs.figure("selfservice.recontact_share").value == 0.5
    assert figs.figure("consultations.in_time_share").value == 0.5
    assert figs.figure("csat.average").value == 3.0
    assert figs.figure("csat.response_rate").value == 1.0
    assert figs.figure("kkik.in_time_share").value == 2 / 5
    assert figs.figure("wait.average").value == round((23400 + 300) / 2 / 60, 2)
    assert figs.figure("wait.within_bar_share").value == 0.5
    assert figs.figure("delay_notice.on_time_share").value == 0.5
    # Durations: the nearest-rank median and p90 through the buckets, within 5 %.
    for key, seconds in (
        ("first_response", FIRST_RESPONSE_SECONDS),
        ("resolution", RESOLUTION_SECONDS),
    ):
        for q, name in ((0.5, "median"), (0.9, "p90")):
            exact = _nearest_rank(seconds, q) / 60
            value = figs.figure(f"{key}.{name}").value
            assert value is not None
            assert abs(value - exact) <= histogram.MAX_RELATIVE_ERROR * exact, (key, name)
            bucketed = histogram.representative(histogram.bucket(exact * 60)) / 60
            assert value == round(bucketed, 2)
    promise = figs.figure("first_response.median").target
    assert promise is not None and (promise.minutes, promise.minutes_high) == (60, 60)
    assert figs.figure("resolution.kept_share").target is not None


def test_breakdowns_trends_and_the_backlog(db: Session, h: History) -> None:
    figs = admin_figures(db, h)
    volumes = figs.section("volumes")
    by_channel = {r.value: r.count for r in volumes.breakdowns[0].rows}
    assert by_channel == {"web": 4, "chat": 1, "email": 2, "phone": 1}
    by_topic = {r.value: r.count for r in volumes.breakdowns[1].rows}
    assert by_topic == {h.w.card_topic.slug: 5, h.w.loan_topic.slug: 3}
    scores = {r.value: r.count for r in figs.section("satisfaction").breakdowns[0].rows}
    assert scores == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    opened = figs.trend("cases.opened")
    assert tuple(p.value for p in opened.weekly) == OPENED_PER_WEEK
    assert opened.weekly[0].first == FIRST and opened.weekly[-1].last == LAST
    assert tuple(p.value for p in opened.monthly) == OPENED_PER_MONTH
    # Now: A and C resolved; the world's two cases, B, D, E, F, G and H active.
    assert figs.figure("backlog.active").value == 8
    assert figs.figure("backlog.waiting_on_customer").value == 0
    ages = {r.value: r.count for r in figs.section("backlog").breakdowns[0].rows}
    assert ages == {"0-1": 1, "1-3": 1, "3-7": 1, "7-30": 5, "30-": 0}
    assert figs.figure("backlog.first_response_overdue").value == 1  # G
    assert figs.figure("backlog.six_months").value == 0
    assert [c.comment for c in figs.comments] == ["Bra hjälp"]


def test_a_local_day_is_a_local_day_across_the_change_of_the_clocks(
    db: Session, h: History
) -> None:
    admin = factories.actor(db, h.w.admin)
    short_day = followup.figures(db, admin, Filters(date(2026, 3, 29), date(2026, 3, 29)), NOW)
    assert short_day.figure("cases.opened").value == 1  # B at 00:30 local (23:30Z the day before)
    monday = followup.figures(db, admin, Filters(date(2026, 3, 30), date(2026, 3, 30)), NOW)
    assert monday.figure("cases.opened").value == 1  # C at 00:30 local (22:30Z on the 29th)
    assert monday.figure("resolution.resolved").value == 2  # A and C
    assert monday.figure("cases.opened").count == 1


def test_filters_narrow_the_figures(db: Session, h: History) -> None:
    cards = admin_figures(db, h, topic=h.w.card_topic.slug)
    assert cards.figure("cases.opened").value == 5
    assert cards.figure("selfservice.conversations").value == 2  # by topic only
    loans_team = admin_figures(db, h, team=h.w.loans.slug)
    assert loans_team.figure("cases.opened").value == 4  # B, D, E and H (handed over)
    assert loans_team.figure("consultations.decided").value == 0  # asked of cards
    cards_team = admin_figures(db, h, team=h.w.cards.slug)
    assert cards_team.figure("consultations.decided").value == 2
    web = admin_figures(db, h, channel=Channel.web)
    assert web.figure("cases.opened").value == 4
    assert web.figure("selfservice.conversations").value == 4  # not by channel
    none = admin_figures(db, h, topic="-")
    assert none.figure("cases.opened").value == 0


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


def test_rolled_days_and_live_days_give_the_same_figures(db: Session, h: History) -> None:
    live = {name: _everything(admin_figures(db, h, **kw)) for name, kw in FILTERS(h).items()}
    rolled = roll_days(
        session=db, actor=SYSTEM, first=date(2026, 3, 1), last=LAST - timedelta(1), now=NOW
    )
    assert rolled > 0
    for name, kw in FILTERS(h).items():
        assert _everything(admin_figures(db, h, **kw)) == live[name], name
    figs = admin_figures(db, h)
    assert figs.rolled_through == LAST - timedelta(days=1)


def FILTERS(h: History) -> dict[str, dict[str, Any]]:
    return {
        "all": {},
        "team": {"team": h.w.loans.slug},
        "topic": {"topic": h.w.card_topic.slug},
        "no topic": {"topic": "-"},
        "channel": {"channel": Channel.web},
        "team and topic": {"team": h.w.cards.slug, "topic": h.w.card_topic.slug},
    }


def test_todays_count_reused_by_a_process_filters_like_the_database(
    db: Session, h: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With NARA_FOLLOWUP_LIVE_SECONDS, today is counted once for every key and each
    filter takes its rows in Python: the same figures as counting for the filter."""
    yesterday = LAST - timedelta(days=1)
    roll_days(session=db, actor=SYSTEM, first=date(2026, 3, 18), last=yesterday, now=NOW)
    fresh = {name: _everything(admin_figures(db, h, **kw)) for name, kw in FILTERS(h).items()}
    monkeypatch.setenv("NARA_FOLLOWUP_LIVE_SECONDS", "60")
    reset_settings()
    forget_live_counts()
    try:
        for name, kw in FILTERS(h).items():
            assert _everything(admin_figures(db, h, **kw)) == fresh[name], name
        # Reused within the minute: a case opened meanwhile is counted a minute later.
        before = admin_figures(db, h).figure("cases.opened").value
        with clock.frozen_at(NOW):
            factories.case(db, the_customer=h.w.alice, the_topic=h.w.card_topic)
        assert admin_figures(db, h).figure("cases.opened").value == before
        later = NOW + timedelta(seconds=61)
        figs = followup.figures(db, factories.actor(db, h.w.admin), period(), later)
        assert figs.figure("cases.opened").value == (before or 0) + 1
    finally:
        monkeypatch.delenv("NARA_FOLLOWUP_LIVE_SECONDS")
        reset_settings()
        forget_live_counts()


def test_rolling_again_writes_the_same_rows(db: Session, h: History) -> None:
    def rows() -> Counter[tuple[Any, ...]]:
        return Counter(tuple(r) for r in db.execute(select(FollowupDaily.__table__)).all())

    roll_days(session=db, actor=SYSTEM, first=FIRST, last=LAST, now=NOW)
    first = rows()
    roll_days(session=db, actor=SYSTEM, first=FIRST, last=LAST, now=NOW)
    roll_days(session=db, actor=SYSTEM, first=date(2026, 3, 30), last=date(2026, 4, 2), now=NOW)
    assert rows() == first
    assert db.scalar(select(func.count()).select_from(FollowupDaily)) == sum(first.values())


def test_the_plan_rolls_new_days_and_the_last_eight_again(db: Session, h: History) -> None:
    plan = plan_rollup(db, now=NOW)
    assert plan.full and plan.chunks[0][0] == date(2026, 3, 18)
    assert plan.chunks[-1][1] == LAST - timedelta(days=1)
    roll_days(session=db, actor=SYSTEM, first=date(2026, 3, 18), last=date(2026, 4, 7), now=NOW)
    later = NOW + timedelta(days=3)
    again = plan_rollup(db, now=later)
    assert not again.full
    assert again.chunks == ((date(2026, 4, 3), date(2026, 4, 10)),)


def test_each_figure_drills_down_to_exactly_its_items(db: Session, h: History) -> None:
    admin = factories.actor(db, h.w.admin)
    figs = followup.figures(db, admin, period(), NOW)
    counts = {f.metric: f.count for s in figs.sections for f in s.figures if f.metric}
    personal = followup.personal_figures(db, factories.actor(db, h.w.card_agent), period(), NOW)
    card_counts = {f.metric: f.count for f in personal.figures if f.metric}
    checked = 0
    for key in METRICS:
        viewer, expected = admin, counts.get(key)
        if key.startswith("mine."):
            viewer, expected = factories.actor(db, h.w.card_agent), card_counts.get(key)
        if expected is None:
            continue
        items = _all_items(db, viewer, period(), key)
        assert len(items) == expected, key
        assert len({(i.kind, i.id) for i in items}) == len(items), key
        checked += 1
    assert checked >= 40
    # The breakdowns' rows drill down too.
    for section in figs.sections:
        for b in section.breakdowns:
            for row in b.rows:
                filters = replace(period(), **_as_filters(row.filters))
                assert len(_all_items(db, admin, filters, row.metric)) == row.count, row


def _as_filters(params: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(params)
    if "channel" in out:
        out["channel"] = Channel(out["channel"])
    return out


def _all_items(db: Session, viewer: Any, filters: Filters, metric: str) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = followup.drilldown(db, viewer, filters, metric, cursor, 2, now=NOW)
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def test_rolled_figures_drill_down_to_the_same_items(db: Session, h: History) -> None:
    yesterday = LAST - timedelta(days=1)
    roll_days(session=db, actor=SYSTEM, first=date(2026, 3, 18), last=yesterday, now=NOW)
    figs = admin_figures(db, h)
    admin = factories.actor(db, h.w.admin)
    for key in ("cases.opened", "kkik.late", "first_response.missed", "csat.rated"):
        assert len(_all_items(db, admin, period(), key)) == figs.figure(key).count


def test_agents_follow_up_their_own_teams(db: Session, h: History) -> None:
    loan_agent = factories.actor(db, h.w.loan_agent)
    mine = followup.figures(db, loan_agent, period(), NOW)
    assert mine.team_ids == frozenset({h.w.loans.id})
    assert mine.figure("cases.opened").value == 4
    with pytest.raises(PermissionDenied):
        followup.figures(db, loan_agent, period(team=h.w.cards.slug), NOW)
    customer = factories.actor(db, h.w.alice_user)
    with pytest.raises(PermissionDenied):
        followup.figures(db, customer, period(), NOW)
    with pytest.raises(PermissionDenied):
        followup.drilldown(db, customer, period(), "cases.opened", None, 10, now=NOW)
    with pytest.raises(ValidationFailed):
        followup.figures(db, loan_agent, period(team="no-such-team"), NOW)


def test_the_drilldown_never_lists_a_case_the_viewer_may_not_read(db: Session, h: History) -> None:
    lead = factories.actor(db, h.w.card_lead)  # a lead of cards reads every team's figures
    figs = followup.figures(db, lead, period(), NOW)
    assert figs.figure("cases.opened").value == 8
    page = followup.drilldown(db, lead, period(), "cases.opened", None, 100, now=NOW)
    listed = {i.case.number for i in page.items if i.case is not None}
    # cards' cases (A, C, F, G), and D and E on which cards was consulted
    assert listed == {h.cases[n].number for n in ("A", "C", "D", "E", "F", "G")}
    assert all(i.case is not None for i in page.items)
    assert page.left_out == 2  # B and H (handed over to loans): counted, not listed
    agent = factories.actor(db, h.w.card_agent)  # handed H over: reads it still
    page = followup.drilldown(db, agent, period(), "cases.opened", None, 100, now=NOW)
    assert h.cases["H"].number not in {i.case.number for i in page.items if i.case}
    assert page.left_out == 0  # an agent's figures are their teams' (H is loans' now)
    backlog = followup.drilldown(db, lead, period(), "backlog.active", None, 100, now=NOW)
    assert backlog.left_out == 3  # the world's loans case, B and H
    assert len(backlog.items) == 5
    consulted = followup.drilldown(db, lead, period(), "consultations.decided", None, 100, now=NOW)
    assert consulted.left_out == 0  # D and E: cards was consulted, so cards reads them


def test_unknown_metric_and_bad_limits_are_refused(db: Session, h: History) -> None:
    admin = factories.actor(db, h.w.admin)
    with pytest.raises(ValidationFailed):
        followup.drilldown(db, admin, period(), "cases.everything", None, 10, now=NOW)
    with pytest.raises(ValidationFailed):
        followup.drilldown(db, admin, period(), "cases.opened", None, 0, now=NOW)
    with pytest.raises(ValidationFailed):
        followup.drilldown(db, admin, period(), "cases.opened", "not-a-cursor", 10, now=NOW)
