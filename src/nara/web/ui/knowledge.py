"""Leads edit the knowledge base: one article per topic and language, every save a new
version. Markdown is sanitised when shown."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from nara import markdown
from nara.domain.errors import NotFound, PermissionDenied
from nara.domain.knowledge import save_article
from nara.i18n import N_
from nara.queries import directory
from nara.queries.access import require_lead
from nara.queries.knowledge import article_with_versions, articles_by_topic
from nara.web.deps import DB, Caller
from nara.web.ui.common import (
    FormErrors,
    Refusal,
    attempt,
    redirect,
    require_caller,
    require_form_caller,
)
from nara.web.ui.render import render

router = APIRouter(prefix="/admin/articles", include_in_schema=False)
LANGS = ("sv", "en")


def _editor(request: Request, db: DB) -> Caller:
    caller = require_caller(request, db)
    require_lead(caller.actor, "edit knowledge articles")
    return caller


@router.get("", response_class=HTMLResponse)
def overview(request: Request, db: DB) -> Response:
    _editor(request, db)
    topics = directory.topics(db)
    articles = articles_by_topic(db)
    return render(request, "admin/articles.html", topics=topics, articles=articles, langs=LANGS)


def _edit_page(
    request: Request,
    db: DB,
    topic_id: int,
    lang: str,
    errors: FormErrors,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    topic = directory.topic(db, topic_id)
    if topic is None or lang not in LANGS:
        raise NotFound(
            f"no topic {topic_id} or language {lang}",
            template=N_("No topic %(topic_id)s or language %(lang)s."),
            params={"topic_id": topic_id, "lang": lang},
        )
    article, versions = article_with_versions(db, topic_id, lang)
    values = form or {
        "title": article.title if article else "",
        "body_md": article.body_md if article else "",
    }
    preview = markdown.render(values["body_md"]) if values["body_md"] else ""
    return render(
        request,
        "admin/article.html",
        status_code,
        topic=topic,
        article_lang=lang,
        article=article,
        versions=versions,
        form=values,
        errors=errors,
        preview=preview,
    )


@router.get("/{topic_id}/{lang}", response_class=HTMLResponse)
def edit(request: Request, db: DB, topic_id: int, lang: str) -> Response:
    _editor(request, db)
    return _edit_page(request, db, topic_id, lang, FormErrors())


@router.post("/{topic_id}/{lang}")
def save(
    request: Request,
    db: DB,
    topic_id: int,
    lang: str,
    csrf_token: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    body_md: Annotated[str, Form()] = "",
    published: Annotated[str, Form()] = "",
) -> Response:
    caller = require_form_caller(request, db, csrf_token)
    done = attempt(
        request,
        db,
        lambda: save_article(
            session=db,
            actor=caller.actor,
            topic_id=topic_id,
            lang=lang,
            title=title,
            body_md=body_md,
            is_published=published == "on",
        ),
        pages_for=(PermissionDenied,),
    )
    if isinstance(done, Refusal):
        form = {"title": title, "body_md": body_md}
        return _edit_page(request, db, topic_id, lang, done.errors, form, done.status)
    return redirect(f"/admin/articles/{topic_id}/{lang}")
