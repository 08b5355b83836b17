"""Reading a staff member's own notifications: newest first with the same opaque cursor
as ``/api/v1/cases``, the unread count for the page header (one COUNT on the partial
index ``ix_notifications_unread``), and each kind in words."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, ScalarSelect, Select, func, select
from sqlalchemy.orm import Session, aliased

from nara.domain.actors import Actor
from nara.domain.errors import NotFound, ValidationFailed
from nara.i18n import N_
from nara.models import Case, Notification, User
from nara.queries.access import require_staff
from nara.queries.cases import decode_cursor

MAX_LIMIT = 100

KIND_TEXT: dict[str, str] = {
    "consultation.asked": N_("New consultation for you or your team on case %(case)s"),
    "consultation.answered": N_("Your consultation on case %(case)s was answered"),
    "consultation.warning": N_("A consultation on case %(case)s is due soon"),
    "consultation.overdue": N_("A consultation on case %(case)s is overdue"),
    "case.handed_over": N_("Case %(case)s was handed over to you"),
    "note.mention": N_("You were mentioned in a note on case %(case)s"),
    "approval.requested": N_("A decision on case %(case)s waits for your approval"),
    "approval.approved": N_("Your request on case %(case)s was approved"),
    "approval.declined": N_("Your request on case %(case)s was declined"),
    "approval.overdue": N_("An approval request on case %(case)s is overdue"),
    "satisfaction.low": N_("The customer of case %(case)s gave a low score: follow it up"),
}
"""The kinds in words; a kind not listed here is told generically."""
IMPROVEMENT_TEXT: dict[str, str] = {
    "improvement.raised": N_("A new improvement for your team: %(title)s"),
    "improvement.status_changed": N_("The improvement “%(title)s” is now: %(status)s"),
    "improvement.declined": N_("The improvement “%(title)s” was declined: %(reason)s"),
    "improvement.owner_changed": N_("The improvement “%(title)s” moved to %(team)s"),
    "improvement.commented": N_("New comment on the improvement “%(title)s”"),
    "improvement.merged": N_("The improvement “%(title)s” was merged into “%(into_title)s”"),
    "improvement.measured": N_("The effect of the improvement “%(title)s” was measured"),
}
"""Notifications about improvements (no case): told with the improvement's title."""
IMPROVEMENT_STATUS = {
    "raised": N_("Raised"),
    "accepted": N_("Accepted"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "declined": N_("Declined"),
}
SOMETHING_ON_CASE = N_("Something new on case %(case)s")
SOMETHING = N_("Something new for you")


@dataclass(frozen=True)
class NotificationLine:
    notification: Notification
    case_number: str | None
    actor_name: str | None

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


@dataclass
class NotificationPage:
    items: list[NotificationLine]
    next_cursor: str | None


def describe(
    kind: str,
    case_number: str | None,
    translate: Callable[[str], str],
    data: dict[str, object] | None = None,
    locale: str = "sv",
) -> str:
    """What a notification says, in the language of ``translate`` (a gettext)."""
    if kind in IMPROVEMENT_TEXT:
        facts = data or {}
        status = str(facts.get("status") or "")
        values = {
            "title": str(facts.get("title") or ""),
            "status": translate(IMPROVEMENT_STATUS[status])
            if status in IMPROVEMENT_STATUS
            else status,
            "reason": str(facts.get("reason") or ""),
            "team": str(facts.get("team_en" if locale == "en" else "team") or ""),
            "into_title": str(facts.get("into_title") or ""),
        }
        return translate(IMPROVEMENT_TEXT[kind]) % values
    if case_number is None:
        return translate(SOMETHING)
    template = KIND_TEXT.get(kind, SOMETHING_ON_CASE)
    return translate(template) % {"case": case_number}


def encode_cursor(notification: Notification) -> str:
    raw = json.dumps([notification.created_at.isoformat(), notification.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_BY = aliased(User, name="by")  # made once: see queries/consultations.py


def _selected(actor: Actor) -> Select[Notification, str, str]:
    """The actor's notifications with their case's number and who caused them."""
    by = _BY
    return (
        select(Notification, Case.number, by.display_name)
        .outerjoin(Case, Case.id == Notification.case_id)
        .outerjoin(by, by.id == Notification.actor_id)
        .where(Notification.user_id == (actor.user_id or -1))
    )


def _line(row: Row[Notification, str, str]) -> NotificationLine:
    notification, number, name = row
    return NotificationLine(notification, number or _number_in(notification), name)


def list_notifications(
    session: Session,
    actor: Actor,
    *,
    unread_only: bool = False,
    cursor: str | None = None,
    limit: int = 25,
) -> NotificationPage:
    """The actor's own notifications, newest first (by id: the order they were made)."""
    require_staff(actor)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    stmt = _selected(actor)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor:
        _, last_id = decode_cursor(cursor)
        stmt = stmt.where(Notification.id < last_id)
    rows = session.execute(stmt.order_by(Notification.id.desc()).limit(limit + 1)).all()
    next_cursor = encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return NotificationPage(items=[_line(row) for row in rows[:limit]], next_cursor=next_cursor)


def one_notification(session: Session, actor: Actor, notification_id: int) -> NotificationLine:
    """One of the actor's own notifications (someone else's: 404, as if it did not exist)."""
    require_staff(actor)
    row = session.execute(_selected(actor).where(Notification.id == notification_id)).first()
    if row is None:
        raise NotFound(
            f"no notification with id {notification_id}",
            template=N_("No notification with id %(notification_id)s."),
            params={"notification_id": notification_id},
        )
    return _line(row)


def improvement_of(line: NotificationLine) -> int | None:
    """The improvement a notification is about (None: not about one)."""
    value = (line.notification.data or {}).get("improvement_id")
    return value if isinstance(value, int) else None


def _number_in(notification: Notification) -> str | None:
    value = (notification.data or {}).get("case_number")
    return value if isinstance(value, str) else None


def unread_count(session: Session, user_id: int) -> int:
    """How many of the user's notifications are unread."""
    return session.scalar(select(unread_count_of(user_id))) or 0


def unread_count_of(user: int | ColumnElement[int]) -> ScalarSelect[int]:
    """How many of ``user``'s notifications are unread, as a scalar subquery (the inbox
    counts it with its tabs, in one statement)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user, Notification.read_at.is_(None))
        .scalar_subquery()
    )
