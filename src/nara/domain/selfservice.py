"""Self-service conversations: ask, answer only when sure, hand over at once otherwise.

The engine is anything with ``predict(text) -> Prediction`` (see ``Predictor``); the web
layer passes the active trained model. Labels are topic slugs; ``None``/unknown labels
(out of scope) never answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import SYSTEM, Actor
from nara.domain.cases import open_case
from nara.domain.customers import create_customer
from nara.domain.errors import Conflict, NotFound, ValidationFailed
from nara.domain.events import append_event
from nara.domain.private_links import NewLink, issue_private_link
from nara.domain.resolution import mark_earlier_answers_unresolved
from nara.domain.training_suggestions import attach_case, suggest_counter_example
from nara.i18n import N_
from nara.models import (
    Article,
    ArticleVersion,
    Case,
    Conversation,
    ConversationTurn,
    Customer,
    Outcome,
    Topic,
)
from nara.queries.knowledge import article_for
from nara.selfservice.predictions import Candidate, Predictor

MAX_QUESTION = 2000
SURE_TOPIC = "sure_topic"
"""Hand-over path: the engine was sure of the topic; routed by it."""
UNSURE_FRONT_LINE = "unsure_front_line"
"""Hand-over path: not sure; to the front line without a topic, candidates as hints."""


@dataclass
class Reply:
    """What the assistant says back: an article, or that a person takes over."""

    conversation: Conversation
    turn: ConversationTurn
    article: Article | None = None
    case: Case | None = None
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def handed_over(self) -> bool:
        return self.case is not None


def start_conversation(
    *, session: Session, actor: Actor | None, channel: str, lang: str
) -> Conversation:
    if channel not in ("portal", "widget"):
        raise ValidationFailed(
            "channel must be portal or widget",
            field="channel",
            template=N_("The channel must be portal or widget."),
        )
    if lang not in ("sv", "en"):
        raise ValidationFailed(
            "lang must be sv or en",
            field="lang",
            template=N_("The language must be sv (Swedish) or en (English)."),
        )
    conversation = Conversation(
        public_id=str(uuid.uuid4()),
        customer_id=actor.customer_id if actor is not None and actor.is_customer else None,
        channel=channel,
        lang=lang,
        started_at=clock.now(),
        ended_at=None,
        outcome=None,
        topic_id=None,
        model_version=None,
        case_id=None,
        resolved=None,
    )
    session.add(conversation)
    session.flush()
    return conversation


def get_conversation(session: Session, public_id: str, actor: Actor | None) -> Conversation:
    """A conversation by its public id; a logged-in customer only sees their own."""
    conversation = session.scalar(
        select(Conversation).where(Conversation.public_id == public_id[:36])
    )
    if conversation is None:
        raise NotFound("no such conversation", template=N_("No such conversation."))
    owner = conversation.customer_id
    staff = actor is not None and (actor.is_staff or actor.is_system)
    if owner is not None and not staff and (actor is None or actor.customer_id != owner):
        raise NotFound("no such conversation", template=N_("No such conversation."))
    return conversation


def _turn(session: Session, conversation: Conversation, role: str, text: str,
          **values: object) -> ConversationTurn:  # fmt: skip
    turn = ConversationTurn(conversation_id=conversation.id, role=role, text=text,
                            created_at=clock.now(), **values)  # fmt: skip
    session.add(turn)
    session.flush()
    return turn


def _topic_by_slug(session: Session, slug: str) -> Topic | None:
    return session.scalar(select(Topic).where(Topic.slug == slug, Topic.is_active.is_(True)))


def ask(
    *,
    session: Session,
    actor: Actor | None,
    conversation: Conversation,
    question: str,
    predictor: Predictor | None,
) -> Reply:
    """Answer with the predicted topic's article when the engine is sure; otherwise hand
    over to a person at once (when we know who the customer is) or say that we will."""
    if conversation.case_id is not None:
        raise Conflict(
            "this conversation was handed over; write in the case instead",
            template=N_("A person has taken over. Write to us in your case instead."),
        )
    text = validation.text(question, field="question", max_length=MAX_QUESTION)
    _turn(session, conversation, "customer", text)
    prediction = predictor.predict(text) if predictor is not None else None
    candidates = prediction.candidates[:3] if prediction else []
    topic = _topic_by_slug(session, candidates[0].label) if candidates else None
    article = article_for(session, topic.id, conversation.lang) if topic else None
    if prediction is not None:
        conversation.model_version = prediction.model_version
    if topic is not None:
        conversation.topic_id = topic.id
        if conversation.customer_id is not None:
            mark_earlier_answers_unresolved(
                session, customer_id=conversation.customer_id, topic_id=topic.id,
                exclude_id=conversation.id,
            )  # fmt: skip
    stored = [{"label": c.label, "probability": round(c.probability, 4)} for c in candidates]
    if prediction is not None and prediction.answer and article is not None:
        version = session.scalar(
            select(ArticleVersion.id).where(
                ArticleVersion.article_id == article.id, ArticleVersion.version == article.version
            )
        )
        turn = _turn(session, conversation, "assistant", article.title,
                     topic_id=topic.id if topic else None, confidence=prediction.confidence,
                     candidates=stored, answered=True, article_version_id=version)  # fmt: skip
        conversation.outcome = Outcome.answered_no_feedback.value
        return Reply(conversation, turn, article=article, candidates=candidates)
    turn = _turn(session, conversation, "assistant", "", topic_id=topic.id if topic else None,
                 confidence=prediction.confidence if prediction else None, candidates=stored,
                 answered=False)  # fmt: skip
    conversation.outcome = Outcome.abstained.value
    case = hand_over(session=session, actor=actor, conversation=conversation, reason="abstained")
    return Reply(conversation, turn, case=case, candidates=candidates)


def give_feedback(
    *, session: Session, actor: Actor | None, conversation: Conversation, solved: bool
) -> Reply | None:
    """ "Did this solve it?" Yes ends the conversation; No hands over at once."""
    if conversation.outcome not in (Outcome.answered_no_feedback, Outcome.answered_confirmed):
        raise Conflict(
            "there is no answer to give feedback on",
            template=N_("There is no answer to give feedback on."),
        )
    if solved:
        conversation.outcome = Outcome.answered_confirmed.value
        conversation.ended_at = clock.now()
        session.flush()
        return None
    conversation.outcome = Outcome.answered_rejected.value
    turn = _turn(session, conversation, "customer", "", answered=False)
    case = hand_over(session=session, actor=actor, conversation=conversation, reason="rejected")
    suggest_counter_example(session=session, conversation=conversation)
    return Reply(conversation, turn, case=case)


def ask_for_person(*, session: Session, actor: Actor | None, conversation: Conversation) -> Reply:
    if conversation.case_id is not None:
        case = session.get(Case, conversation.case_id)
        turn = _turn(session, conversation, "customer", "")
        return Reply(conversation, turn, case=case)
    conversation.outcome = Outcome.asked_for_person.value
    turn = _turn(session, conversation, "customer", "")
    case = hand_over(session=session, actor=actor, conversation=conversation, reason="asked")
    return Reply(conversation, turn, case=case)


def transcript(session: Session, conversation: Conversation) -> str:
    """The whole conversation as text, for the case the person picks up."""
    lines = []
    turns = session.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.conversation_id == conversation.id)
        .order_by(ConversationTurn.id)
    )
    for turn in turns:
        if not turn.text:
            continue
        who = "Kund" if turn.role == "customer" else "Nära (svar)"
        lines.append(f"{who}: {turn.text}")
    return "\n".join(lines) or "(ingen fråga)"


def sure_of_topic(session: Session, conversation: Conversation) -> bool:
    """Whether the engine was sure of the conversation's topic: the customer asked for a
    person after a confident answer. Not sure: it abstained (also when it had no
    article), the question was none of ours, the answer was rejected, or the customer
    asked before any confident answer."""
    if conversation.outcome != Outcome.asked_for_person or conversation.topic_id is None:
        return False
    last = session.scalar(
        select(ConversationTurn.answered)
        .where(
            ConversationTurn.conversation_id == conversation.id,
            ConversationTurn.role == "assistant",
        )
        .order_by(ConversationTurn.id.desc())
        .limit(1)
    )
    return bool(last)


def hand_over(
    *, session: Session, actor: Actor | None, conversation: Conversation, reason: str
) -> Case | None:
    """Open a case with the whole conversation for the customer. When the engine was
    sure of the topic (the customer asked for a person after a confident answer) it is
    routed by that topic; otherwise it goes to the front line without a topic, the
    engine's candidates kept as hints (``path`` in the ``selfservice.handed_over``
    event). Without a known customer (the anonymous widget) there is no case yet:
    ``hand_over_with_contact`` takes the contact details first."""
    conversation.ended_at = clock.now()
    if conversation.customer_id is None:
        session.flush()
        return None
    customer = session.get(Customer, conversation.customer_id)
    assert customer is not None
    first = session.scalar(
        select(ConversationTurn.text)
        .where(ConversationTurn.conversation_id == conversation.id,
               ConversationTurn.role == "customer", ConversationTurn.text != "")
        .order_by(ConversationTurn.id)
    )  # fmt: skip
    path = SURE_TOPIC if sure_of_topic(session, conversation) else UNSURE_FRONT_LINE
    opened = open_case(
        session=session,
        actor=actor if actor is not None and actor.is_customer else SYSTEM,
        customer_id=None if actor is not None and actor.is_customer else customer.id,
        message=transcript(session, conversation),
        subject=(first or "Fråga från självservice")[:120],
        topic_id=conversation.topic_id if path == SURE_TOPIC else None,
        channel="chat",
        front_line=path == UNSURE_FRONT_LINE,
    )
    case = opened.case
    conversation.case_id = case.id
    last = session.scalar(
        select(ConversationTurn)
        .where(ConversationTurn.conversation_id == conversation.id,
               ConversationTurn.role == "assistant")
        .order_by(ConversationTurn.id.desc())
    )  # fmt: skip
    shown = [
        v
        for v in session.scalars(
            select(ConversationTurn.article_version_id)
            .where(
                ConversationTurn.conversation_id == conversation.id,
                ConversationTurn.article_version_id.is_not(None),
            )
            .order_by(ConversationTurn.id)
        )
        if v is not None
    ]
    data: dict[str, object] = {
        "reason": reason,
        "path": path,
        "conversation": conversation.public_id,
        "candidates": last.candidates if last else [],
        "articles_shown": shown,
        "model_version": conversation.model_version,
    }
    if reason == "rejected" and shown:
        data["rejected_article_version"] = shown[-1]  # the answer the customer said No to
    append_event(
        session,
        case=case,
        type="selfservice.handed_over",
        actor=actor if actor is not None else SYSTEM,
        data=data,
    )
    session.flush()
    return case


@dataclass(frozen=True)
class AnonymousHandOver:
    """An anonymous visitor's hand-over: the case and the private link to follow it."""

    case: Case
    link: NewLink


