"""Template rendering: one Jinja2 environment per language (gettext from nara.i18n),
autoescape everywhere, display helpers for dates, numbers and labels."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nara import clock, i18n
from nara.config import get_settings
from nara.domain import events
from nara.queries.access import can_manage_team
from nara.web.ui import labels, service_view

TEMPLATES = Path(__file__).parent.parent / "templates"


@lru_cache(maxsize=len(i18n.SUPPORTED))
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        # Outside development templates do not change while the process runs: checking
        # every template file's modification time on every render cost a sixth of an
        # inbox request.
        auto_reload=get_settings().env == "development",
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["time"] = lambda v: i18n.format_time(v, lang)
    env.filters["moment"] = lambda v: events.moment(v, lang) or ""  # an ISO time stored as text
    env.filters["day"] = lambda v: i18n.format_day(v, lang)
    env.filters["iso_day"] = lambda v: iso_day(v, lang)  # a date stored as text
    env.filters["number"] = lambda v: i18n.format_number(v, lang)
    env.filters["money"] = lambda v: i18n.format_money(v, lang) if v is not None else ""
    env.filters["ago"] = lambda v: relative(v, lang)
    env.globals["label"] = lambda kind, value: labels.label(kind, value, lang)
    env.globals["lang"] = lang
    env.globals["system_events"] = labels.SYSTEM_EVENTS
    env.globals["can_manage_team"] = can_manage_team  # offer only the forms a person may use
    env.globals["name_of"] = lambda ref: labels.name_of(ref, lang)
    env.globals["next_step"] = lambda case: labels.next_step(case, lang)
    env.globals["duration"] = lambda minutes: labels.duration(minutes, lang)
    env.globals["promise_badge"] = lambda badge: labels.promise_badge(badge, lang)
    env.globals["event_words"] = lambda type_, data: events.EVENT_TYPES[type_].summary(lang, data)
    env.globals["wait_sentence"] = lambda at: service_view.wait_sentence(at, lang)
    return env


def iso_day(value: str, lang: str) -> str:
    try:
        return i18n.format_day(date.fromisoformat(value), lang)
    except ValueError:
        return value


def relative(value: datetime | None, lang: str) -> str:
    """'3 h ago' / 'för 3 h sedan' — short, for lists."""
    if value is None:
        return ""
    seconds = max(0, int((clock.now() - value).total_seconds()))
    if seconds < 3600:
        amount, unit = max(1, seconds // 60), "min"
    elif seconds < 86400:
        amount, unit = seconds // 3600, "h"
    else:
        amount, unit = seconds // 86400, "d"
    text = i18n.translations(lang).gettext("%(amount)s %(unit)s ago")
    return text % {"amount": amount, "unit": unit}


def translate(lang: str, message: str) -> str:
    return i18n.translations(lang).gettext(message)


def render(
    request: Request, template: str, status_code: int = 200, /, **context: Any
) -> HTMLResponse:
    lang: str = getattr(request.state, "lang", None) or i18n.negotiate(
        request.cookies.get("nara_lang"), request.headers.get("accept-language")
    )
    caller = getattr(request.state, "caller", None)
    html = (
        environment(lang)
        .get_template(template)
        .render(
            request=request,
            caller=caller,
            actor=caller.actor if caller else None,
            csrf_token=caller.auth_session.csrf_token if caller and caller.auth_session else "",
            path=request.url.path,
            unread_notifications=getattr(request.state, "unread_notifications", None),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)
