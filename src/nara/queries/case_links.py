"""Reading related cases and where a merged duplicate continues."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import BindParameter, CompoundSelect, bindparam, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from nara.domain.actors import Actor
from nara.models import Case, CaseLink
from nara.queries import case_extras
from nara.queries.access import case_visibility


@dataclass(frozen=True)
class RelatedLine:
    """A case related to another; ``subject`` is None when the reader may not read it."""

    number: str
    status: str
    subject: str | None
    readable: bool


@functools.cache
def _linked() -> CompoundSelect[int]:
    """The ids of the cases linked to ``case_id`` either way, built once."""
    case_id: BindParameter[int] = bindparam("case_id")
    return (
        select(CaseLink.other_case_id)
        .where(CaseLink.case_id == case_id)
        .union_all(select(CaseLink.case_id).where(CaseLink.other_case_id == case_id))
    )


def related_cases(session: Session, actor: Actor, case: Case) -> list[RelatedLine]:
    """The cases linked to ``case`` (which the caller may see), oldest first. Staff see
    every related case (the subject only of those they may read); a customer only their
    own. Most cases have no related case: the links are read first, by index, and the
    access check (a large expression to build) only when there are some."""
    if not case_extras.has(session, case.id, "links"):
        return []
    ids = list(session.scalars(_linked(), {"case_id": case.id}))
    if not ids:
        return []
    visible = case_visibility(actor)
    stmt = (
        select(Case.number, Case.status, Case.subject, when((visible, True), else_=False))
        .where(Case.id.in_(ids))
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
