"""Exempelbanken's self-service history: answers visitors said did not help, so that the
leads' review of training suggestions (``/admin/selfservice/suggestions``) has something
to review after ``make demo``. Built through the domain functions, as a visitor would:
the assistant answered with the topic named here (what the engine of the time
answered), and the visitor said "No"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from nara import clock
from nara.domain.selfservice import ask, give_feedback, start_conversation
from nara.selfservice.predictions import Candidate, Prediction

# (question, language, the topic the assistant answered with)
REJECTED_ANSWERS = [
    ("Kortet kom men det fungerar inte i automaten", "sv", "kort-har-inte-kommit"),
    (
        "Jag har fått ett nytt kort men gamla kortet dras fortfarande på Spotify",
        "sv",
        "kort-har-inte-kommit",
    ),
    ("Swish visar fel namn på mottagaren, är det bedrägeri?", "sv", "swish"),
    (
        "My card was declined abroad although I have money, can you raise the limit?",
        "en",
        "kortbetalning-nekad",
    ),
    ("Hur lång tid tar en utlandsbetalning till Norge en helgdag?", "sv", "utlandsbetalning"),
    ("I want a certificate of my mortgage interest for my tax return", "en", "bolanerata"),
]


@dataclass(frozen=True)
class _Answered:
    """What the assistant answered with (the demo's stand-in for the engine of the time)."""

    topic: str

    def predict(self, text: str) -> Prediction:
        return Prediction([Candidate(self.topic, 0.98)], 0.98, True, "demo-history")


def add_rejected_answers(session: Session, now: datetime) -> int:
    """Visitors said No to these answers over the last days: each is a suggested
    counter-example waiting for a lead."""
    for index, (question, lang, topic) in enumerate(REJECTED_ANSWERS):
        with clock.frozen_at(now - timedelta(days=len(REJECTED_ANSWERS) - index, hours=3)):
            conversation = start_conversation(
                session=session, actor=None, channel="widget", lang=lang
            )
            reply = ask(
                session=session,
                actor=None,
                conversation=conversation,
                question=question,
                predictor=_Answered(topic),
            )
            if reply.article is not None:  # every topic here has an article in both languages
                give_feedback(session=session, actor=None, conversation=conversation, solved=False)
    return len(REJECTED_ANSWERS)
