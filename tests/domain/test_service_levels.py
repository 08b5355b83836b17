"""Response promises, calendars, routing across teams, presence, Next case and the
expected wait, through the domain functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain.actors import SYSTEM, Actor
from nara.domain.calendars import set_team_calendar
from nara.domain.cases import assign_case, change_status, open_case, reply_to_case
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.events import EVENT_TYPES
from nara.domain.presence import set_presence
from nara.domain.promises import (
    check_promises,
    complete_task,
    create_policy,
    delete_policy,
    update_policy,
)
from nara.domain.queue import take_next_case
from nara.domain.routing import set_topic_routing
from nara.domain.teams import add_team_member, add_team_topic
from nara.models import Case, CaseEvent, CaseTask, WaitEstimate, WorkSession
from nara.promises.maths import PromiseState
from nara.queries.promises import promise_views
from nara.queries.service import team_workload
from tests import factories
from tests.factories import World

STHLM = ZoneInfo("Europe/Stockholm")
TUESDAY_9 = datetime(2026, 11, 24, 9, tzinfo=STHLM)


@pytest.fixture
def w(db: Session) -> World:
    with clock.frozen_at(TUESDAY_9 - timedelta(hours=1)):
        return factories.world(db)


def act(db: Session, user: object) -> Actor:
    return factories.actor(db, user)  # type: ignore[arg-type]


def types(db: Session, case: Case) -> list[str]:
    return list(
        db.scalars(
            select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def event(db: Session, case: Case, kind: str) -> CaseEvent:
    found = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == kind)
    ).all()
    assert found, f"no {kind} event"
    return found[-1]


def open_card_case(db: Session, w: World, **kw: object) -> Case:
    return open_case(session=db, actor=SYSTEM, message="Kortet nekas", customer_id=w.alice.id,
                     topic_id=w.card_topic.id, **kw).case  # type: ignore[arg-type]  # fmt: skip


def test_policy_is_applied_in_business_hours(db: Session, w: World) -> None:
    create_policy(session=db, actor=SYSTEM, first_response_minutes=120, resolution_minutes=960)
    friday_16 = datetime(2026, 11, 27, 16, tzinfo=STHLM)
    with clock.frozen_at(friday_16):
        case = open_card_case(db, w)
    assert case.first_response_budget_min == 120
    # one hour on Friday, one on Monday morning
    assert case.first_response_due_at == datetime(2026, 11, 30, 9, tzinfo=STHLM)
    # 16 h: 1 h Friday, 9 h Monday, 6 h Tuesday
    assert case.resolution_due_at == datetime(2026, 12, 1, 14, tzinfo=STHLM)
    promise = event(db, case, "promise.set")
    assert promise.data["first_response_minutes"] == 120


def test_most_specific_policy_wins(db: Session, w: World) -> None:
    create_policy(session=db, actor=SYSTEM, first_response_minutes=480, resolution_minutes=2400)
    create_policy(session=db, actor=SYSTEM, first_response_minutes=240, resolution_minutes=960,
                  priority="high")  # fmt: skip
    create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=480,
                  topic_id=w.card_topic.id)  # fmt: skip
    with clock.frozen_at(TUESDAY_9):
        card = open_card_case(db, w, priority="high")
        loan = open_case(session=db, actor=SYSTEM, message="Lån", customer_id=w.bob.id,
                         topic_id=w.loan_topic.id, priority="high").case  # fmt: skip
        plain = open_case(session=db, actor=SYSTEM, message="Lån", customer_id=w.bob.id,
                          topic_id=w.loan_topic.id).case  # fmt: skip
    assert card.first_response_budget_min == 60  # topic beats priority
    assert loan.first_response_budget_min == 240
    assert plain.first_response_budget_min == 480


def test_policy_errors(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    with pytest.raises(PermissionDenied):
        create_policy(session=db, actor=agent, first_response_minutes=60, resolution_minutes=60)
    for first, resolution in ((0, 60), (-5, 60), (60, 30), (60, 10**9)):
        with pytest.raises(ValidationFailed):
            create_policy(session=db, actor=SYSTEM, first_response_minutes=first,
                          resolution_minutes=resolution)  # fmt: skip
    with pytest.raises(ValidationFailed):
        create_policy(session=db, actor=SYSTEM, first_response_minutes=60,
                      resolution_minutes=60, priority="asap")  # fmt: skip
    with pytest.raises(ValidationFailed):
        create_policy(session=db, actor=SYSTEM, first_response_minutes=60,
                      resolution_minutes=60, topic_id=999_999)  # fmt: skip
    p = create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=60)
    with pytest.raises(Conflict):
        create_policy(session=db, actor=SYSTEM, first_response_minutes=30, resolution_minutes=60)
    update_policy(session=db, actor=SYSTEM, policy_id=p.id, first_response_minutes=30,
                  resolution_minutes=90)  # fmt: skip
    assert (p.first_response_minutes, p.resolution_minutes) == (30, 90)
    delete_policy(session=db, actor=SYSTEM, policy_id=p.id)
    with pytest.raises(NotFound):
        delete_policy(session=db, actor=SYSTEM, policy_id=p.id)


def test_a_lead_changes_only_promises_of_topics_their_teams_alone_handle(
    db: Session, w: World
) -> None:
    lead = act(db, w.card_lead)
    ours = create_policy(session=db, actor=lead, first_response_minutes=60,
                         resolution_minutes=120, topic_id=w.card_topic.id)  # fmt: skip
    update_policy(session=db, actor=lead, policy_id=ours.id, first_response_minutes=30,
                  resolution_minutes=120)  # fmt: skip
    theirs = create_policy(session=db, actor=SYSTEM, first_response_minutes=60,
                           resolution_minutes=120, topic_id=w.loan_topic.id)  # fmt: skip
    org_wide = create_policy(session=db, actor=SYSTEM, first_response_minutes=60,
                             resolution_minutes=120)  # fmt: skip
    for policy in (theirs, org_wide):
        with pytest.raises(PermissionDenied):
            update_policy(session=db, actor=lead, policy_id=policy.id,
                          first_response_minutes=10, resolution_minutes=20)  # fmt: skip
        with pytest.raises(PermissionDenied):
            delete_policy(session=db, actor=lead, policy_id=policy.id)
    # the lead cannot link their own team to the loans topic; once an admin has shared
    # it with them, it is still not theirs alone
    with pytest.raises(PermissionDenied, match="only their lead or an admin"):
        add_team_topic(session=db, actor=lead, team_id=w.cards.id, topic_id=w.loan_topic.id)
    add_team_topic(session=db, actor=SYSTEM, team_id=w.cards.id, topic_id=w.loan_topic.id)
    with pytest.raises(PermissionDenied, match="leads of the teams"):
        delete_policy(session=db, actor=lead, policy_id=theirs.id)
    with pytest.raises(PermissionDenied):
        create_policy(session=db, actor=lead, first_response_minutes=5, resolution_minutes=10,
                      topic_id=w.loan_topic.id, priority="urgent")  # fmt: skip
    # and once another team shares the cards topic, its promise is the admins' as well
    add_team_topic(session=db, actor=SYSTEM, team_id=w.loans.id, topic_id=w.card_topic.id)
    with pytest.raises(PermissionDenied):
        delete_policy(session=db, actor=lead, policy_id=ours.id)
    delete_policy(session=db, actor=act(db, w.admin), policy_id=ours.id)
    # a topic no team handles yet is the lead's, as they could link their team to it
    fresh = factories.topic(db)
    create_policy(session=db, actor=lead, first_response_minutes=60, resolution_minutes=120,
                  topic_id=fresh.id)  # fmt: skip


def test_waiting_on_the_customer_pauses_the_promise(db: Session, w: World) -> None:
    create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=480)
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        case = open_card_case(db, w)
        assert case.resolution_due_at == datetime(2026, 11, 24, 17, tzinfo=STHLM)
        clock.advance(timedelta(hours=1))
        reply_to_case(session=db, actor=agent, number=case.number, body="Vilket kort?")
        change_status(session=db, actor=agent, number=case.number, status="waiting_on_customer")
        assert case.resolution_due_at is None and case.promise_paused_at is not None
        views = {v.kind: v for v in promise_views(db, case, clock.now())}
        assert views["resolution"].state == PromiseState.paused
        assert views["first_response"].state == PromiseState.met
        clock.advance(timedelta(hours=3))  # the customer answers at 13:00
        reply_to_case(session=db, actor=act(db, w.alice_user), number=case.number, body="Visa")
    assert case.status == "open" and case.promise_paused_at is None
    # 1 h used before the pause, 7 h left from 13:00: 4 h today, 3 h tomorrow
    assert case.resolution_due_at == datetime(2026, 11, 25, 11, tzinfo=STHLM)


def test_team_calendar_decides_business_time(db: Session, w: World) -> None:
    set_team_calendar(session=db, actor=SYSTEM, team_id=w.cards.id,
                      hours={d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri",
                                                        "sat", "sun")},
                      holiday_country=None)  # fmt: skip
    create_policy(session=db, actor=SYSTEM, first_response_minutes=120, resolution_minutes=600)
    saturday = datetime(2026, 11, 28, 22, tzinfo=STHLM)
    with clock.frozen_at(saturday):
        case = open_card_case(db, w)
    assert case.first_response_due_at == saturday + timedelta(hours=2)


def test_calendar_errors(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    with pytest.raises(PermissionDenied):
        set_team_calendar(session=db, actor=agent, team_id=w.cards.id, hours={"mon": "08-17"})
    bad = [
        {"hours": {"mon": "8-17"}},
        {"hours": {"mon": "17:00-08:00"}},
        {"hours": {}},  # no open hours at all
        {"hours": {"monday": "08:00-17:00"}},
        {"hours": {"mon": "08:00-17:00"}, "timezone": "Europe/Nowhere"},
        {"hours": {"mon": "08:00-17:00"}, "closed_dates": ["2026-13-01"]},
        {"hours": {"mon": "08:00-17:00"}, "holiday_country": "XX"},
        {"hours": {"mon": "08:00-17:00"}, "callback_slot_minutes": 1},
        {"hours": {"mon": "08:00-17:00"}, "callback_capacity": -1},
    ]
    for kwargs in bad:
        with pytest.raises(ValidationFailed):
            set_team_calendar(session=db, actor=SYSTEM, team_id=w.cards.id, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        set_team_calendar(session=db, actor=SYSTEM, team_id=999_999, hours={"mon": "08:00-17:00"})


def test_breach_warning_and_breach_are_recorded_once(db: Session, w: World) -> None:
    create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=480)
    with clock.frozen_at(TUESDAY_9):
        case = open_card_case(db, w)
    report = check_promises(session=db, actor=SYSTEM, now=TUESDAY_9 + timedelta(minutes=20))
    assert (report.warnings, report.breaches) == (0, 0)
    report = check_promises(session=db, actor=SYSTEM, now=TUESDAY_9 + timedelta(minutes=50))
    assert (report.warnings, report.breaches) == (1, 0)
    report = check_promises(session=db, actor=SYSTEM, now=TUESDAY_9 + timedelta(minutes=61))
    assert (report.warnings, report.breaches) == (0, 1)
    report = check_promises(session=db, actor=SYSTEM, now=TUESDAY_9 + timedelta(minutes=70))
    assert (report.warnings, report.breaches) == (0, 0)
    assert types(db, case).count("promise.breached") == 1
    breach = event(db, case, "promise.breached")
    assert breach.data["promise"] == "first_response" and not breach.is_public
    for locale in ("sv", "en"):
        assert "{" not in EVENT_TYPES["promise.breached"].summary(locale, breach.data)


def test_promise_alerts_store_facts_and_render_in_the_readers_language(
    db: Session, w: World
) -> None:
    create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=480)
    with clock.frozen_at(TUESDAY_9):
        case = open_card_case(db, w)
    check_promises(session=db, actor=SYSTEM, now=TUESDAY_9 + timedelta(minutes=61))
    warning = event(db, case, "promise.warning")
    assert set(warning.data) == {"promise", "due_at"}  # no words stored
    assert warning.data["due_at"].endswith("+00:00")
    summary = EVENT_TYPES["promise.warning"].summary
    assert summary("sv", warning.data) == "Svarslöftet (första svar) går snart ut"
    assert summary("en", warning.data) == "Response promise (first response) is due soon"
    # an alert written before events stored facts renders from the words it stored
    old = {"label_sv": "lösning", "label_en": "resolution", "due_at": None}
    assert EVENT_TYPES["promise.breached"].summary("en", old) == (
        "Response promise (resolution) was breached"
    )
    assert EVENT_TYPES["promise.breached"].summary("sv", old) == "Svarslöftet (lösning) bröts"


def test_authority_mode_tasks_and_six_months(
    db: Session, w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NARA_AUTHORITY_MODE", "true")
    monkeypatch.setenv("NARA_DELAY_NOTICE_AFTER_DAYS", "30")
    get_settings.cache_clear()
    try:
        opened = datetime(2026, 5, 15, 10, tzinfo=STHLM)
        with clock.frozen_at(opened):
            case = open_card_case(db, w)
        report = check_promises(session=db, actor=SYSTEM, now=opened + timedelta(days=29))
        assert report.delay_tasks == 0
        report = check_promises(session=db, actor=SYSTEM, now=opened + timedelta(days=31))
        assert report.delay_tasks == 1
        report = check_promises(session=db, actor=SYSTEM, now=opened + timedelta(days=32))
        assert report.delay_tasks == 0  # once
        assert db.scalar(select(CaseTask).where(CaseTask.case_id == case.id)) is not None
        # six months: 2026-11-15 local, not a day earlier
        report = check_promises(session=db, actor=SYSTEM,
                                now=datetime(2026, 11, 14, 12, tzinfo=STHLM))  # fmt: skip
        assert report.six_months == 0
        report = check_promises(session=db, actor=SYSTEM,
                                now=datetime(2026, 11, 15, 12, tzinfo=STHLM))  # fmt: skip
        assert report.six_months == 1
        assert event(db, case, "case.six_months").is_public
        with clock.frozen_at(datetime(2026, 11, 16, 9, tzinfo=STHLM)):
            task = complete_task(session=db, actor=act(db, w.card_agent), number=case.number,
                                 kind="delay_notice")  # fmt: skip
        assert task.done_at is not None
        with pytest.raises(Conflict):
            complete_task(session=db, actor=act(db, w.card_agent), number=case.number,
                          kind="delay_notice")  # fmt: skip
        with pytest.raises(NotFound):  # another team's agent does not see the case
            complete_task(session=db, actor=act(db, w.loan_agent), number=case.number,
                          kind="delay_notice")  # fmt: skip
    finally:
        get_settings.cache_clear()


def test_without_authority_mode_no_tasks(db: Session, w: World) -> None:
    opened = datetime(2026, 1, 15, 10, tzinfo=STHLM)
    with clock.frozen_at(opened):
        open_card_case(db, w)
    report = check_promises(session=db, actor=SYSTEM, now=opened + timedelta(days=200))
    assert (report.delay_tasks, report.six_months) == (0, 0)


def test_topic_without_team_goes_to_fallback_and_is_flagged(db: Session, w: World) -> None:
    orphan = factories.topic(db, teams=[])
    with clock.frozen_at(TUESDAY_9):
        case = open_case(session=db, actor=SYSTEM, message="?", customer_id=w.alice.id,
                         topic_id=orphan.id).case  # fmt: skip
    assert case.team_id == w.front.id
    assert case.routing_flag == "no_team_for_topic"
    routed = event(db, case, "case.routed")
    assert routed.data["reason"] == "fallback" and routed.data["flag"] == "no_team_for_topic"


def _second_card_team(db: Session, w: World) -> tuple[object, object]:
    overflow = factories.team(db)
    add_team_topic(session=db, actor=SYSTEM, team_id=overflow.id, topic_id=w.card_topic.id)
    set_topic_routing(session=db, actor=SYSTEM, topic_id=w.card_topic.id, team_id=overflow.id,
                      rank=1, accepts_overflow=True)  # fmt: skip
    helper = factories.user(db, teams=[overflow])
    return overflow, helper


def test_overflow_when_the_first_team_cannot_keep_its_promise(db: Session, w: World) -> None:
    overflow, helper = _second_card_team(db, w)
    create_policy(session=db, actor=SYSTEM, first_response_minutes=30, resolution_minutes=480)
    with clock.frozen_at(TUESDAY_9):
        set_presence(session=db, actor=act(db, w.card_agent), team_id=w.cards.id,
                     status="available")  # fmt: skip
        set_presence(session=db, actor=act(db, helper), team_id=overflow.id,  # type: ignore[attr-defined]
                     status="available")  # fmt: skip
        first = open_card_case(db, w)
        assert first.team_id == w.cards.id  # empty queue: the first team keeps it
        for _ in range(3):  # 10 min per case by default: 3 waiting = 30+ min
            open_card_case(db, w)
        spilled = open_card_case(db, w)
    assert spilled.team_id == overflow.id  # type: ignore[attr-defined]
    routed = event(db, spilled, "case.routed")
    assert routed.data["reason"] == "overflow"
    assert routed.data["promise_minutes"] == 30
    assert routed.data["from_team"] == w.cards.name_sv
    for locale in ("sv", "en"):
        assert "{" not in EVENT_TYPES["case.routed"].summary(locale, routed.data)


def test_no_overflow_to_a_team_that_does_not_accept_it(db: Session, w: World) -> None:
    overflow, _ = _second_card_team(db, w)
    set_topic_routing(session=db, actor=SYSTEM, topic_id=w.card_topic.id,
                      team_id=overflow.id, rank=1, accepts_overflow=False)  # type: ignore[attr-defined]  # fmt: skip
    create_policy(session=db, actor=SYSTEM, first_response_minutes=30, resolution_minutes=480)
    with clock.frozen_at(TUESDAY_9):
        cases = [open_card_case(db, w) for _ in range(6)]
    assert {c.team_id for c in cases} == {w.cards.id}


def test_routing_rule_errors(db: Session, w: World) -> None:
    with pytest.raises(NotFound):
        set_topic_routing(session=db, actor=SYSTEM, topic_id=w.loan_topic.id,
                          team_id=w.cards.id, rank=0, accepts_overflow=True)  # fmt: skip
    with pytest.raises(ValidationFailed):
        set_topic_routing(session=db, actor=SYSTEM, topic_id=w.card_topic.id,
                          team_id=w.cards.id, rank=-1, accepts_overflow=True)  # fmt: skip
    with pytest.raises(PermissionDenied):
        set_topic_routing(session=db, actor=act(db, w.card_agent), topic_id=w.card_topic.id,
                          team_id=w.cards.id, rank=0, accepts_overflow=True)  # fmt: skip


def test_presence(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    row = set_presence(session=db, actor=agent, team_id=w.cards.id, status="available")
    assert row.status == "available"
    with pytest.raises(ValidationFailed):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="sleeping")
    with pytest.raises(ValidationFailed):  # not a member there
        set_presence(session=db, actor=agent, team_id=w.loans.id, status="available")
    with pytest.raises(PermissionDenied):  # someone else's presence
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="away",
                     user_id=w.card_lead.id)  # fmt: skip
    lead = act(db, w.card_lead)
    set_presence(session=db, actor=lead, team_id=w.cards.id, status="away",
                 user_id=w.card_agent.id)  # fmt: skip
    assert row.status == "away"


def test_next_case_takes_the_most_urgent_and_claims_it(db: Session, w: World) -> None:
    create_policy(session=db, actor=SYSTEM, first_response_minutes=240, resolution_minutes=960)
    create_policy(session=db, actor=SYSTEM, first_response_minutes=30, resolution_minutes=480,
                  priority="urgent")  # fmt: skip
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        older = open_card_case(db, w)
        clock.advance(timedelta(minutes=5))
        urgent = open_card_case(db, w, priority="urgent")
        clock.advance(timedelta(minutes=5))
        got = take_next_case(session=db, actor=agent)
        assert got is not None and got.id == urgent.id  # due soonest
        assert got.owner_id == w.card_agent.id
        assert event(db, got, "case.assigned").data["via"] == "next"
        nxt = take_next_case(session=db, actor=agent)
        assert nxt is not None and nxt.id in (older.id, w.alice_case.id)
        # working on one case at a time: the earlier work session ended
        open_work = db.scalars(
            select(WorkSession).where(WorkSession.user_id == w.card_agent.id,
                                      WorkSession.ended_at.is_(None))
        ).all()  # fmt: skip
        assert [ws.case_id for ws in open_work] == [nxt.id]
    # another team's agent never gets the card team's cases
    assert take_next_case(session=db, actor=act(db, w.loan_agent)).id == w.bob_case.id  # type: ignore[union-attr]
    assert take_next_case(session=db, actor=act(db, w.loan_agent)) is None


def test_next_case_skips_teams_where_away(db: Session, w: World) -> None:
    both = factories.user(db, teams=[w.cards, w.loans])
    actor = act(db, both)
    set_presence(session=db, actor=actor, team_id=w.cards.id, status="away")
    set_presence(session=db, actor=actor, team_id=w.loans.id, status="available")
    got = take_next_case(session=db, actor=actor)
    assert got is not None and got.id == w.bob_case.id
    assert take_next_case(session=db, actor=actor) is None  # the card case is not offered
    with pytest.raises(PermissionDenied):
        take_next_case(session=db, actor=act(db, w.alice_user))


def test_expected_wait_is_stored_and_measured(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="available")
        first = open_card_case(db, w)
        second = open_card_case(db, w)
        est1 = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == first.id)).one()
        est2 = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == second.id)).one()
        assert est1.context == "opened" and est1.agents_available == 1
        # the older alice_case and first are ahead of second: longer wait
        assert est2.queue_ahead == est1.queue_ahead + 1
        assert est2.expected_seconds > est1.expected_seconds
        clock.advance(timedelta(minutes=12))
        assign_case(session=db, actor=agent, number=second.number, owner_id=w.card_agent.id)
        reply_to_case(session=db, actor=agent, number=second.number, body="Hej!")
    db.refresh(est2)
    assert est2.actual_seconds == 12 * 60


def test_a_member_busy_with_another_teams_case_is_not_free(db: Session, w: World) -> None:
    add_team_member(session=db, actor=SYSTEM, team_id=w.loans.id, user_id=w.card_agent.id)
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="available")
        assert team_workload(db, w.cards.id, clock.now()).working_elapsed == [None]
        # the agent takes one of the loans team's cases and works on it for 3 minutes
        assign_case(session=db, actor=agent, number=w.bob_case.number, owner_id=w.card_agent.id)
        assert (
            db.scalars(select(WorkSession).where(WorkSession.user_id == w.card_agent.id))
            .one()
            .team_id
            == w.loans.id
        )
        clock.advance(timedelta(minutes=3))
        work = team_workload(db, w.cards.id, clock.now())
        assert work.working_elapsed == [180.0]  # busy for the cards team too


def test_expected_wait_after_hours_starts_at_opening(db: Session, w: World) -> None:
    evening = datetime(2026, 11, 27, 20, tzinfo=STHLM)  # Friday evening
    with clock.frozen_at(evening):
        case = open_card_case(db, w)
    est = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == case.id)).one()
    assert est.basis == "no_agents"
    assert est.expected_at > datetime(2026, 11, 30, 8, tzinfo=STHLM)  # Monday opening


def test_away_until_counts_the_member_back_in(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        with pytest.raises(ValidationFailed):  # "until" is for away or busy
            set_presence(session=db, actor=agent, team_id=w.cards.id, status="available",
                         until=TUESDAY_9 + timedelta(minutes=30))  # fmt: skip
        for bad in (TUESDAY_9 - timedelta(minutes=1), TUESDAY_9 + timedelta(days=2)):
            with pytest.raises(ValidationFailed):
                set_presence(session=db, actor=agent, team_id=w.cards.id, status="away",
                             until=bad)  # fmt: skip
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="away")
        unknown = open_card_case(db, w)
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="away",
                     until=TUESDAY_9 + timedelta(minutes=20))  # fmt: skip
        known = open_card_case(db, w)
    est_unknown = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == unknown.id)).one()
    est_known = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == known.id)).one()
    assert est_unknown.basis == "no_agents"
    assert est_known.basis == "queue"
    # back in 20 min, then two cases ahead (alice_case, unknown) of 10 min each, + 3 min
    assert est_known.expected_seconds == (20 + 10 + 10 + 3) * 60


def test_service_results_put_promises_next_to_what_happened(db: Session, w: World) -> None:
    from nara.queries.service_results import service_results

    create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=480)
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        on_time, late, overdue = (open_card_case(db, w) for _ in range(3))
        clock.advance(timedelta(minutes=30))
        reply_to_case(session=db, actor=agent, number=on_time.number, body="Hej")
        clock.advance(timedelta(minutes=60))
        reply_to_case(session=db, actor=agent, number=late.number, body="Hej")
    results = {r.team.id: r for r in service_results(db, now=TUESDAY_9 + timedelta(hours=3))}
    cards = results[w.cards.id]
    assert (cards.with_promise, cards.kept, cards.missed, cards.overdue_open) == (3, 1, 1, 1)
    assert cards.kept_share == pytest.approx(1 / 3)
    assert cards.median_first_response_minutes == 60  # 30 and 90 minutes
    assert cards.estimates == 2 and cards.median_estimate_error_pct is not None
    assert results[w.loans.id].with_promise == 0 and results[w.loans.id].kept_share is None
    # The periodic job stores the figures; readers get the stored ones while fresh (the
    # same as counted live), and count live once they are stale or for another window.
    from nara.domain.waiting import store_service_results
    from nara.queries.service_results import RESULT_FIELDS, current_results

    def figures(teams: list[object]) -> list[tuple[object, ...]]:
        fields = RESULT_FIELDS
        return [(r.team.id, *(getattr(r, f) for f in fields)) for r in teams]  # type: ignore[attr-defined]

    stored_at = TUESDAY_9 + timedelta(hours=3)
    store_service_results(session=db, now=stored_at)
    fresh = current_results(db, now=stored_at + timedelta(minutes=2))
    assert fresh.computed_at == stored_at
    assert figures(fresh.teams) == figures(service_results(db, now=stored_at))
    stale = current_results(db, now=stored_at + timedelta(minutes=6))
    assert stale.computed_at == stored_at + timedelta(minutes=6)
    other = current_results(db, now=stored_at + timedelta(minutes=2), days=7)
    assert other.computed_at == stored_at + timedelta(minutes=2)
    del overdue


def test_a_moved_due_time_is_warned_about_again(db: Session, w: World) -> None:
    create_policy(session=db, actor=SYSTEM, first_response_minutes=60, resolution_minutes=120)
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        case = open_card_case(db, w)
        clock.advance(timedelta(minutes=30))
        reply_to_case(session=db, actor=agent, number=case.number, body="Hej")
    report = check_promises(session=db, actor=SYSTEM, now=TUESDAY_9 + timedelta(minutes=100))
    assert report.warnings == 1  # resolution due 11:00, 20 minutes left
    with clock.frozen_at(TUESDAY_9 + timedelta(minutes=110)):
        change_status(session=db, actor=agent, number=case.number, status="waiting_on_customer")
    with clock.frozen_at(datetime(2026, 11, 24, 13, tzinfo=STHLM)):
        reply_to_case(session=db, actor=act(db, w.alice_user), number=case.number, body="Svar")
    assert case.resolution_due_at == datetime(2026, 11, 24, 13, 10, tzinfo=STHLM)
    report = check_promises(
        session=db, actor=SYSTEM, now=datetime(2026, 11, 24, 13, 5, tzinfo=STHLM)
    )
    assert (report.warnings, report.breaches) == (1, 0)  # the new due time, warned anew
    report = check_promises(
        session=db, actor=SYSTEM, now=datetime(2026, 11, 24, 13, 20, tzinfo=STHLM)
    )
    assert (report.warnings, report.breaches) == (0, 1)
    report = check_promises(session=db, actor=SYSTEM, now=datetime(2026, 11, 24, 14, tzinfo=STHLM))
    assert (report.warnings, report.breaches) == (0, 0)


def test_the_first_reply_of_a_case_taken_before_closing_is_not_moved_to_tomorrow(
    db: Session, w: World
) -> None:
    """Only the wait until a member takes the case counts open hours: a member free at
    16:58 takes it and replies a few minutes after 17:00, as they finish what they took."""
    agent = act(db, w.card_agent)
    before_closing = datetime(2026, 11, 24, 16, 58, tzinfo=STHLM)  # Tuesday, open 08-17
    with clock.frozen_at(before_closing - timedelta(hours=1)):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="available")
        taken = take_next_case(session=db, actor=agent)
        assert taken is not None
        change_status(session=db, actor=agent, number=taken.number, status="resolved")
    with clock.frozen_at(before_closing):
        case = open_card_case(db, w)
    est = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == case.id)).one()
    assert (est.queue_ahead, est.agents_available) == (0, 1)
    first_reply = get_settings().default_first_reply_minutes * 60
    assert est.expected_at == before_closing + timedelta(seconds=first_reply)
    # nobody free: the case waits for the opening tomorrow, then the first reply
    with clock.frozen_at(before_closing):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="away")
        later = open_card_case(db, w)
    late = db.scalars(select(WaitEstimate).where(WaitEstimate.case_id == later.id)).one()
    assert late.expected_at > datetime(2026, 11, 25, 8, tzinfo=STHLM)


def test_the_periodic_job_keeps_the_spread_of_handling_times(db: Session, w: World) -> None:
    import math
    import statistics

    from nara.domain.waiting import refresh_team_stats
    from nara.models import TeamStats

    minutes = [4, 6, 8, 8, 10, 14, 20]
    start = TUESDAY_9 - timedelta(hours=3)
    for i, m in enumerate(minutes):
        began = start + timedelta(minutes=20 * i)
        ended = began + timedelta(minutes=m)
        db.add(
            WorkSession(
                team_id=w.cards.id,
                user_id=w.card_agent.id,
                case_id=w.alice_case.id,
                started_at=began,
                ended_at=ended,
            )
        )
    db.flush()
    spread = statistics.stdev(math.log(m * 60) for m in minutes)
    with clock.frozen_at(TUESDAY_9):
        refresh_team_stats(session=db, now=clock.now())
        stored = db.get(TeamStats, w.cards.id)
        assert stored is not None and stored.handle_log_sd == pytest.approx(spread)
        work = team_workload(db, w.cards.id, clock.now())
        assert work.handle_log_sd == pytest.approx(spread)
        assert work.mean_handle_seconds == pytest.approx(60 * sum(minutes) / len(minutes))
    # fewer than five sessions: no spread, and the estimator keeps its plain rule
    with clock.frozen_at(TUESDAY_9 + timedelta(days=20)):
        refresh_team_stats(session=db, now=clock.now())
        assert team_workload(db, w.cards.id, clock.now()).handle_log_sd == 0
