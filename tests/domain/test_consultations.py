"""Consultations (samråd): one case, one owner, another team consulted inside it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import cases as case_actions
from nara.domain import consultations as consult
from nara.domain.actors import SYSTEM, Actor
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.promises import check_promises
from nara.models import CaseEvent, Consultation, Notification, Team
from nara.queries import consultations as consultation_queries
from nara.queries.access import get_case_for
from tests import factories
from tests.factories import World


@pytest.fixture
def w(db: Session) -> World:
    return factories.world(db)


def act(db: Session, user: object) -> Actor:
    return factories.actor(db, user)  # type: ignore[arg-type]


def ask(db: Session, w: World, **kw: object) -> Consultation:
    """The card agent (owning team of Alice's case) asks the loans team."""
    args: dict[str, object] = {
        "session": db,
        "actor": act(db, w.card_agent),
        "number": w.alice_case.number,
        "team": w.loans.slug,
        "question": "Har kunden ett lån hos er som påverkar kortgränsen?",
    }
    args.update(kw)
    return consult.ask_consultation(**args)  # type: ignore[arg-type]


def events(db: Session, case_id: int) -> list[CaseEvent]:
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)))


def test_asking_gives_the_consulted_team_the_case_to_read_and_notes_to_write(
    db: Session, w: World
) -> None:
    loan_agent = act(db, w.loan_agent)
    with pytest.raises(NotFound):  # before: another team's case is out of sight
        get_case_for(db, loan_agent, w.alice_case.number)
    c = ask(db, w)
    assert c.status == "open" and c.team_id == w.loans.id
    assert c.due_at > c.asked_at
    case = get_case_for(db, loan_agent, w.alice_case.number)  # now readable
    case_actions.add_note(session=db, actor=loan_agent, number=case.number, body="Vi kollar.")
    # ... but not changeable: no reply to the customer, no status, no taking it
    with pytest.raises(PermissionDenied):
        case_actions.reply_to_case(session=db, actor=loan_agent, number=case.number, body="Hej")
    with pytest.raises(PermissionDenied):
        case_actions.change_status(session=db, actor=loan_agent, number=case.number, status="open")
    with pytest.raises(PermissionDenied):
        case_actions.assign_case(
            session=db, actor=loan_agent, number=case.number, owner_id=w.loan_agent.id
        )
    kinds = [e.type for e in events(db, case.id)]
    assert "consultation.requested" in kinds
    requested = next(e for e in events(db, case.id) if e.type == "consultation.requested")
    assert not requested.is_public and requested.body.startswith("Har kunden")
    # the consulted team's members were notified
    notes = db.scalars(select(Notification).where(Notification.consultation_id == c.id)).all()
    assert {n.user_id for n in notes} == {w.loan_agent.id}
    assert {n.kind for n in notes} == {"consultation.asked"}


def test_answer_close_and_read_access_afterwards(db: Session, w: World) -> None:
    c = ask(db, w)
    loan_agent = act(db, w.loan_agent)
    consult.answer_consultation(
        session=db, actor=loan_agent, consultation_id=c.id, answer="Ja, ett bolån."
    )
    assert c.status == "answered" and c.answered_in_time is True
    assert c.answered_by_id == w.loan_agent.id
    owner_notes = db.scalars(
        select(Notification).where(
            Notification.kind == "consultation.answered", Notification.user_id == w.card_agent.id
        )
    ).all()
    assert len(owner_notes) == 1
    with pytest.raises(Conflict):  # answering twice
        consult.answer_consultation(session=db, actor=loan_agent, consultation_id=c.id, answer="x")
    with pytest.raises(PermissionDenied):  # only the owning side closes
        consult.close_consultation(session=db, actor=loan_agent, consultation_id=c.id)
    consult.close_consultation(session=db, actor=act(db, w.card_agent), consultation_id=c.id)
    assert c.status == "closed"
    with pytest.raises(Conflict):
        consult.close_consultation(session=db, actor=act(db, w.card_agent), consultation_id=c.id)
    # after closing: the loans team still reads that case, but writes nothing
    get_case_for(db, loan_agent, w.alice_case.number)
    with pytest.raises(PermissionDenied):
        case_actions.add_note(session=db, actor=loan_agent, number=w.alice_case.number, body="x")
    with pytest.raises(Conflict):
        consult.answer_consultation(session=db, actor=loan_agent, consultation_id=c.id, answer="y")
    # nothing else widened: Bob's case (loans) is theirs anyway; a third team sees nothing
    third = factories.team(db)
    outsider = act(db, factories.user(db, teams=[third]))
    with pytest.raises(NotFound):
        get_case_for(db, outsider, w.alice_case.number)
    with pytest.raises(NotFound):
        consult.answer_consultation(session=db, actor=outsider, consultation_id=c.id, answer="z")
    types = [e.type for e in events(db, w.alice_case.id)]
    assert types.count("consultation.answered") == 1 and types.count("consultation.closed") == 1


def test_follow_up_opens_it_again(db: Session, w: World) -> None:
    c = ask(db, w)
    loan_agent, card_agent = act(db, w.loan_agent), act(db, w.card_agent)
    with pytest.raises(Conflict):  # no answer yet
        consult.follow_up_consultation(
            session=db, actor=card_agent, consultation_id=c.id, question="Och?"
        )
    consult.answer_consultation(session=db, actor=loan_agent, consultation_id=c.id, answer="Ja")
    consult.follow_up_consultation(
        session=db, actor=card_agent, consultation_id=c.id, question="Hur stort är lånet?"
    )
    assert c.status == "open" and c.follow_ups == 1 and c.question == "Hur stort är lånet?"
    consult.answer_consultation(
        session=db, actor=loan_agent, consultation_id=c.id, answer="2 miljoner"
    )
    assert c.answer == "2 miljoner"


