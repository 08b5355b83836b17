"""The story's rows (``seed_story`` says what the story is): a case's satisfaction
answer with its timeline events and the lead's follow-up task, and the self-service
conversations around a case, with their turns, as the domain would have written them
(``domain/satisfaction.py``, ``domain/selfservice.py``)."""

from __future__ import annotations

import json
import math
import random
from typing import TYPE_CHECKING

from nara.simulation.seed_clock import DAY, HOUR, MINUTE, at, at_or_none
from nara.simulation.seed_story import (
    ANSWERED,
    ANSWERED_WITHOUT_CASE,
    CHANGED_SHARE,
    CONVERSATION_BEFORE_CASE,
    ENGLISH,
    HANDED_OVER,
    REJECTED_TOPIC,
    RESPONSE_RATE,
    Answer,
    comment_for,
    pick,
    public_id,
    score_for,
)

if TYPE_CHECKING:
    from nara.simulation.seed_history import ChunkRows, _Life
    from nara.simulation.seed_org import SeedPolicy, SeedTopic

FOLLOW_UP_TASK = "satisfaction_followup"  # as domain/satisfaction.py names it
MODEL_VERSION = "history"
"""The model version seeded conversations name (the history's engine is not stored)."""
LINK_DAYS = 30  # a rating link works this long after resolution


def _data(values: dict[str, object]) -> str:
    return json.dumps(values)


def wait_share(life: _Life, policy: SeedPolicy | None) -> float:
    """The first response's business wait as a share of its promise (1.0: just kept)."""
    if life.replied is None:
        return 1.0
    budget = (policy.first_response_minutes if policy else 240) * MINUTE
    clock = life.clock
    if clock.has_hours:
        waited = clock.value(life.replied) - clock.value(life.opened)
    else:
        waited = life.replied - life.opened
    return max(0.0, waited) / budget


def rate(life: _Life, policy: SeedPolicy | None) -> None:
    """The customer's answer to "How well did we help you?" on a resolved case, for
    about ``RESPONSE_RATE`` of them, lower the longer the first response took."""
    story, resolved = life.b.story, life.resolved
    if resolved is None or story.random() >= RESPONSE_RATE:
        return
    delay = min((LINK_DAYS - 1) * DAY, 20 * HOUR * math.exp(story.gauss(0.0, 1.0)))
    rated = resolved + max(5 * MINUTE, delay)
    if rated > life.now:
        return
    score = score_for(story, wait_share(life, policy))
    comment = comment_for(story, score)
    customer = life.customer.user_id
    via = "portal" if customer is not None and story.random() < 0.7 else "link"
    actor = customer if via == "portal" else None
    first, updated = score, rated
    if story.random() < CHANGED_SHARE:
        changed = rated + story.uniform(10 * MINUTE, DAY)
        if changed <= life.now:
            first, updated = max(1, min(5, score + story.choice((-1, 1)))), changed
    life.acts.append(
        (rated, "satisfaction.rated", actor, comment, _data({"score": first, "via": via}))
    )
    if updated > rated:
        data = _data({"score": score, "old_score": first, "via": via})
        life.acts.append((updated, "satisfaction.changed", actor, comment, data))
    life.b.rows.ratings.append(
        (life.case_id, life.customer.id, score, comment, via, at(rated), at(updated))
    )
    if first <= 2 or score <= 2:
        _follow_up(life, rated if first <= 2 else updated, actor, first if first <= 2 else score)


def _follow_up(life: _Life, low_at: float, actor: int | None, score: int) -> None:
    """The lead's follow-up task of a low score; done a few days later unless recent."""
    story, team = life.b.story, life.team
    data = _data({"kind": FOLLOW_UP_TASK, "score": score})
    life.acts.append((low_at, "task.created", actor, "", data))
    done: float | None = low_at + story.uniform(0.5, 4.0) * DAY
    lead = story.choice(team.leads or team.members)
    if done is not None and done > life.now:
        done = None
    if done is not None:
        life.acts.append((done, "task.done", lead, "", _data({"kind": FOLLOW_UP_TASK})))
    life.b.rows.tasks.append(
        (life.case_id, FOLLOW_UP_TASK, at(low_at), at_or_none(done), lead if done else None)
    )


