"""An agent corrects a case's topic in one action; for a self-service hand-over the
customer's own words become a suggested training example of the right topic, which a
lead reviews before the next training uses it (``domain/training_suggestions.py``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nara.domain.actors import Actor
from nara.domain.errors import Conflict, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.domain.resolution import mark_earlier_answers_unresolved
from nara.domain.training_suggestions import CORRECTION, suggest_from_case
from nara.i18n import N_
from nara.models import Case, CaseStatus, Topic
from nara.queries.access import get_case_for, require_staff


def _active_topic(session: Session, topic_id: object) -> Topic:
    topic = session.get(Topic, topic_id) if isinstance(topic_id, int) else None
    if topic is None or not topic.is_active:
        raise ValidationFailed(
            f"no active topic with id {topic_id}",
            field="topic_id",
            template=N_("Choose one of the active topics."),
        )
    return topic


def correct_topic(*, session: Session, actor: Actor, number: str, topic_id: object) -> Case:
    """Set the case's topic (only its owning side may). The change is on the timeline
    (the case's audit trail); a self-service hand-over's customer text becomes a
    suggested training example of the corrected topic (in the audit log).
    The team stays: hand over separately if another team should own the case. Setting
    the topic it already has changes nothing."""
    if actor.is_customer:
        raise PermissionDenied("customers cannot change a case's topic")
    require_staff(actor)
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    topic = _active_topic(session, topic_id)
    if case.topic_id == topic.id:
        return case
    if case.status == CaseStatus.closed:
        raise Conflict(
            f"case {case.number} is closed",
            template=N_("This case is closed. Its topic can no longer be changed."),
        )
    old = session.get(Topic, case.topic_id) if case.topic_id is not None else None
    case.topic_id = topic.id
    data = {
        "old_topic_id": old.id if old else None,
        "old_topic": old.name_sv if old else None,
        "old_topic_en": old.name_en if old else None,
        "topic_id": topic.id,
        "topic": topic.name_sv,
        "topic_en": topic.name_en,
    }
    append_event(session, case=case, type="case.topic_changed", actor=actor, data=data)
    mark_earlier_answers_unresolved(session, customer_id=case.customer_id, topic_id=topic.id)
    suggest_from_case(session=session, actor=actor, case=case, source=CORRECTION)
    session.flush()
    return case
