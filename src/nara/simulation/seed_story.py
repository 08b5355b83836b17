"""The story the seeded history tells the follow-up (issue 16): Exempelbanken's year
looks like a real bank's, with results a lead would act on.

- **A team that keeps its promises**: Konton & legitimering takes every case well within
  its first-response promise.
- **A team that struggles on Mondays**: Kort & betalningar takes Monday's cases slowly
  (the weekend's card problems pile up), so many Monday first responses come late.
- **Customer satisfaction that drops when waits grow**: about 30 % of the customers of
  resolved cases answer "How well did we help you?"; the longer the first response took
  against its promise, the lower the score. Some comment, in Swedish or English. A low
  score made the lead's follow-up task, done a few days later (unless it is recent).
- **A self-service topic with many rejected answers**: the assistant's answer about
  declined card payments rarely helps ("Kortbetalning nekad": the article explains limits,
  but most customers were blocked by 3-D Secure), so customers say No and hand over.
  Every topic has self-service conversations: answered and confirmed, answered without
  feedback, and handed over (not sure, asked for a person, the answer did not help).

Everything here draws from its own random numbers (``story``), so the rest of the
history is the same with or without it for a seed.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass

KEEPS_PROMISES = "konton-legitimering"
MONDAY_STRUGGLE = "kort-betalningar"
REJECTED_TOPIC = "kortbetalning-nekad"

RESPONSE_RATE = 0.30
"""Resolved cases whose customer answers the satisfaction question."""
COMMENT_SHARE = 0.35
CHANGED_SHARE = 0.06
"""Answers changed within a day (the customer thought again)."""
CONVERSATION_BEFORE_CASE = 0.4
"""Cases a logged-in customer opened that came from a self-service conversation."""
ANSWERED_WITHOUT_CASE = 0.25
"""Self-service conversations answered without a case, per case of the topic."""
ENGLISH = 0.1


def monday_struggle(story: random.Random, delay: float, budget: float) -> float:
    """A Monday case of the struggling team: taken slowly, often past the promise."""
    if story.random() < 0.45:
        return budget * story.uniform(0.6, 2.5)
    return delay * 2.0


def keeps_promises(story: random.Random, delay: float, budget: float) -> float:
    """The team that keeps its promises takes every case well within the budget."""
    if delay > 0.6 * budget:
        return budget * story.uniform(0.15, 0.6)
    return delay


def claim_delay(
    story: random.Random, team_slug: str, monday: bool, delay: float, budget: float
) -> float:
    """The business seconds a case waits to be taken, as the story has it."""
    if team_slug == KEEPS_PROMISES:
        return keeps_promises(story, delay, budget)
    if team_slug == MONDAY_STRUGGLE and monday:
        return monday_struggle(story, delay, budget)
    return delay


# ---- satisfaction ----
SCORES_BY_WAIT: tuple[tuple[float, tuple[float, ...]], ...] = (
    # (the first response's business wait as a share of its promise, below; weights of
    # the scores 1..5)
    (0.25, (0.02, 0.03, 0.10, 0.35, 0.50)),
    (0.60, (0.03, 0.05, 0.15, 0.40, 0.37)),
    (1.00, (0.05, 0.08, 0.22, 0.38, 0.27)),
    (2.00, (0.15, 0.22, 0.30, 0.23, 0.10)),
    (math.inf, (0.30, 0.28, 0.24, 0.13, 0.05)),
)
COMMENTS_SV = {
    "low": (
        "Det tog alldeles för lång tid innan någon svarade.",
        "Jag fick vänta i flera dagar utan besked.",
        "Ingen ringde tillbaka fast det var lovat.",
        "Svaret hjälpte inte, jag fick förklara allt igen.",
        "Väldigt långsamt. Jag hann lösa det själv.",
    ),
    "mid": (
        "Det löste sig till slut, men det tog tid.",
        "Okej hjälp, men jag hade velat få svar snabbare.",
        "Bra svar men lite krångligt.",
    ),
    "high": (
        "Snabbt och vänligt, tack!",
        "Bra hjälp, allt löste sig på en gång.",
        "Tydligt svar och trevligt bemötande.",
        "Mycket nöjd, tack för hjälpen.",
        "Smidigt och enkelt.",
    ),
}
COMMENTS_EN = {
    "low": (
        "It took far too long before anyone answered.",
        "Nobody called me back as promised.",
        "I had to explain everything again.",
    ),
    "mid": ("Sorted in the end, but it took a while.", "Helpful, but a bit slow."),
    "high": ("Quick and friendly, thank you!", "Great help, solved at once.", "Very clear answer."),
}


def score_for(story: random.Random, wait_share: float) -> int:
    """A score from 1 to 5, lower the longer the first response took against its promise."""
    weights = next(w for limit, w in SCORES_BY_WAIT if wait_share < limit)
    return story.choices((1, 2, 3, 4, 5), weights)[0]


def comment_for(story: random.Random, score: int) -> str:
    if story.random() >= COMMENT_SHARE:
        return ""
    band = "low" if score <= 2 else ("mid" if score == 3 else "high")
    texts = COMMENTS_EN if story.random() < ENGLISH else COMMENTS_SV
    return story.choice(texts[band])


# ---- self-service conversations ----
@dataclass(frozen=True)
class Answer:
    """A topic's published article in one language, as the assistant answers with it."""

    title: str
    version_id: int


HANDED_OVER = {  # a conversation before a case: how it ended (outcome, weight)
    "story": (("answered_rejected", 0.85), ("abstained", 0.10), ("asked_for_person", 0.05)),
    "other": (("answered_rejected", 0.10), ("abstained", 0.60), ("asked_for_person", 0.30)),
}
ANSWERED = {  # a conversation without a case (rejected: an anonymous visitor who left)
    "story": (
        ("answered_confirmed", 0.15),
        ("answered_no_feedback", 0.40),
        ("answered_rejected", 0.45),
    ),
    "other": (
        ("answered_confirmed", 0.45),
        ("answered_no_feedback", 0.50),
        ("answered_rejected", 0.05),
    ),
}


def pick(story: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    draw = story.random()
    for value, weight in options:
        draw -= weight
        if draw < 0:
            return value
    return options[-1][0]


def public_id() -> str:
    """A conversation's public id: random like the domain's (not from the seed, so that
    seeding again with the same seed makes new conversations)."""
    return str(uuid.uuid4())
