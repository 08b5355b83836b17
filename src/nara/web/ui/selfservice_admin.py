"""The lead's self-service page: the model, its precision and coverage, how model
versions did on the held-out slice, training, and the knowledge gaps (handed-over
questions grouped by similarity); and the review of the front line's training
suggestions (``/admin/selfservice/suggestions``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara.domain.errors import DomainError
from nara.domain.jobs import GAP_MINING, TRAINING
from nara.domain.selfservice_models import (
    TARGETS,
    request_gap_mining,
    request_training,
    set_precision_target,
)
from nara.i18n import N_
from nara.jobs.dispatch import dispatch
from nara.models import JobRun
from nara.queries import jobs as job_queries
from nara.queries import selfservice as selfservice_queries
from nara.queries import training_suggestions as suggestion_queries
from nara.queries.access import require_lead
from nara.web.deps import DB, Caller
from nara.web.ui.common import (
    FormErrors,
    Refusal,
    attempt,
    redirect,
    require_caller,
    require_form_caller,
)
from nara.web.ui.render import render
from nara.web.ui.selfservice_suggestions import gap_link, raise_improvement_url

router = APIRouter(prefix="/admin/selfservice", include_in_schema=False)


def _lead(request: Request, db: DB, csrf_token: str | None = None) -> Caller:
    caller = (
        require_form_caller(request, db, csrf_token)
        if csrf_token is not None
        else require_caller(request, db)
    )
    require_lead(caller.actor, "manage self-service")
    return caller


def _page(request: Request, db: DB, errors: FormErrors, status_code: int = 200) -> Response:
    state = selfservice_queries.overview(db)
    model = state.model
    points = model.metrics.get("operating_points", {}) if model else {}
    evaluation = model.metrics.get("evaluation") if model else None
    target = model.precision_target if model else 0.97
    return render(
        request,
        "admin/selfservice.html",
        status_code,
        versions=suggestion_queries.model_versions(db, target=target),
        versions_target=target,
        waiting=suggestion_queries.waiting_count(db),
        raise_improvement=raise_improvement_url(request),
        gap_link=gap_link,
        model=model,
        examples=state.examples,
        outcomes=state.outcomes,
        errors=errors,
        gap_report=job_queries.latest_gap_report(db),
        mining=job_queries.latest_run(db, GAP_MINING),
        points=sorted(points.items(), key=lambda kv: float(kv[0])),
        targets=TARGETS,
        evaluation=_evaluation_rows(evaluation),
        job=job_queries.latest_run(db, TRAINING),
    )


PARTS = (
    ("all", N_("All")),
    ("sv", N_("Swedish")),
    ("en", N_("English")),
    ("held_out", N_("Held-out part")),
)


def _evaluation_rows(evaluation: Any) -> list[tuple[float, str, dict[str, Any]]] | None:
    """(target, part label, figures) per row of the stored evaluation, or ``None``."""
    if not isinstance(evaluation, dict) or not isinstance(evaluation.get("targets"), dict):
        return None
    rows = []
    for key in sorted(evaluation["targets"], key=float):
        parts = evaluation["targets"][key]
        rows += [(float(key), label, parts[part]) for part, label in PARTS if part in parts]
    return rows


@router.get("", response_class=HTMLResponse)
def page(request: Request, db: DB) -> Response:
    _lead(request, db)
    return _page(request, db, FormErrors())


@router.post("/precision")
def precision(
    request: Request,
    db: DB,
    csrf_token: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
) -> Response:
    caller = _lead(request, db, csrf_token)
    try:
        set_precision_target(session=db, actor=caller.actor, precision_target=float(target))
    except ValueError:
        db.rollback()
        return _page(request, db, FormErrors(messages=["precision must be a number"]), 422)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, FormErrors.from_error(exc, request.state.lang), exc.status)
    db.commit()
    return redirect("/admin/selfservice")


@router.post("/train")
def train(request: Request, db: DB, csrf_token: Annotated[str, Form()] = "") -> Response:
    caller = _lead(request, db, csrf_token)
    return _queue(request, db, lambda: request_training(session=db, actor=caller.actor), "")


@router.post("/gaps")
def mine_gaps(request: Request, db: DB, csrf_token: Annotated[str, Form()] = "") -> Response:
    caller = _lead(request, db, csrf_token)
    return _queue(
        request, db, lambda: request_gap_mining(session=db, actor=caller.actor), "#gaps-heading"
    )


def _queue(request: Request, db: DB, call: Callable[[], JobRun], anchor: str) -> Response:
    """Queue a job and hand it to a worker after the commit (or show why not)."""
    run = attempt(request, db, call)
    if isinstance(run, Refusal):
        return _page(request, db, run.errors, run.status)
    dispatch(db.get_bind().engine, run.id)
    return redirect(f"/admin/selfservice{anchor}")
