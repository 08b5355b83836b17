"""Service information for the case and inbox pages: promises, the expected wait,
callback slots, presence and due callbacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nara import clock, i18n
from nara.domain.actors import Actor
from nara.domain.errors import ValidationFailed
from nara.i18n import N_
from nara.models import Case
from nara.queries import callbacks as callback_queries
from nara.queries import directory
from nara.queries.case_service import CaseService, case_service
from nara.queries.service_settings import teams_with_presence
from nara.web.deps import DB, Caller

AWAY_CHOICES = (15, 30, 45, 60, 90)
LATER = N_("We expect a person to answer you around %(when)s.")
LATE = N_(
    "We expected a person to answer you by %(when)s. It is taking longer than we thought, "
    "but your case stays in the queue."
)


@dataclass
class SlotPicker:
    """Free callback slots of a case's team as a day, then a time of day (local time).

    ``times`` holds every time of day that is free on at least one day, with the days it
    is free on: without JavaScript a person picks a day and a time (a taken pair is
    refused with a message); with it, the time list shows only the chosen day's times."""

    days: list[tuple[str, str]] = field(default_factory=list)  # (2026-12-07, "måndag 7 december")
    times: list[tuple[str, list[str]]] = field(default_factory=list)  # ("09:30", [days])

    def __bool__(self) -> bool:
        return bool(self.days)


def slot_picker(db: DB, case: Case, lang: str, limit_days: int = 10) -> SlotPicker:
    days: dict[str, str] = {}
    times: dict[str, list[str]] = {}
    for slot in callback_queries.team_slots(db, case.team_id, now=clock.now(), days=limit_days):
        if slot.free <= 0:
            continue
        moment = i18n.local(slot.starts_at)
        day = moment.date().isoformat()
        if day not in days:
            days[day] = i18n.format_weekday(moment.date(), lang)
        times.setdefault(moment.strftime("%H:%M"), []).append(day)
    return SlotPicker(days=list(days.items()), times=sorted(times.items()))


def slot_time(starts_at: str, day: str, time_of_day: str) -> datetime:
    """The slot a form chose: ``starts_at`` as ISO 8601 (as the API takes it), or a local
    ``day`` and ``time`` from the picker. Anything else is refused in words."""
    try:
        if starts_at:
            return datetime.fromisoformat(starts_at)
        return i18n.in_display_zone(datetime.fromisoformat(f"{day}T{time_of_day}"))
    except ValueError:
        raise ValidationFailed(
            "choose a day and a time",
            field="starts_at",
            template=N_("Choose a day and a time."),
        ) from None


def service_context(db: DB, caller: Caller, case: Case, lang: str) -> dict[str, object]:
    view: CaseService = case_service(db, case, clock.now())
    customer = directory.customer_of(db, case)
    return {
        "service": view,
        "slots": slot_picker(db, case, lang) if case.status not in ("resolved", "closed")
        else SlotPicker(),
        "now": clock.now(),
        "customer_phone": customer.phone if customer else None,
    }  # fmt: skip


def workspace_context(
    db: DB, actor: Actor, *, callbacks_due: bool | None = None
) -> dict[str, object]:
    """Presence per team and due callbacks, for the top of the inbox. ``callbacks_due``:
    False when already known that none is due (not read then)."""
    if not actor.is_staff or actor.user_id is None:
        return {}
    teams, presence = teams_with_presence(db, actor.user_id, sorted(actor.team_ids))
    due = (
        callback_queries.due_callbacks(db, actor, now=clock.now())
        if actor.team_ids and callbacks_due is not False
        else []
    )
    return {"my_teams": teams, "presence": presence, "due_callbacks": due,
            "away_choices": AWAY_CHOICES}  # fmt: skip


def wait_sentence(expected_at: datetime, lang: str) -> str:
    """'We expect to answer by 10:40 (in about 25 minutes).'"""
    translations = i18n.translations(lang)
    t = translations.gettext
    when = i18n.format_time(expected_at, lang)
    if expected_at <= clock.now():  # the estimate is stored when made, never on a view
        return t(LATE) % {"when": when}
    minutes = max(1, round((expected_at - clock.now()).total_seconds() / 60))
    if minutes < 120:
        soon = translations.ngettext(
            "We expect a person to answer you around %(when)s (in about %(minutes)s minute).",
            "We expect a person to answer you around %(when)s (in about %(minutes)s minutes).",
            minutes,
        )
        return soon % {"when": when, "minutes": minutes}
    return t(LATER) % {"when": when}
