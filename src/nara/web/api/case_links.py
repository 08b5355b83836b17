"""/api/v1/cases/{number}/links and /merge: related cases and merging a duplicate."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field

from nara.domain import case_links as link_actions
from nara.queries import cases as case_queries
from nara.queries.access import get_case_for
from nara.web.api import schemas, serializers
from nara.web.api.schemas import In
from nara.web.deps import DB, CurrentCaller

router = APIRouter(prefix="/cases", tags=["cases"])
NUMBER_DOC = "A case number, like NA-2026-000123."


class LinkIn(In):
    case: str = Field(min_length=1, max_length=32, description=NUMBER_DOC)


class MergeIn(In):
    into: str = Field(
        min_length=1, max_length=32, description=f"The case it continues in. {NUMBER_DOC}"
    )


def _detail(db: DB, caller: CurrentCaller, number: str) -> schemas.CaseDetailOut:
    case = get_case_for(db, caller.actor, number)
    events = case_queries.timeline(db, caller.actor, case)
    return serializers.case_detail_out(db, caller.actor, case, events, caller.user.locale or "sv")


@router.post("/{number}/links", status_code=201, response_model=schemas.CaseDetailOut)
def link(number: str, body: LinkIn, db: DB, caller: CurrentCaller) -> schemas.CaseDetailOut:
    """Relate two cases (both ways, stored once). Staff of the case's owning side, who
    can see the other case."""
    link_actions.link_cases(session=db, actor=caller.actor, number=number, other=body.case)
    db.commit()
    return _detail(db, caller, number)


@router.delete("/{number}/links/{other}", status_code=204)
def unlink(number: str, other: str, db: DB, caller: CurrentCaller) -> Response:
    link_actions.unlink_cases(session=db, actor=caller.actor, number=number, other=other)
    db.commit()
    return Response(status_code=204)


@router.post("/{number}/merge", response_model=schemas.CaseDetailOut)
def merge(number: str, body: MergeIn, db: DB, caller: CurrentCaller) -> schemas.CaseDetailOut:
    """Merge the duplicate ``number`` into another case of the same customer: it is
    closed with a pointer (``merged_into``), both timelines are kept, and the customer
    is told where the case continues. Refused (409) while the duplicate has a
    consultation under way or a booked callback. Answers with the duplicate."""
    link_actions.merge_case(session=db, actor=caller.actor, number=number, into=body.into)
    db.commit()
    return _detail(db, caller, number)
