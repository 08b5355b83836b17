"""A team's consultation promise and whether it is active: who may change them, what
an inactive team no longer gets, and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import consultations as consult
from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM
from nara.domain.errors import Conflict, PermissionDenied, ValidationFailed
from nara.domain.routing import route
from nara.models import AuditEntry
from nara.queries.service import matching_policy
from tests import factories


def test_who_changes_what_and_the_audit(db: Session) -> None:
    w = factories.world(db)
    lead = factories.actor(db, w.card_lead)
    team_actions.update_team(session=db, actor=lead, team_id=w.cards.id, consultation_minutes=120)
    assert w.cards.consultation_minutes == 120
    with pytest.raises(PermissionDenied):  # another team's promise
        team_actions.update_team(
            session=db, actor=lead, team_id=w.loans.id, consultation_minutes=60
        )
    with pytest.raises(PermissionDenied):  # only admins deactivate
        team_actions.update_team(session=db, actor=lead, team_id=w.cards.id, is_active=False)
    with pytest.raises(PermissionDenied):
        team_actions.update_team(
            session=db,
            actor=factories.actor(db, w.card_agent),
            team_id=w.cards.id,
            consultation_minutes=60,
        )
    for bad in (0, -5, 60 * 24 * 31):
        with pytest.raises(ValidationFailed):
            team_actions.update_team(
                session=db, actor=SYSTEM, team_id=w.cards.id, consultation_minutes=bad
            )
    with pytest.raises(Conflict):
        team_actions.update_team(session=db, actor=SYSTEM, team_id=w.front.id, is_active=False)
    changes = db.scalars(
        select(AuditEntry.changes).where(
            AuditEntry.action == "team.updated", AuditEntry.object_id == str(w.cards.id)
        )
    ).all()
    assert changes == [{"consultation_minutes": [480, 120]}]


def test_an_inactive_team_gets_no_new_cases_or_consultations(db: Session) -> None:
    w = factories.world(db)
    team_actions.update_team(session=db, actor=SYSTEM, team_id=w.loans.id, is_active=False)
    policy = matching_policy(db, topic_id=w.loan_topic.id, priority="normal", channel="web")
    decision = route(db, topic_id=w.loan_topic.id, policy=policy, now=clock.now())
    assert decision.team.id == w.front.id  # the fallback takes it
    with pytest.raises(ValidationFailed):
        consult.ask_consultation(
            session=db,
            actor=factories.actor(db, w.card_agent),
            number=w.alice_case.number,
            team=w.loans.slug,
            question="?",
        )
    with pytest.raises(Conflict):
        team_actions.set_fallback_team(session=db, actor=SYSTEM, team_id=w.loans.id)
