"""Whether self-service answers solved the problem: a new contact from the same customer
on the same topic within 7 days says it did not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
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
    since = clock.now() - RESOLUTION_WINDOW
    stmt = (
        update(Conversation)
        .where(
            Conversation.customer_id == customer_id,
            Conversation.topic_id == topic_id,
            Conversation.outcome.in_([o.value for o in ANSWERED]),
            Conversation.started_at >= since,
        )
        .values(resolved=False)
    )
    if exclude_id is not None:
        stmt = stmt.where(Conversation.id != exclude_id)
    return session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]
