"""Case pages. ``/cases`` is "My cases" for a customer and the inbox for staff;
``/cases/{number}`` is the customer's or the agent's view of one case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from nara import clock, i18n
from nara.domain import cases as case_actions
from nara.domain.errors import DomainError
from nara.domain.ownership import hand_over
from nara.domain.topic_correction import correct_topic
from nara.i18n import N_
from nara.models import Case, CaseEvent, CaseStatus, Channel, Customer, Priority
from nara.queries import cases as case_queries
from nara.queries import directory
from nara.queries import inbox as inbox_queries
from nara.queries.access import case_to_read, get_case_for, is_owning_side
from nara.queries.case_service import ACTIVE, latest_estimates, promise_badges
from nara.queries.consultations import count_open_for_teams
from nara.queries.customers import clean_query, is_exact_identifier, search_customers
from nara.queries.private_links import private_link_views
from nara.web import ratelimit
from nara.web.api import serializers
from nara.web.deps import DB, Caller
from nara.web.errors import no_page, retry_after
from nara.web.ui import consultations as consultation_pages
from nara.web.ui import decisions as decision_pages
from nara.web.ui import improvements as improvement_pages
from nara.web.ui import picture_view, service_view
from nara.web.ui.common import (
    FormErrors,
    counted,
    page_caller,
    redirect,
    require_caller,
    require_form_caller,
)
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)
MAX_CHOICES = 10
"""Customers offered to choose from when several match the staff member's search."""
NO_MATCH = N_("No customer matches “%(query)s”. Check the personnummer or e-mail.")
NO_QUERY = N_("Enter the customer's personnummer, e-mail, name or customer number.")


def _topics(db: DB) -> tuple[directory.RefRow, ...]:
    return directory.active_topic_refs(db)


def _int(value: str | None) -> int | None:
    if not value or not (value.isascii() and value.isdigit()) or len(value) >= 10:
        return None  # isdigit() alone accepts "²", which int() refuses
    return int(value)


def _choice(value: str | None, allowed: list[str]) -> str | None:
    return value if value in allowed else None


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    db: DB,
    tab: str = "mine",
    q: Annotated[str | None, Query(max_length=200)] = None,
    topic: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    priority: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    partial: bool = False,
) -> Response:
    caller = require_caller(request, db)
    if caller.actor.is_customer:
        return _my_cases(request, db, caller)
    # The inbox finds cases by the customer's full personnummer: the same limit as every
    # other search by it, or masked numbers could be uncovered by trying their endings.
    ratelimit.check_personnummer_search(request, caller.actor, clean_query(q))
    query = inbox_queries.InboxQuery(
        tab=tab if tab in inbox_queries.TABS else "mine",
        topic_id=_int(topic),
        status=_choice(status, [s.value for s in CaseStatus]),
        channel=_choice(channel, [c.value for c in Channel]),
        priority=_choice(priority, [p.value for p in Priority]),
        q=q,
        page=page,
    )
    result = inbox_queries.inbox(db, caller.actor, query)
    if result.unread is not None:  # counted with the tabs: the header need not count it
        request.state.unread_notifications = counted(result.unread)
    rows = serializers.cases_out(db, caller.actor, result.items, result.references)
    badges = promise_badges(db, result.items, clock.now())
    row_badges = [badges.get(c.id) for c in result.items]
    template = "workspace/_inbox_table.html" if partial else "workspace/inbox.html"
    return render(
        request, template, query=query, result=result, rows=rows, topics=_topics(db),
        statuses=[s.value for s in CaseStatus], channels=[c.value for c in Channel],
        priorities=[p.value for p in Priority], tabs=inbox_queries.TABS,
        badges=row_badges,
        **service_view.workspace_context(db, caller.actor, callbacks_due=result.callbacks_due),
        consultations_open=(
            result.consultations_open if result.consultations_open is not None
            else count_open_for_teams(db, sorted(caller.actor.team_ids))
        ),
    )  # fmt: skip


