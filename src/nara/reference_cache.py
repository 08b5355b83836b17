"""Reference data kept per process: teams, topics and people's names (``directory``),
team calendars (``calendars``) and the mandate rules with their decision types
(``mandates``) change a few times a day and are read on every page.

Each kind has a random token in ``reference_versions``. A flush that adds, changes or
deletes a row of a kind replaces its token in the same transaction (``before_flush``; an
ORM bulk UPDATE or DELETE likewise), so the new token commits or rolls back with the
change. A reader reads the tokens once per transaction (one small statement instead of
one per kind of reference data) and uses what this process keeps of a kind only while
its token is the one it was read under; otherwise it reads the rows again. Tokens are
random, never counted: a rolled-back change can not bring back a token under which other
data was kept.

Kept values are plain and immutable (tuples, frozen dataclasses): they are shared by the
requests of a process. What a transaction reads after changing reference data itself is
not kept (others must not see what it has not committed)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Label, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from nara.models import (
    DecisionType,
    DecisionTypeTopic,
    MandateRule,
    MandateRuleVersion,
    Team,
    TeamCalendar,
    TeamMember,
    TeamTopic,
    Topic,
    User,
)
from nara.models.reference import ReferenceVersion

T = TypeVar("T")

DIRECTORY = "directory"
CALENDARS = "calendars"
MANDATES = "mandates"
KINDS = (DIRECTORY, CALENDARS, MANDATES)
"""Each has its row in ``reference_versions`` (migrations 0022 and 0024)."""

WATCHED: dict[type, tuple[str, frozenset[str] | None]] = {
    Team: (DIRECTORY, None),
    TeamMember: (DIRECTORY, None),
    Topic: (DIRECTORY, None),
    TeamTopic: (DIRECTORY, None),
    # A login changes a person's last_login_at: only what lists of people show counts.
    User: (DIRECTORY, frozenset({"display_name", "email", "role", "is_active"})),
    TeamCalendar: (CALENDARS, None),
    MandateRule: (MANDATES, None),
    MandateRuleVersion: (MANDATES, None),
    DecisionType: (MANDATES, None),
    DecisionTypeTopic: (MANDATES, None),
}
"""Which kind a table's rows are, and (None: any) which of their columns it shows."""

TOKENS = "nara.reference_tokens"
CHANGED = "nara.reference_changed"

_kept: dict[tuple[str, str, Hashable], tuple[int, Any]] = {}
_lock = threading.Lock()
MAX_KEPT = 4096


def cached(
    session: Session,
    kind: str,
    key: Hashable,
    load: Callable[[Session], T],
    *,
    also: tuple[str, ...] = (),
) -> T:
    """``load(session)``'s value, kept by this process while ``kind``'s token stays (and
    those of the kinds in ``also``, which the value depends on too)."""
    if {kind, *also} & _changed_kinds(session):  # changed in this session, not yet flushed
        return load(session)
    found_tokens = tokens(session)
    if also:
        key = (key, *(found_tokens.get(k) for k in also))
    token = found_tokens.get(kind)
    place = (_database(session), kind, key)
    with _lock:
        found = _kept.get(place)
    if found is not None and token is not None and found[0] == token:
        value: T = found[1]
        return value
    value = load(session)
    if token is not None and not session.info.get(CHANGED):
        with _lock:
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[place] = (token, value)
    return value


def tokens(session: Session) -> dict[str, int]:
    """The kinds' tokens as this transaction sees them (read once per transaction)."""
    found: dict[str, int] | None = session.info.get(TOKENS)
    if found is None:
        rows = session.execute(select(ReferenceVersion.kind, ReferenceVersion.token))
        found = session.info[TOKENS] = {kind: token for kind, token in rows}
    return found


def token_columns() -> list[Label[int | None]]:
    """The kinds' tokens as columns (scalar subqueries, in the order of :data:`KINDS`):
    the request's first statement (the caller's lookup) reads them along."""
    return [
        select(ReferenceVersion.token)
        .where(ReferenceVersion.kind == kind)
        .scalar_subquery()
        .label(f"reference_token_{kind}")
        for kind in KINDS
    ]


def prime(session: Session, values: Sequence[int | None]) -> None:
    """The tokens of :func:`token_columns`, read in this transaction already: the next
    :func:`tokens` does not ask again."""
    if TOKENS not in session.info and len(values) == len(KINDS):
        session.info[TOKENS] = {k: v for k, v in zip(KINDS, values, strict=True) if v is not None}


def renew_all(session: Session) -> None:
    """Every kind changed (the database wiped and loaded again, ``nara demo --force``)."""
    _renew(session, set(KINDS))


def forget_all() -> None:
    """Drop what this process keeps (tests)."""
    with _lock:
        _kept.clear()


def _database(session: Session) -> str:
    bind = session.get_bind()
    return str(bind.engine.url)


def _changed_kinds(session: Session) -> set[str]:
    kinds: set[str] = set()
    for obj in (*session.new, *session.deleted):
        watched = WATCHED.get(type(obj))
        if watched is not None:
            kinds.add(watched[0])
    for obj in session.dirty:
        watched = WATCHED.get(type(obj))
        if watched is None or watched[0] in kinds:
            continue
        kind, columns = watched
        state: Any = obj._sa_instance_state
        names = columns if columns is not None else state.mapper.column_attrs.keys()
        if any(state.attrs[name].history.has_changes() for name in names):
            kinds.add(kind)
    return kinds


def _renew(session: Session, kinds: set[str]) -> None:
    connection = session.connection()
    for kind in sorted(kinds):
        connection.execute(
            update(ReferenceVersion)
            .where(ReferenceVersion.kind == kind)
            .values(token=secrets.randbits(62))
        )
    session.info[CHANGED] = True
    session.info.pop(TOKENS, None)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    kinds = _changed_kinds(session)
    if kinds:
        _renew(session, kinds)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    watched = WATCHED.get(mapper.class_) if mapper is not None else None
    if watched is not None:
        _renew(state.session, {watched[0]})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    session.info.pop(TOKENS, None)
    session.info.pop(CHANGED, None)


@event.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session: Session, _previous: object) -> None:
    """A rolled-back savepoint may have renewed a token: read them again (what the
    transaction changed before it is still not to be kept)."""
    session.info.pop(TOKENS, None)
