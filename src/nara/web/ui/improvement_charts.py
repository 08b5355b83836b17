"""The charts of an improvement's page (nara.web.charts): the linked contacts per week
behind the cost of doing nothing, and, once the effect is measured, the driver's contact
rate week by week before and after the change went live."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from nara.i18n import translations
from nara.queries.improvements import EffectView
from nara.web.charts import Chart, Measure, Series, format_value, line_chart


def contacts_trend(trend: Sequence[tuple[date, int]], lang: str) -> Chart:
    """Linked contacts per week (the weeks of ``queries.improvements.trend``)."""
    t = translations(lang)
    counts = [n for _, n in trend]
    summary = t.gettext(
        "Linked contacts in each of the last %(num)s weeks: %(total)s in all, %(latest)s "
        "in the latest week."
    ) % {
        "num": len(counts),
        "total": format_value(sum(counts), Measure(), lang),
        "latest": format_value(counts[-1] if counts else 0, Measure(), lang),
    }
    return line_chart(
        id="trend-chart",
        title=t.gettext("Linked contacts per week"),
        summary=summary,
        periods=[week for week, _ in trend],
        grain="week",
        series=[Series(t.gettext("Contacts"), [float(n) for n in counts])],
        measure=Measure(),
        lang=lang,
    )


def _weeks(details: dict[str, Any]) -> list[tuple[date, float | None, bool]] | None:
    """(week start, rate, after) from a measured effect's stored ``weeks``; None when the
    effect was measured before they were stored, or they do not read as expected."""
    stored = details.get("weeks")
    if not isinstance(stored, list) or not stored:
        return None
    weeks = []
    for item in stored:
        try:
            start = date.fromisoformat(str(item["start"]))
            linked, total, after = int(item["linked"]), int(item["total"]), bool(item["after"])
        except (KeyError, TypeError, ValueError):
            return None
        weeks.append((start, 1000 * linked / total if total > 0 else None, after))
    return weeks


def effect_trend(effect: EffectView, lang: str) -> Chart | None:
    """The weekly rate (linked contacts per 1,000 contacts) before and after the change,
    as two lines; None when there is no measured effect with its weeks."""
    weeks = _weeks(effect.details) if effect.measured else None
    if weeks is None or effect.before_rate is None or effect.after_rate is None:
        return None
    t = translations(lang)
    rate = Measure("number", decimals=1)
    summary = t.gettext(
        "Linked contacts per 1,000 contacts each week: %(before)s on average before the "
        "change and %(after)s after."
    ) % {
        "before": format_value(effect.before_rate, rate, lang),
        "after": format_value(effect.after_rate, rate, lang),
    }
    return line_chart(
        id="effect-chart",
        title=t.gettext("Linked contacts per 1,000 contacts, week by week"),
        summary=summary,
        periods=[start for start, _, _ in weeks],
        grain="day",
        period_header=t.gettext("Week of"),
        series=[
            Series(t.gettext("Before the change"), [r if not a else None for _, r, a in weeks]),
            Series(t.gettext("After the change"), [r if a else None for _, r, a in weeks]),
        ],
        measure=rate,
        lang=lang,
    )
