"""The follow-up's pure parts: duration buckets and quantiles, local days and working
days, and parsing the filters (issue 16)."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from nara.domain.errors import ValidationFailed
from nara.followup import histogram
from nara.followup.days import add_months, day_facts, is_working_day, next_working_day
from nara.followup.filters import MAX_DAYS, NO_TOPIC, parse_filters
from nara.followup.metrics import METRICS, metric
from nara.models import Channel

ZONE = "Europe/Stockholm"
TODAY = date(2026, 4, 8)


def test_buckets_are_at_most_ten_per_cent_wide_from_ten_seconds() -> None:
    t = histogram.THRESHOLDS
    assert t[:10] == tuple(range(1, 11))
    assert all(b / a <= histogram.RATIO for a, b in itertools.pairwise(t[9:]))
    assert histogram.bucket(0) == 0 and histogram.bucket(-5) == 0
    assert histogram.bucket(1) == 1 and histogram.bucket(10) == 10
    assert histogram.bucket(60) == histogram.bucket(60.0)
    assert histogram.MAX_RELATIVE_ERROR < 0.05


@pytest.mark.parametrize("seed", range(20))
def test_quantiles_from_buckets_are_within_five_per_cent_of_the_nearest_rank(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(math.log(3600), 1.5) + 10 for _ in range(rng.randint(1, 400))]
    counts = Counter(histogram.bucket(v) for v in values)
    for q in (0.5, 0.9):
        exact = sorted(values)[max(1, math.ceil(q * len(values))) - 1]
        estimate = histogram.quantile(counts, q)
        assert estimate is not None
        assert abs(estimate - exact) <= histogram.MAX_RELATIVE_ERROR * exact


def test_histograms_add_up_through_their_text() -> None:
    a, b = Counter({3: 2, 40: 1}), Counter({40: 4, 100: 1})
    assert histogram.merge([histogram.encode(a), histogram.encode(b), None, ""]) == a + b
    assert histogram.quantile(Counter(), 0.5) is None


def test_local_days_know_the_changes_of_the_clocks() -> None:
    short = day_facts(date(2026, 3, 29), ZONE)
    assert short.ends_at - short.starts_at == timedelta(hours=23)
    long = day_facts(date(2026, 10, 25), ZONE)
    assert long.ends_at - long.starts_at == timedelta(hours=25)
    assert short.starts_at == datetime(2026, 3, 28, 23, tzinfo=UTC)


def test_working_days_skip_weekends_and_swedish_holidays() -> None:
    assert not is_working_day(date(2026, 4, 3), ZONE)  # Good Friday
    assert not is_working_day(date(2026, 4, 6), ZONE)  # Easter Monday
    assert not is_working_day(date(2026, 6, 19), ZONE)  # midsommarafton
    assert next_working_day(date(2026, 4, 2), ZONE) == date(2026, 4, 7)
    thursday = day_facts(date(2026, 4, 2), ZONE)  # answer by Tuesday, the same time
    assert thursday.shift_seconds == 5 * 86400 and thursday.deadline is None
    saturday = day_facts(date(2026, 3, 28), ZONE)  # by the end of Monday
    assert saturday.shift_seconds is None
    assert saturday.deadline == datetime(2026, 3, 30, 22, tzinfo=UTC)


def test_months_are_clamped() -> None:
    assert add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), 6) == date(2026, 7, 15)


def test_filters_default_to_the_last_thirty_days() -> None:
    f = parse_filters({}, today=TODAY)
    assert (f.first, f.last) == (TODAY - timedelta(days=29), TODAY)
    g = parse_filters({"from": "2026-01-01", "channel": "web", "topic": "-"}, today=TODAY)
    assert g.first == date(2026, 1, 1) and g.channel == Channel.web and g.topic == NO_TOPIC
    assert g.as_params()["channel"] == "web"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-04-09", "to": "2026-04-08"}, "from"),
        ({"from": "1976-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "den första"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"channel": "brevduva"}, "channel"),
        ({"priority": "asap"}, "priority"),
        ({"team": "Not A Slug"}, "team"),
        ({"topic": "Ämne"}, "topic"),
        ({"teams": "cards"}, "teams"),
    ],
)
def test_bad_filters_are_refused_with_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_filters(params, today=TODAY)
    assert refused.value.field == field


def test_five_years_is_the_longest_period() -> None:
    last = TODAY
    first = last - timedelta(days=MAX_DAYS - 1)
    assert parse_filters({"from": first.isoformat(), "to": last.isoformat()}, today=TODAY)
    with pytest.raises(ValidationFailed):
        parse_filters(
            {"from": (first - timedelta(days=1)).isoformat(), "to": last.isoformat()},
            today=TODAY,
        )


def test_unknown_metrics_are_refused_naming_them() -> None:
    assert metric("cases.opened").item == "case"
    with pytest.raises(ValidationFailed) as refused:
        metric("cases.all")
    assert "cases.all" in refused.value.detail
    assert len(METRICS) > 40


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_days_add_up_per_week_and_month_as_one_by_one(seed: int) -> None:
    """The arrays' sums per week and month (numpy) equal the days added up one by one:
    counters, the smallest and largest promise (absent on some days) and histograms."""
    from types import SimpleNamespace

    from nara.models.followup import BOUNDS, COUNTERS
    from nara.queries.followup_rows import Batch, Groups

    rng = random.Random(seed)
    first = date(2026, 1, 1)
    rows, days = [], []
    for n in range(rng.randint(40, 120)):
        day = first + timedelta(days=rng.randint(0, 100))
        values: dict[str, object] = {c: rng.choice([0, rng.randint(0, 500)]) for c in COUNTERS}
        values.update({b: rng.choice([None, rng.randint(1, 5000)]) for b in BOUNDS})
        for column in ("fr_buckets", "res_buckets"):
            counts = {
                rng.randrange(histogram.BUCKETS): rng.randint(1, 9)
                for _ in range(rng.randint(0, 30))
            }
            values[column] = histogram.encode(counts) or rng.choice([None, ""])
        values["day"] = day if n % 7 else None  # live rows: read by position of ``days``
        rows.append(SimpleNamespace(**values))
        days.append(day)
    groups = Groups()
    half = len(rows) // 2  # in two batches, as rolled and live days are
    groups.add_batch(Batch(rows[:half], days[:half]))
    groups.add_batch(Batch(rows[half:], days[half:]))
    groups.add_batch(Batch([], []))

    for key_of, found in (
        (lambda d: d - timedelta(days=d.weekday()), groups.weeks),
        (lambda d: d.replace(day=1), groups.months),
    ):
        expected: dict[date, list[object]] = {}
        for row, day in zip(rows, days, strict=True):
            expected.setdefault(key_of(day), []).append(row)
        assert set(found) == set(expected)
        for key, members in expected.items():
            tally = found[key]
            for c in COUNTERS:
                assert tally[c] == sum(getattr(r, c) for r in members), c
            for b in BOUNDS:
                present = [getattr(r, b) for r in members if getattr(r, b) is not None]
                kind = b[:-3]
                side = tally.lows if b.endswith("_lo") else tally.highs
                want = (min if b.endswith("_lo") else max)(present) if present else None
                assert side.get(kind) == want, b
            assert tally.fr == dict(histogram.merge(r.fr_buckets for r in members))
            assert tally.res == dict(histogram.merge(r.res_buckets for r in members))
    assert groups.total["opened"] == sum(r.opened for r in rows)


def test_the_late_messages_index_names_the_kkik_channels() -> None:
    """The partial index the drill-down of late messages reads holds the channels the
    figure counts (a channel added to one and not the other would hide late messages)."""
    from nara.models.cases import KKIK_MAYBE_LATE_PREDICATE, KKIK_PREDICATE
    from nara.queries.followup_facts import KKIK_CHANNELS, MIN_WORKING_DAY_SECONDS

    listed = ", ".join(f"'{c}'" for c in KKIK_CHANNELS)
    assert f"channel IN ({listed})" == KKIK_PREDICATE
    assert KKIK_MAYBE_LATE_PREDICATE.startswith(KKIK_PREDICATE)
    assert f"interval '{MIN_WORKING_DAY_SECONDS // 3600} hours'" in KKIK_MAYBE_LATE_PREDICATE
    two_years = (date(2026, 1, 1) + timedelta(days=i) for i in range(730))
    shifts = [day_facts(d, "Europe/Stockholm").shift_seconds for d in two_years]
    shortest = min(s for s in shifts if s is not None)
    assert shortest >= MIN_WORKING_DAY_SECONDS
