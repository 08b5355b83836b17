"""The inbox at any size: each tab is the access check itself (never a case the actor
may not see), counts stop at a cap, and done cases come latest first."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.cases import assign_case, change_status, open_case
from nara.models import Case
from nara.queries import inbox as inbox_queries
from nara.queries.access import case_visibility
from nara.queries.inbox import TABS, InboxQuery, inbox
from tests import factories
from tests.factories import World


@pytest.fixture
def w(db: Session) -> World:
    world = factories.world(db)
    for topic, customer in ((world.card_topic, world.alice), (world.loan_topic, world.bob)) * 3:
        open_case(
            session=db, actor=SYSTEM, message="Hjälp", customer_id=customer.id, topic_id=topic.id
        )
    # a card agent owns a loan case (he keeps it after it moved teams, say)
    loan = db.scalars(select(Case).where(Case.team_id == world.loans.id)).first()
    assert loan is not None
    loan.owner_id = world.card_agent.id
    db.flush()
    return world


@pytest.mark.parametrize("who", ["card_agent", "loan_agent", "card_lead", "admin"])
@pytest.mark.parametrize("status", [None, "new", "closed"])
def test_no_tab_shows_a_case_the_actor_may_not_see(
    db: Session, w: World, who: str, status: str | None
) -> None:
    actor = factories.actor(db, getattr(w, who))
    visible = set(db.scalars(select(Case.id).where(case_visibility(actor))))
    for tab in TABS:
        page = inbox(db, actor, InboxQuery(tab=tab, status=status, per_page=100))
        shown = {c.id for c in page.items}
        assert shown <= visible, (who, tab)
        assert page.total == len(shown)


def test_the_mine_tab_holds_owned_cases_of_other_teams(db: Session, w: World) -> None:
    actor = factories.actor(db, w.card_agent)
    mine = inbox(db, actor, InboxQuery(tab="mine"))
    assert [c.team_id for c in mine.items] == [w.loans.id]


def test_customers_get_no_inbox(db: Session, w: World) -> None:
    page = inbox(db, factories.actor(db, w.alice_user), InboxQuery(tab="team"))
    assert page.items == [] and page.counts == dict.fromkeys(TABS, 0)


def test_counts_stop_at_the_cap_and_pages_go_on(
    db: Session, w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every tab's count stops at a cap: done cases grow with the history, and a backlog
    may grow large. Beyond it the pages go on as long as there are cases."""
    lead = factories.actor(db, w.card_lead)
    closed = set(db.scalars(select(Case.id).where(Case.team_id == w.cards.id)))
    for number in db.scalars(select(Case.number).where(Case.team_id == w.cards.id)):
        change_status(session=db, actor=lead, number=number, status="closed")
    assert len(closed) == 4
    monkeypatch.setattr(inbox_queries, "COUNT_CAP", 3)
    page = inbox(db, lead, InboxQuery(tab="team", status="closed", per_page=2))
    assert page.counts["team"] == 3 and "team" in page.capped and page.total_capped
    assert page.pages is None and page.has_next
    assert "mine" not in page.capped
    second = inbox(db, lead, InboxQuery(tab="team", status="closed", per_page=2, page=2))
    assert second.pages is None and not second.has_next
    assert {c.id for c in page.items} | {c.id for c in second.items} == closed
    # The backlog (a cap of its own): four cases of the loans team (alice's and three more).
    monkeypatch.setattr(inbox_queries, "BACKLOG_CAP", 3)
    agent = factories.actor(db, w.loan_agent)
    backlog = inbox(db, agent, InboxQuery(tab="team", per_page=3))
    assert backlog.counts["team"] == 3 and backlog.capped == {"team"}
    assert backlog.pages is None and backlog.has_next and len(backlog.items) == 3
    rest = inbox(db, agent, InboxQuery(tab="team", per_page=3, page=2))
    assert len(rest.items) == 1 and not rest.has_next
    assert {c.id for c in backlog.items}.isdisjoint({c.id for c in rest.items})
    # Below the cap, exact: the count, the pages, and no page past the last.
    monkeypatch.setattr(inbox_queries, "BACKLOG_CAP", 4)
    exact = inbox(db, agent, InboxQuery(tab="team", per_page=3, page=9))
    assert exact.counts["team"] == 4 and not exact.capped and exact.pages == 2
    assert exact.page == 2 and not exact.has_next and not exact.total_capped


def test_done_cases_come_latest_first(db: Session, w: World) -> None:
    lead = factories.actor(db, w.card_lead)
    numbers = list(
        db.scalars(select(Case.number).where(Case.team_id == w.cards.id).order_by(Case.id))
    )
    for number in numbers:
        assign_case(session=db, actor=lead, number=number, owner_id=w.card_lead.id)
        change_status(session=db, actor=lead, number=number, status="closed")
    page = inbox(db, lead, InboxQuery(tab="team", status="closed"))
    assert [c.number for c in page.items] == list(reversed(numbers))
