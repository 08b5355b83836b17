"""/api/v1/audit-log: the audit trail beyond cases, for admins (everyone else: 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from nara.models import AuditEntry
from nara.models.audit import OBJECT_TYPES
from nara.queries import audit as audit_queries
from nara.queries.access import require_audit_reader
from nara.web.api import schemas
from nara.web.deps import DB, CurrentActor

router = APIRouter(prefix="/audit-log", tags=["audit"])

ActorParam = Annotated[
    str | None,
    Query(
        alias="actor",
        max_length=254,
        description="a user id or an e-mail address",
    ),
]
ObjectType = Annotated[
    str | None,
    Query(
        max_length=32,
        description="the kind of object changed",
        json_schema_extra={"enum": list(OBJECT_TYPES)},
    ),
]
From = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=40,
        description="a date (the whole day) or an ISO date-time",
    ),
]
To = Annotated[
    str | None,
    Query(
        alias="to",
        max_length=40,
        description="a date (included) or an ISO date-time",
    ),
]


def entry_out(entry: AuditEntry) -> schemas.AuditEntryOut:
    return schemas.AuditEntryOut(
        id=entry.id,
        at=entry.at,
        actor=schemas.AuditActorOut(
            id=entry.actor_user_id, kind=entry.actor_kind, label=entry.actor_label
        ),
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        changes=entry.changes,
        ip=entry.ip,
    )


@router.get("", response_model=schemas.AuditPage)
def list_entries(
    db: DB,
    actor: CurrentActor,
    actor_filter: ActorParam = None,
    object_type: ObjectType = None,
    start: From = None,
    end: To = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query()] = 50,
) -> schemas.AuditPage:
    """Who changed what, newest first: users, teams, topics, routing, calendars, promises,
    tokens, self-service, logins. ``changes`` maps a field to ``[before, after]``."""
    require_audit_reader(actor)
    filters = audit_queries.parse_filter(
        actor=actor_filter, object_type=object_type, start=start, end=end
    )
    page = audit_queries.list_audit(db, actor, filters, cursor=cursor, limit=limit)
    return schemas.AuditPage(items=[entry_out(e) for e in page.items], next_cursor=page.next_cursor)


@router.get(
    ".csv",
    response_class=Response,
    responses={
        200: {
            "description": "The matching entries, oldest first, as CSV (UTF-8 with BOM)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_entries(
    db: DB,
    actor: CurrentActor,
    actor_filter: ActorParam = None,
    object_type: ObjectType = None,
    start: From = None,
    end: To = None,
) -> Response:
    """The same filters, every matching entry oldest first, as CSV (UTF-8 with BOM) for
    auditors."""
    require_audit_reader(actor)
    filters = audit_queries.parse_filter(
        actor=actor_filter, object_type=object_type, start=start, end=end
    )
    body = audit_queries.export_csv(db, actor, filters)
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="nara-audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )
