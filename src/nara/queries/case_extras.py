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
from collections.abc import Sequence
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Select, bindparam, event, or_, select
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session, UOWTransaction
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
        # Kept after the statement: its autoflush, if any, has emptied the session's info.
        prime(session, case_id, row)
        return bool(row[EXTRAS.index(extra)])
    return found[extra]


def prime(session: Session, case_id: int, values: Sequence[Any]) -> None:
    """Keep the answer to :func:`columns` read along with the case (in the order of
    :data:`EXTRAS`), as :func:`has` would keep its own probe's. Call it right after the
    statement that read them: that statement's autoflush, if any, came first."""
    found = {name: bool(value) for name, value in zip(EXTRAS, values, strict=True)}
    session.info.setdefault(KEPT, {})[case_id] = found


@functools.cache
def _probe() -> Select[*tuple[Any, ...]]:
    """One row of booleans in the order of :data:`EXTRAS`, built once (``ce_case``)."""
    case: BindParameter[int] = bindparam("ce_case")
    customer = select(Case.customer_id).where(Case.id == case).scalar_subquery()
    return select(*columns(case, customer))


def columns(
    case_id: ColumnElement[int] | InstrumentedAttribute[int],
    customer_id: ColumnElement[int] | InstrumentedAttribute[int],
) -> tuple[ColumnElement[bool], ...]:
    """The probe as columns in the order of :data:`EXTRAS`, for the case ``case_id``
    whose customer is ``customer_id`` (a parameter and a subquery for :func:`has`; the
    row's own columns when read with the case, see :func:`prime`)."""
    return (
        select(CaseLink.id)
        .where(or_(CaseLink.case_id == case_id, CaseLink.other_case_id == case_id))
        .exists(),
        select(SatisfactionRating.id).where(SatisfactionRating.case_id == case_id).exists(),
        select(CaseTask.id).where(CaseTask.case_id == case_id).exists(),
        select(Callback.id).where(Callback.case_id == case_id).exists(),
        select(Consultation.id).where(Consultation.case_id == case_id).exists(),
        select(Decision.id).where(Decision.case_id == case_id).exists(),
        select(CasePrivateLink.id).where(CasePrivateLink.case_id == case_id).exists(),
        select(ImprovementEvidence.id)
        .where(
            ImprovementEvidence.case_id == case_id,
            ImprovementEvidence.status != EvidenceStatus.rejected.value,
        )
        .exists(),
        select(Decision.id)
        .where(
            Decision.customer_id == customer_id,
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
