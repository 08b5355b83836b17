"""/admin/audit: the audit log for admins, searched and read in the reader's language."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from nara import clock, i18n
from nara.domain.errors import ValidationFailed
from nara.models import AuditEntry
from nara.models.audit import OBJECT_TYPES
from nara.queries import audit as audit_queries
from nara.queries.access import require_audit_reader
from nara.web.deps import DB
from nara.web.ui import labels
from nara.web.ui.common import FormErrors, require_caller
from nara.web.ui.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE_SIZE = 50
Text = Annotated[str, Query(max_length=254)]


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class EntryView:
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    changes: list[Change]
    ip: str


def value_text(value: Any, lang: str) -> str:
    """A stored fact in words: yes/no, times in the display time zone, JSON for the rest."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        translate = i18n.translations(lang).gettext
        return translate("Yes") if value else translate("No")
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            return i18n.format_time(clock.ensure_utc(datetime.fromisoformat(value)), lang)
        except ValueError:
            return value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def entry_view(entry: AuditEntry, lang: str) -> EntryView:
    actor = entry.actor_label if entry.actor_kind == "user" else ""
    pairs = [(f, v) for f, v in entry.changes.items() if isinstance(v, list) and len(v) == 2]
    return EntryView(
        at=entry.at,
        actor=actor or labels.label("audit_actor", entry.actor_kind, lang),
        action=labels.label("audit_action", entry.action, lang),
        object_type=labels.label("audit_object", entry.object_type, lang),
        object_id=entry.object_id or "",
        changes=[
            Change(labels.label("audit_field", f, lang), value_text(b, lang), value_text(a, lang))
            for f, (b, a) in pairs
        ],
        ip=entry.ip or "",
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    db: DB,
    actor: Text = "",
    object_type: Text = "",
    start: Annotated[str, Query(alias="from", max_length=40)] = "",
    end: Annotated[str, Query(alias="to", max_length=40)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    caller = require_caller(request, db)
    require_audit_reader(caller.actor)
    lang = request.state.lang
    form = {"actor": actor, "object_type": object_type, "from": start, "to": end}
    context: dict[str, Any] = {
        "form": form,
        "query": urlencode({k: v for k, v in form.items() if v}),
        "object_types": OBJECT_TYPES,
        "paged": bool(cursor),
    }
    try:
        filters = audit_queries.parse_filter(
            actor=actor, object_type=object_type, start=start, end=end
        )
        page = audit_queries.list_audit(
            db, caller.actor, filters, cursor=cursor or None, limit=PAGE_SIZE
        )
    except ValidationFailed as exc:
        errors = FormErrors.from_error(exc, lang)
        return render(
            request, "admin/audit.html", 422, entries=[], next_cursor=None, errors=errors, **context
        )
    entries = [entry_view(e, lang) for e in page.items]
    return render(
        request,
        "admin/audit.html",
        entries=entries,
        next_cursor=page.next_cursor,
        errors=FormErrors(),
        **context,
    )
