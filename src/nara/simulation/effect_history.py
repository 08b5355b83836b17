"""Synthetic contact histories with a known true effect, for ``nara bench effect``.

Each scenario is the daily history of one driver at a bank around the day a change went
live: contacts of all kinds per day and the contacts about the driver, drawn with a seeded
``numpy`` Generator, then measured by the real estimator
(:func:`nara.improvements.effect.estimate_effect`). Scenario *i* of seed *s* is drawn from
its own generator ``default_rng([s, i])``, so a shorter run is a prefix of a longer one.

Volumes (documented in ``docs/effect.md`` and ``benchmarks/README.md``): a weekday brings
3,000–12,000 contacts of all kinds (log-uniform; a mid-sized to large Swedish retail bank,
all channels), Saturday and Sunday about a third of that. The driver is 0.4–2.5 % of them
(log-uniform): about 12–300 contacts on a weekday, median about 65, the range of a common
driver such as *card has not arrived*. The family ``low_volume`` is a small driver with
3–12 contacts on a weekday (zero-count days are common at weekends).

Every family has day-to-day variation beyond Poisson (a gamma factor on the driver's
expected count each day, coefficient of variation 5–15 %), a weekday pattern in the totals,
and noise in the totals. The true effect is a step in the driver's rate on the day after
the live day (half of it on the live day): 0 in 40 % of the scenarios, a fall of 5–50 % in
45 %, a rise of 5–30 % in 15 %.

Families (one in seven each, in turn):

* ``flat``: only the above;
* ``weekly``: the driver's share itself has a strong weekly pattern (more on Mondays,
  after the weekend) on top of that of the totals;
* ``volume_change``: all contacts (the driver's alike) step up or down by 15–40 % on a
  random day in the twelve weeks (a season, a campaign, customers moving in or out);
* ``trend``: the total volume grows or shrinks by up to 30 % a year and the driver's rate
  drifts by up to ±20 % a year, both smoothly; the true effect is the step at the live day;
* ``overdispersed``: strong day-to-day variation (coefficient of variation 20–35 %);
* ``low_volume``: the small driver;
* ``mixed``: weekly pattern, a volume step, trends and overdispersion together.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from nara.improvements import effect
from nara.improvements.effect import DayCount, NotEnoughData

FAMILIES = (
    "flat",
    "weekly",
    "volume_change",
    "trend",
    "overdispersed",
    "low_volume",
    "mixed",
)
STRESS_FAMILIES = ("autocorrelated", "incident", "strong_drift")
"""Outside the model's assumptions, for ``--stress`` (not in the goal figures):

* ``autocorrelated``: the day-to-day variation comes in waves (a log-AR(1) day factor,
  correlation 0.7 from one day to the next, coefficient of variation 15 %);
* ``incident``: an unrelated incident adds 30–80 % to all contacts on 2–5 days in a row
  in one of the windows, without contacts about the driver;
