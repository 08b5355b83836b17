"""Response promises on cases: policies (data leads edit), applying them to a case,
keeping due times right when the case waits on the customer, and the periodic check
that warns before a breach, records breaches and, in public-authority mode, creates
delay-notice tasks and marks six-month-old cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.audit import created, deleted, facts_of, record_audit, record_changes
from nara.domain.consultations import check_consultation_batch
from nara.domain.decisions import check_approval_batch
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.i18n import N_
from nara.models import (
    ACTIVE_STATUSES,
    Case,
    CaseEvent,
    CaseTask,
    Channel,
    Priority,
    ResponsePolicy,
    Role,
    Topic,
    active_clause,
)
from nara.promises.calendar import BusinessCalendar, NoOpenHours
from nara.promises.maths import Pause, PromiseState, due_at, pauses_from_statuses
from nara.queries.access import can_manage_topic, get_case_for, require_lead, require_staff
from nara.queries.promises import PromiseView, promise_views
from nara.queries.service import calendar_for_team, matching_policy

MAX_PROMISE_MINUTES = 60 * 24 * 365
ACTIVE = ACTIVE_STATUSES
POLICY_FIELDS = ("topic_id", "priority", "channel", "first_response_minutes", "resolution_minutes")


def _require_lead(actor: Actor) -> None:
    require_lead(actor, "can change response promises")


def may_change_policy(session: Session, actor: Actor, topic_id: int | None) -> bool:
    """A topic's promises are changed by whoever manages the topic
    (:func:`~nara.queries.access.can_manage_topic`); the organisation-wide ones (no
    topic) only by admins."""
    if topic_id is None:
        return actor.is_admin or actor.is_system
    return can_manage_topic(session, actor, topic_id)


def _require_may_change(session: Session, actor: Actor, topic_id: int | None) -> None:
    if may_change_policy(session, actor, topic_id):
        return
    if topic_id is None:
        raise PermissionDenied(
            "only admins can change the organisation-wide response promises",
            template=N_("Only admins can change the organisation-wide response promises."),
        )
    raise PermissionDenied(
        "only admins, and leads of the teams that handle this topic, can change its promises",
        template=N_(
            "Only admins, and leads of the teams that handle this topic, can change its promises."
        ),
    )


def _minutes(value: int, field: str) -> int:
    if not isinstance(value, int) or value <= 0:
        raise ValidationFailed(
            f"{field} must be a positive number of minutes",
            field=field,
            template=N_("A promise needs a positive number of minutes."),
        )
    if value > MAX_PROMISE_MINUTES:
        raise ValidationFailed(
            f"{field} is more than a year",
            field=field,
            template=N_("A promise can be at most a year."),
        )
    return value


def _check_policy(
    session: Session,
    topic_id: int | None,
    priority: str | None,
    channel: str | None,
    first_response_minutes: int,
    resolution_minutes: int,
    exclude_id: int | None = None,
) -> tuple[str | None, str | None]:
    if topic_id is not None and session.get(Topic, topic_id) is None:
        raise ValidationFailed(
            f"no topic with id {topic_id}",
            field="topic_id",
            template=N_("No topic with id %(topic_id)s."),
            params={"topic_id": topic_id},
        )
    prio = validation.choice(Priority, priority, field="priority").value if priority else None
    chan = validation.choice(Channel, channel, field="channel").value if channel else None
    _minutes(first_response_minutes, "first_response_minutes")
    _minutes(resolution_minutes, "resolution_minutes")
    if resolution_minutes < first_response_minutes:
        raise ValidationFailed(
            "resolution cannot be promised sooner than the first response",
            field="resolution_minutes",
            template=N_("Resolution cannot be promised sooner than the first response."),
        )
    same = select(ResponsePolicy.id).where(
        ResponsePolicy.topic_id.is_(None)
        if topic_id is None
        else ResponsePolicy.topic_id == topic_id,
        ResponsePolicy.priority.is_(None) if prio is None else ResponsePolicy.priority == prio,
        ResponsePolicy.channel.is_(None) if chan is None else ResponsePolicy.channel == chan,
    )
    if exclude_id is not None:
        same = same.where(ResponsePolicy.id != exclude_id)
    if session.scalar(same) is not None:
        raise Conflict(
            "a promise for this topic, priority and channel already exists",
            template=N_("A promise for this topic, priority and channel already exists."),
        )
    return prio, chan


def create_policy(
    *,
    session: Session,
    actor: Actor,
    first_response_minutes: int,
    resolution_minutes: int,
    topic_id: int | None = None,
    priority: str | None = None,
    channel: str | None = None,
) -> ResponsePolicy:
    _require_lead(actor)
    prio, chan = _check_policy(session, topic_id, priority, channel,
                               first_response_minutes, resolution_minutes)  # fmt: skip
    _require_may_change(session, actor, topic_id)
    now = clock.now()
    policy = ResponsePolicy(
        topic_id=topic_id,
        priority=prio,
        channel=chan,
        first_response_minutes=first_response_minutes,
        resolution_minutes=resolution_minutes,
        created_at=now,
        updated_at=now,
    )
    session.add(policy)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="promise.created",
        object_type="promise",
        object_id=policy.id,
        changes=created(facts_of(policy, POLICY_FIELDS)),
    )
    return policy


def update_policy(
    *,
    session: Session,
    actor: Actor,
    policy_id: int,
    first_response_minutes: int,
    resolution_minutes: int,
) -> ResponsePolicy:
    """Change a policy's minutes. Open cases keep the budgets they were given."""
    _require_lead(actor)
    policy = session.get(ResponsePolicy, policy_id)
    if policy is None:
        raise NotFound(
            f"no response promise with id {policy_id}",
            template=N_("No response promise with id %(policy_id)s."),
            params={"policy_id": policy_id},
        )
    _require_may_change(session, actor, policy.topic_id)
    _check_policy(session, policy.topic_id, policy.priority, policy.channel,
                  first_response_minutes, resolution_minutes, exclude_id=policy.id)  # fmt: skip
    before = facts_of(policy, POLICY_FIELDS)
    policy.first_response_minutes = first_response_minutes
    policy.resolution_minutes = resolution_minutes
    policy.updated_at = clock.now()
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="promise.updated",
        object_type="promise",
        object_id=policy.id,
        before=before,
        after=facts_of(policy, POLICY_FIELDS),
    )
    return policy


