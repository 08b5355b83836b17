"""The charts of the results on the service-level and mandate pages (nara.web.charts):
first responses on time per team against the target, and per decision type how much was
decided at once and how much was sent for approval."""

from __future__ import annotations

from collections.abc import Sequence

from nara.i18n import translations
from nara.queries.decisions import MandateResult
from nara.queries.service_results import KEPT_TARGET, TeamResult
from nara.web.charts import (
    Chart,
    Measure,
    Series,
    Target,
    bar_chart,
    format_value,
    stacked_bar_chart,
)
from nara.web.ui.labels import name_of


def promises_kept(results: Sequence[TeamResult], lang: str) -> Chart:
    """Per team, the share of first-response promises kept, with the target line."""
    t = translations(lang)
    shares = [r.kept_share for r in results]
    measured = [s for s in shares if s is not None]
    reached = sum(1 for s in measured if s >= KEPT_TARGET)
    summary = t.ngettext(
        "%(reached)s of %(num)s team with promises kept at least %(target)s of them.",
        "%(reached)s of %(num)s teams with promises kept at least %(target)s of them.",
        len(measured),
    ) % {
        "reached": reached,
        "num": len(measured),
        "target": format_value(KEPT_TARGET, Measure("percent"), lang),
    }
    return bar_chart(
        id="kept-chart",
        title=t.gettext("First response on time, per team"),
        summary=summary,
        categories=[name_of(r.team, lang) for r in results],
        series=[Series(t.gettext("First response on time"), shares)],
        measure=Measure("percent"),
        lang=lang,
        category_header=t.gettext("Team"),
        target=Target(KEPT_TARGET, t.gettext("Target")),
        horizontal=True,
    )


def decided_at_once(results: Sequence[MandateResult], lang: str) -> Chart:
    """Per decision type (all teams together), decisions taken at once within the mandate
    and decisions sent for approval, stacked."""
    t = translations(lang)
    per_type: dict[int, tuple[str, int, int]] = {}
    for r in results:
        name = r.decision_type.name_en if lang == "en" else r.decision_type.name_sv
        _, at_once, requested = per_type.get(r.decision_type.id, (name, 0, 0))
        per_type[r.decision_type.id] = (name, at_once + r.at_once, requested + r.requested)
    rows = list(per_type.values())
    at_once_total = sum(a for _, a, _ in rows)
    total = at_once_total + sum(q for _, _, q in rows)
    summary = t.ngettext(
        "Of %(num)s decision, %(at_once)s (%(share)s) was taken at once within the mandate.",
        "Of %(num)s decisions, %(at_once)s (%(share)s) were taken at once within the mandate.",
        total,
    ) % {
        "num": format_value(total, Measure(), lang),
        "at_once": format_value(at_once_total, Measure(), lang),
        "share": format_value(at_once_total / total if total else 0, Measure("percent"), lang),
    }
    return stacked_bar_chart(
        id="mandate-chart",
        title=t.gettext("Decided at once or sent for approval, per decision type"),
        summary=summary,
        categories=[name for name, _, _ in rows],
        series=[
            Series(t.gettext("Decided at once"), [float(a) for _, a, _ in rows]),
            Series(t.gettext("Sent for approval"), [float(q) for _, _, q in rows]),
        ],
        measure=Measure(),
        lang=lang,
        category_header=t.gettext("Decision"),
        total_header=t.gettext("All decisions"),
        horizontal=True,
    )
