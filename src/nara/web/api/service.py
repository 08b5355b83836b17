"""/api/v1: service levels. Next case, presence, a case's promises and expected wait,
callbacks, tasks; for leads: calendars, response promises and routing rules."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from nara import clock
from nara.domain import calendars as calendar_actions
from nara.domain import callbacks as callback_actions
from nara.domain import presence as presence_actions
from nara.domain import promises as promise_actions
from nara.domain import queue as queue_actions
from nara.domain import routing as routing_actions
from nara.domain.errors import NotFound
from nara.models import Callback, ResponsePolicy
from nara.queries import callbacks as callback_queries
from nara.queries import directory
from nara.queries.access import get_case_for, get_team_for, require_staff
from nara.queries.case_service import case_service
from nara.queries.service_results import Figures, current_results
from nara.queries.service_settings import (
    calendar_view,
    policies,
    presence_rows,
    routing_links,
)
from nara.queries.service_settings import team_presence as team_presence_rows
from nara.web.api import schemas
from nara.web.api.cases import _render
from nara.web.deps import DB, CurrentActor, CurrentCaller

router = APIRouter(tags=["service levels"])


# ---- agents ----
@router.post("/queue/next", response_model=schemas.CaseDetailOut, responses={204: {}})
def next_case(db: DB, caller: CurrentCaller) -> Any:
    """Claim the most urgent waiting case of your teams (204 when nothing waits)."""
    case = queue_actions.take_next_case(session=db, actor=caller.actor)
    db.commit()
    if case is None:
        return Response(status_code=204)
    return _render(db, caller, case)


@router.get("/me/presence", response_model=list[schemas.PresenceOut])
def my_presence(db: DB, actor: CurrentActor) -> list[schemas.PresenceOut]:
    require_staff(actor)
    rows = presence_rows(db, actor.user_id or 0)
    out = []
    for team_id in sorted(actor.team_ids):
        row = rows.get(team_id)
        out.append(
            schemas.PresenceOut(
                team_id=team_id,
                user_id=actor.user_id or 0,
                status=row.status if row else "away",
                away_until=row.away_until if row else None,
            )
        )
    return out


@router.put("/me/presence", response_model=schemas.PresenceOut)
def set_presence(body: schemas.PresenceIn, db: DB, actor: CurrentActor) -> schemas.PresenceOut:
    require_staff(actor)
    row = presence_actions.set_presence(
        session=db, actor=actor, team_id=body.team_id, status=body.status,
        user_id=body.user_id, until=body.until,
    )  # fmt: skip
    db.commit()
    return schemas.PresenceOut(team_id=row.team_id, user_id=row.user_id, status=row.status,
                               away_until=row.away_until)  # fmt: skip


@router.get("/callbacks/due", response_model=list[schemas.CallbackOut])
def due_callbacks(db: DB, actor: CurrentActor) -> list[schemas.CallbackOut]:
    """Booked callbacks of your teams starting within the hour (or overdue)."""
    rows = callback_queries.due_callbacks(db, actor, now=clock.now())
    return [_callback_out(cb, case.number) for cb, case in rows]


# ---- a case's service ----
def _callback_out(cb: Callback, number: str) -> schemas.CallbackOut:
    return schemas.CallbackOut(
        id=cb.id, case_number=number, starts_at=cb.starts_at, ends_at=cb.ends_at,
        phone=cb.phone, status=cb.status, attempt=cb.attempt, note=cb.note,
    )  # fmt: skip


@router.get("/cases/{number}/service", response_model=schemas.ServiceOut)
def case_service_view(number: str, db: DB, caller: CurrentCaller) -> schemas.ServiceOut:
    """Promises, the expected time to the first human response, callbacks and tasks."""
    case = get_case_for(db, caller.actor, number)
    now = clock.now()
    view = case_service(db, case, now)
    staff = not caller.actor.is_customer
    wait = None
    if view.wait is not None:
        wait = schemas.WaitOut(
            expected_at=view.wait.expected_at,
            expected_minutes=round(max(0.0, (view.wait.expected_at - now).total_seconds()) / 60, 1),
            queue_ahead=view.wait.queue_ahead if staff else None,
            basis=view.wait.basis,
            made_at=view.wait.made_at,
        )
    return schemas.ServiceOut(
        promises=[
            schemas.PromiseOut(
                kind=p.kind,
                state=p.state.value,
                due_at=p.due_at,
                budget_minutes=p.budget_minutes,
                business_minutes_left=None
                if p.business_seconds_left is None
                else round(p.business_seconds_left / 60, 1),
            )
            for p in view.promises
        ],
        expected_wait=wait,
        callbacks=[_callback_out(cb, case.number) for cb in view.callbacks],
        tasks=[
            {"kind": t.kind, "created_at": t.created_at, "done_at": t.done_at} for t in view.tasks
        ]
        if staff
        else [],
        six_months=view.six_months,
    )


@router.get("/cases/{number}/callback-slots", response_model=list[schemas.SlotOut])
def callback_slots(number: str, db: DB, caller: CurrentCaller) -> list[schemas.SlotOut]:
    """Bookable callback times of the case's team (full ones included, with free = 0)."""
    case = get_case_for(db, caller.actor, number)
    slots = callback_queries.team_slots(db, case.team_id, now=clock.now())
    return [schemas.SlotOut(starts_at=s.starts_at, ends_at=s.ends_at, free=s.free) for s in slots]