def delete_policy(*, session: Session, actor: Actor, policy_id: int) -> None:
    _require_lead(actor)
    policy = session.get(ResponsePolicy, policy_id)
    if policy is None:
        raise NotFound(
            f"no response promise with id {policy_id}",
            template=N_("No response promise with id %(policy_id)s."),
            params={"policy_id": policy_id},
        )
    _require_may_change(session, actor, policy.topic_id)
    before = facts_of(policy, POLICY_FIELDS)
    session.delete(policy)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="promise.deleted",
        object_type="promise",
        object_id=policy_id,
        changes=deleted(before),
    )


def _status_pauses(session: Session, case: Case) -> list[Pause]:
    rows = session.execute(
        select(CaseEvent.created_at, CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.type == "case.status_changed")
        .order_by(CaseEvent.id)
    ).all()
    return pauses_from_statuses((at, str(data.get("new", ""))) for at, data in rows)


def _due(cal: BusinessCalendar, start: datetime, minutes: int | None,
         pauses: list[Pause]) -> datetime | None:  # fmt: skip
    if minutes is None:
        return None
    try:
        return due_at(cal, start, minutes * 60, pauses)
    except NoOpenHours:
        return None


def _warn_at(
    cal: BusinessCalendar, start: datetime, minutes: int | None, pauses: list[Pause]
) -> datetime | None:
    """When less than the warning fraction of the budget is left: the instant after
    ``(1 - fraction) × budget`` of business time not counting pauses, the same point at
    which :func:`nara.promises.maths.state` turns from ok to warning."""
    if minutes is None:
        return None
    used = (1 - get_settings().promise_warning_fraction) * minutes * 60
    try:
        return due_at(cal, start, used, pauses)
    except NoOpenHours:
        return None


def case_policy(session: Session, case: Case) -> ResponsePolicy | None:
    """The most specific policy matching the case's topic, priority and channel."""
    return matching_policy(
        session, topic_id=case.topic_id, priority=case.priority, channel=case.channel
    )


def apply_promise(session: Session, case: Case, policy: ResponsePolicy | None) -> None:
    """Give a new case the promise of ``policy`` (:func:`case_policy`, which routing
    has already read)."""
    case.promise_policy_id = policy.id if policy else None
    case.first_response_budget_min = policy.first_response_minutes if policy else None
    case.resolution_budget_min = policy.resolution_minutes if policy else None
    refresh_due_times(session, case)


