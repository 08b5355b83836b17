"""Template rendering: Jinja2 with autoescape, gettext hooks and display helpers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nara.config import get_settings

TEMPLATES = Path(__file__).parent.parent / "templates"

env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    zone = ZoneInfo(get_settings().display_timezone)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


env.filters["local_time"] = local_time


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    caller = getattr(request.state, "caller", None)
    html = env.get_template(template).render(
        request=request,
        caller=caller,
        csrf_token=caller.auth_session.csrf_token if caller and caller.auth_session else None,
        lang=get_settings().default_locale,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
