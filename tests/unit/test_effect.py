"""The measured effect of an improvement (src/nara/improvements/effect.py, docs/effect.md):
pure statistics on daily counts, no database."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from nara.improvements import effect
from nara.improvements.effect import (
    DayCount,
    EffectEstimate,
    NotEnoughData,
    estimate_effect,
    weekly_counts,
    windows,
)

LIVE = date(2026, 3, 3)  # a Tuesday
READY = LIVE + timedelta(days=43)  # the first day after the 6-week after-window
WEEKDAY_TOTALS = (5000, 4400, 4000, 4000, 3800, 1400, 1200)  # Monday first


def history(
    *,
    rate: float = 0.015,
    effect_after: float = 0.0,
    seed: int = 1,
    total_after_factor: float = 1.0,
    weeks: int = 6,
    noise_cv: float = 0.1,
) -> list[DayCount]:
    """Days from 8 weeks before to 8 weeks after LIVE: totals with a weekday pattern, the
    driver's contacts Poisson with a gamma day factor, the rate multiplied by
    1 + ``effect_after`` after the live day and the totals by ``total_after_factor``."""
    rng = np.random.default_rng(seed)
    days = []
    for offset in range(-7 * (weeks + 2), 7 * (weeks + 2) + 1):
        day = LIVE + timedelta(days=offset)
        total = WEEKDAY_TOTALS[day.weekday()] * (total_after_factor if offset > 0 else 1.0)
        total = int(rng.poisson(total))
        expected = total * rate * (1 + effect_after if offset > 0 else 1.0)
        linked = int(rng.poisson(expected * rng.gamma(1 / noise_cv**2, noise_cv**2)))
        days.append(DayCount(day=day, linked=linked, total=total))
    return days


def test_a_known_drop_is_found_with_an_interval_holding_the_truth() -> None:
    estimate = estimate_effect(history(effect_after=-0.38), LIVE, today=READY)
    assert estimate.significant
    assert estimate.ci_low <= -0.38 <= estimate.ci_high
    assert abs(estimate.relative_change + 0.38) < 0.05
    assert estimate.ci_high < 0  # the whole interval is a fall
    assert estimate.before_rate == pytest.approx(15, rel=0.05)  # per 1,000 contacts
    assert estimate.after_rate == pytest.approx(15 * 0.62, rel=0.05)
    assert estimate.method == effect.METHOD
    assert estimate.days_before == estimate.days_after == 42
    details = estimate.details()
    assert details["linked_before"] == estimate.linked_before > 1000


def test_a_rise_is_found_too() -> None:
    estimate = estimate_effect(history(effect_after=0.25, seed=2), LIVE, today=READY)
    assert estimate.significant and estimate.ci_low <= 0.25 <= estimate.ci_high
    assert estimate.ci_low > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_effect_gives_no_verdict_of_change(seed: int) -> None:
    estimate = estimate_effect(history(seed=seed), LIVE, today=READY)
    assert not estimate.significant
    assert estimate.ci_low < 0 < estimate.ci_high
    assert abs(estimate.relative_change) < 0.05
    verdict = effect.verdict(estimate, driver="Kort", change="SMS", live_at=LIVE)
    assert verdict.template == effect.NO_CHANGE


def test_a_change_in_total_volume_alone_is_no_effect() -> None:
    """All contacts fall by 40 % after the live day (a quiet season): the driver's count
    falls as much, its rate per 1,000 contacts does not, and no effect is declared."""
    days = history(total_after_factor=0.6, seed=4)
    before = sum(d.linked for d in days if LIVE - timedelta(days=42) <= d.day < LIVE)
    after = sum(d.linked for d in days if LIVE < d.day <= LIVE + timedelta(days=42))
    assert after < 0.7 * before  # the raw count fell a lot
    estimate = estimate_effect(days, LIVE, today=READY)
    assert not estimate.significant
    assert abs(estimate.relative_change) < 0.05
    rising = estimate_effect(history(total_after_factor=1.5, seed=5), LIVE, today=READY)
    assert not rising.significant


def test_the_after_window_must_have_passed() -> None:
    days = history()
    for today in (LIVE, LIVE + timedelta(days=20), LIVE + timedelta(days=42)):
        with pytest.raises(NotEnoughData) as caught:
            estimate_effect(days, LIVE, today=today)
        assert caught.value.reason == effect.AFTER_WINDOW_NOT_PASSED
        assert caught.value.params == {"date": READY, "weeks": 6}
    assert estimate_effect(days, LIVE, today=READY).days_after == 42
    with pytest.raises(NotEnoughData) as caught:
        estimate_effect(days, LIVE, weeks_after=8, today=READY)
    assert caught.value.params["date"] == LIVE + timedelta(days=57)


def test_too_few_contacts_is_not_enough_data() -> None:
    days = history(rate=0.0001)  # about 15 driver contacts in six weeks
    with pytest.raises(NotEnoughData) as caught:
        estimate_effect(days, LIVE, today=READY)
    assert caught.value.reason == effect.TOO_FEW_CONTACTS
    assert caught.value.params["minimum"] == effect.MIN_LINKED_BEFORE
    assert caught.value.params["count"] < effect.MIN_LINKED_BEFORE
    none = [DayCount(d.day, 0, d.total) for d in history()]  # an all-zero history
    with pytest.raises(NotEnoughData) as caught:
        estimate_effect(none, LIVE, today=READY)
    assert caught.value.reason == effect.TOO_FEW_CONTACTS
    assert caught.value.params["count"] == 0


def test_a_short_history_or_empty_days_are_not_enough_data() -> None:
    recent = [d for d in history() if d.day >= LIVE - timedelta(days=14)]  # 2 weeks before
    with pytest.raises(NotEnoughData) as caught:
        estimate_effect(recent, LIVE, today=READY)
    assert caught.value.reason == effect.TOO_FEW_DAYS
    with pytest.raises(NotEnoughData) as caught:
        estimate_effect([], LIVE, today=READY)
    assert caught.value.reason == effect.TOO_FEW_DAYS


def test_days_without_contacts_are_dropped_and_closed_weekends_are_fine() -> None:
    days = [
        DayCount(d.day, 0, 0) if d.day.weekday() >= 5 else d
        for d in history(effect_after=-0.3, seed=6)
    ]
    estimate = estimate_effect(days, LIVE, today=READY)
    assert estimate.days_before == estimate.days_after == 30
    assert estimate.ci_low <= -0.3 <= estimate.ci_high


def test_only_the_windows_count_and_not_the_live_day() -> None:
    days = history(seed=7)
    base = estimate_effect(days, LIVE, today=READY)
    noisy = [
        DayCount(d.day, d.total, d.total) if d.day == LIVE or abs((d.day - LIVE).days) > 42 else d
        for d in days
    ]
    assert estimate_effect(noisy, LIVE, today=READY) == base


def test_the_estimate_is_deterministic_and_order_free() -> None:
    days = history(effect_after=-0.2, seed=8)
    first = estimate_effect(days, LIVE, today=READY)
    assert estimate_effect(list(reversed(days)), LIVE, today=READY) == first
    assert estimate_effect(days, LIVE, today=READY + timedelta(days=30)) == first


def test_no_driver_contacts_after_the_change_is_a_measured_fall_of_all() -> None:
    days = [DayCount(d.day, 0, d.total) if d.day > LIVE else d for d in history(rate=0.002)]
    estimate = estimate_effect(days, LIVE, today=READY)
    assert estimate.relative_change == -1.0 and estimate.significant
    assert estimate.method == effect.EXACT_METHOD
    assert -1.0 == estimate.ci_low < estimate.ci_high < -0.9
    assert estimate.after_rate == 0


def test_windows_are_configurable_and_checked() -> None:
    days = history(weeks=8, effect_after=-0.3, seed=9)
    estimate = estimate_effect(days, LIVE, weeks_before=8, weeks_after=4, today=READY)
    assert estimate.days_before == 56 and estimate.days_after == 28
    assert estimate.ci_low <= -0.3 <= estimate.ci_high
    for weeks in (0, 53):
        with pytest.raises(ValueError, match="weeks_before"):
            estimate_effect(days, LIVE, weeks_before=weeks, today=READY)


@pytest.mark.parametrize(
    "bad",
    [
        [DayCount(LIVE, 1, 10), DayCount(LIVE, 1, 10)],
        [DayCount(LIVE, 11, 10)],
        [DayCount(LIVE, -1, 10)],
    ],
)
def test_malformed_counts_are_refused(bad: list[DayCount]) -> None:
    with pytest.raises(ValueError):
        estimate_effect(bad, LIVE, today=READY)


def measured(change: float, low: float, high: float) -> EffectEstimate:
    return EffectEstimate(change, low, high, 15.0, 15.0 * (1 + change), low > 0 or high < 0, "m")


@pytest.mark.parametrize(
    ("estimate", "lang", "text"),
    [
        (
            measured(-0.38, -0.49, -0.25),
            "en",
            "Contacts about “card has not arrived” fell 38 % (95 % interval 25–49 %) "
            "after “delivery SMS” on 3 Mar 2026.",
        ),
        (
            measured(-0.38, -0.49, -0.25),
            "sv",
            "Kontakterna om ”card has not arrived” minskade med 38 % (95 %-intervall "
            "25–49 %) efter ”delivery SMS” den 2026-03-03.",
        ),
        (
            measured(0.124, 0.034, 0.22),
            "en",
            "Contacts about “card has not arrived” rose 12 % (95 % interval 3.4–22 %) "
            "after “delivery SMS” on 3 Mar 2026.",
        ),
        (
            measured(0.124, 0.034, 0.22),
            "sv",
            "Kontakterna om ”card has not arrived” ökade med 12 % (95 %-intervall "
            "3,4–22 %) efter ”delivery SMS” den 2026-03-03.",
        ),
        (
            measured(-0.03, -0.12, 0.06),
            "en",
            "No measurable change in contacts about “card has not arrived” after “delivery "
            "SMS” on 3 Mar 2026 (95 % interval −12 to +6 %).",
        ),
        (
            measured(-0.03, -0.12, 0.06),
            "sv",
            "Ingen mätbar förändring av kontakterna om ”card has not arrived” efter "
            "”delivery SMS” den 2026-03-03 (95 %-intervall −12 till +6 %).",
        ),
    ],
)
def test_verdicts_in_plain_words(estimate: EffectEstimate, lang: str, text: str) -> None:
    verdict = effect.verdict(
        estimate, driver="card has not arrived", change="delivery SMS", live_at=LIVE
    )
    assert verdict.text(lang) == text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_not_enough_data_in_plain_words(lang: str) -> None:
    with pytest.raises(NotEnoughData) as caught:
        estimate_effect(history(), LIVE, today=LIVE)
    text = effect.not_enough_data_verdict(caught.value, driver="Kort").text(lang)
    assert ("2026-04-15" if lang == "sv" else "15 Apr 2026") in text
    assert "6" in text and "%(" not in text
    with pytest.raises(NotEnoughData) as caught:
        estimate_effect(history(rate=0.0001), LIVE, today=READY)
    text = effect.not_enough_data_verdict(caught.value, driver="Kort").text(lang)
    assert "Kort" in text and "50" in text and "%(" not in text
    for reason in effect.REASON_MESSAGES:
        error = NotEnoughData(reason, "x", date=READY, weeks=6, count=3, minimum=50)
        assert "%(" not in effect.not_enough_data_verdict(error, driver="Kort").text(lang)


def test_the_typical_effect_for_the_ranked_list() -> None:
    assert effect.typical_effect([]) == effect.TYPICAL_EFFECT_DEFAULT == 0.25
    assert effect.typical_effect([-0.4, -0.1, -0.3]) == pytest.approx(0.3)
    assert effect.typical_effect([0.1, 0.2]) == 0.0  # no fall typically: nothing saved
    assert effect.typical_effect([float("nan")]) == 0.25


def test_contacts_in_waves_widen_the_interval() -> None:
    """Days are not independent when contacts come in waves (a batch of late cards brings
    contacts for a week): the interval is never narrower than the Newey-West one."""
    rng = np.random.default_rng(11)
    wave = 0.0
    days = []
    for d in history(seed=11, noise_cv=0.01):
        wave = 0.8 * wave + float(rng.normal(0, 0.15))
        days.append(DayCount(d.day, int(d.linked * np.exp(wave)), d.total))
    robust = estimate_effect(days, LIVE, today=READY)
    plain = effect._estimate(
        days, LIVE, weeks_before=6, weeks_after=6, today=READY, model="nb-model-se"
    )
    assert robust.relative_change == plain.relative_change
    assert robust.ci_high - robust.ci_low > 1.2 * (plain.ci_high - plain.ci_low)


def test_weekly_counts_follow_the_windows_and_leave_out_the_live_day() -> None:
    live = date(2026, 3, 4)  # a Wednesday
    span = windows(live, weeks_before=2, weeks_after=3)
    days = [
        DayCount(span.before_start + timedelta(days=k), linked=1, total=10)
        for k in range((span.after_end - span.before_start).days + 1)
        if k != 5  # a day without contacts is simply missing
    ]
    weeks = weekly_counts(days, span)
    assert [w.start for w in weeks] == [
        date(2026, 2, 18),
        date(2026, 2, 25),
        date(2026, 3, 5),
        date(2026, 3, 12),
        date(2026, 3, 19),
    ]
    assert [w.after for w in weeks] == [False, False, True, True, True]
    assert (weeks[0].linked, weeks[0].total) == (6, 60)
    assert (weeks[1].linked, weeks[1].total) == (7, 70)  # not the live day (4 March)
    assert weeks[0].rate == 100.0
    assert weeks[2].as_dict() == {"start": "2026-03-05", "linked": 7, "total": 70, "after": True}
    empty = weekly_counts([], span)
    assert len(empty) == 5 and all(w.rate is None for w in empty)
