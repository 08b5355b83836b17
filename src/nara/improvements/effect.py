"""The measured effect of an improvement: did contacts about its driver fall after the change?

Pure: no database, no clock (``today`` is an argument). The method, its assumptions and the
benchmark behind the choices are in ``docs/effect.md``; in short:

* **What is counted.** One :class:`DayCount` per day: ``linked`` contacts about the driver
  and ``total`` contacts of all kinds. The rate is linked contacts per 1,000 contacts, so a
  quiet week (fewer contacts of every kind) does not look like success.
* **Windows.** The ``weeks_before`` × 7 whole days before the live date and the
  ``weeks_after`` × 7 whole days after it. The live day itself belongs to neither (the change
  went live some time that day, so its contacts are a mix). Both windows hold every weekday
  equally often.
* **When.** Only after the after-window has passed: the last day of the window must be over,
  so ``today`` must be at least ``live_at + 7 × weeks_after + 1`` days. Until then
  :class:`NotEnoughData` (``after_window_not_passed``). Days on or after ``today`` are never
  used (they are not over).
* **Model.** A negative-binomial regression (statsmodels ``GLM``) of the daily linked count
  with ``log(total)`` as offset, one term per weekday and an after-indicator. The dispersion
  ``alpha`` is estimated from the data (moment estimate on a first Poisson fit); the scale
  is then the Pearson χ²/df (never below 1), the standard error never below the Newey-West
  (HAC, 7 days of lags) one, and the interval uses Student's t with the residual degrees
  of freedom. ``exp(β_after) − 1`` is the relative change of the rate.
  No linear time term: the benchmark showed it doubles the interval width (it is nearly
  collinear with the after-indicator) for little gain; see ``docs/effect.md``.
* **Minimums.** Days with no contacts at all are dropped (closed, or no data). Each window
  needs at least half of its days with contacts, and the before-window at least
  :data:`MIN_LINKED_BEFORE` linked contacts (the baseline a change is measured against).
  A change that removed every linked contact (none in the after-window) is measured with
  the exact conditional binomial interval instead of the regression.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nara.i18n import N_, format_day, format_number, translations

MIN_LINKED_BEFORE = 50
"""Linked contacts the before-window must hold: with fewer there is no baseline to measure a
change against (with 50 the 95 % interval is already about ±40 %)."""

MIN_DAY_SHARE = 0.5
"""The share of a window's days that must have contacts of any kind (a history that starts
inside the window, or a long outage of the counting, is not enough data)."""

HAC_LAGS = 7
"""Lags (rows, that is days) of the Newey-West standard error the interval never goes below."""

MAX_WEEKS = 52
CONFIDENCE = 0.95
TYPICAL_EFFECT_DEFAULT = 0.25
"""The typical relative fall assumed for the leads' ranked list before anything has been
measured (a fix that works usually removes a quarter or more of its driver's contacts)."""

METHOD = (
    "negative-binomial GLM, log(total) offset, weekday terms, after-indicator, "
    "Newey-West floor (7 days)"
)
EXACT_METHOD = "exact conditional binomial (no linked contacts after the change)"


# Reason codes of NotEnoughData (stored in improvement_effects.details and shown in words).
AFTER_WINDOW_NOT_PASSED = "after_window_not_passed"
TOO_FEW_DAYS = "too_few_days"
TOO_FEW_CONTACTS = "too_few_contacts"
MODEL_FAILED = "model_failed"

REASON_MESSAGES = {
    AFTER_WINDOW_NOT_PASSED: N_(
        "Not enough data yet: the effect can be measured from %(date)s, when the weeks "
        "after the change have passed."
    ),
    TOO_FEW_DAYS: N_(
        "Not enough data: fewer than half of the days before or after the change have any contacts."
    ),
    TOO_FEW_CONTACTS: N_(
        "Not enough data: only %(count)s contacts about “%(driver)s” in the weeks before the "
        "change (at least %(minimum)s are needed to measure a change)."
    ),
    MODEL_FAILED: N_("Not enough data: the contact counts could not be modelled reliably."),
}


@dataclass(frozen=True)
class DayCount:
    day: date
    linked: int  # contacts on the driver that day
    total: int  # contacts of all kinds that day


@dataclass(frozen=True)
class EffectEstimate:
    relative_change: float  # -0.38 = fell 38 %
    ci_low: float  # 95 % interval of relative_change
    ci_high: float
    before_rate: float  # linked per 1,000 contacts in each window
    after_rate: float
    significant: bool  # the interval excludes 0
    method: str
    # What the estimate rests on (stored in improvement_effects.details).
    linked_before: int = 0
    linked_after: int = 0
    total_before: int = 0
    total_after: int = 0
    days_before: int = 0
    days_after: int = 0
    dispersion: float = 0.0  # the scale (Pearson chi2 / df, at least 1)

    def details(self) -> dict[str, Any]:
        """The figures behind the estimate, JSON-ready."""
        return {
            "method": self.method,
            "linked_before": self.linked_before,
            "linked_after": self.linked_after,
            "total_before": self.total_before,
            "total_after": self.total_after,
            "days_before": self.days_before,
            "days_after": self.days_after,
            "dispersion": round(self.dispersion, 4),
        }


class NotEnoughData(Exception):
    """No number can be given honestly. ``reason`` is one of the reason codes above;
    ``params`` the figures its message shows (see :func:`not_enough_data_message`)."""

    def __init__(self, reason: str, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.params = params


@dataclass(frozen=True)
class Windows:
    before_start: date
    before_end: date  # inclusive
    after_start: date
    after_end: date  # inclusive

    @property
    def ready_on(self) -> date:
        """The first day the effect can be measured (the after-window is over)."""
        return self.after_end + timedelta(days=1)


def windows(live_at: date, *, weeks_before: int = 6, weeks_after: int = 6) -> Windows:
    """The before- and after-windows around ``live_at`` (the live day in neither)."""
    for name, weeks in (("weeks_before", weeks_before), ("weeks_after", weeks_after)):
        if not 1 <= weeks <= MAX_WEEKS:
            raise ValueError(f"{name} must be between 1 and {MAX_WEEKS}, not {weeks}")
    return Windows(
        before_start=live_at - timedelta(days=7 * weeks_before),
        before_end=live_at - timedelta(days=1),
        after_start=live_at + timedelta(days=1),
        after_end=live_at + timedelta(days=7 * weeks_after),
    )


@dataclass(frozen=True)
class WeekCount:
    """One week of a window: seven days from ``start``, in the before- or after-window."""

    start: date
    linked: int
    total: int
    after: bool

    @property
    def rate(self) -> float | None:
        """Linked contacts per 1,000 contacts that week (None without contacts)."""
        return 1000 * self.linked / self.total if self.total else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "linked": self.linked,
            "total": self.total,
            "after": self.after,
        }


def weekly_counts(days: Sequence[DayCount], span: Windows) -> list[WeekCount]:
    """The windows' days summed by week: ``weeks_before`` weeks counted from the
    before-window's first day, then ``weeks_after`` from the after-window's (the live day
    in neither), for the effect's trend on the improvement's page."""
    by_day = {row.day: row for row in days}
    weeks: list[WeekCount] = []
    for first, last, after in (
        (span.before_start, span.before_end, False),
        (span.after_start, span.after_end, True),
    ):
        start = first
        while start <= last:
            rows = [by_day.get(start + timedelta(days=k)) for k in range(7)]
            counted = [r for r in rows if r is not None]
            linked = sum(r.linked for r in counted)
            weeks.append(WeekCount(start, linked, sum(r.total for r in counted), after))
            start += timedelta(days=7)
    return weeks


def estimate_effect(
    days: Sequence[DayCount],
    live_at: date,
    *,
    weeks_before: int = 6,
    weeks_after: int = 6,
    today: date,
) -> EffectEstimate:
    """The relative change of the driver's contact rate after ``live_at``, with its 95 %
    interval. Raises :class:`NotEnoughData` when no number can be given honestly, and
    ``ValueError`` for malformed input (a day twice, negative counts, linked > total)."""
    return _estimate(days, live_at, weeks_before=weeks_before, weeks_after=weeks_after, today=today)


def _estimate(
    days: Sequence[DayCount],
    live_at: date,
    *,
    weeks_before: int,
    weeks_after: int,
    today: date,
    model: str = "nb",
    trend: bool = False,
) -> EffectEstimate:
    span = windows(live_at, weeks_before=weeks_before, weeks_after=weeks_after)
    if today < span.ready_on:
        raise NotEnoughData(
            AFTER_WINDOW_NOT_PASSED,
            f"the after-window ends on {span.after_end.isoformat()}; "
            f"measurable from {span.ready_on.isoformat()}",
            date=span.ready_on,
            weeks=weeks_after,
        )
    seen: set[date] = set()
    before: list[DayCount] = []
    after: list[DayCount] = []
    for row in days:
        if row.day in seen:
            raise ValueError(f"{row.day.isoformat()} is given twice")
        seen.add(row.day)
        if row.linked < 0 or row.total < 0 or row.linked > row.total:
            raise ValueError(f"{row.day.isoformat()}: need 0 <= linked <= total")
        if row.total == 0:
            continue  # closed, or nothing counted: no information about the rate
        if span.before_start <= row.day <= span.before_end:
            before.append(row)
        elif span.after_start <= row.day <= span.after_end:
            after.append(row)
    if len(before) < MIN_DAY_SHARE * 7 * weeks_before or (
        len(after) < MIN_DAY_SHARE * 7 * weeks_after
    ):
        raise NotEnoughData(
            TOO_FEW_DAYS,
            f"contacts on {len(before)} of {7 * weeks_before} days before and "
            f"{len(after)} of {7 * weeks_after} days after; at least half are needed",
            weeks=weeks_before if len(before) < MIN_DAY_SHARE * 7 * weeks_before else weeks_after,
        )
    linked_before = sum(r.linked for r in before)
    if linked_before < MIN_LINKED_BEFORE:
        raise NotEnoughData(
            TOO_FEW_CONTACTS,
            f"{linked_before} linked contacts before the change; at least "
            f"{MIN_LINKED_BEFORE} are needed",
            count=linked_before,
            minimum=MIN_LINKED_BEFORE,
            weeks=weeks_before,
        )
    rows = sorted(before + after, key=lambda r: r.day)
    linked = np.array([r.linked for r in rows], dtype=float)
    total = np.array([r.total for r in rows], dtype=float)
    is_after = np.array([r.day > live_at for r in rows], dtype=float)
    counts = {
        "linked_before": linked_before,
        "linked_after": int(linked[is_after == 1].sum()),
        "total_before": int(total[is_after == 0].sum()),
        "total_after": int(total[is_after == 1].sum()),
        "days_before": len(before),
        "days_after": len(after),
    }
    before_rate = 1000 * counts["linked_before"] / counts["total_before"]
    after_rate = 1000 * counts["linked_after"] / counts["total_after"]
    if counts["linked_after"] == 0:
        low, high = _exact_no_contacts_after(
            linked_before, counts["total_before"], counts["total_after"]
        )
        return EffectEstimate(
            -1.0, low, high, before_rate, after_rate, True, EXACT_METHOD, dispersion=1.0, **counts
        )
    beta, half_width, scale = _fit(rows, linked, total, is_after, live_at, model, trend)
    relative = math.expm1(beta)
    low, high = math.expm1(beta - half_width), math.expm1(beta + half_width)
    method = METHOD if (model, trend) == ("nb", False) else f"{model}{'+trend' if trend else ''}"
    return EffectEstimate(
        relative_change=relative,
        ci_low=low,
        ci_high=high,
        before_rate=before_rate,
        after_rate=after_rate,
        significant=low > 0 or high < 0,
        method=method,
        dispersion=scale,
        **counts,
    )


def _design(
    rows: Sequence[DayCount], is_after: NDArray[np.float64], live_at: date, trend: bool
) -> NDArray[np.float64]:
    """Intercept, one indicator per weekday present (but the first), after, [time]."""
    weekdays = np.array([r.day.weekday() for r in rows])
    present = sorted(set(weekdays.tolist()))
    columns = [np.ones(len(rows))]
    columns += [(weekdays == d).astype(float) for d in present[1:]]
    columns.append(is_after)
    if trend:
        columns.append(np.array([(r.day - live_at).days / 7.0 for r in rows]))
    return np.column_stack(columns)


def _fit(
    rows: Sequence[DayCount],
    linked: NDArray[np.float64],
    total: NDArray[np.float64],
    is_after: NDArray[np.float64],
    live_at: date,
    model: str,
    trend: bool,
) -> tuple[float, float, float]:
    """(β_after, half-width of its 95 % interval on the log scale, scale)."""
    import statsmodels.api as sm  # type: ignore[import-untyped]
    from scipy import stats  # type: ignore[import-untyped]

    exog = _design(rows, is_after, live_at, trend)
    where = exog.shape[1] - (2 if trend else 1)
    offset = np.log(total)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            if model == "nbmle":
                from statsmodels.discrete.discrete_model import (  # type: ignore[import-untyped]
                    NegativeBinomial,
                )

                mle = NegativeBinomial(linked, exog, offset=offset).fit(disp=0, maxiter=200)
                beta, se = float(mle.params[where]), float(mle.bse[where])
                return beta, float(stats.norm.ppf(0.975)) * se, 1.0
            poisson = sm.GLM(linked, exog, family=sm.families.Poisson(), offset=offset).fit()
            if model in ("qp", "qp1"):
                scale = float(poisson.pearson_chi2 / poisson.df_resid)
                if model == "qp1":
                    scale = max(scale, 1.0)
                result = poisson
            else:
                # NB2 dispersion: the moment estimate on the Poisson fit (Var = mu + alpha
                # mu^2), with the degrees-of-freedom correction n / (n - p).
                mu = np.asarray(poisson.fittedvalues)
                n, p = exog.shape
                excess = np.sum((linked - mu) ** 2 - linked) / np.sum(mu**2)
                alpha = max(float(n / (n - p) * excess), 1e-8)
                family = sm.families.NegativeBinomial(alpha=alpha)
                result = sm.GLM(linked, exog, family=family, offset=offset).fit()
                scale = max(float(result.pearson_chi2 / result.df_resid), 1.0)
            beta = float(result.params[where])
            se = float(np.sqrt(result.cov_params(scale=scale)[where, where]))
            if model == "nb":
                # Never narrower than the Newey-West (HAC) standard error over a week of
                # lags: days are not independent when contacts come in waves.
                hac = sm.GLM(linked, exog, family=family, offset=offset).fit(
                    cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS, "use_correction": True}
                )
                se = max(se, float(hac.bse[where]))
            quantile = float(stats.t.ppf(0.5 + CONFIDENCE / 2, result.df_resid))
        except (Warning, ValueError, np.linalg.LinAlgError) as exc:
            raise NotEnoughData(MODEL_FAILED, f"the model could not be fitted: {exc}") from exc
    if not (math.isfinite(beta) and math.isfinite(se)) or se <= 0:
        raise NotEnoughData(MODEL_FAILED, "the model gave no finite estimate")
    return beta, quantile * se, scale


