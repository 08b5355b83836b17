"""What the measured effect of an improvement is computed from: its driver's contacts per
day (linked and of all kinds), and the re-contact rate and self-service answered share on
its topics before and after the change. Days are the organisation's local days
(``display_timezone``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.improvements.effect import DayCount, Windows
from nara.models import Case, Conversation, Improvement, ImprovementEffect, ImprovementStatus
from nara.queries.improvements import _topic_ids, linked_clause

RECONTACT_DAYS = 7
"""A contact is a re-contact when the same customer had another contact this many days
before (the same window as the follow-up pages' re-contact rate)."""

ANSWERED = ("answered_no_feedback", "answered_confirmed")
"""Self-service outcomes where the customer got an answer and did not reject it."""


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().display_timezone)


def local_midnight(day: date) -> datetime:
    """The start of a local day, in UTC."""
    return datetime.combine(day, time(), _zone()).astimezone(UTC)


def daily_counts(
    session: Session, improvement: Improvement, first: date, last: date
) -> list[DayCount]:
    """Linked contacts and contacts of all kinds per local day, ``first`` to ``last``
    (both included); days without contacts are left out. PostgreSQL groups by local day
    in the query; SQLite (the small, one-process mode) groups the opening times here."""
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    linked = case((linked_clause(session, improvement), 1), else_=0)
    window = (Case.opened_at >= start, Case.opened_at < end)
    if session.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone(_zone().key, Case.opened_at), Date)
        rows = session.execute(
            select(day, func.sum(linked), func.count()).where(*window).group_by(day)
        )
        found = [DayCount(day=d, linked=int(n or 0), total=int(t)) for d, n, t in rows]
        return sorted(found, key=lambda count: count.day)
    totals: Counter[date] = Counter()
    links: Counter[date] = Counter()
    zone = _zone()
    for opened_at, is_linked in session.execute(select(Case.opened_at, linked).where(*window)):
        local = opened_at.replace(tzinfo=opened_at.tzinfo or UTC).astimezone(zone).date()
        totals[local] += 1
        links[local] += int(is_linked)
    return [DayCount(day=d, linked=links[d], total=totals[d]) for d in sorted(totals)]


@dataclass(frozen=True)
class BeforeAfter:
    """A share in the before- and after-window (None when the window had nothing)."""

    before: float | None
    after: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"before": self.before, "after": self.after}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def recontact_rates(session: Session, improvement: Improvement, w: Windows) -> BeforeAfter:
    """The share of the driver's contacts in each window that came from a customer who
    had another contact (of any kind) in the :data:`RECONTACT_DAYS` days before."""
    out = []
    gap = timedelta(days=RECONTACT_DAYS)
    for first, last in ((w.before_start, w.before_end), (w.after_start, w.after_end)):
        start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
        linked = session.execute(
            select(Case.id, Case.customer_id, Case.opened_at).where(
                linked_clause(session, improvement),
                Case.opened_at >= start,
                Case.opened_at < end,
            )
        ).all()
        customers = sorted({customer for _id, customer, _at in linked})
        history: dict[int, list[tuple[datetime, int]]] = {}
        for chunk in range(0, len(customers), 1000):
            for case_id, customer, opened in session.execute(
                select(Case.id, Case.customer_id, Case.opened_at).where(
                    Case.customer_id.in_(customers[chunk : chunk + 1000]),
                    Case.opened_at >= start - gap,
                    Case.opened_at < end,
                )
            ):
                history.setdefault(customer, []).append((opened, case_id))
        again = sum(
            1
            for case_id, customer, opened in linked
            if any(
                other != case_id and opened - gap <= at < opened
                for at, other in history.get(customer, [])
            )
        )
        out.append(_share(again, len(linked)))
    return BeforeAfter(*out)


def answered_shares(session: Session, improvement: Improvement, w: Windows) -> BeforeAfter:
    """The share of self-service conversations on the improvement's topics that ended
    with an answer the customer did not reject, in each window."""
    topic_ids = _topic_ids(session, improvement.id)
    if not topic_ids:
        return BeforeAfter(None, None)
    out = []
    for first, last in ((w.before_start, w.before_end), (w.after_start, w.after_end)):
        row = session.execute(
            select(func.count(), func.count().filter(Conversation.outcome.in_(ANSWERED))).where(
                Conversation.topic_id.in_(topic_ids),
                Conversation.started_at >= local_midnight(first),
                Conversation.started_at < local_midnight(last + timedelta(days=1)),
            )
        ).one()
        out.append(_share(int(row[1] or 0), int(row[0] or 0)))
    return BeforeAfter(*out)


def due_for_measuring(session: Session, today: date) -> list[int]:
    """Done improvements whose after-window is over and that have not been measured since
    (one measurement once the window has passed; a later one only when asked)."""
    done = session.execute(
        select(Improvement.id, Improvement.live_at, Improvement.weeks_after).where(
            Improvement.status == ImprovementStatus.done.value,
            Improvement.live_at.is_not(None),
            Improvement.merged_into_id.is_(None),
        )
    ).all()
    ready = {
        i: live + timedelta(days=7 * weeks + 1)
        for i, live, weeks in done
        if live is not None and live + timedelta(days=7 * weeks + 1) <= today
    }
    if not ready:
        return []
    last = dict(
        session.execute(
            select(ImprovementEffect.improvement_id, func.max(ImprovementEffect.measured_at))
            .where(ImprovementEffect.improvement_id.in_(sorted(ready)))
            .group_by(ImprovementEffect.improvement_id)
        ).all()
    )
    return sorted(
        i
        for i, ready_on in ready.items()
        if last.get(i) is None or last[i] < local_midnight(ready_on)
    )
