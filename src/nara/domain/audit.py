"""The audit log beyond cases: one way to record a change, and helpers for before/after.

Every domain function that changes users, teams, topics, routing, calendars, promises,
API tokens or self-service, and every login, calls :func:`record_audit` in the same
transaction as the change (so a rolled-back change leaves no entry). Entries are facts:
ids, values and UTC times, never text formatted in one language. Passwords, token
secrets and model blobs are never stored; personnummer in text only masked.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from nara import clock, personnummer
from nara.domain.actors import Actor
from nara.models import AuditEntry
from nara.models.audit import ACTIONS, OBJECT_TYPES

SECRET_FIELDS = frozenset(
    {"password", "password_hash", "token", "token_hash", "csrf_token", "blob", "secret"}
)
"""Fields whose values never enter the log (a change of them is recorded by its action)."""


def fact(value: Any) -> Any:
    """A JSON-safe fact: UTC ISO times, ISO dates, enum values, masked personnummer."""
    if isinstance(value, datetime):
        return clock.ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return fact(value.value)
    if isinstance(value, str):
        return personnummer.mask_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): fact(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [fact(v) for v in value]
    return str(value)


def facts_of(row: object, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` of a row, as facts (take one before a change)."""
    return {name: fact(getattr(row, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    changes: dict[str, list[Any]] = {}
    for name in dict.fromkeys([*before, *after]):
        old, new = fact(before.get(name)), fact(after.get(name))
        if old != new:
            changes[name] = [old, new]
    return changes


def created(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return diff({}, values)


def deleted(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return diff(values, {})


def _actor_kind(actor: Actor | None) -> str:
    if actor is None:
        return "anonymous"
    return "system" if actor.user_id is None else "user"


def record_audit(
    *,
    session: Session,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: int | str | None,
    changes: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry; ``actor`` None is someone not logged in (a failed login).
    ``ip`` defaults to the actor's request address."""
    if action not in ACTIONS or object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown audit action {action!r} or object type {object_type!r}")
    clean = {
        str(name): fact(value)
        for name, value in (changes or {}).items()
        if str(name) not in SECRET_FIELDS
    }
    entry = AuditEntry(
        at=clock.now(),
        actor_user_id=actor.user_id if actor is not None else None,
        actor_kind=_actor_kind(actor),
        actor_label=(actor.email or actor.display_name)[:254] if actor is not None else "",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:64],
        changes=clean,
        ip=(ip if ip is not None else (actor.ip if actor is not None else None)),
    )
    session.add(entry)
    session.flush()
    return entry


def record_changes(
    *,
    session: Session,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: int | str | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> AuditEntry | None:
    """Append an entry with what changed between ``before`` and ``after``; nothing when
    nothing changed (saving a form unchanged is no change)."""
    changes = diff(before, after)
    if not changes:
        return None
    return record_audit(
        session=session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
    )
