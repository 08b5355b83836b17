"""Reading knowledge: the article for a topic, and full-text search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from nara import textsearch
from nara.models import Article, ArticleVersion, User

CONFIGS = {"sv": "swedish", "en": "english"}


def article_for(session: Session, topic_id: int, lang: str) -> Article | None:
    """The published article of a topic, in ``lang`` if there is one, else in the other."""
    rows = list(
        session.scalars(
            select(Article).where(Article.topic_id == topic_id, Article.is_published.is_(True))
        )
    )
    for row in rows:
        if row.lang == lang:
            return row
    return rows[0] if rows else None


def search(session: Session, query: str, *, limit: int = 10) -> list[Article]:
    """Published articles matching ``query`` (stemmed, Swedish and English), best first."""
    query = query.strip()[:500]
    if not query:
        return []
    if session.get_bind().dialect.name == "sqlite":
        match = textsearch.fts5_query(query)
        if match is None:
            return []
        ids = [
            row[0]
            for row in session.execute(
                text(
                    "SELECT rowid FROM article_search WHERE article_search MATCH :q "
                    "ORDER BY bm25(article_search) LIMIT :limit"
                ),
                {"q": match, "limit": limit},
            )
        ]
        by_id = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
        return [by_id[i] for i in ids if i in by_id and by_id[i].is_published]
    words = textsearch.words(query)[:20]
    if not words:
        return []
    found: list[tuple[float, Article]] = []
    for lang, config in CONFIGS.items():
        document = func.to_tsvector(config, Article.title + " " + Article.body_md)
        # Any of the words (OR), each stemmed by PostgreSQL's own configuration.
        tsquery: ColumnElement[Any] = func.plainto_tsquery(config, words[0])
        for word in words[1:]:
            tsquery = tsquery.op("||")(func.plainto_tsquery(config, word))
        rank = func.ts_rank(document, tsquery)
        rows = session.execute(
            select(Article, rank)
            .where(Article.lang == lang, Article.is_published.is_(True), document.op("@@")(tsquery))
            .order_by(rank.desc())
            .limit(limit)
        )
        found.extend((float(score), article) for article, score in rows)
    found.sort(key=lambda pair: -pair[0])
    return [article for _, article in found[:limit]]


def articles_by_topic(session: Session) -> dict[tuple[int, str], Article]:
    """Every article, by (topic id, language), for the editor's overview."""
    return {(a.topic_id, a.lang): a for a in session.scalars(select(Article))}


def article_with_versions(
    session: Session, topic_id: int, lang: str
) -> tuple[Article | None, list[tuple[ArticleVersion, str | None]]]:
    """A topic's article in ``lang`` and its versions, newest first, with author names."""
    article = session.scalar(
        select(Article).where(Article.topic_id == topic_id, Article.lang == lang)
    )
    if article is None:
        return None, []
    rows = session.execute(
        select(ArticleVersion, User.display_name)
        .outerjoin(User, User.id == ArticleVersion.author_id)
        .where(ArticleVersion.article_id == article.id)
        .order_by(ArticleVersion.version.desc())
    )
    return article, [(version, author) for version, author in rows]


def published(session: Session, *, limit: int) -> list[Article]:
    stmt = select(Article).where(Article.is_published.is_(True)).order_by(Article.title)
    return list(session.scalars(stmt.limit(limit)))


def published_article(session: Session, article_id: int) -> Article | None:
    """A published article by id (what anyone may read); None otherwise."""
    found = session.get(Article, article_id)
    return found if found is not None and found.is_published else None