def refresh_due_times(session: Session, case: Case) -> None:
    """Recompute the due times from the budgets, the team's calendar and the time the
    case spent waiting on the customer. Called when status or team changes."""
    if case.id is None:
        pauses: list[Pause] = []  # a case being opened has no status history yet
    else:
        session.flush()
        pauses = _status_pauses(session, case)
    open_pause = next((p for p in pauses if p.end is None), None)
    case.promise_paused_at = open_pause.start if open_pause else None
    cal = calendar_for_team(session, case.team_id)
    case.first_response_due_at = _due(cal, case.opened_at, case.first_response_budget_min,
                                      pauses)  # fmt: skip
    case.resolution_due_at = _due(cal, case.opened_at, case.resolution_budget_min, pauses)
    case.first_response_warn_at = _warn_at(
        cal, case.opened_at, case.first_response_budget_min, pauses
    )
    case.resolution_warn_at = _warn_at(cal, case.opened_at, case.resolution_budget_min, pauses)
    schedule_promise_check(case)


def schedule_promise_check(case: Case) -> None:
    """Store when the periodic check next has something to do for ``case``: the earliest
    warning or breach of a promise still running that was not raised yet (None when
    there is none: the case is done, paused or has no promise). Called wherever due
    times, status or alerts change. Only ever earlier than the real next alert, never
    later: a case looked at too early is simply scheduled again."""
    case.promise_check_at = next_promise_alert(case)


def next_promise_alert(case: Case) -> datetime | None:
    if case.status not in ACTIVE or case.promise_paused_at is not None:
        return None
    raised = set(case.promise_alerts or [])
    pending: list[datetime] = []
    for kind, due, warn, done in (
        (
            "first_response",
            case.first_response_due_at,
            case.first_response_warn_at,
            case.first_response_at,
        ),
        ("resolution", case.resolution_due_at, case.resolution_warn_at, case.resolved_at),
    ):
        if due is None or done is not None:
            continue
        key = due.isoformat()
        if f"{kind}.warning@{key}" not in raised:
            pending.append(min(warn, due) if warn is not None else due)
        if f"{kind}.breached@{key}" not in raised:
            pending.append(due)
    return min(pending, default=None)


@dataclass
class CheckReport:
    warnings: int = 0
    breaches: int = 0
    delay_tasks: int = 0
    six_months: int = 0
    consultation_warnings: int = 0
    consultations_overdue: int = 0
    approvals_escalated: int = 0
    approvals_overdue: int = 0

    def add(self, other: CheckReport) -> None:
        self.warnings += other.warnings
        self.breaches += other.breaches
        self.delay_tasks += other.delay_tasks
        self.six_months += other.six_months
        self.consultation_warnings += other.consultation_warnings
        self.consultations_overdue += other.consultations_overdue
        self.approvals_escalated += other.approvals_escalated
        self.approvals_overdue += other.approvals_overdue


# The periodic check walks the cases in id order, this many at a time, each batch in a
# transaction of its own (the job commits between batches), so no case stays locked for
# longer than one batch takes.
CHECK_BATCH = 200
CHECK_PHASES = ("promises", "delay_notices", "six_months", "consultations", "approvals")


def check_promises(*, session: Session, actor: Actor, now: datetime | None = None) -> CheckReport:
    """The whole periodic check in the caller's transaction (the CLI, the demo loader,
    tests). The background job runs the same batches, committing after each."""
    now = now or clock.now()
    report = CheckReport()
    for phase in CHECK_PHASES:
        after: int | None = 0
        while after is not None:
            part, after = check_promise_batch(
                session=session, actor=actor, now=now, phase=phase, after_id=after
            )
            report.add(part)
    return report


