"""/api/v1/cases/{number}/satisfaction: the customer's answer to "How well did we help
you?" on their resolved case (the rules are in ``domain/satisfaction.py``).

Only the case's customer answers (201 the first time, 200 for a change within 7 days);
anyone else, anonymous callers and staff included, is told the case does not exist
(404). The answer is read by the customer and by staff who may read the case."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from nara.domain.actors import Actor
from nara.domain.errors import NotFound
from nara.domain.satisfaction import rate_case
from nara.i18n import N_
from nara.queries.access import get_case_for
from nara.queries.satisfaction import rating_view
from nara.web.api import schemas, serializers
from nara.web.deps import DB, check_csrf, identify

router = APIRouter(prefix="/cases", tags=["cases"])


def _no_case(number: str) -> NotFound:
    return NotFound(
        f"no case {number}", template=N_("No case %(number)s."), params={"number": number}
    )


def _actor(request: Request, db: DB, number: str) -> Actor:
    """The caller; an anonymous one finds no case (nothing is looked up)."""
    caller = identify(request, db)
    if caller is None:
        raise _no_case(number)
    if request.method not in ("GET", "HEAD"):
        check_csrf(caller, request.headers.get("x-csrf-token"))
    return caller.actor


@router.post("/{number}/satisfaction", status_code=201, response_model=schemas.SatisfactionOut)
def rate(
    number: str, body: schemas.SatisfactionIn, request: Request, response: Response, db: DB
) -> schemas.SatisfactionOut:
    """The case's customer answers "How well did we help you?" (1-5, with an optional
    comment) on their resolved or closed case: 201 the first time, 200 when they change
    the answer within 7 days of it (409 later, and for a case not resolved)."""
    actor = _actor(request, db, number)
    rated = rate_case(
        session=db,
        actor=actor,
        number=number,
        score=body.score,
        comment=body.comment,
        via="api",
    )
    db.commit()
    if not rated.created:
        response.status_code = status.HTTP_200_OK
    case = get_case_for(db, actor, number)
    out = serializers.satisfaction_out(rating_view(db, case))
    assert out is not None  # just written
    return out


@router.get("/{number}/satisfaction", response_model=schemas.SatisfactionOut)
def rating(number: str, request: Request, db: DB) -> schemas.SatisfactionOut:
    """The customer's answer, for the customer and for staff who may read the case (404
    before the customer answered)."""
    actor = _actor(request, db, number)
    case = get_case_for(db, actor, number)
    out = serializers.satisfaction_out(rating_view(db, case))
    if out is None:
        raise NotFound(
            f"case {case.number} has not been rated",
            template=N_("The customer has not answered yet."),
        )
    return out