def _exact_no_contacts_after(
    linked_before: int, total_before: int, total_after: int
) -> tuple[float, float]:
    """The interval of the relative change when no linked contact came after the change:
    given n linked contacts in all, the after-share is binomial; with none after, its upper
    97.5 % bound is 1 − 0.025^(1/n), turned into a bound on the rate ratio."""
    n = linked_before
    upper_share = 1 - ((1 - CONFIDENCE) / 2) ** (1 / n)
    ratio_high = upper_share * total_before / ((1 - upper_share) * total_after)
    return -1.0, ratio_high - 1


FELL = N_(
    "Contacts about “%(driver)s” fell %(percent)s %% (95 %% interval %(low)s–%(high)s %%) "
    "after “%(change)s” on %(date)s."
)
ROSE = N_(
    "Contacts about “%(driver)s” rose %(percent)s %% (95 %% interval %(low)s–%(high)s %%) "
    "after “%(change)s” on %(date)s."
)
NO_CHANGE = N_(
    "No measurable change in contacts about “%(driver)s” after “%(change)s” on %(date)s "
    "(95 %% interval %(low)s to %(high)s %%)."
)
MINUS = "\u2212"  # the typographic minus sign, in both languages


@dataclass(frozen=True)
class Verdict:
    """A verdict in plain words as a catalog message and its parameters. ``params`` holds
    the raw values (names as text, the date as a ``date``, shares as floats: 0.38 = 38 %);
    :meth:`text` formats them with Babel in the reader's language."""

    template: str
    params: dict[str, Any]
    signed: bool = False  # shares shown with their sign (+6 %, −12 %)

    def words(self, lang: str) -> dict[str, str]:
        shown: dict[str, str] = {}
        for key, value in self.params.items():
            if isinstance(value, date):
                shown[key] = format_day(value, lang)
            elif isinstance(value, float):
                shown[key] = format_percent(value, lang, signed=self.signed)
            elif isinstance(value, int):
                shown[key] = format_number(value, lang)
            else:
                shown[key] = str(value)
        return shown

    def text(self, lang: str) -> str:
        return str(translations(lang).gettext(self.template) % self.words(lang))