@router.post("/cases/{number}/callbacks", status_code=201, response_model=schemas.CallbackOut)
def book_callback(
    number: str, body: schemas.CallbackIn, db: DB, caller: CurrentCaller
) -> schemas.CallbackOut:
    cb = callback_actions.book_callback(session=db, actor=caller.actor, number=number,
                                        starts_at=body.starts_at, phone=body.phone)  # fmt: skip
    db.commit()
    return _callback_out(cb, _number(db, cb))


def _number(db: DB, cb: Callback) -> str:
    case = directory.case_by_id(db, cb.case_id)
    if case is None:
        raise NotFound("no such case")
    return case.number


@router.post("/callbacks/{callback_id}/cancel", response_model=schemas.CallbackOut)
def cancel_callback(callback_id: int, db: DB, caller: CurrentCaller) -> schemas.CallbackOut:
    cb = callback_actions.cancel_callback(session=db, actor=caller.actor, callback_id=callback_id)
    db.commit()
    return _callback_out(cb, _number(db, cb))


@router.post("/callbacks/{callback_id}/move", response_model=schemas.CallbackOut)
def move_callback(
    callback_id: int, body: schemas.MoveCallbackIn, db: DB, caller: CurrentCaller
) -> schemas.CallbackOut:
    cb = callback_actions.move_callback(session=db, actor=caller.actor, callback_id=callback_id,
                                        starts_at=body.starts_at)  # fmt: skip
    db.commit()
    return _callback_out(cb, _number(db, cb))


@router.post("/callbacks/{callback_id}/outcome", response_model=schemas.CallbackOut)
def callback_outcome(
    callback_id: int, body: schemas.OutcomeIn, db: DB, caller: CurrentCaller
) -> schemas.CallbackOut:
    cb = callback_actions.record_callback_outcome(
        session=db, actor=caller.actor, callback_id=callback_id, reached=body.reached,
        note=body.note,
    )  # fmt: skip
    db.commit()
    return _callback_out(cb, _number(db, cb))


@router.post("/cases/{number}/tasks/{kind}/done", status_code=204)
def task_done(number: str, kind: str, db: DB, actor: CurrentActor) -> Response:
    promise_actions.complete_task(session=db, actor=actor, number=number, kind=kind)
    db.commit()
    return Response(status_code=204)


