"""Measuring the effect of a done improvement: its driver's contact rate before and after
the change went live, with a 95 % interval (``nara.improvements.effect``; the method is in
``docs/effect.md``). Each measurement is a row of ``improvement_effects``, an event on the
improvement's timeline and a notification to the people who raised and follow it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.errors import Conflict
from nara.domain.improvements import get_improvement, record_measured, today
from nara.i18n import N_
from nara.improvements.effect import (
    NotEnoughData,
    estimate_effect,
    not_enough_data_verdict,
    verdict,
    weekly_counts,
    windows,
)
from nara.models import Improvement, ImprovementEffect, ImprovementStatus, Topic
from nara.queries import improvement_effects as effect_queries
from nara.queries.improvements import _topic_ids

MEASURED = "measured"
NOT_ENOUGH_DATA = "not_enough_data"


def _driver(session: Session, improvement: Improvement) -> dict[str, str]:
    """The driver's name in both languages: its topics, or the improvement's title."""
    topics = [session.get(Topic, i) for i in _topic_ids(session, improvement.id)]
    named = [t for t in topics if t is not None]
    if not named:
        return {"sv": improvement.title, "en": improvement.title}
    return {
        "sv": ", ".join(t.name_sv for t in named),
        "en": ", ".join(t.name_en for t in named),
    }


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}


def measure(session: Session, improvement: Improvement, on: date) -> ImprovementEffect:
    """Measure one done improvement as of the local day ``on`` and store the result
    (a number, or why there is none yet)."""
    if improvement.status != ImprovementStatus.done.value or improvement.live_at is None:
        raise Conflict(
            f"improvement {improvement.id} is not done: there is no change to measure",
            template=N_(
                "Only a done improvement, with the date its change went live, can be measured."
            ),
        )
    w = windows(
        improvement.live_at,
        weeks_before=improvement.weeks_before,
        weeks_after=improvement.weeks_after,
    )
    days = effect_queries.daily_counts(session, improvement, w.before_start, w.after_end)
    driver = _driver(session, improvement)
    details: dict[str, Any] = {
        "windows": {
            "before": [w.before_start.isoformat(), w.before_end.isoformat()],
            "after": [w.after_start.isoformat(), w.after_end.isoformat()],
        },
        "driver": driver,
    }
    row = ImprovementEffect(improvement_id=improvement.id, measured_at=clock.now())
    try:
        estimate = estimate_effect(
            days,
            improvement.live_at,
            weeks_before=improvement.weeks_before,
            weeks_after=improvement.weeks_after,
            today=on,
        )
    except NotEnoughData as error:
        said = not_enough_data_verdict(error, driver=driver["sv"])
        row.status = NOT_ENOUGH_DATA
        details.update(reason=error.reason, detail=error.detail)
        details["verdict"] = {"template": said.template, "params": _jsonable(said.params)}
    else:
        said = verdict(
            estimate, driver=driver["sv"], change=improvement.title, live_at=improvement.live_at
        )
        row.status = MEASURED
        row.relative_change = estimate.relative_change
        row.ci_low, row.ci_high = estimate.ci_low, estimate.ci_high
        row.before_rate, row.after_rate = estimate.before_rate, estimate.after_rate
        details.update(estimate.details())
        details["verdict"] = {
            "template": said.template,
            "params": _jsonable(said.params),
            "signed": said.signed,
        }
        details["weeks"] = [week.as_dict() for week in weekly_counts(days, w)]
        details["recontact"] = effect_queries.recontact_rates(session, improvement, w).as_dict()
        details["selfservice_answered"] = effect_queries.answered_shares(
            session, improvement, w
        ).as_dict()
    row.details = details
    session.add(row)
    session.flush()
    record_measured(session, improvement, status=row.status, data={"effect_id": row.id})
    return row


def measure_effect(*, session: Session, actor: Actor, improvement_id: int) -> ImprovementEffect:
    """Measure now, on request (a lead or the owning team; the same rules as reading)."""
    improvement = get_improvement(session, actor, improvement_id)
    return measure(session, improvement, today())


def measure_due(*, session: Session) -> int:
    """The periodic job's work: every done improvement whose after-window has passed and
    that has not been measured since. Returns how many were measured."""
    on = today()
    count = 0
    for improvement_id in effect_queries.due_for_measuring(session, on):
        improvement = session.get(Improvement, improvement_id)
        if improvement is not None:
            measure(session, improvement, on)
            count += 1
    return count
