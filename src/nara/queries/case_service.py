"""What a case page shows about service: promises, the expected wait, callbacks and
tasks. Reads only, except that a stale wait estimate is refreshed (and stored, so its
error can be measured)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.domain.callbacks import callbacks_of_case
from nara.domain.promises import PromiseView, promise_views
from nara.domain.waiting import estimate_wait
from nara.models import Callback, Case, CaseTask, WaitEstimate

ACTIVE = ("new", "open", "waiting_on_customer", "waiting_on_team")


@dataclass(frozen=True)
class CaseService:
    promises: list[PromiseView]
    wait: WaitEstimate | None
    callbacks: list[Callback]
    tasks: list[CaseTask]
    six_months: bool

    @property
    def active_callback(self) -> Callback | None:
        return next((c for c in self.callbacks if c.status == "booked"), None)

    @property
    def offer_new_attempt(self) -> bool:
        """The last callback did not reach the customer and nothing new is booked."""
        return bool(self.callbacks) and self.callbacks[0].status == "not_reached"


def case_service(session: Session, case: Case, now: datetime, *, refresh: bool) -> CaseService:
    wait = None
    if case.first_response_at is None and case.status in ACTIVE:
        if refresh:
            wait = estimate_wait(session, case, now=now, context="viewed")
        else:
            wait = session.scalar(
                select(WaitEstimate)
                .where(WaitEstimate.case_id == case.id)
                .order_by(WaitEstimate.id.desc())
                .limit(1)
            )
    tasks = list(
        session.scalars(select(CaseTask).where(CaseTask.case_id == case.id).order_by(CaseTask.id))
    )
    six = get_settings().authority_mode and "authority.six_months" in (case.promise_alerts or [])
    return CaseService(
        promises=promise_views(session, case, now),
        wait=wait,
        callbacks=callbacks_of_case(session, case.id),
        tasks=tasks,
        six_months=six,
    )