@router.get("/service/results", response_model=list[schemas.TeamResultOut])
def results(
    db: DB, actor: CurrentActor, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> list[schemas.TeamResultOut]:
    """Per team, and for all teams together as the last row (``team_id`` null):
    first-response promises kept, time to first response, the error of the expected
    waits shown to customers, hand-overs per case, the share of resolved cases that kept
    their first owner, and consultations answered in time and how fast, over the last
    ``days`` days (docs/service-levels.md)."""
    require_staff(actor)
    results = current_results(db, now=clock.now(), days=days)
    rows: list[tuple[int | None, Figures]] = [(r.team.id, r) for r in results.teams]
    return [_result_out(team_id, r) for team_id, r in [*rows, (None, results.overall)]]


def _result_out(team_id: int | None, r: Figures) -> schemas.TeamResultOut:
    return schemas.TeamResultOut(
        team_id=team_id,
        cases_with_promise=r.with_promise,
        kept=r.kept,
        missed=r.missed,
        overdue_open=r.overdue_open,
        kept_share=r.kept_share,
        median_first_response_minutes=r.median_first_response_minutes,
        estimates=r.estimates,
        median_estimate_error_pct=r.median_estimate_error_pct,
        cases_opened=r.cases_opened,
        handovers=r.handovers,
        handovers_per_case=r.handovers_per_case,
        resolved=r.resolved,
        kept_first_owner=r.kept_first_owner,
        kept_first_owner_share=r.kept_first_owner_share,
        consultations_decided=r.consultations_decided,
        consultations_answered_in_time=r.consultations_in_time,
        consultations_answered_in_time_share=r.consultations_answered_in_time_share,
        consultations_answered=r.consultations_answered,
        consultation_median_answer_minutes=r.consultation_median_answer_minutes,
    )


# ---- leads: calendars, promises, routing ----
def _calendar_out(db: DB, team_id: int) -> schemas.CalendarOut:
    return schemas.CalendarOut(**asdict(calendar_view(db, team_id)))


@router.get("/teams/{team_id}/calendar", response_model=schemas.CalendarOut)
def get_calendar(team_id: int, db: DB, actor: CurrentActor) -> schemas.CalendarOut:
    get_team_for(db, actor, team_id)
    return _calendar_out(db, team_id)


@router.put("/teams/{team_id}/calendar", response_model=schemas.CalendarOut)
def put_calendar(
    team_id: int, body: schemas.CalendarIn, db: DB, actor: CurrentActor
) -> schemas.CalendarOut:
    calendar_actions.set_team_calendar(session=db, actor=actor, team_id=team_id,
                                       **body.model_dump())  # fmt: skip
    db.commit()
    return _calendar_out(db, team_id)


@router.get("/teams/{team_id}/presence", response_model=list[schemas.PresenceOut])
def team_presence(team_id: int, db: DB, actor: CurrentActor) -> list[schemas.PresenceOut]:
    get_team_for(db, actor, team_id)
    return [schemas.PresenceOut(team_id=r.team_id, user_id=r.user_id, status=r.status,
                                away_until=r.away_until)
            for _, r in team_presence_rows(db, team_id)]  # fmt: skip


def _policy_out(p: ResponsePolicy) -> schemas.PolicyOut:
    return schemas.PolicyOut(
        id=p.id, topic_id=p.topic_id, priority=p.priority, channel=p.channel,
        first_response_minutes=p.first_response_minutes, resolution_minutes=p.resolution_minutes,
    )  # fmt: skip


@router.get("/promises", response_model=list[schemas.PolicyOut])
def list_policies(db: DB, actor: CurrentActor) -> list[schemas.PolicyOut]:
    require_staff(actor)
    return [_policy_out(p) for p in policies(db)]


@router.post("/promises", status_code=201, response_model=schemas.PolicyOut)
def create_policy(body: schemas.PolicyIn, db: DB, actor: CurrentActor) -> schemas.PolicyOut:
    policy = promise_actions.create_policy(session=db, actor=actor, **body.model_dump())
    db.commit()
    return _policy_out(policy)


@router.put("/promises/{policy_id}", response_model=schemas.PolicyOut)
def update_policy(
    policy_id: int, body: schemas.PolicyUpdateIn, db: DB, actor: CurrentActor
) -> schemas.PolicyOut:
    policy = promise_actions.update_policy(session=db, actor=actor, policy_id=policy_id,
                                           **body.model_dump())  # fmt: skip
    db.commit()
    return _policy_out(policy)


@router.delete("/promises/{policy_id}", status_code=204)
def delete_policy(policy_id: int, db: DB, actor: CurrentActor) -> Response:
    promise_actions.delete_policy(session=db, actor=actor, policy_id=policy_id)
    db.commit()
    return Response(status_code=204)


@router.get("/topics/{topic_id}/routing", response_model=list[schemas.RoutingOut])
def topic_routing(topic_id: int, db: DB, actor: CurrentActor) -> list[schemas.RoutingOut]:
    require_staff(actor)
    rows = routing_links(db, topic_id)
    return [schemas.RoutingOut(topic_id=r.topic_id, team_id=r.team_id, rank=r.rank,
                               accepts_overflow=r.accepts_overflow) for r in rows]  # fmt: skip


@router.put("/topics/{topic_id}/routing/{team_id}", response_model=schemas.RoutingOut)
def set_routing(
    topic_id: int, team_id: int, body: schemas.RoutingIn, db: DB, actor: CurrentActor
) -> schemas.RoutingOut:
    link = routing_actions.set_topic_routing(session=db, actor=actor, topic_id=topic_id,
                                             team_id=team_id, rank=body.rank,
                                             accepts_overflow=body.accepts_overflow)  # fmt: skip
    db.commit()
    return schemas.RoutingOut(topic_id=link.topic_id, team_id=link.team_id, rank=link.rank,
                              accepts_overflow=link.accepts_overflow)  # fmt: skip
