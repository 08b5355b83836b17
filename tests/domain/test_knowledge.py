"""Knowledge articles: versions, permissions, full-text search, safe Markdown."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.domain.actors import SYSTEM
from nara.domain.errors import PermissionDenied, ValidationFailed
from nara.domain.knowledge import current_version, save_article
from nara.markdown import render
from nara.models import ArticleVersion
from nara.queries.knowledge import article_for, search
from tests import factories


@pytest.fixture
def topics(db: Session) -> dict[str, int]:
    team = factories.team(db)
    card = factories.topic(db, teams=[team], slug="kort-kommit")
    swish = factories.topic(db, teams=[team], slug="swish-fel")
    save_article(session=db, actor=SYSTEM, topic_id=card.id, lang="sv",
                 title="Kortet har inte kommit",
                 body_md="Ett nytt kort skickas inom fem bankdagar. Har kortet inte kommit "
                         "efter tio dagar kan du spärra det och beställa ett nytt.")  # fmt: skip
    save_article(session=db, actor=SYSTEM, topic_id=card.id, lang="en",
                 title="My card has not arrived",
                 body_md="A new card is posted within five banking days. If your card has "
                         "not arrived after ten days, block it and order a new one.")  # fmt: skip
    save_article(session=db, actor=SYSTEM, topic_id=swish.id, lang="sv",
                 title="Swish fungerar inte",
                 body_md="Kontrollera att Swish är kopplat till rätt telefonnummer.")  # fmt: skip
    return {"card": card.id, "swish": swish.id}


def test_every_save_is_a_new_version(db: Session, topics: dict[str, int]) -> None:
    article = save_article(session=db, actor=SYSTEM, topic_id=topics["swish"], lang="sv",
                           title="Swish fungerar inte", body_md="Ny text om Swish.")  # fmt: skip
    assert article.version == 2
    assert current_version(db, article).body_md == "Ny text om Swish."
    count = db.scalar(
        select(func.count())
        .select_from(ArticleVersion)
        .where(ArticleVersion.article_id == article.id)
    )
    assert count == 2


def test_only_leads_and_admins_edit(db: Session, topics: dict[str, int]) -> None:
    agent = factories.actor(db, factories.user(db, role="agent"))
    with pytest.raises(PermissionDenied):
        save_article(session=db, actor=agent, topic_id=topics["card"], lang="sv",
                     title="x", body_md="y")  # fmt: skip
    lead = factories.actor(db, factories.user(db, role="lead"))
    save_article(session=db, actor=lead, topic_id=topics["card"], lang="sv",
                 title="Kortet", body_md="Text")  # fmt: skip


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("lang", {"lang": "de"}),
        ("title", {"title": "   "}),
        ("body_md", {"body_md": ""}),
        ("topic_id", {"topic_id": 999_999}),
    ],
)
def test_bad_input_is_refused(
    db: Session, topics: dict[str, int], field: str, kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {"topic_id": topics["card"], "lang": "sv", "title": "T",
                               "body_md": "B"} | kwargs  # fmt: skip
    with pytest.raises(ValidationFailed) as raised:
        save_article(session=db, actor=SYSTEM, **args)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_article_for_prefers_the_language(db: Session, topics: dict[str, int]) -> None:
    english = article_for(db, topics["card"], "en")
    assert english is not None and english.lang == "en"
    fallback = article_for(db, topics["swish"], "en")
    assert fallback is not None and fallback.lang == "sv"


@pytest.mark.parametrize(
    ("query", "expected_title"),
    [
        ("kortet", "Kortet har inte kommit"),  # stemmed: kort ~ kortet
        ("nya kort har inte kommit", "Kortet har inte kommit"),
        ("card arrived", "My card has not arrived"),
        ("swishen", "Swish fungerar inte"),
    ],
)
def test_search_finds_by_stem(
    db: Session, topics: dict[str, int], query: str, expected_title: str
) -> None:
    titles = [a.title for a in search(db, query)]
    assert titles, query
    assert titles[0] == expected_title


@pytest.mark.parametrize(
    "query",
    ["", "   ", '"', "NEAR(kort swish)", "kort*", "a OR", "'; DROP TABLE articles; --", "😀"],
)
def test_search_never_fails_on_odd_input(db: Session, topics: dict[str, int], query: str) -> None:
    assert isinstance(search(db, query), list)


def test_markdown_is_sanitised() -> None:
    html = render(
        "## Rubrik\n\n<script>alert(1)</script>\n\n[klick](javascript:alert(2)) "
        "[ok](/cases/new) **fet**"
    )
    assert "<script" not in html
    assert 'href="javascript' not in html  # the link is refused (shown as text)
    assert "&lt;script&gt;" in html  # raw HTML is shown as text, not run
    assert '<a href="/cases/new"' in html
    assert "<strong>fet</strong>" in html
    assert "<h2>Rubrik</h2>" in html
