"""Writes on team calendars: opening hours, holidays, closed dates, callback capacity."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.audit import facts_of, record_changes
from nara.domain.errors import NotFound, PermissionDenied, ValidationFailed
from nara.i18n import N_
from nara.models import Team, TeamCalendar
from nara.promises.calendar import WEEKDAYS, parse_hours
from nara.queries.access import can_manage_team
from nara.queries.service import forget_calendar

HOLIDAY_COUNTRIES = ("SE",)
CALENDAR_FIELDS = (
    "timezone",
    "hours",
    "holiday_country",
    "closed_dates",
    "callback_slot_minutes",
    "callback_capacity",
)


def set_team_calendar(
    *,
    session: Session,
    actor: Actor,
    team_id: int,
    hours: dict[str, str],
    timezone: str = "Europe/Stockholm",
    holiday_country: str | None = "SE",
    closed_dates: list[str] | None = None,
    callback_slot_minutes: int = 15,
    callback_capacity: int = 1,
) -> TeamCalendar:
    """Set a team's calendar. ``hours`` maps "mon".."sun" to text such as
    "08:00-12:00, 13:00-17:00" (empty or missing = closed that day)."""
    if not can_manage_team(actor, team_id):
        raise PermissionDenied(
            "only an admin or a lead of this team can change its calendar",
            template=N_("Only an admin or a lead of this team can change its calendar."),
        )
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(
            f"no team with id {team_id}",
            template=N_("No team with id %(team_id)s."),
            params={"team_id": team_id},
        )
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise ValidationFailed(
            f"unknown weekday(s) {', '.join(sorted(unknown))}; use mon..sun",
            field="hours",
            template=N_("Unknown weekday %(days)s; use mon to sun."),
            params={"days": ", ".join(sorted(unknown))},
        )
    parsed: dict[str, list[list[int]]] = {}
    for day in WEEKDAYS:
        try:
            parsed[day] = [list(i) for i in parse_hours(hours.get(day, ""))]
        except ValueError as exc:
            raise ValidationFailed(
                f"{day}: {exc}",
                field=f"hours_{day}",
                template=N_("Write opening hours like 08:00-12:00, 13:00-17:00."),
            ) from None
    if not any(parsed.values()):
        raise ValidationFailed(
            "a team needs opening hours on at least one weekday",
            field="hours",
            template=N_("A team needs opening hours on at least one weekday."),
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {timezone!r}",
            field="timezone",
            template=N_('Unknown time zone "%(timezone)s".'),
            params={"timezone": timezone},
        ) from None
    if holiday_country is not None and holiday_country not in HOLIDAY_COUNTRIES:
        raise ValidationFailed(
            f"holidays are available for {', '.join(HOLIDAY_COUNTRIES)}",
            field="holiday_country",
            template=N_("Public holidays are available for %(countries)s."),
            params={"countries": ", ".join(HOLIDAY_COUNTRIES)},
        )
    dates: list[str] = []
    for text in closed_dates or []:
        try:
            dates.append(date.fromisoformat(text.strip()).isoformat())
        except ValueError:
            raise ValidationFailed(
                f"{text!r} is not a date like 2026-12-27",
                field="closed_dates",
                template=N_("Write dates like 2026-12-27, one per line."),
            ) from None
    if not 5 <= callback_slot_minutes <= 240:
        raise ValidationFailed(
            "callback slots are 5 to 240 minutes long",
            field="callback_slot_minutes",
            template=N_("Callback slots are 5 to 240 minutes long."),
        )
    if not 0 <= callback_capacity <= 100:
        raise ValidationFailed(
            "callback capacity is 0 to 100 calls per slot",
            field="callback_capacity",
            template=N_("Callback capacity is 0 to 100 calls per slot."),
        )
    row = session.get(TeamCalendar, team_id)
    forget_calendar(session, team_id)
    before = facts_of(row, CALENDAR_FIELDS) if row is not None else {}
    if row is None:
        row = TeamCalendar(team_id=team_id)
        session.add(row)
    row.timezone = timezone
    row.hours = parsed
    row.holiday_country = holiday_country
    row.closed_dates = sorted(set(dates))
    row.callback_slot_minutes = callback_slot_minutes
    row.callback_capacity = callback_capacity
    row.updated_at = clock.now()
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="calendar.changed",
        object_type="calendar",
        object_id=team_id,
        before=before,
        after=facts_of(row, CALENDAR_FIELDS),
    )
    return row
