"""The follow-up's filters: a period of local dates (both included) and the four
dimensions (team, topic, channel, priority), parsed from query parameters with clear
refusals: dates in the wrong order, a range longer than five years, a value that is not
one of the choices, and any parameter the follow-up does not know."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from nara.domain.errors import ValidationFailed
from nara.domain.validation import slug as check_slug
from nara.i18n import N_
from nara.models import Channel, Priority

DEFAULT_DAYS = 30
"""Without ``from``/``to`` the follow-up covers the last 30 local days, today included."""
MAX_DAYS = 5 * 366
"""The longest period (five years; a longer one is refused)."""
NO_TOPIC = "-"
"""``topic=-``: the cases opened without a topic (a slug never is ``-``)."""

E = TypeVar("E", Channel, Priority)

FILTER_PARAMS = ("from", "to", "team", "topic", "channel", "priority")
"""The query parameters of ``GET /api/v1/followup`` (and of the page)."""
DRILLDOWN_PARAMS = (*FILTER_PARAMS, "metric", "cursor", "limit")


@dataclass(frozen=True)
class Filters:
    """What the figures are about. ``team`` and ``topic`` are slugs (``topic`` may be
    :data:`NO_TOPIC`); None means every value."""

    first: date
    last: date
    team: str | None = None
    topic: str | None = None
    channel: Channel | None = None
    priority: Priority | None = None

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters (for links to the drill-down and the API)."""
        params = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.team is not None:
            params["team"] = self.team
        if self.topic is not None:
            params["topic"] = self.topic
        if self.channel is not None:
            params["channel"] = self.channel.value
        if self.priority is not None:
            params["priority"] = self.priority.value
        return params


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def refuse_unknown(params: Iterable[str], allowed: Iterable[str]) -> None:
    """422 naming every parameter that is not one of ``allowed``."""
    known = set(allowed)
    unknown = sorted({p for p in params if p not in known})
    if unknown:
        names = ", ".join(unknown)
        raise ValidationFailed(
            f"unknown parameter(s): {names}; the follow-up takes {', '.join(sorted(known))}",
            field=unknown[0],
            template=N_("Unknown parameter: %(names)s."),
            params={"names": names},
        )


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date as YYYY-MM-DD, not {value!r}",
            field=name,
            template=N_("Write the date as YYYY-MM-DD."),
        ) from None


def _choice(enum: type[E], value: str, name: str) -> E:
    try:
        return enum(value.strip())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationFailed(
            f"{name} must be one of {allowed}, not {value!r}",
            field=name,
            template=N_("Choose one of: %(allowed)s."),
            params={"allowed": allowed},
        ) from None


def parse_filters(
    params: Mapping[str, str], *, today: date, allowed: Iterable[str] = FILTER_PARAMS
) -> Filters:
    """The filters of ``params`` (query parameters, empty values meaning "not given"):
    refuses (422) unknown parameters, bad dates, ``from`` after ``to``, a period over
    five years, and values of channel and priority that do not exist. Whether a team or
    topic slug exists (and whether the viewer may see it) is the query's business."""
    refuse_unknown(params, allowed)
    given = {k: v for k, v in params.items() if v is not None and v.strip() != ""}
    first_default, last_default = default_period(today)
    last = _date(given["to"], "to") if "to" in given else None
    first = _date(given["from"], "from") if "from" in given else None
    if first is None and last is None:
        first, last = first_default, last_default
    elif first is None:
        assert last is not None
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    elif last is None:
        last = max(first, min(today, first + timedelta(days=DEFAULT_DAYS - 1)))
    if first > last:
        raise ValidationFailed(
            f"from ({first}) is after to ({last})",
            field="from",
            template=N_("The first day comes after the last day."),
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            f"the period is {(last - first).days + 1} days; at most five years "
            f"({MAX_DAYS} days) at a time",
            field="from",
            template=N_("Choose a period of at most five years."),
        )
    team = check_slug(given["team"], field="team") if "team" in given else None
    topic = given.get("topic")
    if topic is not None and topic.strip() != NO_TOPIC:
        topic = check_slug(topic, field="topic")
    elif topic is not None:
        topic = NO_TOPIC
    channel = _choice(Channel, given["channel"], "channel") if "channel" in given else None
    priority = _choice(Priority, given["priority"], "priority") if "priority" in given else None
    return Filters(first, last, team, topic, channel, priority)
