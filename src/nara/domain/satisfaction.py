"""Customer satisfaction (nöjdhet): "How well did we help you?", 1 to 5, with an
optional comment, once per resolved case.

- Only the case's own customer rates it: logged in (portal, API), or as the holder of
  the case's private link or of its signed rating link (``queries/satisfaction.py``).
  Anyone else is told the case does not exist (404), staff who read the case included.
- Only a resolved or closed case (409 otherwise). One rating per case (a unique
  constraint; two first answers at once make one row, the later one a change).
- The customer may change the answer for ``CHANGE_DAYS`` (7) days after first answering;
  later it stays as it is (409).
- The score is a whole number from 1 to 5; the comment is optional, trimmed, at most
  ``MAX_COMMENT`` (2,000) characters.
- Every answer and change is an internal event on the case's timeline. A low score (1 or
  2) makes a follow-up task on the case for the lead of the owning team and notifies the
  team's leads: once per case, however often the answer changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.errors import Conflict, NotFound, ValidationFailed
from nara.domain.events import append_event
from nara.domain.notifications import notify, team_lead_ids
from nara.i18n import N_
from nara.models import Case, CaseTask, Customer, Role, SatisfactionRating
from nara.queries.access import get_case_for
from nara.queries.satisfaction import (
    CHANGE_DAYS,
    RatingLink,
    TokenState,
    is_changeable,
    may_be_rated,
    rating_of,
)

MAX_COMMENT = 2000
LOW_SCORES = frozenset({1, 2})
FOLLOW_UP_TASK = "satisfaction_followup"
VIA = frozenset({"portal", "link", "api"})
GONE = N_("This link no longer works.")

__all__ = ["CHANGE_DAYS", "FOLLOW_UP_TASK", "MAX_COMMENT", "Rated", "rate_case"]


@dataclass(frozen=True)
class Rated:
    rating: SatisfactionRating
    created: bool  # the first answer (False: a change, or the same answer again)


def parse_score(value: object) -> int:
    """A whole number from 1 to 5 (a form's text "4" too); anything else is refused."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip()) if len(value.strip()) <= 2 else None
    if number is None or not 1 <= number <= 5:
        raise ValidationFailed(
            "score must be a whole number from 1 to 5",
            field="score",
            template=N_("Choose a score from 1 to 5."),
        )
    return number


def _not_rateable(number: str) -> NotFound:
    return NotFound(
        f"only the customer of case {number} can rate it",
        template=N_("Only the case's customer can rate it."),
    )


def rate_case(
    *,
    session: Session,
    actor: Actor,
    number: str,
    score: object,
    comment: str | None = None,
    via: str = "portal",
) -> Rated:
    """The customer's answer to "How well did we help you?" on their resolved case:
    the first answer, or a change within ``CHANGE_DAYS`` days of it."""
    if via not in VIA:
        raise ValueError(f"unknown channel of a rating: {via!r}")  # a programming error
    case = get_case_for(session, actor, number, lock=True)  # not theirs: 404
    if not actor.is_customer or actor.customer_id != case.customer_id:
        raise _not_rateable(case.number)
    value = parse_score(score)
    text = validation.text(comment, field="comment", max_length=MAX_COMMENT, required=False)
    if not may_be_rated(case):
        raise Conflict(
            f"case {case.number} is not resolved yet; it can be rated once it is resolved",
            template=N_("You can tell us how well we helped you once the case is resolved."),
        )
    now = clock.now()
    rating = rating_of(session, case.id)
    created = False
    if rating is None:
        rating, created = _first(session, case, value, text, via)
    if created:
        append_event(
            session,
            case=case,
            type="satisfaction.rated",
            actor=actor,
            body=text,
            data={"score": value, "via": via},
            at=now,
        )
    else:
        _change(session, actor, case, rating, value, text, via)
    if value in LOW_SCORES:
        _follow_up(session, actor, case, value)
    session.flush()
    return Rated(rating, created)


def _first(
    session: Session, case: Case, score: int, text: str, via: str
) -> tuple[SatisfactionRating, bool]:
    """Insert the first answer (True); when another request answered first (the unique
    case_id), theirs is the rating and this answer becomes a change of it (False)."""
    now = clock.now()
    rating = SatisfactionRating(
        case_id=case.id,
        customer_id=case.customer_id,
        score=score,
        comment=text,
        via=via,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError:
        existing = rating_of(session, case.id)
        if existing is None:  # not the unique rating of the case after all
            raise
        return existing, False
    return rating, True


def _change(
    session: Session,
    actor: Actor,
    case: Case,
    rating: SatisfactionRating,
    score: int,
    text: str,
    via: str,
) -> None:
    now = clock.now()
    if not is_changeable(rating, now):
        raise Conflict(
            f"the rating of case {case.number} can no longer be changed: answers can be "
            f"changed for {CHANGE_DAYS} days after the first answer",
            template=N_(
                "Your answer can no longer be changed: answers can be changed for %(days)s days."
            ),
            params={"days": CHANGE_DAYS},
        )
    if rating.score == score and rating.comment == text:
        return  # the same answer again changes nothing
    old = rating.score
    rating.score, rating.comment, rating.via, rating.updated_at = score, text, via, now
    append_event(
        session,
        case=case,
        type="satisfaction.changed",
        actor=actor,
        body=text,
        data={"score": score, "old_score": old, "via": via},
        at=now,
    )


def _follow_up(session: Session, actor: Actor, case: Case, score: int) -> None:
    """A low score: a follow-up task for the owning team's lead, once per case."""
    exists = session.scalar(
        select(CaseTask.id).where(CaseTask.case_id == case.id, CaseTask.kind == FOLLOW_UP_TASK)
    )
    if exists is not None:
        return
    now = clock.now()
    session.add(CaseTask(case_id=case.id, kind=FOLLOW_UP_TASK, created_at=now))
    append_event(
        session,
        case=case,
        type="task.created",
        actor=actor,
        data={"kind": FOLLOW_UP_TASK, "score": score},
        at=now,
    )
    notify(
        session,
        user_ids=team_lead_ids(session, case.team_id),
        kind="satisfaction.low",
        case=case,
        data={"score": score},
    )


def customer_actor(session: Session, case: Case) -> Actor:
    """The holder of a link to ``case``: its customer, without a login."""
    customer = session.get(Customer, case.customer_id)
    return Actor(
        user_id=None,
        role=Role.customer,
        customer_id=case.customer_id,
        display_name=customer.name if customer else "",
    )


def rate_by_rating_link(
    *, session: Session, link: RatingLink, score: object, comment: str | None
) -> Rated:
    """The answer given through the signed rating link (the link that e-mail will
    carry); a link past its expiry opens nothing."""
    if link.state is not TokenState.valid:
        raise NotFound("this link no longer works", template=GONE)
    actor = customer_actor(session, link.case)
    return rate_case(
        session=session,
        actor=actor,
        number=link.case.number,
        score=score,
        comment=comment,
        via="link",
    )