def format_percent(share: float, lang: str, *, signed: bool = False) -> str:
    """A share as a percent number without the sign (0.384 → "38"): whole percents from
    10 % up, one decimal below ("3,4" in Swedish). ``signed`` adds "+" or "−"."""
    from babel.numbers import format_decimal

    percent = abs(share) * 100
    pattern = "#,##0" if percent >= 9.5 else "#,##0.#"
    number = format_decimal(percent, format=pattern, locale=lang)
    if not signed or number == "0":
        return number
    return ("+" if share > 0 else MINUS) + number


def verdict(estimate: EffectEstimate, *, driver: str, change: str, live_at: date) -> Verdict:
    """The verdict of a measured effect: "fell" or "rose" when the 95 % interval excludes
    zero, else "no measurable change" with the interval (which says how large a change
    the data can rule out). ``driver`` names the topic(s), ``change`` the improvement."""
    common: dict[str, Any] = {"driver": driver, "change": change, "date": live_at}
    if estimate.significant and estimate.relative_change < 0:
        fall = {"percent": -estimate.relative_change, "low": -estimate.ci_high}
        return Verdict(FELL, {**common, **fall, "high": -estimate.ci_low})
    if estimate.significant:
        rise = {"percent": estimate.relative_change, "low": estimate.ci_low}
        return Verdict(ROSE, {**common, **rise, "high": estimate.ci_high})
    return Verdict(
        NO_CHANGE, {**common, "low": estimate.ci_low, "high": estimate.ci_high}, signed=True
    )


def not_enough_data_verdict(error: NotEnoughData, *, driver: str) -> Verdict:
    """Why there is no number yet, in words (the reason's catalog message)."""
    template = REASON_MESSAGES.get(error.reason, REASON_MESSAGES[MODEL_FAILED])
    return Verdict(template, {"driver": driver, **error.params})


def typical_effect(relative_changes: Sequence[float]) -> float:
    """The typical measured fall (as a positive share) for the leads' ranked list: the
    median of the measured relative changes, negated (−0.3 → 0.3), never below 0;
    :data:`TYPICAL_EFFECT_DEFAULT` when nothing has been measured yet."""
    finite = [c for c in relative_changes if math.isfinite(c)]
    if not finite:
        return TYPICAL_EFFECT_DEFAULT
    return max(0.0, -statistics.median(finite))
