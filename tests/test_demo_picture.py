"""The demo shows the customer's whole picture at work: a merged duplicate, related cases
in two teams, and a mention waiting for Oskar."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara import clock
from nara.demo.loader import load_demo
from nara.models import Case, CaseEvent, CaseLink, Notification, TrainingExample, User


def test_the_demo_has_a_merged_duplicate_related_cases_and_a_mention(db: Session) -> None:
    with clock.frozen_at(clock.now()):
        org = load_demo(db)  # what make demo loads: 300 cases on a seeded year
    assert 19_000 < org.seeded < 20_000  # some contacts the SMS removed never happened
    assert db.scalar(select(func.count()).select_from(Case)) == 300 + org.seeded
    merged = db.scalars(select(Case).where(Case.merged_into_id.is_not(None))).all()
    assert len(merged) == 1 and merged[0].status == "closed"
    told = db.scalars(
        select(CaseEvent.type).where(CaseEvent.case_id == merged[0].id).order_by(CaseEvent.id)
    ).all()
    assert told[-1] == "case.continued_in"
    assert db.scalar(select(func.count()).select_from(CaseLink)) == 1
    oskar = db.scalar(select(User.id).where(User.email == "oskar@exempelbanken.se"))
    mine = db.scalars(select(Notification).where(Notification.user_id == oskar)).all()
    # Oskar also hears about the consultations he asked in the history; one mention.
    assert [n.kind for n in mine if n.kind == "note.mention"] == ["note.mention"]


def test_the_demo_has_rejected_answers_waiting_for_a_leads_review(db: Session) -> None:
    from nara.demo.suggestions import REJECTED_ANSWERS
    from nara.queries.training_suggestions import waiting_count

    with clock.frozen_at(clock.now()):
        load_demo(db, cases=5)
    # Each rejected answer waits as a counter-example; the played cases may add a
    # correction or two of their own, depending on the day the demo is loaded.
    waiting = db.scalars(
        select(TrainingExample.text).where(
            TrainingExample.source == "rejection", TrainingExample.status == "suggested"
        )
    ).all()
    assert sorted(waiting) == sorted(question for question, _lang, _topic in REJECTED_ANSWERS)
    assert waiting_count(db) >= len(REJECTED_ANSWERS)
