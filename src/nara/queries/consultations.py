"""Reading consultations: the API list, a case's consultations, the inbox tab and the
lead's overdue list. Who sees which consultation follows the case access model: the
consulted team's members and the owning side (see ``docs/access.md``)."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql._typing import _ColumnExpressionOrStrLabelArgument

from nara.clock import ensure_utc
from nara.domain.actors import Actor
from nara.domain.errors import NotFound, ValidationFailed
from nara.i18n import N_
from nara.models import Case, Consultation, ConsultationStatus, Role, Team, User
from nara.queries import case_extras
from nara.queries.access import case_visibility

MAX_LIMIT = 100
# Made once: an alias made per call builds proxies of every column each time (a few ms).
_ASKED_BY = aliased(User, name="asked_by")
_MEMBER = aliased(User, name="member")
_ANSWERED_BY = aliased(User, name="answered_by")
STATUSES = tuple(s.value for s in ConsultationStatus)


@dataclass(frozen=True)
class ConsultationRow:
    consultation: Consultation
    case_number: str
    case_subject: str
    team: Team
    asking_team: Team
    asked_by: str | None
    member: str | None
    answered_by: str | None

    def overdue(self, now: datetime) -> bool:
        return (
            self.consultation.status == ConsultationStatus.open.value
            and self.consultation.due_at <= now
        )


@dataclass
class ConsultationPage:
    items: list[ConsultationRow]
    next_cursor: str | None


def _encode(consultation: Consultation) -> str:
    raw = json.dumps([consultation.due_at.isoformat(), consultation.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        due, consultation_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment, last_id = ensure_utc(datetime.fromisoformat(due)), int(consultation_id)
        if not 0 <= last_id < 2**63:
            raise ValueError(consultation_id)
        return moment, last_id
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed(
            "cursor is not valid; use next_cursor from a list", field="cursor"
        ) from None


def _rows(
    session: Session,
    where: list[ColumnElement[bool]],
    order_by: Sequence[_ColumnExpressionOrStrLabelArgument[Any]],
    limit: int | None = None,
) -> list[ConsultationRow]:
    """Consultations with their case, teams and people's names, in two queries."""
    query = _joined().where(*where).order_by(*order_by)
    if limit is not None:
        query = query.limit(limit)
    return _named(session, session.execute(query).all())


@functools.cache
def _joined() -> Select[*tuple[Any, ...]]:
    """Consultations with their case, team and people's names (built once)."""
    asked_by, member, answered_by = _ASKED_BY, _MEMBER, _ANSWERED_BY
    return (
        select(
            Consultation,
            Case.number,
            Case.subject,
            Team,
            asked_by.display_name,
            member.display_name,
            answered_by.display_name,
        )
        .join(Case, Case.id == Consultation.case_id)
        .join(Team, Team.id == Consultation.team_id)
        .outerjoin(asked_by, asked_by.id == Consultation.asked_by_id)
        .outerjoin(member, member.id == Consultation.member_id)
        .outerjoin(answered_by, answered_by.id == Consultation.answered_by_id)
    )


@functools.cache
def _of_case() -> Select[*tuple[Any, ...]]:
    """:func:`consultations_of_case`' query, built once (``co_case``): every case page."""
    return _joined().where(Consultation.case_id == bindparam("co_case")).order_by(Consultation.id)


def _named(session: Session, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[ConsultationRow]:
    """The rows of :func:`_joined` with their asking teams (one more query, if any)."""
    asking_ids = {r[0].asking_team_id for r in rows}
    teams = (
        {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(sorted(asking_ids))))}
        if asking_ids
        else {}
    )
    return [
        ConsultationRow(
            consultation=r[0],
            case_number=r[1],
            case_subject=r[2],
            team=r[3],
            asking_team=teams[r[0].asking_team_id],
            asked_by=r[4],
            member=r[5],
            answered_by=r[6],
        )
        for r in rows
    ]


def _status_filter(status: str | None) -> list[ColumnElement[bool]]:
    if status is None or status == "":
        return []
    if status not in STATUSES:
        raise ValidationFailed(
            f"status must be one of {', '.join(STATUSES)}",
            field="status",
            template=N_("Choose a status from the list."),
        )
    return [Consultation.status == status]


def list_consultations(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    asked_by_me: bool = False,
    cursor: str | None = None,
    limit: int = 25,
) -> ConsultationPage:
    """The consultations asked of the caller's teams (or, with ``asked_by_me``, asked by
    the caller), most urgent first (due time, then id), cursor-paginated."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    where = _status_filter(status)
    if asked_by_me:
        where.append(Consultation.asked_by_id == (actor.user_id or -1))
    elif actor.is_system or actor.role == Role.admin:
        where.append(true())
    else:
        where.append(Consultation.team_id.in_(sorted(actor.team_ids)))
    if cursor:
        due, last_id = _decode(cursor)
        where.append(
            or_(
                Consultation.due_at > due,
                and_(Consultation.due_at == due, Consultation.id > last_id),
            )
        )
    rows = _rows(session, where, [Consultation.due_at, Consultation.id], limit + 1)
    next_cursor = _encode(rows[limit - 1].consultation) if len(rows) > limit else None
    return ConsultationPage(items=rows[:limit], next_cursor=next_cursor)


def consultations_of_case(session: Session, case: Case) -> list[ConsultationRow]:
    """A case's consultations, oldest first (``case`` comes from ``get_case_for``)."""
    if not case_extras.has(session, case.id, "consultations"):
        return []
    return _named(session, session.execute(_of_case(), {"co_case": case.id}).all())


def open_for_teams(
    session: Session, team_ids: list[int], *, limit: int = 50
) -> list[ConsultationRow]:
    """Open consultations asked of these teams, most urgent first (the inbox tab)."""
    if not team_ids:
        return []
    return _rows(
        session,
        [
            Consultation.team_id.in_(sorted(team_ids)),
            Consultation.status == ConsultationStatus.open.value,
        ],
        [Consultation.due_at, Consultation.id],
        limit,
    )


def count_open_for_teams(session: Session, team_ids: list[int]) -> int:
    if not team_ids:
        return 0
    return int(session.scalar(select(open_count_of(sorted(team_ids)))) or 0)


def open_count_of(teams: list[int] | BindParameter[list[int]]) -> ScalarSelect[int]:
    """How many open consultations are asked of ``teams``, as a scalar subquery (the
    inbox counts it with its tabs, in one statement)."""
    return (
        select(func.count(Consultation.id))
        .where(
            Consultation.team_id.in_(teams),
            Consultation.status == ConsultationStatus.open.value,
        )
        .scalar_subquery()
    )


def overdue_for_teams(
    session: Session, team_ids: list[int], now: datetime
) -> list[ConsultationRow]:
    """Open consultations of these teams past their due time (the lead's page)."""
    if not team_ids:
        return []
    return _rows(
        session,
        [
            Consultation.team_id.in_(sorted(team_ids)),
            Consultation.status == ConsultationStatus.open.value,
            Consultation.due_at <= now,
        ],
        [Consultation.due_at, Consultation.id],
        100,
    )


def get_consultation_row(session: Session, actor: Actor, consultation_id: int) -> ConsultationRow:
    """One consultation if the caller may see its case (404 otherwise)."""
    rows = _rows(
        session,
        [Consultation.id == consultation_id, case_visibility(actor)],
        [Consultation.id],
    )
    if not rows or actor.is_customer:
        raise NotFound(
            f"no consultation with id {consultation_id}",
            template=N_("No consultation with id %(consultation_id)s."),
            params={"consultation_id": consultation_id},
        )
    return rows[0]