CONTACT_NEEDED = N_(
    "Give an e-mail address or a phone number, so that a person can reach you if needed."
)


def hand_over_with_contact(
    *,
    session: Session,
    conversation: Conversation,
    name: str,
    email: str | None,
    phone: str | None = None,
) -> AnonymousHandOver:
    """An anonymous visitor leaves a name and an e-mail address or a phone number (kept
    as contact details only: Nära sends no e-mail) and a person takes over. They get a
    private link to follow and answer the case (``domain/private_links.py``).
    Always a new customer record: an address typed into a public form is no proof of
    identity, so it is never matched to an existing customer."""
    if conversation.customer_id is not None:
        raise Conflict(
            "this conversation belongs to a customer; ask for a person instead",
            template=N_("This conversation belongs to a customer; ask for a person instead."),
        )
    if conversation.case_id is not None:
        raise Conflict(
            "a person has already taken over this conversation",
            template=N_("A person has already taken over this conversation."),
        )
    clean_email = validation.email(email, required=False)
    clean_phone = validation.phone(phone)
    if clean_email is None and clean_phone is None:
        raise ValidationFailed(
            "give an e-mail address or a phone number", field="email", template=CONTACT_NEEDED
        )
    customer = create_customer(
        session=session, actor=SYSTEM, name=name, email=clean_email, phone=clean_phone
    )
    conversation.customer_id = customer.id
    case = hand_over(
        session=session,
        actor=None,
        conversation=conversation,
        reason=conversation.outcome or "asked",
    )
    assert case is not None  # the conversation has a customer now
    attach_case(session=session, conversation=conversation)
    return AnonymousHandOver(case, issue_private_link(session=session, actor=SYSTEM, case=case))
