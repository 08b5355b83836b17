"""Writes on knowledge articles. Every save is a new version; the search index follows
in the same transaction."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nara import clock, textsearch
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.errors import NotFound, ValidationFailed
from nara.i18n import N_
from nara.models import Article, ArticleVersion, Topic
from nara.queries.access import require_lead

MAX_BODY = 50_000


def _require_editor(actor: Actor) -> None:
    require_lead(actor, "edit knowledge articles")


def _index(session: Session, article: Article) -> None:
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL indexes the table itself (expression GIN indexes)
    words = textsearch.terms(f"{article.title} {article.body_md}", article.lang)
    session.execute(text("DELETE FROM article_search WHERE rowid = :id"), {"id": article.id})
    if article.is_published:
        session.execute(
            text("INSERT INTO article_search (rowid, terms) VALUES (:id, :terms)"),
            {"id": article.id, "terms": " ".join(words)},
        )


def save_article(
    *,
    session: Session,
    actor: Actor,
    topic_id: int,
    lang: str,
    title: str,
    body_md: str,
    is_published: bool = True,
) -> Article:
    """Create the topic's article in ``lang`` or save a new version of it."""
    _require_editor(actor)
    if lang not in textsearch.LANGUAGES:
        raise ValidationFailed(
            "lang must be sv or en",
            field="lang",
            template=N_("The language must be sv (Swedish) or en (English)."),
        )
    if session.get(Topic, topic_id) is None:
        raise ValidationFailed(
            f"no topic with id {topic_id}",
            field="topic_id",
            template=N_("No topic with id %(topic_id)s."),
            params={"topic_id": topic_id},
        )
    clean_title = validation.name(title, field="title", max_length=200)
    body = validation.text(body_md, field="body_md", max_length=MAX_BODY)
    now = clock.now()
    article = session.scalar(
        select(Article).where(Article.topic_id == topic_id, Article.lang == lang)
    )
    if article is None:
        article = Article(topic_id=topic_id, lang=lang, version=0, title=clean_title,
                          body_md=body, is_published=is_published, created_at=now,
                          updated_at=now)  # fmt: skip
        session.add(article)
        session.flush()
    article.version += 1
    article.title, article.body_md = clean_title, body
    article.is_published = is_published
    article.updated_at = now
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=clean_title,
            body_md=body,
            author_id=actor.user_id,
            created_at=now,
        )
    )
    session.flush()
    _index(session, article)
    return article


def current_version(session: Session, article: Article) -> ArticleVersion:
    version = session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article.id, ArticleVersion.version == article.version
        )
    )
    if version is None:
        raise NotFound(
            f"article {article.id} has no version {article.version}",
            template=N_("Article %(id)s has no version %(version)s."),
            params={"id": article.id, "version": article.version},
        )
    return version