def check_promise_batch(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    phase: str,
    after_id: int,
    limit: int = CHECK_BATCH,
) -> tuple[CheckReport, int | None]:
    """One batch of one phase of the periodic check: the next ``limit`` candidate cases
    after ``after_id`` in id order, locked with ``SKIP LOCKED`` (a case someone is
    changing this instant is looked at again at the next tick, and two checkers never
    wait on each other or deadlock). Returns the report and the id to continue after
    (None when the phase is done). Each alert is written once per case and promise."""
    report = CheckReport()
    settings = get_settings()
    where: list[ColumnElement[bool]]
    if phase == "consultations":
        part, after = check_consultation_batch(
            session=session, actor=actor, now=now, after_id=after_id, limit=limit
        )
        report.consultation_warnings, report.consultations_overdue = part.warnings, part.overdue
        return report, after
    if phase == "approvals":
        checked, after = check_approval_batch(
            session=session, actor=actor, now=now, after_id=after_id, limit=limit
        )
        report.approvals_escalated, report.approvals_overdue = checked.escalated, checked.overdue
        return report, after
    if phase == "promises":
        # Only the cases whose next warning or breach has come (a partial index on the
        # stored time), not the whole backlog.
        where = [Case.promise_check_at <= now, active_clause()]
    elif not settings.authority_mode:
        return report, None
    elif phase == "delay_notices":
        where = [
            active_clause(),
            Case.opened_at <= now - timedelta(days=settings.delay_notice_after_days),
            ~Case.id.in_(select(CaseTask.case_id).where(CaseTask.kind == "delay_notice")),
        ]
    elif phase == "six_months":
        where = [active_clause(), Case.opened_at <= now - timedelta(days=180)]
    else:
        raise ValueError(f"unknown phase {phase!r}")
    cases = session.scalars(
        select(Case)
        .where(Case.id > after_id, *where)
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for case in cases:
        if phase == "promises":
            if case.first_response_warn_at is None and case.resolution_warn_at is None:
                refresh_due_times(session, case)  # a case from before warning times
            for view in promise_views(session, case, now):
                _alert(session, actor, case, view, report)
            schedule_promise_check(case)
            if case.promise_check_at is not None and case.promise_check_at <= now:
                # Stored times are a lower bound; the calendar said "not yet" (a legacy
                # row without warning times, say): look again at the next tick.
                case.promise_check_at = now + timedelta(seconds=1)
        elif phase == "delay_notices":
            _delay_notice(session, actor, case, now, settings.delay_notice_after_days, report)
        else:
            _six_months(session, actor, case, now, settings.display_timezone, report)
    session.flush()
    return report, (cases[-1].id if len(cases) == limit else None)


def _alert(
    session: Session, actor: Actor, case: Case, view: PromiseView, report: CheckReport
) -> None:
    if view.state not in (PromiseState.warning, PromiseState.breached):
        return
    alerts = list(case.promise_alerts or [])
    data = {"promise": view.kind, "due_at": view.due_at.isoformat() if view.due_at else None}
    # Keyed by the due time: when a pause or another team's calendar moves the due time,
    # the new due time is warned about (and breached) on its own.
    due = view.due_at.isoformat() if view.due_at else ""
    if f"{view.kind}.warning@{due}" not in alerts:
        alerts.append(f"{view.kind}.warning@{due}")
        append_event(session, case=case, type="promise.warning", actor=actor, data=data)
        report.warnings += 1
    if view.state == PromiseState.breached and f"{view.kind}.breached@{due}" not in alerts:
        alerts.append(f"{view.kind}.breached@{due}")
        append_event(session, case=case, type="promise.breached", actor=actor, data=data)
        report.breaches += 1
    case.promise_alerts = alerts


def six_months_after(opened: datetime, zone_name: str) -> datetime:
    """The same local date six calendar months later (clamped to the month's end)."""
    local = opened.astimezone(ZoneInfo(zone_name))
    month = local.month + 6
    year = local.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in (local.day, 30, 29, 28):
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _delay_notice(
    session: Session, actor: Actor, case: Case, now: datetime, days: int, report: CheckReport
) -> None:
    session.add(CaseTask(case_id=case.id, kind="delay_notice", created_at=now))
    append_event(
        session,
        case=case,
        type="task.created",
        actor=actor,
        data={"kind": "delay_notice", "days": days},
    )
    report.delay_tasks += 1


def _six_months(
    session: Session, actor: Actor, case: Case, now: datetime, zone: str, report: CheckReport
) -> None:
    alerts = list(case.promise_alerts or [])
    if "authority.six_months" in alerts or six_months_after(case.opened_at, zone) > now:
        return
    case.promise_alerts = [*alerts, "authority.six_months"]
    append_event(session, case=case, type="case.six_months", actor=actor)
    report.six_months += 1


def complete_task(*, session: Session, actor: Actor, number: str, kind: str) -> CaseTask:
    """Mark a case task done (for example: the delay notice was sent)."""
    require_staff(actor)
    case = get_case_for(session, actor, number, to_change=True)
    task = session.scalar(
        select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.kind == kind)
    )
    if task is None:
        raise NotFound(
            f"case {case.number} has no task {kind!r}",
            template=N_('Case %(number)s has no task "%(kind)s".'),
            params={"number": case.number, "kind": kind},
        )
    if task.done_at is not None:
        raise Conflict("this task is already done", template=N_("This task is already done."))
    if kind == "satisfaction_followup" and actor.role not in (Role.lead, Role.admin):
        raise PermissionDenied(
            "the team's lead follows up a low score",
            template=N_("The team's lead follows up a low score."),
        )
    task.done_at = clock.now()
    task.done_by_id = actor.user_id
    append_event(session, case=case, type="task.done", actor=actor, data={"kind": kind})
    session.flush()
    return task