class Conversations:
    """The self-service conversations around one case: the one the customer handed over
    from (for a case they opened themselves), and one answered without a case."""

    def __init__(self, story: random.Random, rows: ChunkRows, now: float) -> None:
        self.story, self.rows, self.now = story, rows, now

    def around(
        self,
        case_id: int,
        opened: float,
        topic: SeedTopic,
        customer_id: int,
        user_id: int | None,
        self_service: bool,
    ) -> None:
        story = self.story
        kind = "story" if topic.slug == REJECTED_TOPIC else "other"
        if self_service and story.random() < CONVERSATION_BEFORE_CASE:
            self._handed_over(case_id, opened, topic, customer_id, kind)
        if story.random() < ANSWERED_WITHOUT_CASE:
            started = opened - story.uniform(HOUR, 5 * DAY)
            who = customer_id if user_id is not None and story.random() < 0.5 else None
            self._answered(started, topic, who, kind)

    def _lang(self, topic: SeedTopic) -> tuple[str, Answer | None]:
        lang = "en" if self.story.random() < ENGLISH and topic.messages_en else "sv"
        return lang, topic.answers.get(lang)

    def _question(self, topic: SeedTopic, lang: str) -> str:
        return self.story.choice(topic.messages_en if lang == "en" else topic.messages)

    def _handed_over(
        self, case_id: int, opened: float, topic: SeedTopic, customer_id: int, kind: str
    ) -> None:
        story = self.story
        lang, answer = self._lang(topic)
        outcome = pick(story, HANDED_OVER[kind])
        if answer is None:
            outcome = "abstained"
        started = opened - story.uniform(MINUTE, 10 * MINUTE)
        index = len(self.rows.conversations)
        self.rows.conversations.append(
            (index, public_id(), customer_id, "portal", lang, at(started), at(opened),
             outcome, topic.id, MODEL_VERSION, case_id, None)
        )  # fmt: skip
        self._turns(index, started, topic, lang, answer if outcome != "abstained" else None)
        if outcome != "abstained":  # said No, or asked for a person
            self._turn(index, "customer", "", None, None, "[]", False, None, opened)

    def _answered(self, started: float, topic: SeedTopic, who: int | None, kind: str) -> None:
        story = self.story
        lang, answer = self._lang(topic)
        if answer is None:
            lang, answer = "sv", topic.answers.get("sv")
            if answer is None:
                return
        outcome = pick(story, ANSWERED[kind])
        if outcome == "answered_rejected":
            who = None  # a logged-in customer who says No is handed over into a case
        ended: float | None = None
        if outcome == "answered_confirmed":
            ended = started + story.uniform(40, 240)
        elif outcome == "answered_rejected":
            ended = started + story.uniform(60, 300)
        if (ended or started) > self.now:
            return
        index = len(self.rows.conversations)
        channel = "portal" if who is not None else "widget"
        self.rows.conversations.append(
            (index, public_id(), who, channel, lang, at(started), at_or_none(ended),
             outcome, topic.id, MODEL_VERSION, None, None)
        )  # fmt: skip
        self._turns(index, started, topic, lang, answer)
        if outcome == "answered_rejected" and ended is not None:
            self._turn(index, "customer", "", None, None, "[]", False, None, ended)

    def _turns(
        self, index: int, started: float, topic: SeedTopic, lang: str, answer: Answer | None
    ) -> None:
        """The customer's question and the assistant's answer (or none: not sure)."""
        story = self.story
        self._turn(index, "customer", self._question(topic, lang), None, None, "[]", False,
                   None, started)  # fmt: skip
        confidence = story.uniform(0.8, 0.98) if answer else story.uniform(0.2, 0.55)
        candidates = json.dumps([{"label": topic.slug, "probability": round(confidence, 4)}])
        self._turn(index, "assistant", answer.title if answer else "", topic.id,
                   round(confidence, 4), candidates, answer is not None,
                   answer.version_id if answer else None, started + 2)  # fmt: skip

    def _turn(
        self,
        index: int,
        role: str,
        text: str,
        topic_id: int | None,
        confidence: float | None,
        candidates: str,
        answered: bool,
        version_id: int | None,
        t: float,
    ) -> None:
        self.rows.turns.append(
            (index, role, text, topic_id, confidence, candidates, answered, version_id, at(t))
        )
