"""Improvement pages: the list (all open, mine, my teams', ranked for leads), raising one
(also from a case page, with the case and its topic filled in), one improvement (timeline,
evidence, status actions, comments, follow and support, effect) and "My improvements".
The domain decides; these only translate forms."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from nara import i18n
from nara.domain import improvements as actions
from nara.domain.actors import Actor
from nara.domain.errors import DomainError, NotFound, PermissionDenied
from nara.models import Case, ImprovementStatus
from nara.queries import directory
from nara.queries import improvements as queries
from nara.queries.access import can_manage_team, cases_for, get_case_for
from nara.web.deps import DB, Caller
from nara.web.errors import no_page
from nara.web.ui import improvement_charts
from nara.web.ui.common import (
    FormErrors,
    redirect,
    require_caller,
    require_form_caller,
    require_staff_page,
)
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)
TABS = ("open", "mine", "team", "ranked")


def _staff(request: Request, db: DB) -> Caller:
    caller = require_caller(request, db)
    require_staff_page(caller)
    return caller


def _verdicts(rows: list[queries.ImprovementRow], lang: str) -> dict[int, str]:
    translate = i18n.translations(lang).gettext
    found: dict[int, str] = {}
    for row in rows:
        verdict = queries.effect_verdict(row.effect, row.improvement, row.topics, translate, lang)
        if verdict:
            found[row.improvement.id] = verdict
    return found


@router.get("/improvements", response_class=HTMLResponse)
def list_page(
    request: Request,
    db: DB,
    tab: Annotated[str, Query(max_length=16)] = "open",
    status: Annotated[str, Query(max_length=16)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    caller = _staff(request, db)
    actor = caller.actor
    shown = tab if tab in TABS else "open"
    ranked: list[queries.RankedLine] = []
    rows: list[queries.ImprovementRow] = []
    the_status = status if status in {s.value for s in ImprovementStatus} else None
    the_kind = kind if kind in ("fix", "opportunity") else None
    if shown == "ranked":
        ranked = queries.ranked(db, actor)
        rows = [line.row for line in ranked]
    else:
        rows = queries.list_improvements(
            db,
            actor,
            status=the_status,
            kind=the_kind,
            open_only=shown == "open" and the_status is None,
            mine=shown == "mine",
            my_teams=shown == "team",
            limit=100,
        ).items
    return render(
        request,
        "workspace/improvements.html",
        tab=shown,
        rows=rows,
        ranked=ranked,
        status=the_status or "",
        kind=the_kind or "",
        statuses=[s.value for s in ImprovementStatus],
        verdicts=_verdicts(rows, request.state.lang),
        typical=queries.typical_effect(db),
    )


CASE_NUMBER = re.compile(r"[A-Za-z0-9-]{1,32}")
MAX_EVIDENCE_CASES = 200
"""At most this many cases handed to the form (a knowledge gap's questions) are linked."""


def _kind(value: str) -> str:
    return value if value in ("fix", "opportunity") else "fix"


def _title(value: str) -> str:
    """A title handed in the address: printable, at most the longest title allowed."""
    printable = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(printable.split())[: actions.MAX_TITLE]


def _numbers(values: list[str] | None) -> tuple[list[str], int]:
    """The well-formed case numbers among ``values`` (upper case, each once, at most
    :data:`MAX_EVIDENCE_CASES`) and how many values were left out as malformed or extra."""
    given = list(dict.fromkeys(v.strip().upper() for v in values or [] if v.strip()))
    good = [v for v in given if CASE_NUMBER.fullmatch(v)][:MAX_EVIDENCE_CASES]
    return good, len(given) - len(good)


def _new_context(
    db: Session, actor: Actor, case: Case | None, form: dict[str, Any]
) -> dict[str, Any]:
    topics = directory.topics(db, active_only=True)
    text = " ".join(str(form.get(k) or "") for k in ("title", "description"))
    if not text.strip() and case is not None:
        text = case.subject
    wanted = [n for n in form.get("cases") or [] if case is None or n != case.number]
    readable = cases_for(db, actor, wanted)
    return {
        "topics": topics,
        "case": case,
        "form": form,
        "evidence_cases": readable,
        "left_out": len(wanted) - len(readable) + int(form.get("dropped") or 0),
        "similar": queries.similar_open(db, actor, text) if text.strip() else [],
    }


@router.get("/improvements/new", response_class=HTMLResponse)
def new_page(
    request: Request,
    db: DB,
    case: Annotated[str, Query(max_length=32)] = "",
    kind: str = "",
    title: str = "",
    cases: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The form; from a case page (``?case=NUMBER``) with the case and its topic; from a
    knowledge gap (``?kind=opportunity&title=...&cases=NUMBER&cases=...``) with its
    handed-over cases as evidence. Values it cannot use are left out, never refused."""
    caller = _staff(request, db)
    the_case = get_case_for(db, caller.actor, case) if case.strip() else None
    topic_slug = ""
    if the_case is not None and the_case.topic_id is not None:
        topic = directory.topic(db, the_case.topic_id)
        topic_slug = topic.slug if topic is not None else ""
    numbers, dropped = _numbers(cases)
    form = {
        "title": _title(title),
        "description": "",
        "suggestion": "",
        "kind": _kind(kind),
        "topics": [topic_slug] if topic_slug else [],
        "case_number": the_case.number if the_case else "",
        "cases": numbers,
        "dropped": dropped,
    }
    return render(
        request,
        "workspace/improvement_new.html",
        errors=FormErrors(),
        **_new_context(db, caller.actor, the_case, form),
    )


@router.post("/improvements/new")
def raise_from_form(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    suggestion: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "fix",
    topics: Annotated[list[str] | None, Form()] = None,
    case_number: Annotated[str, Form()] = "",
    cases: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Raise it; the other cases chosen on the form that the raiser may read are linked
    as confirmed evidence (others are left out)."""
    caller = require_form_caller(request, db, csrf_token)
    require_staff_page(caller)
    chosen = [t for t in (topics or []) if t.strip()]
    numbers, _dropped = _numbers(cases)
    try:
        made = actions.raise_improvement(
            session=db,
            actor=caller.actor,
            title=title,
            description=description,
            suggestion=suggestion,
            kind=kind,
            topics=chosen,
            case_number=case_number.strip() or None,
        )
    except DomainError as exc:
        db.rollback()
        if isinstance(exc, PermissionDenied):
            raise
        form = {
            "title": title,
            "description": description,
            "suggestion": suggestion,
            "kind": kind,
            "topics": chosen,
            "case_number": case_number,
            "cases": numbers,
        }
        the_case = None
        if case_number.strip() and not isinstance(exc, NotFound):
            try:
                the_case = get_case_for(db, caller.actor, case_number)
            except DomainError:
                the_case = None
        return render(
            request,
            "workspace/improvement_new.html",
            exc.status,
            errors=FormErrors.from_error(exc, request.state.lang),
            **_new_context(db, caller.actor, the_case, form),
        )
    for linked in cases_for(db, caller.actor, numbers):
        try:
            actions.link_evidence(
                session=db, actor=caller.actor, improvement_id=made.id, case_number=linked.number
            )
        except DomainError:
            continue  # it cannot be linked (for example read no longer): left out
    db.commit()
    return redirect(f"/improvements/{made.id}")


@router.get("/improvements/mine", response_class=HTMLResponse)
def mine_page(request: Request, db: DB) -> Response:
    """What I raised, supported or follow: status, evidence, the owner's answer, effect."""
    caller = _staff(request, db)
    rows = queries.my_improvements(db, caller.actor)
    return render(
        request,
        "workspace/my_improvements.html",
        rows=rows,
        verdicts=_verdicts(rows, request.state.lang),
    )


SHARES = ("recontact", "selfservice_answered")
"""The shares on the topic a measured effect's details hold before and after the change."""


def _share(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0.0 <= value <= 1.0 else None


def effect_shares(effect: queries.EffectView) -> list[tuple[str, float | None, float | None]]:
    """``(key, before, after)`` of the re-contact rate and the self-service answered share
    in the latest measured effect's details, for those with a value on either side."""
    if not effect.measured:
        return []
    found: list[tuple[str, float | None, float | None]] = []
    for key in SHARES:
        pair = effect.details.get(key)
        if not isinstance(pair, dict):
            continue
        before, after = _share(pair.get("before")), _share(pair.get("after"))
        if before is not None or after is not None:
            found.append((key, before, after))
    return found


def _detail_context(db: Session, caller: Caller, improvement_id: int, lang: str) -> dict[str, Any]:
    actor = caller.actor
    detail = queries.improvement_detail(db, actor, improvement_id)
    improvement = detail.row.improvement
    translate = i18n.translations(lang).gettext
    texts = [
        queries.describe_event(e, translate, lang, detail.visible_case_ids) for e in detail.events
    ]
    open_now = detail.row.is_open
    allowed = (
        actions.TRANSITIONS.get(improvement.status, frozenset())
        if improvement.merged_into_id is None
        else frozenset()
    )
    may_lead = actions.is_owner_lead(actor, improvement)
    may_work = actions.is_owner_member(actor, improvement)
    offered = [
        s
        for s in ("accepted", "in_progress", "done", "declined", "raised")
        if s in allowed and (may_lead if s in ("accepted", "declined", "raised") else may_work)
    ]
    teams = [t for t in directory.teams(db) if t.is_active]
    return {
        "detail": detail,
        "row": detail.row,
        "improvement": improvement,
        "texts": texts,
        "offered": offered,
        "may_lead": may_lead,
        "may_move": any(
            can_manage_team(actor, t) for t in {improvement.owner_team_id, *actor.team_ids}
        ),
        "open_now": open_now,
        "teams": teams,
        "verdict": queries.effect_verdict(
            detail.row.effect, improvement, detail.row.topics, translate, lang
        ),
        "effect_due": queries.effect_due(improvement),
        "effect_shares": effect_shares(detail.row.effect),
        "effect_chart": improvement_charts.effect_trend(detail.row.effect, lang),
        "trend_chart": improvement_charts.contacts_trend(detail.trend, lang),
        "today": actions.today(),
        "merge_targets": [
            r
            for r in queries.list_improvements(db, actor, open_only=True, limit=100).items
            if r.improvement.id != improvement.id
        ]
        if may_lead and improvement.merged_into_id is None
        else [],
    }


@router.get("/improvements/{improvement_id}", response_class=HTMLResponse)
def detail_page(request: Request, db: DB, improvement_id: int) -> Response:
    caller = _staff(request, db)
    return render(
        request,
        "workspace/improvement.html",
        errors=FormErrors(),
        failed_action="",
        draft="",
        **_detail_context(db, caller, improvement_id, request.state.lang),
    )


@router.post("/improvements/{improvement_id}/{action}")
def act(
    request: Request,
    db: DB,
    improvement_id: int,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    live_at: Annotated[str, Form()] = "",
    target_date: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    case_number: Annotated[str, Form()] = "",
    evidence_id: Annotated[int, Form()] = 0,
    team_id: Annotated[int, Form()] = 0,
    into: Annotated[int, Form()] = 0,
    back: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """status, comment, follow, unfollow, support, evidence, confirm, reject, owner,
    merge."""
    caller = require_form_caller(request, db, csrf_token)
    require_staff_page(caller)
    actor = caller.actor
    anchor = ""
    target = improvement_id
    try:
        if action == "status":
            actions.change_status(
                session=db,
                actor=actor,
                improvement_id=improvement_id,
                status=status,
                reason=reason,
                live_at=live_at or None,
                target_date=target_date or None,
            )
            anchor = "#status"
        elif action == "comment":
            actions.comment(session=db, actor=actor, improvement_id=improvement_id, body=body)
            anchor = "#timeline"
        elif action == "follow":
            actions.follow(session=db, actor=actor, improvement_id=improvement_id)
        elif action == "unfollow":
            actions.unfollow(session=db, actor=actor, improvement_id=improvement_id)
        elif action == "support":
            actions.support(session=db, actor=actor, improvement_id=improvement_id)
        elif action == "evidence":
            actions.link_evidence(
                session=db, actor=actor, improvement_id=improvement_id, case_number=case_number
            )
            anchor = "#evidence"
        elif action in ("confirm", "reject"):
            actions.decide_evidence(
                session=db,
                actor=actor,
                improvement_id=improvement_id,
                evidence_id=evidence_id,
                confirm=action == "confirm",
            )
            anchor = "#evidence"
        elif action == "owner":
            actions.set_owner_team(
                session=db, actor=actor, improvement_id=improvement_id, team_id=team_id
            )
        elif action == "merge":
            target = actions.merge(
                session=db, actor=actor, improvement_id=improvement_id, into_id=into
            ).id
        else:
            return no_page(request)
    except DomainError as exc:
        db.rollback()
        if isinstance(exc, PermissionDenied) or (
            isinstance(exc, NotFound) and action not in ("evidence", "confirm", "reject")
        ):
            raise
        return render(
            request,
            "workspace/improvement.html",
            exc.status,
            errors=FormErrors.from_error(exc, request.state.lang),
            failed_action=action,
            draft=body or reason or case_number,
            **_detail_context(db, caller, improvement_id, request.state.lang),
        )
    db.commit()
    if action in ("confirm", "reject") and re.fullmatch(r"[A-Za-z0-9-]{1,32}", back.strip()):
        return redirect(f"/cases/{back.strip()}#case-improvements")
    return redirect(f"/improvements/{target}{anchor}")


def case_improvements(db: Session, actor: Actor, case: Case) -> dict[str, Any]:
    """For the case page: the improvements the case is evidence of."""
    return {"case_improvements": queries.improvements_of_case(db, actor, case.id)}


def team_improvements(db: Session, actor: Actor, team_id: int, lang: str) -> dict[str, Any]:
    """For the team page: the improvements its members drove, with their effects."""
    rows = queries.driven_by_team(db, actor, team_id)
    return {"driven": rows, "driven_verdicts": _verdicts(rows, lang)}
