"""The admins' page of background jobs: recent runs (periodic and requested), their
attempts, progress and failures, and retrying a failed run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara.domain import jobs as job_actions
from nara.domain.errors import PermissionDenied
from nara.i18n import N_
from nara.jobs.dispatch import dispatch
from nara.models import JobStatus
from nara.queries import jobs as job_queries
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

router = APIRouter(prefix="/admin/jobs", include_in_schema=False)
TASKS = (
    job_actions.PROMISE_CHECK,
    job_actions.WAIT_REFRESH,
    job_actions.TRAINING,
    job_actions.GAP_MINING,
    job_actions.EFFECT_MEASURING,
    job_actions.EVIDENCE_GATHERING,
    job_actions.FOLLOWUP_ROLLUP,
    job_actions.RECOVER,
    job_actions.PRUNE,
)
STATUSES = tuple(s.value for s in JobStatus)


def _admin(caller: Caller) -> Caller:
    if not caller.actor.is_admin:
        raise PermissionDenied(
            "only admins see background jobs", template=N_("Only admins see background jobs.")
        )
    return caller


def _page(
    request: Request, db: DB, errors: FormErrors, task: str, status: str, status_code: int = 200
) -> Response:
    runs = job_queries.recent_runs(db, limit=100, task=task or None, status=status or None)
    return render(
        request,
        "admin/jobs.html",
        status_code,
        runs=runs,
        errors=errors,
        tasks=TASKS,
        workers=job_queries.live_workers(db),
        statuses=STATUSES,
        task=task,
        status=status,
    )


@router.get("", response_class=HTMLResponse)
def page(request: Request, db: DB, task: str = "", status: str = "") -> Response:
    _admin(require_caller(request, db))
    task = task if task in TASKS else ""
    status = status if status in STATUSES else ""
    return _page(request, db, FormErrors(), task, status)


@router.post("/{run_id}/retry")
def retry(
    request: Request, db: DB, run_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    caller = _admin(require_form_caller(request, db, csrf_token))
    run = attempt(
        request, db, lambda: job_actions.retry_run(session=db, actor=caller.actor, run_id=run_id)
    )
    if isinstance(run, Refusal):
        return _page(request, db, run.errors, "", "", run.status)
    dispatch(db.get_bind().engine, run.id)
    return redirect("/admin/jobs")
