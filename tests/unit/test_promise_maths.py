"""Business calendars and response promises: pure maths, no database, no clock."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nara.promises.calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    NoOpenHours,
    format_hours,
    parse_hours,
)
from nara.promises.maths import (
    Pause,
    PromiseState,
    due_at,
    pauses_from_statuses,
    state,
)

STHLM = ZoneInfo("Europe/Stockholm")
CAL = BusinessCalendar()  # Mon-Fri 08-17 Stockholm, Swedish holidays
H = 3600.0


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=STHLM)


def test_within_one_day() -> None:
    # Tuesday 2026-11-24 09:00 + 2 h = 11:00
    assert CAL.add_business_seconds(local(2026, 11, 24, 9), 2 * H) == local(2026, 11, 24, 11)


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    # Friday 16:00 + 2 h: one hour on Friday, one on Monday 08:00-09:00
    start = local(2026, 11, 27, 16)
    assert CAL.add_business_seconds(start, 2 * H) == local(2026, 11, 30, 9)
    assert CAL.business_seconds(start, local(2026, 11, 30, 9)) == 2 * H


def test_closed_moment_starts_counting_at_next_opening() -> None:
    assert CAL.next_open(local(2026, 11, 28, 12)) == local(2026, 11, 30, 8)  # Saturday
    assert CAL.add_business_seconds(local(2026, 11, 24, 6), H) == local(2026, 11, 24, 9)
    assert CAL.add_business_seconds(local(2026, 11, 24, 18), H) == local(2026, 11, 25, 9)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 4, 3),  # långfredagen
        date(2026, 4, 6),  # annandag påsk
        date(2026, 5, 1),  # första maj
        date(2026, 5, 14),  # Kristi himmelsfärdsdag
        date(2026, 6, 19),  # midsommarafton (de facto)
        date(2026, 12, 24),  # julafton (de facto)
        date(2026, 12, 31),  # nyårsafton (de facto)
        date(2027, 1, 6),  # trettondedag jul
    ],
)
def test_swedish_holidays_are_closed(day: date) -> None:
    assert CAL.is_closed_day(day)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=STHLM)
    assert not CAL.is_open(noon)


def test_easter_weekend_is_skipped() -> None:
    # Thursday 2026-04-02 16:00 + 3 h: 1 h Thursday, then Good Friday, the weekend and
    # Easter Monday are closed: 2 h on Tuesday 2026-04-07.
    assert CAL.add_business_seconds(local(2026, 4, 2, 16), 3 * H) == local(2026, 4, 7, 10)


def test_christmas_week() -> None:
    # Wed 2026-12-23 16:30 + 1 h: 30 min that day, then 24th (julafton), 25th, 26th,
    # the weekend: Monday 28th 08:30.
    assert CAL.add_business_seconds(local(2026, 12, 23, 16, 30), H) == local(2026, 12, 28, 8, 30)


def test_daylight_saving_days_keep_wall_clock_hours() -> None:
    # Summer time starts Sunday 2026-03-29; Monday 08:00 is 06:00 UTC, Friday before 07:00 UTC.
    fri = CAL.day_intervals(date(2026, 3, 27))
    mon = CAL.day_intervals(date(2026, 3, 30))
    assert fri[0][0] == datetime(2026, 3, 27, 7, tzinfo=UTC)
    assert mon[0][0] == datetime(2026, 3, 30, 6, tzinfo=UTC)
    assert (mon[0][1] - mon[0][0]) == timedelta(hours=9)
    # A 24/7 calendar has a 23-hour day when the clocks go forward.
    always = BusinessCalendar(hours=ALWAYS_OPEN, holiday_country=None)
    day = local(2026, 3, 29)
    assert always.business_seconds(day, day + timedelta(days=1)) == 23 * H


def test_closed_dates_and_no_holidays() -> None:
    extra = BusinessCalendar(closed_dates=frozenset({date(2026, 11, 30)}))
    assert extra.add_business_seconds(local(2026, 11, 27, 16), 2 * H) == local(2026, 12, 1, 9)
    plain = BusinessCalendar(holiday_country=None)
    assert plain.is_open(local(2026, 12, 24, 12))


def test_business_seconds_is_antisymmetric_and_additive() -> None:
    a, b, c = local(2026, 11, 20, 15), local(2026, 11, 24, 10), local(2026, 12, 2, 16)
    assert CAL.business_seconds(b, a) == -CAL.business_seconds(a, b)
    total = CAL.business_seconds(a, c)
    assert total == CAL.business_seconds(a, b) + CAL.business_seconds(b, c)
    assert CAL.add_business_seconds(a, total) == c


def test_calendar_without_open_hours_is_an_error() -> None:
    closed = BusinessCalendar(hours=((),) * 7)
    with pytest.raises(NoOpenHours):
        closed.add_business_seconds(local(2026, 11, 24, 9), H)
    assert closed.business_seconds(local(2026, 11, 24), local(2026, 12, 24)) == 0


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="seven"):
        BusinessCalendar(hours=((),) * 6)
    with pytest.raises(ValueError, match="interval"):
        BusinessCalendar(hours=(((600, 500),),) + ((),) * 6)
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar(hours=(((480, 720), (700, 800)),) + ((),) * 6)
    with pytest.raises(KeyError):
        BusinessCalendar(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="naive"):
        CAL.add_business_seconds(datetime(2026, 11, 24, 9), H)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_business_seconds(local(2026, 11, 24, 9), -1)


def test_parse_and_format_hours() -> None:
    assert parse_hours("08:00-12:00, 13:00-17:00") == ((480, 720), (780, 1020))
    assert parse_hours("") == ()
    assert parse_hours("00:00-24:00") == ((0, 1440),)
    assert format_hours(((480, 720), (780, 1020))) == "08:00-12:00, 13:00-17:00"
    for bad in ("8-17", "17:00-08:00", "08:00-25:00", "08:60-09:00", "08:00-12:00,11:00-13:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_due_without_pauses() -> None:
    assert due_at(CAL, local(2026, 11, 27, 16), 2 * H) == local(2026, 11, 30, 9)


def test_pause_moves_the_due_time_by_its_business_time() -> None:
    start = local(2026, 11, 24, 9)  # Tuesday
    # waiting on the customer 10:00-14:00 (4 business hours) with an 8-hour budget:
    pauses = [Pause(local(2026, 11, 24, 10), local(2026, 11, 24, 14))]
    # 1 h before the pause, 3 h after it on Tuesday (14-17), 4 h on Wednesday -> 12:00
    assert due_at(CAL, start, 8 * H, pauses) == local(2026, 11, 25, 12)
    # a pause that starts after the budget ran out changes nothing
    late = [Pause(local(2026, 11, 26, 9), local(2026, 11, 26, 12))]
    assert due_at(CAL, start, 8 * H, late) == local(2026, 11, 24, 17)
    # an open pause stops the clock
    assert due_at(CAL, start, 8 * H, [Pause(local(2026, 11, 24, 10), None)]) is None


def test_pauses_from_statuses() -> None:
    t = [local(2026, 11, 24, h) for h in range(9, 14)]
    changes = [
        (t[0], "open"),
        (t[1], "waiting_on_customer"),
        (t[2], "waiting_on_customer"),
        (t[3], "open"),
        (t[4], "waiting_on_customer"),
    ]
    assert pauses_from_statuses(changes) == [Pause(t[1], t[3]), Pause(t[4], None)]


def test_zero_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        due_at(CAL, local(2026, 11, 24, 9), 0)


def test_states() -> None:
    due = local(2026, 11, 24, 17)
    kw = {"calendar": CAL, "budget_seconds": 8 * H, "paused": False}
    assert state(due=due, done_at=None, now=local(2026, 11, 24, 10), **kw) == PromiseState.ok
    assert state(due=due, done_at=None, now=local(2026, 11, 24, 15), **kw) == PromiseState.warning
    assert state(due=due, done_at=None, now=due, **kw) == PromiseState.breached
    assert state(due=due, done_at=local(2026, 11, 24, 12), now=due, **kw) == PromiseState.met
    assert state(due=due, done_at=local(2026, 11, 25, 12), now=due, **kw) == PromiseState.missed
    assert (
        state(calendar=CAL, due=None, budget_seconds=8 * H, done_at=None, paused=True,
              now=due) == PromiseState.paused
    )  # fmt: skip
    assert (
        state(calendar=CAL, due=None, budget_seconds=None, done_at=None, paused=False,
              now=due) == PromiseState.none
    )  # fmt: skip


def test_estimator_plays_the_queue_forward() -> None:
    from nara.promises.estimator import QueueSnapshot, expected_wait

    # two free agents, nobody ahead: only the time to the first reply
    snap = QueueSnapshot(ahead=0, working_elapsed=[None, None], mean_handle_seconds=600,
                         mean_first_reply_seconds=120)  # fmt: skip
    assert expected_wait(snap).seconds == 120
    # two free agents, three ahead: agents take cases 1 and 2 at 0, case 3 at 600,
    # this case at 600 (second agent) -> 600 + 120
    snap = QueueSnapshot(ahead=3, working_elapsed=[None, None], mean_handle_seconds=600,
                         mean_first_reply_seconds=120)  # fmt: skip
    assert expected_wait(snap).seconds == 720
    # one agent 500 s into a case: free in 100 s, then one case ahead (600 s)
    snap = QueueSnapshot(ahead=1, working_elapsed=[500], mean_handle_seconds=600,
                         mean_first_reply_seconds=60)  # fmt: skip
    assert expected_wait(snap).seconds == 100 + 600 + 60
    # an agent over the mean still needs a remainder
    snap = QueueSnapshot(ahead=0, working_elapsed=[5000], mean_handle_seconds=600,
                         mean_first_reply_seconds=0)  # fmt: skip
    assert expected_wait(snap).seconds == 90
    # nobody available: assumed one agent halfway through something
    snap = QueueSnapshot(ahead=2, working_elapsed=[], mean_handle_seconds=600,
                         mean_first_reply_seconds=60)  # fmt: skip
    result = expected_wait(snap)
    assert (result.seconds, result.basis) == (300 + 1200 + 60, "no_agents")
    # more agents, shorter wait (monotone)
    waits = [
        expected_wait(
            QueueSnapshot(
                ahead=10,
                working_elapsed=[None] * n,
                mean_handle_seconds=600,
                mean_first_reply_seconds=60,
            )
        ).seconds
        for n in (1, 2, 4, 8)
    ]
    assert waits == sorted(waits, reverse=True)
    with pytest.raises(ValueError):
        expected_wait(QueueSnapshot(ahead=-1, working_elapsed=[], mean_handle_seconds=600,
                                    mean_first_reply_seconds=60))  # fmt: skip


@pytest.mark.parametrize(
    "calendar",
    [
        BusinessCalendar(),
        BusinessCalendar(hours=ALWAYS_OPEN),
        BusinessCalendar(timezone="America/New_York", closed_dates=frozenset({date(2026, 3, 3)})),
        BusinessCalendar(holiday_country=None, hours=(((0, 60), (600, 1440)),) * 7),
    ],
)
def test_long_spans_sum_whole_days_exactly_like_the_intervals(calendar: BusinessCalendar) -> None:
    """Spans of months (overdue cases) are summed from per-year running totals; the
    result is the same, to the second, as adding up every open interval."""
    import random

    rng = random.Random(7)
    for _ in range(400):
        start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        span = rng.choice([rng.randrange(-900, 900), rng.randrange(-10, 10)]) * 86400
        end = start + timedelta(seconds=span + rng.randrange(86400))
        lo, hi = min(start, end), max(start, end)
        by_intervals = sum((b - a).total_seconds() for a, b in calendar.intervals(lo, hi))
        expected = by_intervals if end >= start else -by_intervals
        assert calendar.business_seconds(start, end) == pytest.approx(expected, abs=1e-6)


def test_estimator_uses_the_spread_of_handling_times() -> None:
    from nara.promises.estimator import QueueSnapshot, expected_wait, remaining_seconds

    # without a spread the plain rule: the mean less the time spent, at least 15 %
    assert remaining_seconds(500, 600) == 100
    assert remaining_seconds(5000, 600) == 90
    assert remaining_seconds(None, 600, 0.45) == 0
    # with a spread (log-normal): a member at the mean still needs a good part of it,
    # and one far past the mean is on a long case, not almost done
    at_mean = remaining_seconds(600, 600, 0.45)
    assert 200 < at_mean < 400
    assert remaining_seconds(1200, 600, 0.45) > remaining_seconds(900, 600, 0.45) > 90
    assert remaining_seconds(100, 600, 0.45) == pytest.approx(500, rel=0.05)

    def queue(
        ahead: int = 0,
        working_elapsed: list[float | None] | None = None,
        returning_in: list[float] | None = None,
    ) -> QueueSnapshot:
        return QueueSnapshot(
            ahead=ahead,
            working_elapsed=[None] if working_elapsed is None else working_elapsed,
            returning_in=returning_in or [],
            mean_handle_seconds=600,
            mean_first_reply_seconds=200,
            handle_log_sd=0.45,
        )

    def wait(
        ahead: int = 0,
        working_elapsed: list[float | None] | None = None,
        returning_in: list[float] | None = None,
    ) -> float:
        return expected_wait(queue(ahead, working_elapsed, returning_in)).seconds

    # a free member takes the case at once: the median of the time to the first reply
    # (below its mean), and only that part runs on past closing
    free = expected_wait(queue())
    assert free.seconds == free.reply_seconds == pytest.approx(200 * math.exp(-(0.45**2) / 2))
    # the same queue gives the same answer (a fixed seed), and more ahead waits longer
    assert wait(ahead=3) == wait(ahead=3)
    waits = [wait(ahead=k, working_elapsed=[300, 900]) for k in (0, 1, 2, 5, 10)]
    assert waits == sorted(waits) and len(set(waits)) == len(waits)
    # two members busy: the case starts when the first is free, which is sooner than
    # either's expected remainder (the median of the earlier of two)
    two_busy = wait(working_elapsed=[300, 300]) - free.reply_seconds
    assert 0 < two_busy < remaining_seconds(300, 600, 0.45)
    # ten ahead, two members: about five handling times each
    assert wait(ahead=10, working_elapsed=[None, None]) == pytest.approx(5 * 600 + 180, rel=0.2)
    # a member away for 20 minutes is counted back in from then
    assert wait(working_elapsed=[], returning_in=[1200]) > 1200


def test_long_spans_add_up_to_every_open_interval_between() -> None:
    """Spans longer than a few days come from running totals: they must say what summing
    every open interval between the two instants says, across weekends, holidays, the
    daylight-saving changes and the turn of the year, with open hours past midnight."""
    rng = random.Random(11)
    late = BusinessCalendar(hours=(((480, 1440),),) * 5 + (((600, 840),), ()))
    begin = local(2025, 12, 1)
    for calendar in (CAL, late):
        for _ in range(300):
            start = begin + timedelta(minutes=rng.randrange(0, 60 * 24 * 500))
            end = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 120), seconds=rng.random())
            every = sum((b - a).total_seconds() for a, b in calendar.intervals(start, end))
            assert calendar.business_seconds(start, end) == pytest.approx(every, abs=1e-6)
            assert calendar.business_seconds(end, start) == pytest.approx(-every, abs=1e-6)