* ``strong_drift``: the driver's rate drifts by 30–60 % a year, up or down.
"""
TOTAL_WEEKDAY_FACTORS = (1.25, 1.10, 1.0, 1.0, 0.95, 0.35, 0.30)  # Monday first
DRIVER_WEEKDAY_FACTORS = (1.35, 1.10, 1.0, 0.95, 0.90, 0.75, 0.85)  # after the weekend
FIRST_LIVE_DAY = date(2025, 3, 3)
MODELS = (
    "nb",
    "nb-model-se",
    "qp",
    "qp1",
    "nbmle",
)  # nb is the estimator's; the others for comparison


@dataclass(frozen=True)
class History:
    family: str
    true_effect: float
    live_at: date
    today: date
    days: list[DayCount]
    weeks_before: int = 6
    weeks_after: int = 6


def draw_history(seed: int, index: int, *, stress: bool = False) -> History:
    """Scenario ``index`` of ``seed``: its family is ``FAMILIES[index % 7]`` (with
    ``stress``, ``STRESS_FAMILIES[index % 3]`` from a generator of its own)."""
    rng = np.random.default_rng([seed, index, 1] if stress else [seed, index])
    names = STRESS_FAMILIES if stress else FAMILIES
    family = names[index % len(names)]
    weeks_before = weeks_after = 6
    live_at = FIRST_LIVE_DAY + timedelta(days=int(rng.integers(0, 365)))
    pick = rng.random()
    if pick < 0.40:
        true_effect = 0.0
    elif pick < 0.85:
        true_effect = -float(rng.uniform(0.05, 0.50))
    else:
        true_effect = float(rng.uniform(0.05, 0.30))

    weekday_total = math.exp(rng.uniform(math.log(3_000), math.log(12_000)))
    if family == "low_volume":
        share = float(rng.uniform(3, 12)) / weekday_total
    else:
        share = math.exp(rng.uniform(math.log(0.004), math.log(0.025)))
    strong = family in ("overdispersed", "mixed")
    cv = float(rng.uniform(0.20, 0.35) if strong else rng.uniform(0.05, 0.15))
    total_factors = np.array(TOTAL_WEEKDAY_FACTORS) * rng.lognormal(0, 0.05, 7)
    driver_factors = rng.lognormal(0, 0.05, 7)
    if family in ("weekly", "mixed"):
        driver_factors *= np.array(DRIVER_WEEKDAY_FACTORS)
    first = live_at - timedelta(days=7 * weeks_before + 14)
    last = live_at + timedelta(days=7 * weeks_after + 3)
    span = (last - first).days + 1
    step_day, step = None, 1.0
    if family in ("volume_change", "mixed"):
        step_day = first + timedelta(days=int(rng.integers(14, span - 3)))
        step = float(rng.uniform(1.15, 1.40))
        step = step if rng.random() < 0.5 else 1 / step
    volume_trend = rate_trend = 0.0  # per year, on the log scale
    if family in ("trend", "mixed"):
        volume_trend = math.log(1 + float(rng.uniform(-0.30, 0.30)))
        rate_trend = math.log(1 + float(rng.uniform(-0.20, 0.20)))
    if family == "strong_drift":
        drift = float(rng.uniform(0.30, 0.60))
        rate_trend = math.log(1 + drift) if rng.random() < 0.5 else math.log(1 - drift)
    waves = np.zeros(span)
    if family == "autocorrelated":
        sd = math.sqrt(math.log(1 + 0.15**2))
        shocks = rng.normal(0, sd * math.sqrt(1 - 0.7**2), span)
        waves[0] = rng.normal(0, sd)
        for i in range(1, span):
            waves[i] = 0.7 * waves[i - 1] + shocks[i]
        waves -= sd**2 / 2  # mean factor 1
    incident: set[date] = set()
    if family == "incident":
        length = int(rng.integers(2, 6))
        start = live_at + timedelta(
            days=int(rng.integers(1, 7 * weeks_after - length))
            if rng.random() < 0.5
            else -int(rng.integers(length + 1, 7 * weeks_before))
        )
        incident = {start + timedelta(days=i) for i in range(length)}
        surge = float(rng.uniform(0.30, 0.80))

    days: list[DayCount] = []
    for offset in range(span):
        day = first + timedelta(days=offset)
        years = (day - live_at).days / 365.0
        level = weekday_total * total_factors[day.weekday()] * math.exp(volume_trend * years)
        if step_day is not None and day >= step_day:
            level *= step
        total = int(rng.poisson(level * rng.gamma(1 / 0.08**2, 0.08**2)))
        rate = share * driver_factors[day.weekday()] * math.exp(rate_trend * years)
        if day > live_at:
            rate *= 1 + true_effect
        elif day == live_at:
            rate *= 1 + true_effect / 2
        expected = total * rate * rng.gamma(1 / cv**2, cv**2) * math.exp(waves[offset])
        linked = min(int(rng.poisson(expected)), total)
        if day in incident:
            total += int(rng.poisson(level * surge))
        days.append(DayCount(day=day, linked=linked, total=total))
    return History(
        family=family,
        true_effect=true_effect,
        live_at=live_at,
        today=live_at + timedelta(days=7 * weeks_after + 1),
        days=days,
        weeks_before=weeks_before,
        weeks_after=weeks_after,
    )


@dataclass
class Tally:
    measured: int = 0
    not_measured: int = 0
    covered: int = 0
    zero: int = 0
    false_alarms: int = 0
    errors: list[float] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    linked_per_day: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenarios": self.measured + self.not_measured,
            "not_measured": self.not_measured,
            "ci_coverage": _share(self.covered, self.measured),
            "false_alarm_rate": _share(self.false_alarms, self.zero),
            "zero_effect_scenarios": self.zero,
            "median_abs_error": _median(self.errors),
            "median_ci_width": _median(self.widths),
            "median_linked_per_day": _median(self.linked_per_day, 1),
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float], digits: int = 4) -> float | None:
    return round(statistics.median(values), digits) if values else None


def run(
    scenarios: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    *,
    model: str = "nb",
    trend: bool = False,
    stress: bool = False,
) -> dict[str, Any]:
    """Draw and measure ``scenarios`` histories; the figures overall and per family."""
    overall = Tally()
    families = {name: Tally() for name in (STRESS_FAMILIES if stress else FAMILIES)}
    for index in range(scenarios):
        history = draw_history(seed, index, stress=stress)
        tallies = (overall, families[history.family])
        try:
            estimate = effect._estimate(
                history.days,
                history.live_at,
                weeks_before=history.weeks_before,
                weeks_after=history.weeks_after,
                today=history.today,
                model=model,
                trend=trend,
            )
        except NotEnoughData:
            for tally in tallies:
                tally.not_measured += 1
        else:
            truth = history.true_effect
            window = [d for d in history.days if d.day < history.live_at][-42:]
            for tally in tallies:
                tally.measured += 1
                tally.covered += estimate.ci_low <= truth <= estimate.ci_high
                tally.errors.append(abs(estimate.relative_change - truth))
                tally.widths.append(estimate.ci_high - estimate.ci_low)
                tally.linked_per_day.append(sum(d.linked for d in window) / len(window))
                if truth == 0.0:
                    tally.zero += 1
                    tally.false_alarms += estimate.significant
        if progress is not None:
            progress(index + 1, scenarios)
    return {
        **overall.as_dict(),
        "seed": seed,
        "stress": stress,
        "model": effect.METHOD if (model, trend) == ("nb", False) else model + "+trend" * trend,
        "families": {name: tally.as_dict() for name, tally in families.items()},
    }
