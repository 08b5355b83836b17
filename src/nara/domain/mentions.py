"""@mentions in internal notes: ``@handle`` names the staff member whose e-mail address
starts with ``handle@`` (``@oskar`` for oskar@exempelbanken.se, ``@oskar.berg`` for
oskar.berg@…). A mentioned person who may see the case is notified (``note.mention``);
unknown handles, customers, inactive people and people who may not see the case are
ignored, and nobody is notified of their own mention (``notify`` skips the actor)."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from nara.domain.actors import Actor, actor_for_user
from nara.domain.notifications import notify
from nara.models import Case, Notification, Role, User
from nara.queries.access import case_visibility

MAX_MENTIONS = 20
"""Handles looked up per note; a note naming more notifies the first ones."""
EXCERPT = 200
# A handle starts after a space, a line start or punctuation, never inside a word or an
# e-mail address (kund@example.se mentions nobody); it ends on a letter or digit, so the
# full stop in "Fråga @oskar." is not part of it.
HANDLE = re.compile(r"(?<![\w.@+-])@(\w(?:[\w.+-]*\w)?)")


def handles(text: str) -> list[str]:
    """The distinct handles in ``text``, lower-cased, in order of first mention."""
    found: list[str] = []
    for match in HANDLE.finditer(text):
        handle = match.group(1).lower()
        if handle not in found:
            found.append(handle)
    return found[:MAX_MENTIONS]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def mentioned_staff(session: Session, text: str) -> list[User]:
    """Active staff whose e-mail address's local part is a handle in ``text``."""
    wanted = handles(text)
    if not wanted:
        return []
    prefixes = [func.lower(User.email).like(f"{_escaped(h)}@%", escape="\\") for h in wanted]
    return list(
        session.scalars(
            select(User)
            .where(or_(*prefixes), User.role != Role.customer.value, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def notify_mentions(*, session: Session, actor: Actor, case: Case, body: str) -> list[Notification]:
    """Notify the staff ``body`` mentions who may see ``case`` (in the same transaction
    as the note)."""
    readers = []
    for user in mentioned_staff(session, body):
        if user.id == actor.user_id:
            continue
        who = actor_for_user(session, user)
        if session.scalar(select(Case.id).where(Case.id == case.id, case_visibility(who))):
            readers.append(user.id)
    excerpt = " ".join(body.split())[:EXCERPT]
    return notify(
        session,
        user_ids=readers,
        kind="note.mention",
        actor=actor,
        case=case,
        data={"case_number": case.number, "excerpt": excerpt},
    )
