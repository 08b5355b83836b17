"""How often a self-service hand-over reaches the right people, measured on questions
whose true topic is known (the demo bank's evaluation set, ``nara eval handovers``).

Each question goes through self-service as a customer would ask it, and is handed over:
at once when the engine is not sure, or (when it answered confidently) because the
customer then asks for a person. A hand-over is right when its case lands in a team that
handles the question's true topic; a question without a topic is right when it lands in
the front line. Everything it writes (a customer, conversations, cases) is rolled back
before it returns: a measurement leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import SYSTEM
from nara.domain.customers import create_customer
from nara.domain.errors import Conflict, ValidationFailed
from nara.domain.routing import front_line_team, route
from nara.domain.selfservice import (
    SURE_TOPIC,
    UNSURE_FRONT_LINE,
    ask,
    ask_for_person,
    start_conversation,
    sure_of_topic,
)
from nara.models import Team, TeamTopic, Topic
from nara.queries.service import matching_policy
from nara.selfservice.predictions import Predictor

PATHS = (SURE_TOPIC, UNSURE_FRONT_LINE)


class EvaluationQuestion(Protocol):
    """An entry of an evaluation set (``nara.demo.evaluation_set``): the question, its
    language and its true topic slug (None: none of the organisation's topics)."""

    @property
    def text(self) -> str: ...

    @property
    def lang(self) -> str: ...

    @property
    def topic(self) -> str | None: ...


@dataclass(frozen=True)
class Landing:
    """Where one question's hand-over landed."""

    text: str
    topic: str | None
    path: str
    team_slug: str
    right: bool
    by_guess_right: bool
    """Whether routing by the engine's top guess (as before unsure hand-overs went to the
    front line) would have reached the right people."""


@dataclass(frozen=True)
class Share:
    right: int
    total: int

    @property
    def share(self) -> float | None:
        return self.right / self.total if self.total else None


@dataclass
class HandoverMeasurement:
    landings: list[Landing] = field(default_factory=list)

    def share(self, *, path: str | None = None, has_topic: bool | None = None) -> Share:
        """Right hand-overs among those of ``path`` (all when None), of questions with a
        topic (``has_topic``), without one, or all."""
        chosen = [
            landing
            for landing in self.landings
            if (path is None or landing.path == path)
            and (has_topic is None or (landing.topic is not None) == has_topic)
        ]
        return Share(sum(landing.right for landing in chosen), len(chosen))

    def by_guess(self) -> Share:
        return Share(sum(landing.by_guess_right for landing in self.landings), len(self.landings))


def _owners(session: Session) -> dict[str, set[int]]:
    """Topic slug → the active teams that handle it."""
    owners: dict[str, set[int]] = {}
    rows = session.execute(
        select(Topic.slug, TeamTopic.team_id)
        .join(TeamTopic, TeamTopic.topic_id == Topic.id)
        .join(Team, Team.id == TeamTopic.team_id)
        .where(Team.is_active.is_(True))
    )
    for slug, team_id in rows:
        owners.setdefault(slug, set()).add(team_id)
    return owners


def _is_right(topic: str | None, team_id: int, owners: dict[str, set[int]], front: int) -> bool:
    return team_id == front if topic is None else team_id in owners.get(topic, set())


@dataclass(frozen=True)
class _Facts:
    """What is known before any question is asked."""

    owners: dict[str, set[int]]
    front: int
    slugs: dict[int, str]
    topic_ids: dict[str, int]


def _facts(session: Session, items: list[EvaluationQuestion]) -> _Facts:
    known = set(session.scalars(select(Topic.slug)))
    for index, item in enumerate(items, start=1):
        if item.topic is not None and item.topic not in known:
            raise ValidationFailed(f"question {index}: unknown topic {item.topic!r}", field="topic")
    return _Facts(
        owners=_owners(session),
        front=front_line_team(session).id,
        slugs=dict(session.execute(select(Team.id, Team.slug)).all()),
        topic_ids=dict(session.execute(select(Topic.slug, Topic.id)).all()),
    )


def _hand_over(
    session: Session,
    customer_id: int,
    item: EvaluationQuestion,
    predictor: Predictor,
    facts: _Facts,
) -> Landing:
    lang = item.lang if item.lang in ("sv", "en") else "sv"
    conversation = start_conversation(session=session, actor=None, channel="portal", lang=lang)
    conversation.customer_id = customer_id
    reply = ask(
        session=session,
        actor=None,
        conversation=conversation,
        question=item.text,
        predictor=predictor,
    )
    candidates = reply.candidates
    if reply.case is None:  # answered: the customer asks for a person anyway
        reply = ask_for_person(session=session, actor=None, conversation=conversation)
    if reply.case is None:
        raise Conflict("a hand-over opened no case")
    guess = facts.topic_ids.get(candidates[0].label) if candidates else None
    policy = matching_policy(session, topic_id=guess, priority="normal", channel="chat")
    guessed = route(session, topic_id=guess, policy=policy, now=clock.now())
    team_id = reply.case.team_id
    return Landing(
        text=item.text,
        topic=item.topic,
        path=SURE_TOPIC if sure_of_topic(session, conversation) else UNSURE_FRONT_LINE,
        team_slug=facts.slugs[team_id],
        right=_is_right(item.topic, team_id, facts.owners, facts.front),
        by_guess_right=_is_right(item.topic, guessed.team.id, facts.owners, facts.front),
    )


def measure_handovers(
    *, session: Session, questions: Iterable[EvaluationQuestion], predictor: Predictor
) -> HandoverMeasurement:
    """Hand every question over through self-service and count where the cases land
    (see the module doc). Unknown true topics are refused (422) before anything runs."""
    items = list(questions)
    facts = _facts(session, items)
    result = HandoverMeasurement()
    savepoint = session.begin_nested()
    try:
        customer = create_customer(session=session, actor=SYSTEM, name="Utvärdering")
        for item in items:
            result.landings.append(_hand_over(session, customer.id, item, predictor, facts))
    finally:
        savepoint.rollback()
    return result
