"""Whether self-service answers solved the problem: a new contact from the same customer
on the same topic within 7 days says it did not."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import Update, bindparam, update
from sqlalchemy.orm import Session

from nara import clock
from nara.models import Conversation, Outcome

RESOLUTION_WINDOW = timedelta(days=7)
ANSWERED = (Outcome.answered_confirmed, Outcome.answered_no_feedback)


def mark_earlier_answers_unresolved(
    session: Session, *, customer_id: int, topic_id: int, exclude_id: int | None = None
) -> int:
    """A new contact on the same topic within 7 days means an earlier answer did not
    solve it. Returns how many conversations were marked."""
    params = {
        "b_customer_id": customer_id,
        "b_topic_id": topic_id,
        "b_since": clock.now() - RESOLUTION_WINDOW,
        "b_exclude_id": exclude_id,
    }
    stmt = _mark_unresolved(exclude_id is not None)
    return session.execute(stmt, params).rowcount or 0  # type: ignore[attr-defined]


@functools.cache
def _mark_unresolved(excluding: bool) -> Update:
    """:func:`mark_earlier_answers_unresolved`'s statement, built once (every case opened
    on a topic runs it)."""
    stmt = (
        update(Conversation)
        .where(
            Conversation.customer_id == bindparam("b_customer_id"),
            Conversation.topic_id == bindparam("b_topic_id"),
            Conversation.outcome.in_([o.value for o in ANSWERED]),
            Conversation.started_at >= bindparam("b_since"),
        )
        .values(resolved=False)
    )
    if excluding:
        stmt = stmt.where(Conversation.id != bindparam("b_exclude_id"))
    return stmt
