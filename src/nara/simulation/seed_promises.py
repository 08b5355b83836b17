"""A seeded case's response promises: due and warning times as ``refresh_due_times``
stores them (time waiting on the customer moves them), the alerts the periodic check
would have raised by ``now`` and when it next has something to do
(``promise_check_at``). Pure functions of the case's history on a business clock."""

from __future__ import annotations

import math
from datetime import datetime

from nara.models import ACTIVE_STATUSES
from nara.simulation.seed_clock import MINUTE, BusinessClock, at, at_or_none
from nara.simulation.seed_org import SeedPolicy

ACTIVE = frozenset(ACTIVE_STATUSES)
Act = tuple[float, str, int | None, str, str]  # when, event type, actor, body, data
Pauses = list[tuple[float, float | None]]  # waiting on the customer: (start, end or None)


def _json_text(value: str | None) -> str:
    """An ISO time (no quotes or backslashes in it) or None as JSON."""
    return "null" if value is None else f'"{value}"'


class PromiseTimes:
    """The promise fields of one case (``due``, ``warn``, ``check_at``, ``paused_since``),
    the ``promise.set`` event's data, and the alerts: their events (``acts``) and their
    keys in ``promise_alerts`` (``alerts``)."""

    def __init__(
        self,
        *,
        clock: BusinessClock,
        opened: float,
        now: float,
        changes: list[tuple[float, str]],
        warn_fraction: float,
    ) -> None:
        self.clock, self.opened, self.now, self.warn_fraction = clock, opened, now, warn_fraction
        self.status = changes[-1][1] if changes else "new"
        self.acts: list[Act] = []
        self.alerts: list[str] = []
        self.due: dict[str, datetime | None] = {"first_response": None, "resolution": None}
        self.warn: dict[str, datetime | None] = {"first_response": None, "resolution": None}
        self.check_at: float | None = None
        self.promise_set = ""  # the data of the promise.set event; empty: no promise
        self.pauses = _pauses(changes)
        open_pause = self.pauses[-1][1] is None if self.pauses else False
        self.paused_since = self.pauses[-1][0] if open_pause else None

    def apply(
        self, policy: SeedPolicy | None, replied: float | None, resolved: float | None
    ) -> None:
        """Give the case ``policy``'s promise, answered at ``replied`` and resolved at
        ``resolved`` (None: not yet)."""
        if policy is None or not self.clock.has_hours:
            return
        first = self._promise("first_response", policy.first_response_minutes, replied)
        resolution = self._promise("resolution", policy.resolution_minutes, resolved)
        self.promise_set = (
            f'{{"first_response_minutes": {policy.first_response_minutes}, '
            f'"resolution_minutes": {policy.resolution_minutes}, '
            f'"first_response_due_at": {_json_text(first)}, '
            f'"resolution_due_at": {_json_text(resolution)}}}'
        )

    def _due(self, budget: float, pauses: Pauses) -> float | None:
        """``nara.promises.maths.due_at`` on the hourly business clock."""
        clock, cursor, remaining = self.clock, self.opened, budget
        for start, end in pauses:
            if end is not None and end <= cursor:
                continue
            if start > cursor:
                used = clock.value(start) - clock.value(cursor)
                if used >= remaining:
                    return clock.add(cursor, remaining)
                remaining -= used
            if end is None:
                return None
            cursor = max(cursor, end)
        return clock.add(cursor, remaining)

    def _promise(self, kind: str, minutes: int, done: float | None) -> str | None:
        """Store the promise's times and raise its alerts; the initial due time (ISO)."""
        budget = minutes * MINUTE
        initial = self._due(budget, [])
        due = self._due(budget, self.pauses) if self.pauses else initial
        # While the case waits on the customer there is no due time; the alerts raised
        # before the pause were about the due time it had then.
        paused = self.paused_since
        if paused is None:
            alerted = due
        else:
            alerted = self._due(budget, [p for p in self.pauses if p[1] is not None])
        warned = breached = False
        if alerted is not None:
            now = self.now
            limit = min(done if done is not None else now, now, paused or now)
            warned, breached = self._alerts(kind, alerted, self._warning(alerted, budget), limit)
        if due is None:
            return None if initial is None else at(initial).isoformat()
        # Stored as refresh_due_times stores it: after (1 - fraction) of the budget, not
        # counting pauses (a lower bound of the moment the state turns to warning).
        warn = self._due((1 - self.warn_fraction) * budget, self.pauses)
        self.due[kind], self.warn[kind] = at(due), at_or_none(warn)
        if self.status in ACTIVE and done is None and paused is None:
            # Like next_promise_alert: the earliest alert of a running promise not raised.
            pending = [] if breached else [due]
            if not warned:
                pending.append(due if warn is None else min(warn, due))
            if pending:
                first = min(pending)
                self.check_at = first if self.check_at is None else min(self.check_at, first)
        return None if initial is None else at(initial).isoformat()

    def _warning(self, due: float, budget: float) -> float | None:
        """When the state turns to warning (``nara.promises.maths.state``): less than the
        warning share of the budget left before ``due`` in business time."""
        clock = self.clock
        return clock.instant(clock.value(due) - self.warn_fraction * budget)

    def _alerts(self, kind: str, due: float, warn: float | None, limit: float) -> tuple[bool, bool]:
        """Raise what the periodic check raised by ``limit``, keyed like ``_alert`` in
        ``nara.domain.promises`` (the kind and the due time); whether the warning and
        the breach were raised."""
        warning_at = self._raised_at(warn or due, limit)
        breach_at = self._raised_at(due, limit)
        if warning_at is None and breach_at is None:
            return False, False
        iso = at(due).isoformat()
        data = f'{{"promise": "{kind}", "due_at": "{iso}"}}'
        # Seen breached at once (the warning came during a pause): both together.
        self.acts.append((warning_at or breach_at or 0.0, "promise.warning", None, "", data))
        self.alerts.append(f"{kind}.warning@{iso}")
        if breach_at is not None:
            self.acts.append((breach_at, "promise.breached", None, "", data))
            self.alerts.append(f"{kind}.breached@{iso}")
        return True, breach_at is not None

    def _raised_at(self, instant: float, limit: float) -> float | None:
        """When the check raised an alert due at ``instant`` (None: not by ``limit``). It
        runs every minute while the case is active and not paused."""
        for start, end in self.pauses:
            if start <= instant and (end is None or instant < end):
                if end is None:
                    return None
                instant = end
        if instant > limit:
            return None
        return min(math.ceil(instant / MINUTE) * MINUTE, limit)


def _pauses(changes: list[tuple[float, str]]) -> Pauses:
    """Waiting on the customer, from the status changes (in time order)."""
    pauses: Pauses = []
    since: float | None = None
    for t, new in changes:
        if new == "waiting_on_customer":
            since = t if since is None else since
        elif since is not None:
            pauses.append((since, t))
            since = None
    if since is not None:
        pauses.append((since, None))
    return pauses
