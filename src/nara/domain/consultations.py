"""Consultations (samråd): the owning side of a case asks another team a question inside
the case, instead of moving the case away from the person who met the customer.

- The owner, or any member of the owning team, asks another active team with members
  (or a named member of it). The answer is due within the consulted team's consultation
  promise (``teams.consultation_minutes`` of business time in that team's calendar), or
  earlier or later if the asker says so (never in the past, at most a year ahead).
- While a consultation is open, the consulted team's members read the whole case and
  write internal notes and the answer; they cannot reply to the customer, change the
  case or take it. Afterwards they keep read access to that one case.
- The answer lands in the case's timeline (internal). The owning side closes the
  consultation, or asks a follow-up, which opens it again with a new due time.
- The periodic check warns before the due time and writes ``consultation.overdue`` at
  it, reading only the consultations whose time has come (``check_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.domain.notifications import notify
from nara.i18n import N_
from nara.models import (
    Case,
    CaseParticipant,
    CaseStatus,
    Consultation,
    ConsultationStatus,
    Role,
    Team,
    TeamMember,
    User,
)
from nara.promises.calendar import BusinessCalendar, NoOpenHours
from nara.queries.access import get_case_for, is_owning_side, require_staff
from nara.queries.service import calendar_for_team

MAX_QUESTION = 10_000
"""Characters in a question, an answer or a follow-up."""
MAX_AHEAD = timedelta(days=365)
"""The latest due time an asker may set."""


@dataclass
class ConsultationCheck:
    warnings: int = 0
    overdue: int = 0


def _team_by_slug(session: Session, slug: str) -> Team:
    key = validation.text(slug, field="team", max_length=64).lower()
    team = session.scalar(select(Team).where(Team.slug == key))
    if team is None:
        raise ValidationFailed(
            f"no team {key!r}",
            field="team",
            template=N_("There is no team %(team)s."),
            params={"team": key},
        )
    return team


def _member_by_email(session: Session, team: Team, email: str) -> User:
    address = validation.email(email, field="member")
    user = session.scalar(select(User).where(User.email == address))
    is_member = user is not None and session.scalar(
        select(exists().where(TeamMember.team_id == team.id, TeamMember.user_id == user.id))
    )
    if user is None or not user.is_active or not is_member:
        raise ValidationFailed(
            f"{address} is not an active member of {team.slug}",
            field="member",
            template=N_("%(member)s is not an active member of %(team)s."),
            params={"member": address, "team": team.name_en},
        )
    return user


def _active_member_ids(session: Session, team_id: int) -> list[int]:
    return list(
        session.scalars(
            select(User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == team_id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def promised_due(session: Session, team: Team, start: datetime) -> datetime:
    """The consulted team's consultation promise from ``start``: its consultation
    minutes of business time in its calendar (calendar time when it has no open hours)."""
    calendar = calendar_for_team(session, team.id)
    seconds = team.consultation_minutes * 60
    try:
        return calendar.add_business_seconds(start, seconds)
    except NoOpenHours:
        return start + timedelta(seconds=seconds)


def _warn_at(calendar: BusinessCalendar, asked: datetime, due: datetime) -> datetime | None:
    """When the consultation enters its warning: the same fraction of its time left as
    response promises use, measured in calendar time between asking and the due time
    (the due time itself is already in the team's business hours)."""
    fraction = get_settings().promise_warning_fraction
    span = (due - asked).total_seconds()
    if span <= 0:
        return None
    return asked + timedelta(seconds=span * (1 - fraction))


def _schedule(consultation: Consultation) -> None:
    """Store when the periodic check next has something to do for it (None: nothing)."""
    if consultation.status != ConsultationStatus.open.value:
        consultation.check_at = None
        return
    raised = set(consultation.alerts or [])
    pending = []
    if "warning" not in raised and consultation.warn_at is not None:
        pending.append(consultation.warn_at)
    if "overdue" not in raised:
        pending.append(consultation.due_at)
    consultation.check_at = min(pending) if pending else None


def _choose_due(
    session: Session, team: Team, now: datetime, due: datetime | None
) -> tuple[datetime, str]:
    if due is None:
        return promised_due(session, team, now), "promise"
    chosen = clock.ensure_utc(due) if due.tzinfo is not None else None
    if chosen is None:
        raise ValidationFailed(
            "due_at needs a time zone (for example 2026-12-07T15:00:00+01:00)",
            field="due_at",
            template=N_("Give the due time with a time zone."),
        )
    if chosen <= now:
        raise ValidationFailed(
            "due_at is in the past",
            field="due_at",
            template=N_("The due time has already passed. Choose a later time."),
        )
    if chosen > now + MAX_AHEAD:
        raise ValidationFailed(
            "due_at is more than a year ahead",
            field="due_at",
            template=N_("The due time can be at most a year ahead."),
        )
    return chosen, "chosen"


def _event_data(consultation: Consultation, team: Team, **extra: object) -> dict[str, object]:
    return {
        "consultation_id": consultation.id,
        "team_id": team.id,
        "team": team.name_sv,
        "team_en": team.name_en,
        "due_at": consultation.due_at.isoformat(),
        **extra,
    }


def _add_participant(session: Session, case: Case, team_id: int, now: datetime) -> None:
    known = session.scalar(
        select(CaseParticipant.id).where(
            CaseParticipant.case_id == case.id, CaseParticipant.team_id == team_id
        )
    )
    if known is None:
        session.add(
            CaseParticipant(
                case_id=case.id, team_id=team_id, user_id=None, reason="consulted", created_at=now
            )
        )


def ask_consultation(
    *,
    session: Session,
    actor: Actor,
    number: str,
    team: str,
    question: str,
    due: datetime | None = None,
    member: str | None = None,
) -> Consultation:
    """Ask another team (or a named member of it) a question inside case ``number``."""
    if actor.is_customer:
        raise PermissionDenied(
            "customers cannot consult teams",
            template=N_("Only staff can ask another team."),
        )
    require_staff(actor)
    text = validation.text(question, field="question", max_length=MAX_QUESTION)
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    if case.status == CaseStatus.closed.value:
        raise Conflict(
            f"case {case.number} is closed",
            template=N_("This case is closed. Open a new case instead."),
        )
    consulted = _team_by_slug(session, team)
    if consulted.id == case.team_id:
        raise ValidationFailed(
            f"{consulted.slug} owns case {case.number}; consult another team",
            field="team",
            template=N_("%(team)s owns this case. Consult another team."),
            params={"team": consulted.name_en},
        )
    if not consulted.is_active:
        raise ValidationFailed(
            f"team {consulted.slug} is inactive",
            field="team",
            template=N_("%(team)s is no longer active."),
            params={"team": consulted.name_en},
        )
    members = _active_member_ids(session, consulted.id)
    if not members:
        raise ValidationFailed(
            f"team {consulted.slug} has no members to answer",
            field="team",
            template=N_("%(team)s has no members who could answer."),
            params={"team": consulted.name_en},
        )
    person = _member_by_email(session, consulted, member) if member else None
    now = clock.now()
    due_time, source = _choose_due(session, consulted, now, due)
    consultation = Consultation(
        case_id=case.id,
        team_id=consulted.id,
        member_id=person.id if person else None,
        asked_by_id=actor.user_id,
        asking_team_id=case.team_id,
        question=text,
        status=ConsultationStatus.open.value,
        asked_at=now,
        due_at=due_time,
        warn_at=_warn_at(calendar_for_team(session, consulted.id), now, due_time),
        alerts=[],
        follow_ups=0,
    )
    _schedule(consultation)
    session.add(consultation)
    _add_participant(session, case, consulted.id, now)
    session.flush()
    extra: dict[str, object] = {"due_source": source}
    if person is not None:
        extra.update(member_id=person.id, member_name=person.display_name)
    append_event(
        session,
        case=case,
        type="consultation.requested",
        actor=actor,
        body=text,
        data=_event_data(consultation, consulted, **extra),
        at=now,
    )
    notify(
        session,
        user_ids=[person.id] if person else members,
        kind="consultation.asked",
        actor=actor,
        case=case,
        consultation=consultation,
        data={"team_id": consulted.id, "case_number": case.number},
    )
    case.updated_at = now
    session.flush()
    return consultation


def _consultation_for(
    session: Session, actor: Actor, consultation_id: int, *, lock: bool = True
) -> tuple[Consultation, Case, Team]:
    """The consultation if ``actor`` may see its case (404 otherwise, as for cases)."""
    if actor.is_customer:
        raise NotFound(
            f"no consultation with id {consultation_id}",
            template=N_("No consultation with id %(consultation_id)s."),
            params={"consultation_id": consultation_id},
        )
    stmt = select(Consultation).where(Consultation.id == consultation_id)
    if lock:
        stmt = stmt.with_for_update()
    consultation = session.scalar(stmt)
    if consultation is None:
        raise NotFound(
            f"no consultation with id {consultation_id}",
            template=N_("No consultation with id %(consultation_id)s."),
            params={"consultation_id": consultation_id},
        )
    case = session.get(Case, consultation.case_id)
    assert case is not None
    try:
        get_case_for(session, actor, case.number)
    except NotFound:
        raise NotFound(
            f"no consultation with id {consultation_id}",
            template=N_("No consultation with id %(consultation_id)s."),
            params={"consultation_id": consultation_id},
        ) from None
    team = session.get(Team, consultation.team_id)
    assert team is not None
    return consultation, case, team


def may_answer(actor: Actor, consultation: Consultation) -> bool:
    """A member of the consulted team (or an admin) answers while it is open."""
    if actor.is_system or actor.role == Role.admin:
        return True
    return consultation.team_id in actor.team_ids


def answer_consultation(
    *, session: Session, actor: Actor, consultation_id: int, answer: str
) -> Consultation:
    """The consulted team's answer, into the case's timeline (internal)."""
    require_staff(actor)
    consultation, case, team = _consultation_for(session, actor, consultation_id)
    if not may_answer(actor, consultation):
        raise PermissionDenied(
            "only the consulted team answers a consultation",
            template=N_("Only the consulted team can answer this consultation."),
        )
    if consultation.status != ConsultationStatus.open.value:
        raise Conflict(
            f"this consultation is {consultation.status}; only an open one is answered",
            template=N_("This consultation is no longer open, so it cannot be answered."),
        )
    text = validation.text(answer, field="answer", max_length=MAX_QUESTION)
    now = clock.now()
    consultation.answer = text
    consultation.answered_by_id = actor.user_id
    consultation.answered_at = now
    if consultation.first_answered_at is None:
        consultation.first_answered_at = now
        consultation.answered_in_time = now <= consultation.due_at
    consultation.status = ConsultationStatus.answered.value
    _schedule(consultation)
    append_event(
        session,
        case=case,
        type="consultation.answered",
        actor=actor,
        body=text,
        data=_event_data(consultation, team, in_time=now <= consultation.due_at),
        at=now,
    )
    asker_side = {i for i in (consultation.asked_by_id, case.owner_id) if i is not None}
    notify(
        session,
        user_ids=asker_side,
        kind="consultation.answered",
        actor=actor,
        case=case,
        consultation=consultation,
        data={"team_id": team.id, "case_number": case.number},
    )
    case.updated_at = now
    session.flush()
    return consultation


def close_consultation(*, session: Session, actor: Actor, consultation_id: int) -> Consultation:
    """The owning side closes a consultation (answered, or withdrawn while open)."""
    require_staff(actor)
    consultation, case, team = _consultation_for(session, actor, consultation_id)
    _require_asking_side(actor, case)
    if consultation.status == ConsultationStatus.closed.value:
        raise Conflict(
            "this consultation is already closed",
            template=N_("This consultation is already closed."),
        )
    now = clock.now()
    was = consultation.status
    consultation.status = ConsultationStatus.closed.value
    consultation.closed_at = now
    consultation.closed_by_id = actor.user_id
    _schedule(consultation)
    append_event(
        session,
        case=case,
        type="consultation.closed",
        actor=actor,
        data=_event_data(consultation, team, unanswered=was == ConsultationStatus.open.value),
        at=now,
    )
    session.flush()
    return consultation


def follow_up_consultation(
    *,
    session: Session,
    actor: Actor,
    consultation_id: int,
    question: str,
    due: datetime | None = None,
) -> Consultation:
    """The owning side asks a follow-up on an answered consultation: it is open again,
    with a new due time (the consulted team's promise from now, or the one given)."""
    require_staff(actor)
    consultation, case, team = _consultation_for(session, actor, consultation_id)
    _require_asking_side(actor, case)
    if consultation.status != ConsultationStatus.answered.value:
        raise Conflict(
            f"this consultation is {consultation.status}; a follow-up follows an answer",
            template=N_("A follow-up can only be asked after an answer."),
        )
    if case.status == CaseStatus.closed.value:
        raise Conflict(
            f"case {case.number} is closed",
            template=N_("This case is closed. Open a new case instead."),
        )
    text = validation.text(question, field="question", max_length=MAX_QUESTION)
    now = clock.now()
    due_time, source = _choose_due(session, team, now, due)
    consultation.status = ConsultationStatus.open.value
    consultation.question = text
    consultation.due_at = due_time
    consultation.warn_at = _warn_at(calendar_for_team(session, team.id), now, due_time)
    consultation.alerts = []
    consultation.follow_ups += 1
    _schedule(consultation)
    append_event(
        session,
        case=case,
        type="consultation.requested",
        actor=actor,
        body=text,
        data=_event_data(consultation, team, follow_up=True, due_source=source),
        at=now,
    )
    to = [consultation.answered_by_id] if consultation.answered_by_id else []
    notify(
        session,
        user_ids=to or _active_member_ids(session, team.id),
        kind="consultation.asked",
        actor=actor,
        case=case,
        consultation=consultation,
        data={"team_id": team.id, "case_number": case.number, "follow_up": True},
    )
    case.updated_at = now
    session.flush()
    return consultation


def _require_asking_side(actor: Actor, case: Case) -> None:
    if not is_owning_side(actor, case):
        raise PermissionDenied(
            "only the team that owns the case closes or follows up a consultation",
            template=N_("Only the team that owns the case can close or follow up a consultation."),
        )


def open_consultation_clause(actor: Actor, case_id: int) -> ColumnElement[bool]:
    """An open consultation on the case for one of the actor's teams."""
    return exists().where(
        Consultation.case_id == case_id,
        Consultation.team_id.in_(sorted(actor.team_ids)),
        Consultation.status == ConsultationStatus.open.value,
    )


def require_may_write_note(session: Session, actor: Actor, case: Case) -> None:
    """Internal notes: the owning side, or a team with an open consultation on the case
    (a team that took part earlier only reads)."""
    if is_owning_side(actor, case):
        return
    if actor.team_ids and session.scalar(select(open_consultation_clause(actor, case.id))):
        return
    raise PermissionDenied(
        "only the owning team, or a team consulted right now, writes notes on this case",
        template=N_(
            "Only the team that owns this case, or a team it is consulting now, can write notes."
        ),
    )


def check_consultation_batch(
    *, session: Session, actor: Actor, now: datetime, after_id: int, limit: int = 200
) -> tuple[ConsultationCheck, int | None]:
    """One batch of the periodic check: open consultations whose warning or due time has
    come (a partial index on ``check_at``), locked with SKIP LOCKED like the promise
    check. Each alert is raised once per due time (a follow-up starts afresh)."""
    report = ConsultationCheck()
    rows = session.scalars(
        select(Consultation)
        .where(
            Consultation.id > after_id,
            Consultation.check_at <= now,
            Consultation.status == ConsultationStatus.open.value,
        )
        .order_by(Consultation.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for consultation in rows:
        case = session.get(Case, consultation.case_id)
        team = session.get(Team, consultation.team_id)
        assert case is not None and team is not None
        alerts = list(consultation.alerts or [])
        to = (
            [consultation.member_id]
            if consultation.member_id
            else _active_member_ids(session, team.id)
        )
        data = {"team_id": team.id, "case_number": case.number}
        if now >= consultation.due_at and "overdue" not in alerts:
            alerts += [a for a in ("warning", "overdue") if a not in alerts]
            append_event(
                session,
                case=case,
                type="consultation.overdue",
                actor=actor,
                data=_event_data(consultation, team),
            )
            asker = [consultation.asked_by_id] if consultation.asked_by_id else []
            notify(
                session,
                user_ids=[*to, *asker],
                kind="consultation.overdue",
                actor=actor,
                case=case,
                consultation=consultation,
                data=data,
            )
            report.overdue += 1
        elif (
            consultation.warn_at is not None
            and now >= consultation.warn_at
            and "warning" not in alerts
        ):
            alerts.append("warning")
            notify(
                session,
                user_ids=to,
                kind="consultation.warning",
                actor=actor,
                case=case,
                consultation=consultation,
                data=data,
            )
            report.warnings += 1
        consultation.alerts = alerts
        _schedule(consultation)
        if consultation.check_at is not None and consultation.check_at <= now:
            consultation.check_at = now + timedelta(seconds=1)
    session.flush()
    return report, (rows[-1].id if len(rows) == limit else None)
