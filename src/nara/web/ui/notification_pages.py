"""The staff member's notifications: the list, following one (which marks it read) and
marking them all read. Following is a form (POST): a GET never writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from nara import i18n
from nara.domain import notifications as notification_actions
from nara.queries import notifications as notification_queries
from nara.web.deps import DB
from nara.web.ui.common import redirect, require_caller, require_form_caller, require_staff_page
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)
PER_PAGE = 50


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(
    request: Request,
    db: DB,
    unread: bool = False,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    caller = require_caller(request, db)
    require_staff_page(caller)
    page = notification_queries.list_notifications(
        db, caller.actor, unread_only=unread, cursor=cursor, limit=PER_PAGE
    )
    translate = i18n.translations(request.state.lang).gettext
    texts = [
        notification_queries.describe(
            n.notification.kind, n.case_number, translate, n.notification.data, request.state.lang
        )
        for n in page.items
    ]
    return render(
        request, "workspace/notifications.html", page=page, texts=texts, unread_only=unread
    )


@router.post("/notifications/read-all")
def read_all(request: Request, db: DB, csrf_token: Annotated[str, Form()] = "") -> Response:
    caller = require_form_caller(request, db, csrf_token)
    notification_actions.mark_all_read(session=db, actor=caller.actor)
    db.commit()
    return redirect("/notifications")


@router.post("/notifications/{notification_id}/open")
def open_notification(
    request: Request, db: DB, notification_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Follow a notification: it is marked read and the case opens."""
    caller = require_form_caller(request, db, csrf_token)
    notification_actions.mark_read(session=db, actor=caller.actor, notification_id=notification_id)
    db.commit()
    line = notification_queries.one_notification(db, caller.actor, notification_id)
    improvement_id = notification_queries.improvement_of(line)
    if improvement_id is not None:
        return redirect(f"/improvements/{improvement_id}")
    if line.case_number is None:
        return redirect("/notifications")
    return redirect(f"/cases/{line.case_number}")
