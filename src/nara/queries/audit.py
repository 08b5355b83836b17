"""Reading the audit log (admins only): filters, cursor pagination and the CSV export.

Filters: ``actor`` (a user id, or an e-mail address: the user's entries and failed logins
on it), ``object_type``, ``from`` and ``to`` (a date, meaning that whole day in the display
time zone, or an ISO date and time; one without a zone is in the display time zone). Pages
run newest first with the same opaque cursor as ``/api/v1/cases``.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.domain.actors import Actor
from nara.domain.errors import ValidationFailed
from nara.i18n import N_
from nara.models import AuditEntry, User
from nara.models.audit import OBJECT_TYPES
from nara.queries.access import require_audit_reader
from nara.queries.cases import decode_cursor

MAX_LIMIT = 100
CSV_COLUMNS = (
    "id",
    "at",
    "actor_kind",
    "actor_user_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "changes",
    "ip",
)


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    actor_email: str | None = None
    object_type: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive


@dataclass
class AuditPage:
    items: list[AuditEntry]
    next_cursor: str | None


def _moment(text: str, field: str, *, end: bool) -> datetime:
    """A date (its start; for ``end`` the start of the next day) or a date and time."""
    zone = ZoneInfo(get_settings().display_timezone)
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(), tzinfo=zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{field} must be a date like 2026-12-01 or a date and time like "
            "2026-12-01T08:00:00+01:00",
            field=field,
            template=N_("Write a date like 2026-12-01."),
        ) from None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return moment + timedelta(microseconds=1) if end else moment


def _actor(text: str) -> tuple[int | None, str | None]:
    value = text.strip()
    if value.isdigit() and len(value) <= 18:
        return int(value), None
    if "@" in value and len(value) <= 254:
        return None, value.lower()
    raise ValidationFailed(
        "actor must be a user id or an e-mail address",
        field="actor",
        template=N_("Give a user id or an e-mail address."),
    )


def parse_filter(
    *,
    actor: str | None = None,
    object_type: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> AuditFilter:
    """Filters from request parameters (empty means none); bad values are refused (422)."""
    actor_id, actor_email = _actor(actor) if actor and actor.strip() else (None, None)
    kind = (object_type or "").strip() or None
    if kind is not None and kind not in OBJECT_TYPES:
        raise ValidationFailed(
            f"object_type must be one of {', '.join(OBJECT_TYPES)}",
            field="object_type",
            template=N_("Choose one of the kinds of object offered."),
        )
    lower = _moment(start, "from", end=False) if start and start.strip() else None
    upper = _moment(end, "to", end=True) if end and end.strip() else None
    if lower is not None and upper is not None and upper <= lower:
        raise ValidationFailed(
            "from must be before to",
            field="from",
            template=N_("The start must be before the end."),
        )
    return AuditFilter(actor_id, actor_email, kind, lower, upper)


def _conditions(filters: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.actor_id is not None:
        where.append(AuditEntry.actor_user_id == filters.actor_id)
    if filters.actor_email is not None:
        users = select(User.id).where(func.lower(User.email) == filters.actor_email)
        where.append(
            or_(
                AuditEntry.actor_user_id.in_(users),
                func.lower(AuditEntry.actor_label) == filters.actor_email,
            )
        )
    if filters.object_type is not None:
        where.append(AuditEntry.object_type == filters.object_type)
    if filters.start is not None:
        where.append(AuditEntry.at >= filters.start)
    if filters.end is not None:
        where.append(AuditEntry.at < filters.end)
    return where


def encode_cursor(entry: AuditEntry) -> str:
    raw = json.dumps([entry.at.isoformat(), entry.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def list_audit(
    session: Session, actor: Actor, filters: AuditFilter, *, cursor: str | None, limit: int
) -> AuditPage:
    """Entries newest first, ``limit`` at a time."""
    require_audit_reader(actor)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    stmt = select(AuditEntry).where(*_conditions(filters))
    if cursor:
        at, last_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < last_id))
        )
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return AuditPage(items=rows[:limit], next_cursor=next_cursor)


def _cell(value: object) -> str:
    """Text for a spreadsheet: a cell that a spreadsheet would take for a formula gets a
    leading apostrophe (OWASP's advice against CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(session: Session, actor: Actor, filters: AuditFilter) -> str:
    """The matching entries, oldest first, as CSV in UTF-8 with a byte-order mark (so
    that spreadsheets read the å, ä and ö right). Times are UTC (ISO 8601); ``changes``
    is the JSON ``{field: [before, after]}``."""
    require_audit_reader(actor)
    stmt = (
        select(AuditEntry)
        .where(*_conditions(filters))
        .order_by(AuditEntry.at, AuditEntry.id)
        .execution_options(yield_per=500)
    )
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in session.scalars(stmt):
        writer.writerow(_csv_row(entry))
    return buffer.getvalue()


def _csv_row(entry: AuditEntry) -> list[object]:
    return [
        entry.id,
        entry.at.isoformat(),
        entry.actor_kind,
        entry.actor_user_id,
        _cell(entry.actor_label),
        entry.action,
        entry.object_type,
        _cell(entry.object_id),
        json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
        entry.ip,
    ]
