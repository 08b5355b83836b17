"""Reading related cases and where a merged duplicate continues."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case as when
from sqlalchemy import null, select
from sqlalchemy.orm import Session

from nara.domain.actors import Actor
from nara.models import Case, CaseLink
from nara.queries.access import case_visibility
from nara.queries.customer_overview import readable


@dataclass(frozen=True)
class RelatedLine:
    """A case related to another; ``subject`` is None when the reader may not read it."""

    number: str
    status: str
    subject: str | None
    readable: bool


def related_cases(session: Session, actor: Actor, case: Case) -> list[RelatedLine]:
    """The cases linked to ``case`` (which the caller may see), oldest first, in one
    query. Staff see every related case (the subject only of those they may read); a
    customer only their own."""
    linked = (
        select(CaseLink.other_case_id)
        .where(CaseLink.case_id == case.id)
        .union_all(select(CaseLink.case_id).where(CaseLink.other_case_id == case.id))
    )
    visible = case_visibility(actor)
    stmt = (
        select(
            Case.number,
            Case.status,
            when((visible, Case.subject), else_=null()),
            readable(actor),
        )
        .where(Case.id.in_(linked))
        .order_by(Case.opened_at, Case.id)
    )
    if actor.is_customer:
        stmt = stmt.where(visible)
    return [
        RelatedLine(number=n, status=s, subject=subject if ok else None, readable=bool(ok))
        for n, s, subject, ok in session.execute(stmt)
    ]


def merged_into(session: Session, case: Case) -> str | None:
    """The number of the case a merged duplicate continues in (None if not merged)."""
    if case.merged_into_id is None:
        return None
    return session.scalar(select(Case.number).where(Case.id == case.merged_into_id))
