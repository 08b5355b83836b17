"""A small history with hand-computed follow-up figures (tests of issue 16).

Times are Europe/Stockholm (the test settings' display time zone); the clocks went
forward on Sunday 29 March 2026 (a 23-hour day), Easter 2026 closes Good Friday 3 April
and Easter Monday 6 April. The figures are taken at NOW for the period 27 March - 8 April.

Cases (customer, topic, channel; what happens), Z = UTC:
  A alice, cards, email: opened Fri 27/3 09:00Z; answered 09:30Z (kept: due 10:00Z);
    resolved Mon 30/3 07:30Z (missed: due 07:00Z) - resolved on another day than opened
  B bob, loans, chat: opened 28/3 23:30Z = Sun 29/3 00:30 local (the short day); answered
    29/3 06:00Z (no promise)
  C carol, cards, phone: opened 29/3 22:30Z = Mon 30/3 00:30 local (a fixed offset would
    say the 29th); answered 22:35Z (kept), resolved 22:40Z (kept); carol comes back (H)
    within 7 days, so not resolved at first contact
  D bob, loans, web: opened Tue 31/3 08:00Z (B 2.4 days before: a re-contact); never
    answered; a consultation of cards answered in time; a delay notice on Good Friday, sent
  E bob, loans, web: opened Tue 7/4 08:00Z, exactly 7 days after D (a re-contact);
    never answered; a consultation of cards overdue; a delay notice not sent
  F dave, cards, web: opened Tue 31/3 08:00Z; answered Thu 2/4 07:00Z (missed)
  G dave, cards, web: opened Wed 8/4 08:00Z, 8 days after F (not a re-contact); waiting
  H carol, cards, email: opened Thu 2/4 13:00Z (C within 7 days: a re-contact); handed
    over to loans; answered Tue 7/4 12:00Z, after Easter (missed the 60-minute promise,
    but within one working day: Good Friday and Easter Monday are not working days)
Ratings: A 4 "Bra hjälp" (31/3 09:00Z), C 2 (31/3 10:00Z).
Conversations: confirmed (cards), rejected and handed over (loans), answered then
re-contacted (cards), abstained (no topic).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM, Actor
from nara.domain.cases import change_status, open_case, reply_to_case
from nara.domain.ownership import hand_over
from nara.domain.promises import create_policy
from nara.models import (
    Case,
    CaseParticipant,
    CaseTask,
    Consultation,
    Conversation,
    Customer,
    SatisfactionRating,
)
from tests import factories
from tests.factories import World

FIRST, LAST = date(2026, 3, 27), date(2026, 4, 8)
NOW = datetime(2026, 4, 8, 10, 0, tzinfo=UTC)


def z(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class History:
    w: World
    carol: Customer
    dave: Customer
    cases: dict[str, Case]


def build(db: Session) -> History:
    with clock.frozen_at(z(3, 18, 9)):
        w = factories.world(db)
        carol, dave = factories.customer(db), factories.customer(db)
        create_policy(
            session=db,
            actor=SYSTEM,
            topic_id=w.card_topic.id,
            first_response_minutes=60,
            resolution_minutes=480,
        )
    card, loan = factories.actor(db, w.card_agent), factories.actor(db, w.loan_agent)
    bob = factories.actor(db, w.bob_user)
    cases: dict[str, Case] = {}

    def opened(
        name: str, at: datetime, who: Actor, customer: Customer, topic: int, channel: str
    ) -> None:
        with clock.frozen_at(at):
            cases[name] = open_case(
                session=db,
                actor=who,
                message=f"Ärende {name}",
                customer_id=None if who.is_customer else customer.id,
                topic_id=topic,
                channel=channel,
            ).case

    def answered(name: str, at: datetime, who: Actor) -> None:
        with clock.frozen_at(at):
            reply_to_case(session=db, actor=who, number=cases[name].number, body="Svar")

    def resolved(name: str, at: datetime, who: Actor) -> None:
        with clock.frozen_at(at):
            change_status(session=db, actor=who, number=cases[name].number, status="resolved")

    cards, loans = w.card_topic.id, w.loan_topic.id
    opened("A", z(3, 27, 9), card, w.alice, cards, "email")
    answered("A", z(3, 27, 9, 30), card)
    opened("B", z(3, 28, 23, 30), bob, w.bob, loans, "chat")
    answered("B", z(3, 29, 6), loan)
    opened("C", z(3, 29, 22, 30), card, carol, cards, "phone")
    answered("C", z(3, 29, 22, 35), card)
    resolved("C", z(3, 29, 22, 40), card)
    resolved("A", z(3, 30, 7, 30), card)
    opened("D", z(3, 31, 8), bob, w.bob, loans, "web")
    opened("F", z(3, 31, 8), card, dave, cards, "web")
    answered("F", z(4, 2, 7), card)
    opened("H", z(4, 2, 13), card, carol, cards, "email")
    with clock.frozen_at(z(4, 3, 9)):
        hand_over(
            session=db,
            actor=card,
            number=cases["H"].number,
            team=w.loans.slug,
            reason="Gäller ett lån",
        )
    opened("E", z(4, 7, 8), bob, w.bob, loans, "web")
    answered("H", z(4, 7, 12), loan)
    opened("G", z(4, 8, 8), card, dave, cards, "web")
    _ratings(db, cases)
    _conversations(db, w, carol, cases)
    _consultations(db, w, cases)
    _delay_notices(db, cases)
    db.flush()
    return History(w, carol, dave, cases)


def _ratings(db: Session, cases: dict[str, Case]) -> None:
    for name, score, comment, at in (
        ("A", 4, "Bra hjälp", z(3, 31, 9)),
        ("C", 2, "", z(3, 31, 10)),
    ):
        case = cases[name]
        db.add(
            SatisfactionRating(
                case_id=case.id,
                customer_id=case.customer_id,
                score=score,
                comment=comment,
                via="portal",
                created_at=at,
                updated_at=at,
            )
        )


def _conversations(db: Session, w: World, carol: Customer, cases: dict[str, Case]) -> None:
    rows: list[dict[str, Any]] = [
        {"customer_id": w.alice.id, "topic_id": w.card_topic.id, "outcome": "answered_confirmed",
         "started_at": z(4, 1, 12)},
        {"customer_id": w.bob.id, "topic_id": w.loan_topic.id, "outcome": "answered_rejected",
         "started_at": z(4, 1, 13), "case_id": cases["E"].id},
        {"customer_id": carol.id, "topic_id": w.card_topic.id, "outcome": "answered_no_feedback",
         "started_at": z(4, 2, 8), "resolved": False},
        {"customer_id": None, "topic_id": None, "outcome": "abstained", "started_at": z(4, 3, 8)},
    ]  # fmt: skip
    for row in rows:
        db.add(
            Conversation(
                public_id=str(uuid.uuid4()),
                channel="portal",
                lang="sv",
                ended_at=row["started_at"],
                model_version=None,
                **row,
            )
        )


def _consultations(db: Session, w: World, cases: dict[str, Case]) -> None:
    for name, asked, due, answered in (
        ("D", z(3, 31, 9), z(4, 1, 10), z(4, 1, 9)),
        ("E", z(4, 7, 9), z(4, 7, 12), None),
    ):
        db.add(CaseParticipant(case_id=cases[name].id, team_id=w.cards.id, reason="consulted",
                               created_at=asked))  # fmt: skip
        db.add(
            Consultation(
                case_id=cases[name].id,
                team_id=w.cards.id,
                asking_team_id=w.loans.id,
                question="Kan ni titta?",
                status="answered" if answered else "open",
                asked_at=asked,
                due_at=due,
                first_answered_at=answered,
                answered_at=answered,
                answered_in_time=(answered <= due) if answered else None,
                alerts=[],
            )
        )


def _delay_notices(db: Session, cases: dict[str, Case]) -> None:
    for name, created, done in (("D", z(4, 3, 8), z(4, 7, 15)), ("E", z(4, 7, 9), None)):
        db.add(CaseTask(case_id=cases[name].id, kind="delay_notice", created_at=created,
                        done_at=done))  # fmt: skip


EXPECTED_COUNTS = {
    "cases.opened": 8,
    "cases.resolved": 2,
    "cases.recontact": 3,  # D, E, H
    "cases.handed_over": 1,  # H
    "first_response.answered": 5,  # A, B, C, F, H
    "first_response.kept": 2,  # A, C
    "first_response.missed": 2,  # F, H
    "resolution.resolved": 2,  # A, C
    "resolution.kept": 1,  # C
    "resolution.missed": 1,  # A
    "resolution.first_contact": 1,  # A (carol came back after C)
    "wait.answered": 2,  # B (chat), C (phone)
    "wait.within_bar": 1,  # C
    "kkik.received": 6,  # A, H (e-mail); D, E, F, G (web)
    "kkik.in_time": 2,  # A, H
    "kkik.late": 3,  # D, E (unanswered past the deadline), F (answered late); G pending
    "selfservice.conversations": 4,
    "selfservice.answered": 2,
    "selfservice.confirmed": 1,
    "selfservice.rejected": 1,
    "selfservice.handed_over": 1,
    "selfservice.recontact": 1,
    "consultations.decided": 2,
    "consultations.in_time": 1,
    "decisions.at_once": 0,
    "decisions.for_approval": 0,
    "csat.rated": 2,
    "delay_notice.due": 2,
    "delay_notice.on_time": 1,  # D: sent on Tue 7/4, the first working day after Good Friday
    "delay_notice.late": 1,  # E: not sent, a working day has passed
}
FIRST_RESPONSE_SECONDS = (1800, 23400, 300, 169200, 428400)  # A, B, C, F, H
RESOLUTION_SECONDS = (253800, 600)  # A, C
OPENED_PER_WEEK = (2, 4, 2)  # weeks from Mon 23/3, 30/3, 6/4 (cut to the period)
OPENED_PER_MONTH = (5, 3)
