"""/api/v1/notifications: a staff member's own notifications (someone else's: 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from nara import i18n
from nara.domain import notifications as notification_actions
from nara.queries import notifications as notification_queries
from nara.queries.notifications import NotificationLine
from nara.web.api import schemas
from nara.web.deps import DB, CurrentCaller

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="consultation.asked, note.mention, case.handed_over, ...")
    text: str = Field(description="What happened, in the caller's language.")
    case_number: str | None
    consultation_id: int | None
    actor: schemas.PersonRef | None = Field(description="Who caused it (null: Nära itself).")
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    unread: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int


class ReadAllOut(BaseModel):
    marked: int = Field(description="How many unread notifications were marked read.")


def notification_out(line: NotificationLine, locale: str) -> NotificationOut:
    n = line.notification
    translate = i18n.translations(locale).gettext
    actor = (
        schemas.PersonRef(id=n.actor_id, display_name=line.actor_name)
        if n.actor_id is not None and line.actor_name is not None
        else None
    )
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        text=notification_queries.describe(n.kind, line.case_number, translate, n.data, locale),
        case_number=line.case_number,
        consultation_id=n.consultation_id,
        actor=actor,
        data=dict(n.data or {}),
        created_at=n.created_at,
        read_at=n.read_at,
        unread=n.read_at is None,
    )


@router.get("", response_model=NotificationPage)
def list_notifications(
    db: DB,
    caller: CurrentCaller,
    unread: bool = False,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=notification_queries.MAX_LIMIT)] = 25,
) -> NotificationPage:
    """The caller's notifications, newest first (``unread=true``: only unread ones),
    cursor-paginated like the case list. Staff only."""
    page = notification_queries.list_notifications(
        db, caller.actor, unread_only=unread, cursor=cursor, limit=limit
    )
    locale = caller.user.locale or "sv"
    return NotificationPage(
        items=[notification_out(line, locale) for line in page.items],
        next_cursor=page.next_cursor,
        unread_count=notification_queries.unread_count(db, caller.user.id),
    )


@router.post("/read-all", response_model=ReadAllOut)
def read_all(db: DB, caller: CurrentCaller) -> ReadAllOut:
    marked = notification_actions.mark_all_read(session=db, actor=caller.actor)
    db.commit()
    return ReadAllOut(marked=marked)


@router.post("/{notification_id}/read", response_model=NotificationOut)
def read(notification_id: int, db: DB, caller: CurrentCaller) -> NotificationOut:
    notification_actions.mark_read(session=db, actor=caller.actor, notification_id=notification_id)
    db.commit()
    line = notification_queries.one_notification(db, caller.actor, notification_id)
    return notification_out(line, caller.user.locale or "sv")