def _my_cases(request: Request, db: DB, caller: Caller) -> Response:
    filters = case_queries.CaseFilter()
    page = case_queries.list_cases(db, caller.actor, filters, cursor=None, limit=100)
    rows = serializers.cases_out(db, caller.actor, page.items, page.references)
    expected = latest_estimates(
        db, [c.id for c in page.items if c.first_response_at is None and c.status in ACTIVE]
    )
    expected_at = [expected.get(c.id) for c in page.items]
    return render(request, "portal/my_cases.html", rows=rows, expected_at=expected_at)


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_form(request: Request, db: DB) -> Response:
    if page_caller(request, db) is None:  # articles link here: say how to reach a person
        return render(request, "portal/new_case_anonymous.html")
    return render(request, "portal/new_case.html", topics=_topics(db), errors=FormErrors(),
                  form={}, choices=[])  # fmt: skip


@router.post("/cases/new")
def new_case(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    topic_id: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    customer: Annotated[str, Form()] = "",
    customer_id: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    form = {"message": message, "topic_id": topic_id, "subject": subject,
            "customer": customer, "customer_id": customer_id}  # fmt: skip
    chosen: int | None = None
    choices: list[Customer] = []
    if not caller.actor.is_customer:
        # Staff name the caller by personnummer, e-mail, name or number. An exact
        # identifier that finds one customer is taken; a name always asks which (even
        # one match); a choice counts only if the current search still offers it.
        query = clean_query(customer)
        try:
            ratelimit.check_personnummer_search(request, caller.actor, query)
        except DomainError as exc:
            errors = FormErrors.from_error(exc, request.state.lang)
            refused = render(
                request,
                "portal/new_case.html",
                exc.status,
                topics=_topics(db),
                errors=errors,
                form=form,
                choices=[],
            )
            refused.headers.update(retry_after(exc))
            return refused
        matches = search_customers(db, caller.actor, query, limit=MAX_CHOICES + 1) if query else []
        picked = _int(customer_id)
        exact = is_exact_identifier(query) and len(matches) == 1
        if picked is not None and picked in {m.id for m in matches}:
            chosen = picked
        elif exact:
            chosen = matches[0].id
        if not exact:
            choices = matches
        if chosen is None:
            return _new_case_again(request, db, caller, form, matches)
    try:
        opened = case_actions.open_case(
            session=db, actor=caller.actor, message=message, topic_id=_int(topic_id),
            subject=subject or None, customer_id=chosen,
            channel="web" if caller.actor.is_customer else "phone",
        )  # fmt: skip
    except DomainError as exc:
        db.rollback()
        errors = FormErrors.from_error(exc, request.state.lang)
        if "customer_id" in errors.fields:
            errors.fields["customer"] = errors.fields.pop("customer_id")
        form["customer_id"] = str(chosen or "")
        return render(request, "portal/new_case.html", exc.status, topics=_topics(db),
                      errors=errors, form=form, **_choices(caller, choices))  # fmt: skip
    db.commit()
    return redirect(f"/cases/{opened.case.number}")


def _choices(caller: Caller, matches: list[Customer]) -> dict[str, object]:
    return {"choices": [serializers.customer_out(caller.actor, c) for c in matches[:MAX_CHOICES]],
            "more_choices": len(matches) > MAX_CHOICES}  # fmt: skip


def _new_case_again(
    request: Request, db: DB, caller: Caller, form: dict[str, str], matches: list[Customer]
) -> Response:
    """The form again: the customers to choose from, or why none was found."""
    if matches:
        return render(request, "portal/new_case.html", topics=_topics(db), errors=FormErrors(),
                      form=form, **_choices(caller, matches))  # fmt: skip
    t = i18n.translations(request.state.lang).gettext
    if form["customer"].strip():
        message = t(NO_MATCH) % {"query": form["customer"].strip()}
    else:
        message = t(NO_QUERY)
    errors = FormErrors(messages=[message], fields={"customer": message})
    return render(request, "portal/new_case.html", 422, topics=_topics(db), errors=errors,
                  form=form, choices=[])  # fmt: skip


def case_context(
    db: DB,
    caller: Caller,
    case: Case,
    lang: str,
    references: directory.CaseReferences | None = None,
) -> dict[str, object]:
    """``references``: the case's, read with it."""
    events, people = case_queries.timeline_and_people(db, caller.actor, case)
    detail = serializers.case_detail_out(
        db, caller.actor, case, events, lang, people=people, references=references
    )
    context: dict[str, object] = {
        "case": detail,
        "raw": case,
        "satisfaction": detail.satisfaction,
    }
    # Read once and held here: the service context's lookup then comes from the
    # session's identity map (which keeps only objects somebody holds).
    customer = directory.customer_of(db, case)
    context.update(service_view.service_context(db, caller, case, lang))
    if caller.actor.is_staff:
        members = directory.active_member_refs(db, case.team_id)
        context.update(picture_view.card_context(db, caller.actor, case))
        context.update(
            customer=serializers.customer_out(caller.actor, customer),
            members=list(members),
            statuses=[s.value for s in CaseStatus if s != CaseStatus.new],
            priorities=[p.value for p in Priority],
            may_change=is_owning_side(caller.actor, case),
            topic_choices=_topics(db),
            **_handover_context(db, case, events),
        )
        context.update(consultation_pages.case_consultations(db, caller.actor, case))
        context.update(decision_pages.case_decisions(db, caller.actor, case, lang))
        context["private_links"] = private_link_views(db, case)
        context.update(improvement_pages.case_improvements(db, caller.actor, case))
    return context


def _handover_context(db: DB, case: Case, events: list[CaseEvent]) -> dict[str, object]:
    """The hand-over form: the teams that can take the case with their members, and the
    team routing suggested when the opener kept the case (chosen first in the form)."""
    targets = directory.handover_targets(db)
    suggested_id = next(
        (e.data.get("suggested_team_id") for e in events if e.type == "case.routed"), None
    )
    suggested = next((t for t, _ in targets if t.id == suggested_id and t.id != case.team_id), None)
    default = suggested or next((t for t, _ in targets if t.id != case.team_id), None)
    return {
        "handover_targets": targets,
        "suggested_team": suggested,
        "handover_form": {"team": default.slug if default else "", "owner": "", "reason": ""},
    }


@router.get("/cases/{number}", response_class=HTMLResponse)
def case_view(request: Request, db: DB, number: str, partial: bool = False) -> Response:
    caller = require_caller(request, db)
    case, references = case_to_read(db, caller.actor, number)
    context = case_context(db, caller, case, request.state.lang, references)
    if partial:
        return render(request, "_timeline.html", **context)
    template = "portal/case.html" if caller.actor.is_customer else "workspace/case.html"
    return render(request, template, errors=FormErrors(), **context)


@router.post("/cases/{number}/{action}")
def case_action(
    request: Request,
    db: DB,
    number: str,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    owner_id: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    topic_id: Annotated[str, Form()] = "",
) -> Response:
    """One form per action: reply, note, status, priority, assign, claim, handover,
    topic."""
    caller = require_form_caller(request, db, csrf_token)
    actor = caller.actor
    try:
        if action == "reply":
            case_actions.reply_to_case(session=db, actor=actor, number=number, body=body)
        elif action == "note":
            case_actions.add_note(session=db, actor=actor, number=number, body=body)
        elif action == "status":
            case_actions.change_status(session=db, actor=actor, number=number, status=status)
        elif action == "priority":
            case_actions.change_priority(session=db, actor=actor, number=number, priority=priority)
        elif action == "claim":
            case_actions.assign_case(session=db, actor=actor, number=number, owner_id=actor.user_id)
        elif action == "assign":
            case_actions.assign_case(
                session=db, actor=actor, number=number, team_id=_int(team_id),
                owner_id=case_actions.KEEP if owner_id == "keep" else _int(owner_id),
                reason=reason or None,
            )  # fmt: skip
        elif action == "handover":
            hand_over(
                session=db,
                actor=actor,
                number=number,
                team=team,
                owner=owner or None,
                reason=reason,
            )
        elif action == "topic":
            correct_topic(session=db, actor=actor, number=number, topic_id=_int(topic_id))
        else:
            return no_page(request)
    except DomainError as exc:
        db.rollback()
        try:
            case = get_case_for(db, actor, number)
        except DomainError:
            raise exc from None
        template = "portal/case.html" if actor.is_customer else "workspace/case.html"
        context = case_context(db, caller, case, request.state.lang)
        if action == "handover":
            context["handover_form"] = {"team": team, "owner": owner, "reason": reason}
        errors = FormErrors.from_error(exc, request.state.lang)
        return render(request, template, exc.status, errors=errors, failed_action=action,
                      draft=body, **context)  # fmt: skip
    db.commit()
    try:
        get_case_for(db, actor, number)
    except DomainError:
        return redirect("/cases")  # out of sight (handed over to another team)
    return redirect(f"/cases/{number}")
