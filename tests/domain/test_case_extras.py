"""What a case has besides its row (``nara.queries.case_extras``): one statement says
which of links, rating, tasks, callbacks, consultations, decisions, private links and
improvement evidence a case has, and the case page's readers read only those. The
readers must find exactly what they found without the probe, and nothing written in the
same session may be missed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nara import clock
from nara.demo.loader import load_demo
from nara.domain.actors import SYSTEM
from nara.domain.errors import NotFound
from nara.models import (
    Callback,
    Case,
    CaseLink,
    CasePrivateLink,
    CaseTask,
    Consultation,
    Decision,
    ImprovementEvidence,
    SatisfactionRating,
    User,
)
from nara.queries import (
    case_extras,
    case_links,
    consultations,
    decisions,
    directory,
    improvements,
    private_links,
    satisfaction,
)
from nara.queries.access import case_to_read
from nara.queries.callbacks import callbacks_of_case
from nara.queries.case_service import case_service
from nara.simulation.plans import Statement, captured
from tests import factories

READERS: dict[str, Callable[[Session, Case], Any]] = {
    "links": lambda s, c: [r.number for r in case_links.related_cases(s, SYSTEM, c)],
    "rating": lambda s, c: satisfaction.rating_view(s, c),
    "tasks": lambda s, c: [t.id for t in case_service(s, c, clock.now()).tasks],
    "callbacks": lambda s, c: [b.id for b in callbacks_of_case(s, c.id)],
    "consultations": lambda s, c: [
        r.consultation.id for r in consultations.consultations_of_case(s, c)
    ],
    "decisions": lambda s, c: [r.decision.id for r in decisions.decisions_of_case(s, c)],
    "private_links": lambda s, c: [p.id for p in private_links.links_of_case(s, c.id)],
    "evidence": lambda s, c: [e.id for _, e in improvements.improvements_of_case(s, SYSTEM, c.id)],
    "customer_decisions": lambda s, c: [
        (line.decision_type.id, line.used_for_customer)
        for line in decisions.mandate_lines(s, SYSTEM, c, clock.now())
        if line.used_for_customer
    ],
}


def test_every_extra_is_probed_and_read() -> None:
    assert set(READERS) == set(case_extras.EXTRAS)


def test_the_readers_find_what_they_found_without_the_probe(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the demo's played cases (links, ratings, tasks, callbacks, consultations,
    decisions, private links and evidence among them): with the probe, every reader
    gives every case exactly what it gives when it always reads."""
    with clock.frozen_at(clock.now()):
        load_demo(db, cases=120, history=2_000, embed=False)
    # Every case that has an extra of any kind, and as many that have none.
    having = {
        case_id
        for table in (CaseLink, SatisfactionRating, CaseTask, Callback, Consultation, Decision)
        for case_id in db.scalars(select(table.case_id))
    } | {case_id for case_id in db.scalars(select(CasePrivateLink.case_id))}
    having |= set(db.scalars(select(ImprovementEvidence.case_id)))
    having |= set(db.scalars(select(CaseLink.other_case_id)))
    others = db.scalars(select(Case.id).where(Case.id.not_in(having)).limit(len(having))).all()
    cases = db.scalars(select(Case).where(Case.id.in_(having | set(others)))).all()
    with_probe = {(c.id, kind): read(db, c) for c in cases for kind, read in READERS.items()}
    monkeypatch.setattr(case_extras, "has", lambda *_args: True)
    always = {(c.id, kind): read(db, c) for c in cases for kind, read in READERS.items()}
    assert with_probe == always
    found = {kind for (_, kind), value in always.items() if value}
    assert len(found) >= 6 and "customer_decisions" in found, found  # it means something
    # Read with the case to show it, the probe answers as when asked alone, and the
    # references are what a case list reads.
    monkeypatch.undo()
    for case in cases:
        db.info.pop(case_extras.KEPT, None)
        case_extras.has(db, case.id, "links")
        alone = dict(db.info[case_extras.KEPT][case.id])
        db.info.pop(case_extras.KEPT, None)
        shown, references = case_to_read(db, SYSTEM, case.number.lower())
        assert shown is case
        assert db.info[case_extras.KEPT][case.id] == alone
        assert references == directory.case_references(db, [case.id])[case.id]


def test_a_case_without_extras_costs_one_statement(db: Session) -> None:
    world = _a_case(db)
    db.commit()
    with captured(db.get_bind().engine) as found:
        for read in READERS.values():
            assert not read(db, world)
    extras = _on_extras(found)
    assert len(extras) == 1, extras  # the probe


def _on_extras(statements: list[Statement]) -> list[str]:
    """The statements that read a table of the extras (the probe reads them all)."""
    tables = (
        "case_links",
        "satisfaction_ratings",
        "case_tasks",
        "callbacks",
        "consultations",
        "decisions",
        "case_private_links",
        "improvement_evidence",
    )  # fmt: skip  (the probe reads decisions of the customer too)
    sqls = [" ".join(s.sql.split()) for s in statements]
    return [sql for sql in sqls if any(f" {t} " in f"{sql} " for t in tables)]


def test_a_case_read_to_be_shown_costs_no_probe(db: Session) -> None:
    number = _a_case(db).number
    db.commit()
    with captured(db.get_bind().engine) as found:
        case, _ = case_to_read(db, SYSTEM, number)
    assert len(found) == 1, [s.sql[:150] for s in found]  # the case, references, probe
    with captured(db.get_bind().engine) as found:
        for read in READERS.values():
            assert not read(db, case)
    assert not _on_extras(found)


def test_a_case_read_to_be_shown_is_found_only_where_visible(db: Session) -> None:
    world = _a_case(db)
    agent = factories.user(db, teams=[factories.team(db)])
    stranger = db.get(User, factories.customer(db, with_login=True).user_id)
    assert stranger is not None
    db.commit()
    for who in (agent, stranger):
        with pytest.raises(NotFound):
            case_to_read(db, factories.actor(db, who), world.number)
    assert case_to_read(db, SYSTEM, world.number)[0].id == world.id


def test_what_the_session_writes_after_the_probe_is_read(db: Session) -> None:
    case = _a_case(db)
    other = _a_case(db)
    assert READERS["tasks"](db, case) == []
    assert READERS["links"](db, case) == []
    # Unflushed: the probe is asked again (and flushes first).
    low, high = sorted((case.id, other.id))
    db.add(CaseLink(case_id=low, other_case_id=high, kind="related", created_at=clock.now()))
    assert READERS["links"](db, case) == [other.number]
    # Flushed by the session.
    db.add(CaseTask(case_id=case.id, kind="delay_notice", created_at=clock.now()))
    db.flush()
    assert len(READERS["tasks"](db, case)) == 1


def test_the_probe_is_asked_again_in_the_next_transaction(db: Session) -> None:
    case = _a_case(db)
    db.commit()
    assert READERS["tasks"](db, case) == []
    db.commit()
    # Another transaction adds a task, past the session (no session event sees it).
    db.connection().execute(
        insert(CaseTask).values(case_id=case.id, kind="delay_notice", created_at=clock.now())
    )
    assert len(READERS["tasks"](db, case)) == 1


def _a_case(db: Session) -> Case:
    factories.team(db, fallback=True)
    case = factories.case(db, the_customer=factories.customer(db))
    db.flush()
    return case
