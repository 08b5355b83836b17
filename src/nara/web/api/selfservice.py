"""/api/v1/selfservice and /api/v1/articles: the assistant and the knowledge base.

Public: anonymous visitors (the widget) may ask; a logged-in customer's conversation is
linked to them and hands over into their own case. Questions are rate-limited per client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from nara import markdown
from nara.domain import selfservice as assistant
from nara.domain.actors import Actor
from nara.domain.errors import NotFound
from nara.domain.knowledge import MAX_BODY, save_article
from nara.domain.selfservice import MAX_QUESTION
from nara.models import Article, Conversation
from nara.queries import directory
from nara.queries.case_service import latest_estimate
from nara.queries.knowledge import published, published_article, search
from nara.queries.selfservice import active_predictor
from nara.web import ratelimit
from nara.web.api.schemas import EMAIL_MAX, In, Lang
from nara.web.deps import DB, CurrentActor, check_csrf, identify

router = APIRouter(tags=["self-service"])


class StartIn(In):
    lang: Lang = "sv"
    channel: Literal["portal", "widget"] = "widget"


class QuestionIn(In):
    question: str = Field(min_length=1, max_length=MAX_QUESTION)


class FeedbackIn(In):
    solved: bool


class ContactIn(In):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(
        None,
        max_length=EMAIL_MAX,
        description="Kept as a contact detail only (Nära sends no e-mail). Give an e-mail "
        "address, a phone number or both.",
    )
    phone: str | None = Field(
        None, max_length=40, description="To reach the visitor, and for a callback."
    )


class ArticleIn(In):
    title: str = Field(min_length=1, max_length=200)
    body_md: str = Field(min_length=1, max_length=MAX_BODY)
    is_published: bool = True


class ArticleOut(BaseModel):
    id: int
    topic_id: int
    lang: str
    version: int
    title: str
    html: str = Field(description="Sanitised HTML rendered from the article's Markdown.")


class ReplyOut(BaseModel):
    conversation: str
    outcome: str | None
    answered: bool
    article: ArticleOut | None = None
    ask_feedback: bool = False
    handed_over: bool = False
    case_number: str | None = None
    expected_first_response_at: datetime | None = Field(
        None, description="When a person is expected to answer (after a hand-over)."
    )
    needs_contact: bool = Field(
        False,
        description="Anonymous: send a name and an e-mail address or a phone number to "
        "/contact to reach a person.",
    )
    private_link: str | None = Field(
        None,
        description="After an anonymous hand-over (only in the answer of /contact): the "
        "private link to follow and answer the case without an account. Shown once; "
        "anyone who has it can read and answer the case.",
    )
    private_link_valid_until: datetime | None = Field(
        None, description="When the private link stops working unless the case changes."
    )


def _article_out(article: Article) -> ArticleOut:
    return ArticleOut(id=article.id, topic_id=article.topic_id, lang=article.lang,
                      version=article.version, title=article.title,
                      html=markdown.render(article.body_md))  # fmt: skip


def _actor(request: Request, db: DB) -> Actor | None:
    """Who asks: a logged-in person (cookie needs the CSRF header on writes) or nobody."""
    caller = identify(request, db)
    if caller is None:
        return None
    if request.method not in ("GET", "HEAD"):
        check_csrf(caller, request.headers.get("x-csrf-token"))
    return caller.actor


def _reply(
    db: DB,
    conversation: Conversation,
    result: assistant.Reply | None,
    link: tuple[str, datetime] | None = None,
) -> ReplyOut:
    case = directory.case_by_id(db, conversation.case_id) if conversation.case_id else None
    estimate = latest_estimate(db, case.id) if case and case.first_response_at is None else None
    article = result.article if result else None
    return ReplyOut(
        conversation=conversation.public_id,
        outcome=conversation.outcome,
        answered=article is not None,
        article=_article_out(article) if article else None,
        ask_feedback=article is not None,
        handed_over=case is not None,
        case_number=case.number if case else None,
        expected_first_response_at=estimate.expected_at if estimate else None,
        needs_contact=case is None and conversation.outcome not in (
            None, "answered_confirmed", "answered_no_feedback"),
        private_link=link[0] if link else None,
        private_link_valid_until=link[1] if link else None,
    )  # fmt: skip


@router.post("/selfservice/conversations", status_code=201, response_model=ReplyOut)
def start(body: StartIn, request: Request, db: DB) -> ReplyOut:
    ratelimit.check(request, "conversations")
    conversation = assistant.start_conversation(
        session=db, actor=_actor(request, db), channel=body.channel, lang=body.lang
    )
    db.commit()
    return _reply(db, conversation, None)


@router.post("/selfservice/conversations/{conversation_id}/questions", response_model=ReplyOut)
def question(conversation_id: str, body: QuestionIn, request: Request, db: DB) -> ReplyOut:
    """Ask. The answer is an article only when the engine is sure; otherwise a person
    takes over at once (a case for a logged-in customer, or ``needs_contact``)."""
    ratelimit.check(request, "questions")
    actor = _actor(request, db)
    conversation = assistant.get_conversation(db, conversation_id, actor)
    result = assistant.ask(session=db, actor=actor, conversation=conversation,
                           question=body.question, predictor=active_predictor(db))  # fmt: skip
    db.commit()
    return _reply(db, conversation, result)


@router.post("/selfservice/conversations/{conversation_id}/feedback", response_model=ReplyOut)
def feedback(conversation_id: str, body: FeedbackIn, request: Request, db: DB) -> ReplyOut:
    """ "Did this solve it?" — No hands over at once."""
    actor = _actor(request, db)
    conversation = assistant.get_conversation(db, conversation_id, actor)
    result = assistant.give_feedback(session=db, actor=actor, conversation=conversation,
                                     solved=body.solved)  # fmt: skip
    db.commit()
    return _reply(db, conversation, result)


@router.post("/selfservice/conversations/{conversation_id}/person", response_model=ReplyOut)
def person(conversation_id: str, request: Request, db: DB) -> ReplyOut:
    """Ask for a person, at any time."""
    actor = _actor(request, db)
    conversation = assistant.get_conversation(db, conversation_id, actor)
    result = assistant.ask_for_person(session=db, actor=actor, conversation=conversation)
    db.commit()
    return _reply(db, conversation, result)


@router.post(
    "/selfservice/conversations/{conversation_id}/contact",
    status_code=201,
    response_model=ReplyOut,
)
def contact(conversation_id: str, body: ContactIn, request: Request, db: DB) -> ReplyOut:
    """Anonymous visitors leave a name and an e-mail address or a phone number (contact
    details only: Nära sends no e-mail); a case is opened for them with the whole
    conversation and the answer carries the private link to follow and answer it. (A
    new customer record: an e-mail address typed into a public form is no proof of
    identity, so it is never matched to an existing one.)"""
    ratelimit.check(request, "contact", "10/hour")
    actor = _actor(request, db)
    conversation = assistant.get_conversation(db, conversation_id, actor)
    handed = assistant.hand_over_with_contact(
        session=db, conversation=conversation, name=body.name, email=body.email, phone=body.phone
    )
    db.commit()
    url = str(request.base_url).rstrip("/") + f"/follow/{handed.link.token}"
    return _reply(db, conversation, None, (url, handed.link.link.expires_at))


@router.get("/articles", response_model=list[ArticleOut])
def articles(
    db: DB,
    q: Annotated[str | None, Query(max_length=500)] = None,
    lang: Annotated[str | None, Query(pattern="^(sv|en)$")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[ArticleOut]:
    """Search the knowledge base (public), or list it when ``q`` is empty."""
    found = search(db, q, limit=limit) if q and q.strip() else published(db, limit=limit)
    if lang:
        found = [a for a in found if a.lang == lang]
    return [_article_out(a) for a in found]


@router.get("/articles/{article_id}", response_model=ArticleOut)
def article(article_id: int, db: DB) -> ArticleOut:
    found = published_article(db, article_id)
    if found is None:
        raise NotFound(f"no article with id {article_id}")
    return _article_out(found)


@router.put("/topics/{topic_id}/articles/{lang}", response_model=ArticleOut)
def put_article(
    topic_id: int, lang: Annotated[Lang, Path()], body: ArticleIn, db: DB, actor: CurrentActor
) -> ArticleOut:
    """Create or edit (as a new version) a topic's article; leads and admins."""
    saved = save_article(session=db, actor=actor, topic_id=topic_id, lang=lang,
                         title=body.title, body_md=body.body_md,
                         is_published=body.is_published)  # fmt: skip
    db.commit()
    return _article_out(saved)
