"""Pages and forms for service levels: Next case, presence, callbacks and tasks in the
workspace and portal; response promises, routing rules and team calendars for leads.
Thin: parse the form, call one domain function, redirect or re-render with the error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara import clock
from nara.domain import calendars as calendar_actions
from nara.domain import callbacks as callback_actions
from nara.domain import presence as presence_actions
from nara.domain import promises as promise_actions
from nara.domain import queue as queue_actions
from nara.domain import routing as routing_actions
from nara.domain.actors import Actor
from nara.domain.errors import DomainError, NotFound
from nara.i18n import N_
from nara.models import (
    Channel,
    Presence,
    Priority,
    Team,
    TeamTopic,
)
from nara.promises.calendar import WEEKDAYS, holiday_names
from nara.queries import directory
from nara.queries import service_settings as settings
from nara.queries.access import get_case_for, get_team_for, require_staff
from nara.queries.consultations import overdue_for_teams
from nara.queries.service import calendar_for_team
from nara.queries.service_results import KEPT_TARGET, current_results
from nara.web.charts import Measure, format_value
from nara.web.deps import DB, Caller
from nara.web.errors import no_page, page_message
from nara.web.ui import cases as cases_ui
from nara.web.ui import result_charts
from nara.web.ui.common import (
    FormErrors,
    Refusal,
    attempt,
    redirect,
    require_caller,
    require_form_caller,
)
from nara.web.ui.render import render
from nara.web.ui.service_view import AWAY_CHOICES, slot_time

router = APIRouter(include_in_schema=False)
RESULT_DAYS = 30


def _error_page(request: Request, exc: DomainError) -> Response:
    message = page_message(exc, request.state.lang)
    return render(request, "error.html", exc.status, status=exc.status, message=message)


# ---- the workspace ----
@router.post("/workspace/next")
def next_case(request: Request, db: DB, csrf_token: Annotated[str, Form()] = "") -> Response:
    caller = require_form_caller(request, db, csrf_token)
    try:
        case = queue_actions.take_next_case(session=db, actor=caller.actor)
    except DomainError as exc:
        db.rollback()
        return _error_page(request, exc)
    db.commit()
    if case is None:
        return redirect("/cases?tab=unassigned&nothing=1")
    return redirect(f"/cases/{case.number}")


@router.post("/workspace/presence")
def set_presence(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    away_minutes: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    until = None
    if away_minutes.isdigit() and int(away_minutes) in AWAY_CHOICES and status != "available":
        until = clock.now() + timedelta(minutes=int(away_minutes))
    try:
        presence_actions.set_presence(
            session=db,
            actor=caller.actor,
            team_id=int(team_id) if team_id.isdigit() else -1,
            status=status,
            until=until,
        )
    except DomainError as exc:
        db.rollback()
        return _error_page(request, exc)
    db.commit()
    return redirect("/cases")


# ---- callbacks and tasks on a case ----
def _case_form(
    request: Request,
    db: DB,
    caller: Caller,
    number: str,
    action: str,
    call: Callable[[], object],
    anchor: str,
) -> Response:
    """A form on the case page: its domain call, then back to the case, or the case
    page again with the refusal next to the form (``action``)."""
    done = attempt(request, db, call)
    if not isinstance(done, Refusal):
        return redirect(f"/cases/{number}{anchor}")
    case = get_case_for(db, caller.actor, number)  # raises NotFound if out of sight
    template = "portal/case.html" if caller.actor.is_customer else "workspace/case.html"
    context = cases_ui.case_context(db, caller, case, request.state.lang)
    return render(
        request, template, done.status, failed_action=action, errors=done.errors, **context
    )


@router.post("/cases/{number}/callback/book")
def book_callback(
    request: Request,
    db: DB,
    number: str,
    csrf_token: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
    time: Annotated[str, Form(max_length=5)] = "",
    phone: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    return _case_form(
        request,
        db,
        caller,
        number,
        "callback",
        lambda: callback_actions.book_callback(
            session=db,
            actor=caller.actor,
            number=number,
            starts_at=slot_time(starts_at, day, time),
            phone=phone or None,
        ),
        "#callback",
    )


def _callback_case(db: DB, actor: Actor, callback_id: int) -> str:
    case = directory.case_of_callback(db, callback_id)
    if case is None:
        raise NotFound(
            f"no callback with id {callback_id}",
            template=N_("No callback with id %(callback_id)s."),
            params={"callback_id": callback_id},
        )
    return get_case_for(db, actor, case.number).number


@router.post("/callbacks/{callback_id}/{action}")
def callback_action(
    request: Request,
    db: DB,
    callback_id: int,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
    time: Annotated[str, Form(max_length=5)] = "",
    reached: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    number = _callback_case(db, caller.actor, callback_id)
    actions: dict[str, Callable[[], object]] = {
        "cancel": lambda: callback_actions.cancel_callback(
            session=db, actor=caller.actor, callback_id=callback_id
        ),
        "move": lambda: callback_actions.move_callback(
            session=db,
            actor=caller.actor,
            callback_id=callback_id,
            starts_at=slot_time(starts_at, day, time),
        ),
        "outcome": lambda: callback_actions.record_callback_outcome(
            session=db,
            actor=caller.actor,
            callback_id=callback_id,
            reached=reached == "yes",
            note=note,
        ),
    }
    if action not in actions:
        return no_page(request)
    return _case_form(request, db, caller, number, "callback", actions[action], "#callback")


@router.post("/cases/{number}/task/{kind}/done")
def task_done(
    request: Request, db: DB, number: str, kind: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    return _case_form(
        request,
        db,
        caller,
        number,
        "task",
        lambda: promise_actions.complete_task(
            session=db, actor=caller.actor, number=number, kind=kind
        ),
        "",
    )


# ---- leads: response promises and routing ----
def _service_admin(request: Request, db: DB, status_code: int = 200, **extra: object) -> Response:
    topics = settings.topics_by_id(db)
    teams = settings.teams_by_id(db)
    links: dict[int, list[TeamTopic]] = {}
    for link in settings.routing_links(db):
        links.setdefault(link.topic_id, []).append(link)
    orphans = [t for t in topics.values() if t.is_active and t.id not in links]
    actor = require_caller(request, db).actor
    policies = settings.policies(db)
    context: dict[str, object] = {
        # what this person may change: a lead the promises of their teams' topics
        "editable": {
            p.id for p in policies if promise_actions.may_change_policy(db, actor, p.topic_id)
        },
        "org_wide_allowed": promise_actions.may_change_policy(db, actor, None),
        "promise_topics": [
            t for t in topics.values() if promise_actions.may_change_policy(db, actor, t.id)
        ],
        "results": (results := current_results(db, now=clock.now(), days=RESULT_DAYS)).teams,
        "results_overall": results.overall,
        "kept_chart": result_charts.promises_kept(results.teams, request.state.lang),
        "kept_target": format_value(KEPT_TARGET, Measure("percent"), request.state.lang),
        "results_at": results.computed_at,
        "result_days": RESULT_DAYS,
        "policies": policies,
        "topics": topics,
        "teams": teams,
        "links": links,
        "orphans": orphans,
        "priorities": [p.value for p in Priority],
        "channels": [c.value for c in Channel],
        "errors": FormErrors(),
        "form": {},
        # a lead sees the consultations their teams have let pass their due time
        "overdue_consultations": overdue_for_teams(db, sorted(actor.team_ids), clock.now()),
        "now": clock.now(),
    }
    context.update(extra)
    return render(request, "admin/service.html", status_code, **context)


def _staff(request: Request, db: DB) -> Caller:
    caller = require_caller(request, db)
    require_staff(caller.actor)
    return caller


@router.get("/admin/service", response_class=HTMLResponse)
def service_admin(request: Request, db: DB) -> Response:
    _staff(request, db)
    return _service_admin(request, db)


def _opt_int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _form_int(value: str) -> int:
    """A whole number from a form; -1 (refused by the domain) when it is not one."""
    number = _opt_int(value.strip())
    return -1 if number is None else number


def _minutes(value: str) -> int:
    """Minutes from a form: '90', or hours '1,5 h' / '1.5h'."""
    text = value.strip().lower().replace(",", ".")
    try:
        if text.endswith("h"):
            return round(float(text[:-1].strip()) * 60)
        return int(text)
    except ValueError:
        return -1  # refused by the domain with a clear message


@router.post("/admin/service/promises")
def create_policy(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    topic_id: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    first_response_minutes: Annotated[str, Form()] = "",
    resolution_minutes: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    done = attempt(
        request,
        db,
        lambda: promise_actions.create_policy(
            session=db,
            actor=caller.actor,
            topic_id=_opt_int(topic_id),
            priority=priority or None,
            channel=channel or None,
            first_response_minutes=_minutes(first_response_minutes),
            resolution_minutes=_minutes(resolution_minutes),
        ),
    )
    if isinstance(done, Refusal):
        form = {
            "topic_id": topic_id,
            "priority": priority,
            "channel": channel,
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
        }
        return _service_admin(request, db, done.status, form=form, errors=done.errors)
    return redirect("/admin/service")


@router.post("/admin/service/promises/{policy_id}")
def update_policy(
    request: Request,
    db: DB,
    policy_id: int,
    csrf_token: Annotated[str, Form()] = "",
    first_response: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
    delete: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)

    def change() -> object:
        if delete:
            promise_actions.delete_policy(session=db, actor=caller.actor, policy_id=policy_id)
            return None
        return promise_actions.update_policy(
            session=db,
            actor=caller.actor,
            policy_id=policy_id,
            first_response_minutes=_minutes(first_response),
            resolution_minutes=_minutes(resolution),
        )

    done = attempt(request, db, change)
    if isinstance(done, Refusal):
        return _service_admin(request, db, done.status, errors=done.errors)
    return redirect("/admin/service")


@router.post("/admin/service/routing")
def set_routing(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    topic_id: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
    rank: Annotated[str, Form()] = "",
    accepts_overflow: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    done = attempt(
        request,
        db,
        lambda: routing_actions.set_topic_routing(
            session=db,
            actor=caller.actor,
            topic_id=_opt_int(topic_id) or -1,
            team_id=_opt_int(team_id) or -1,
            rank=_form_int(rank),
            accepts_overflow=accepts_overflow == "yes",
        ),
    )
    if isinstance(done, Refusal):
        return _service_admin(request, db, done.status, errors=done.errors)
    return redirect("/admin/service#routing")


# ---- leads: a team's calendar and presence ----
def _calendar_form(db: DB, team_id: int) -> dict[str, str]:
    view = settings.calendar_view(db, team_id)
    return {
        **view.hours,
        "timezone": view.timezone,
        "holidays": "yes" if view.holiday_country else "",
        "closed_dates": "\n".join(view.closed_dates),
        "callback_slot_minutes": str(view.callback_slot_minutes),
        "callback_capacity": str(view.callback_capacity),
    }


def _calendar_page(
    request: Request, db: DB, team: Team, status_code: int = 200, **extra: object
) -> Response:
    members = settings.team_presence(db, team.id)
    year = clock.now().year
    holidays = calendar_for_team(db, team.id)
    names = {}
    if holidays.holiday_country:
        names = holiday_names(
            holidays.holiday_country,
            holidays.holiday_categories,
            year,
            "sv" if request.state.lang == "sv" else "en_US",
        )
    context: dict[str, object] = {
        "team": team,
        "weekdays": WEEKDAYS,
        "form": _calendar_form(db, team.id),
        "stored": _calendar_form(db, team.id),  # what is saved, for a read-only view
        "errors": FormErrors(),
        "members": members,
        "holidays": names,
        "year": year,
        "is_default": settings.calendar_view(db, team.id).is_default,
        "presence_values": [p.value for p in Presence],
    }
    context.update(extra)
    return render(request, "admin/calendar.html", status_code, **context)


@router.get("/admin/teams/{team_id}/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, db: DB, team_id: int) -> Response:
    caller = _staff(request, db)
    team = get_team_for(db, caller.actor, team_id)
    return _calendar_page(request, db, team)


@router.post("/admin/teams/{team_id}/calendar")
async def save_calendar(request: Request, db: DB, team_id: int) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    caller = require_form_caller(request, db, values.get("csrf_token", ""))
    team = get_team_for(db, caller.actor, team_id)
    done = attempt(
        request,
        db,
        lambda: calendar_actions.set_team_calendar(
            session=db,
            actor=caller.actor,
            team_id=team_id,
            hours={day: values.get(day, "") for day in WEEKDAYS},
            timezone=values.get("timezone", "").strip() or "Europe/Stockholm",
            holiday_country="SE" if values.get("holidays") == "yes" else None,
            closed_dates=[d for d in values.get("closed_dates", "").split() if d],
            callback_slot_minutes=_form_int(values.get("callback_slot_minutes", "")),
            callback_capacity=_form_int(values.get("callback_capacity", "")),
        ),
    )
    if isinstance(done, Refusal):
        return _calendar_page(request, db, team, done.status, form=values, errors=done.errors)
    return redirect(f"/admin/teams/{team_id}/calendar?saved=1")