def test_several_open_consultations_on_one_case(db: Session, w: World) -> None:
    factories.user(db, teams=[w.front])
    first = ask(db, w)
    second = ask(db, w, team=w.front.slug, question="Har kunden ringt er?")
    third = ask(db, w, question="En sak till om lånet")
    rows = consultation_queries.consultations_of_case(db, w.alice_case)
    assert [r.consultation.id for r in rows] == [first.id, second.id, third.id]
    assert {r.consultation.status for r in rows} == {"open"}


def test_bad_input_is_refused_and_nothing_is_written(db: Session, w: World) -> None:
    before = db.scalar(select(Consultation.id).limit(1))
    assert before is None
    cases = [
        {"team": w.cards.slug},  # the owning team itself
        {"team": "no-such-team"},
        {"question": "   "},
        {"question": "x" * (consult.MAX_QUESTION + 1)},
        {"due": clock.now() - timedelta(minutes=1)},
        {"due": clock.now() + timedelta(days=366)},
        {"due": datetime(2030, 1, 1, 12, 0)},  # no time zone
        {"member": w.card_agent.email},  # not a member of loans
    ]
    for extra in cases:
        with pytest.raises(ValidationFailed):
            ask(db, w, **extra)
    empty = factories.team(db)
    with pytest.raises(ValidationFailed):  # a team without members
        ask(db, w, team=empty.slug)
    inactive = factories.team(db)
    factories.user(db, teams=[inactive])
    inactive.is_active = False
    db.flush()
    with pytest.raises(ValidationFailed):
        ask(db, w, team=inactive.slug)
    with pytest.raises(PermissionDenied):  # a customer
        ask(db, w, actor=act(db, w.alice_user))
    with pytest.raises(PermissionDenied):  # the consulted team cannot consult on it
        c = ask(db, w)
        consult.ask_consultation(
            session=db,
            actor=act(db, w.loan_agent),
            number=w.alice_case.number,
            team=w.front.slug,
            question="?",
        )
    assert db.scalars(select(Consultation)).all() == [c]


def test_due_time_defaults_to_the_team_promise_and_may_be_chosen(db: Session, w: World) -> None:
    w.loans.consultation_minutes = 60
    db.flush()
    c = ask(db, w)
    assert c.due_at == consult.promised_due(db, w.loans, c.asked_at)
    sooner = clock.now() + timedelta(minutes=5)
    d = ask(db, w, due=sooner)
    assert d.due_at == sooner


def test_named_member(db: Session, w: World) -> None:
    other = factories.user(db, teams=[w.loans])
    c = ask(db, w, member=other.email)
    assert c.member_id == other.id
    notes = db.scalars(select(Notification).where(Notification.consultation_id == c.id)).all()
    assert [n.user_id for n in notes] == [other.id]  # only the named member


def test_overdue_check_warns_then_marks_overdue_once(db: Session, w: World) -> None:
    now = clock.now()
    c = ask(db, w, due=now + timedelta(hours=1))
    assert c.warn_at is not None and now < c.warn_at < c.due_at
    assert check_promises(session=db, actor=SYSTEM, now=now).consultation_warnings == 0
    report = check_promises(session=db, actor=SYSTEM, now=c.warn_at + timedelta(seconds=1))
    assert report.consultation_warnings == 1 and report.consultations_overdue == 0
    report = check_promises(session=db, actor=SYSTEM, now=c.due_at + timedelta(seconds=1))
    assert report.consultations_overdue == 1
    again = check_promises(session=db, actor=SYSTEM, now=c.due_at + timedelta(minutes=5))
    assert again.consultations_overdue == 0 and again.consultation_warnings == 0
    assert c.check_at is None
    overdue = [e for e in events(db, w.alice_case.id) if e.type == "consultation.overdue"]
    assert len(overdue) == 1 and not overdue[0].is_public
    rows = consultation_queries.overdue_for_teams(db, [w.loans.id], c.due_at + timedelta(seconds=1))
    assert [r.consultation.id for r in rows] == [c.id]
    # answered late: counted as not in time
    with clock.frozen_at(c.due_at + timedelta(minutes=10)):
        consult.answer_consultation(
            session=db, actor=act(db, w.loan_agent), consultation_id=c.id, answer="Sent"
        )
    assert c.answered_in_time is False


def test_lists_for_the_consulted_team_and_the_asker(db: Session, w: World) -> None:
    c = ask(db, w)
    loan_agent = act(db, w.loan_agent)
    page = consultation_queries.list_consultations(db, loan_agent, status="open")
    assert [r.consultation.id for r in page.items] == [c.id]
    assert consultation_queries.list_consultations(db, act(db, w.card_agent)).items == []
    mine = consultation_queries.list_consultations(db, act(db, w.card_agent), asked_by_me=True)
    assert [r.consultation.id for r in mine.items] == [c.id]
    with pytest.raises(ValidationFailed):
        consultation_queries.list_consultations(db, loan_agent, status="bogus")
    assert consultation_queries.count_open_for_teams(db, [w.loans.id]) == 1


def test_team_of_the_consulted_side_is_a_team(db: Session, w: World) -> None:
    c = ask(db, w)
    assert db.get(Team, c.team_id) is w.loans
    assert c.asking_team_id == w.cards.id
