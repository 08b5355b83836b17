"""Leads edit knowledge articles in the UI; every save is a version; agents may not."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.domain.auth import start_session
from nara.models import ArticleVersion, User
from nara.web.deps import SESSION_COOKIE
from tests import factories


def log_in(client: TestClient, db: Session, user: User) -> str:
    new = start_session(session=db, user=user)
    client.cookies.set(SESSION_COOKIE, new.token)
    return new.session.csrf_token


def test_lead_writes_and_versions_an_article(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    csrf = log_in(client, db, w.card_lead)
    overview = client.get("/admin/articles")
    assert overview.status_code == 200 and "Kunskapsartiklar" in overview.text
    url = f"/admin/articles/{w.card_topic.id}/en"
    page = client.get(url)
    assert page.status_code == 200 and '<html lang="sv">' in page.text  # the page's language
    first = {"csrf_token": csrf, "title": "Card", "body_md": "## Wait\n\n<script>x</script>",
             "published": "on"}  # fmt: skip
    assert client.post(url, data=first, follow_redirects=False).status_code == 303
    second = first | {"body_md": "Wait **five** days."}
    client.post(url, data=second)
    page = client.get(url)
    assert "<strong>five</strong>" in page.text  # the preview, rendered
    assert "<script>x</script>" not in page.text
    assert re.search(r"v2 ·", page.text) and re.search(r"v1 ·", page.text)
    count = db.scalar(select(func.count()).select_from(ArticleVersion))
    assert count == 2


def test_empty_title_is_shown_as_a_form_error(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    csrf = log_in(client, db, w.card_lead)
    url = f"/admin/articles/{w.card_topic.id}/sv"
    response = client.post(url, data={"csrf_token": csrf, "title": " ", "body_md": "Text"})
    assert response.status_code == 422
    assert "Fältet får inte vara tomt." in response.text
    assert 'value="" required' in response.text or 'aria-invalid="true"' in response.text


def test_agents_and_customers_may_not_edit(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    for user in (w.card_agent, w.alice_user):
        csrf = log_in(client, db, user)
        assert client.get("/admin/articles").status_code == 403
        url = f"/admin/articles/{w.card_topic.id}/sv"
        response = client.post(url, data={"csrf_token": csrf, "title": "T", "body_md": "B"})
        assert response.status_code == 403
    assert db.scalar(select(func.count()).select_from(ArticleVersion)) == 0
