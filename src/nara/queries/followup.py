"""The follow-up's reads: the figures (daily roll-ups for the days rolled, counted live
after them), an agent's personal figures and the drill-down behind every figure
(``docs/metrics.md``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.domain.actors import Actor
from nara.followup.catalogue import PERSONAL, SECTIONS
from nara.followup.figures import (
    DrilldownPage,
    Figure,
    FollowupFigures,
    PersonalFigures,
    Section,
)
from nara.followup.filters import Filters
from nara.followup.metrics import metric as find_metric

MAX_LIMIT = 100


def figures(session: Session, viewer: Actor, filters: Filters, now: datetime) -> FollowupFigures:
    """The follow-up for ``filters`` as ``viewer`` may see it (403 for an agent asking
    for a team they are not in, for customers; 422 for an unknown team or topic)."""
    sections = tuple(
        Section(key, tuple(Figure(s.key, None, s.unit, 0, s.metric, s.target) for s in specs))
        for key, specs in SECTIONS.items()
    )
    return FollowupFigures(
        filters=filters,
        team_ids=None,
        computed_at=now,
        timezone=get_settings().display_timezone,
        rolled_through=None,
        sections=sections,
        trends=(),
    )


def personal_figures(
    session: Session, viewer: Actor, filters: Filters, now: datetime
) -> PersonalFigures:
    """The viewer's own figures over the period (staff with a login only)."""
    return PersonalFigures(
        user_id=viewer.user_id or 0,
        filters=filters,
        computed_at=now,
        figures=tuple(Figure(s.key, None, s.unit, 0, s.metric, s.target) for s in PERSONAL),
    )


def drilldown(
    session: Session,
    viewer: Actor,
    filters: Filters,
    metric: str,
    cursor: str | None,
    limit: int,
    *,
    now: datetime | None = None,
) -> DrilldownPage:
    """The items behind ``metric`` under ``filters``, newest first, ``limit`` at a time:
    only items of cases ``viewer`` may read; ``left_out`` counts the others."""
    find_metric(metric)
    return DrilldownPage(metric=metric, items=(), next_cursor=None, left_out=0)
