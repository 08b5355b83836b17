"""What a case has besides its row and timeline, asked in one statement.

Most cases have no links, rating, tasks, callbacks, consultations, decisions, private
links or improvement evidence; the case page would otherwise ask for each (one statement
each, most of them answering nothing). :func:`has` asks once per case and transaction
whether each exists; a reader then reads only what exists.

The answer is kept in the session's ``info`` until the session writes anything (a
flush, an ORM bulk statement), holds unflushed changes, or its transaction ends: a
reader never misses what this session or a committed transaction wrote before the
answer was asked. Each probe is the reader's own condition on the case or wider (it may
say "yes" where the reader then finds nothing; never "no" where it finds something)."""

from __future__ import annotations

import functools
from typing import Any, Literal, get_args

from sqlalchemy import Select, bindparam, event, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.elements import BindParameter

from nara.models import (
    Callback,
    Case,
    CaseLink,
    CasePrivateLink,
    CaseTask,
    Consultation,
    Decision,
    DecisionState,
    EvidenceStatus,
    ImprovementEvidence,
    SatisfactionRating,
)

Extra = Literal[
    "links",
    "rating",
    "tasks",
    "callbacks",
    "consultations",
    "decisions",
    "private_links",
    "evidence",
    "customer_decisions",
]
EXTRAS: tuple[Extra, ...] = get_args(Extra)
"""``customer_decisions``: the case's customer has taken decisions with an amount (the
mandate panel's ledger of what was used); the others are the case's own."""

KEPT = "nara.case_extras"


def has(session: Session, case_id: int, extra: Extra) -> bool:
    """Whether the case may have ``extra`` (False: it certainly has none)."""
    if session.new or session.deleted or session.dirty:
        session.info.pop(KEPT, None)  # the probe's autoflush writes them first
    kept: dict[int, dict[str, bool]] | None = session.info.get(KEPT)
    found = kept.get(case_id) if kept is not None else None
    if found is None:
        row = session.execute(_probe(), {"ce_case": case_id}).one()
        found = {name: bool(value) for name, value in zip(EXTRAS, row, strict=True)}
        # Set after the statement: its autoflush, if any, has emptied the session's info.
        session.info.setdefault(KEPT, {})[case_id] = found
    return found[extra]


@functools.cache
def _probe() -> Select[*tuple[Any, ...]]:
    """One row of booleans in the order of :data:`EXTRAS`, built once (``ce_case``)."""
    case: BindParameter[int] = bindparam("ce_case")
    return select(
        select(CaseLink.id)
        .where(or_(CaseLink.case_id == case, CaseLink.other_case_id == case))
        .exists(),
        select(SatisfactionRating.id).where(SatisfactionRating.case_id == case).exists(),
        select(CaseTask.id).where(CaseTask.case_id == case).exists(),
        select(Callback.id).where(Callback.case_id == case).exists(),
        select(Consultation.id).where(Consultation.case_id == case).exists(),
        select(Decision.id).where(Decision.case_id == case).exists(),
        select(CasePrivateLink.id).where(CasePrivateLink.case_id == case).exists(),
        select(ImprovementEvidence.id)
        .where(
            ImprovementEvidence.case_id == case,
            ImprovementEvidence.status != EvidenceStatus.rejected.value,
        )
        .exists(),
        select(Decision.id)
        .where(
            Decision.customer_id
            == select(Case.customer_id).where(Case.id == case).scalar_subquery(),
            Decision.state == DecisionState.taken.value,
            Decision.amount.is_not(None),
        )
        .exists(),
    )


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info.pop(KEPT, None)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info.pop(KEPT, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _ended(session: Session, *_: object) -> None:
    session.info.pop(KEPT, None)
