"""What seeding reads from the organisation once: topics and the teams handling them
(in routing order), the teams' members and business clocks, and the response policies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.demo import content, knowledge_examples
from nara.models import (
    Article,
    ArticleVersion,
    ResponsePolicy,
    Role,
    Team,
    TeamMember,
    TeamTopic,
    Topic,
    User,
)
from nara.queries.service import calendar_for_team
from nara.simulation.seed_clock import DAY, BusinessClock
from nara.simulation.seed_story import Answer

# How often each demo topic comes up (relative); other topics weigh 3.
TOPIC_WEIGHTS = {
    "kort-har-inte-kommit": 6,
    "kortbetalning-nekad": 9,
    "bestridd-kortbetalning": 5,
    "swish": 8,
    "utlandsbetalning": 3,
    "autogiro": 3,
    "bankid": 10,
    "oppna-konto": 4,
    "avsluta-konto": 2,
    "andra-personuppgifter": 3,
    "kontoutdrag": 4,
    "fullmakt": 1.5,
    "bolanerata": 4,
    "laneansokan": 3,
    "amortering": 2,
    "kreditgrans": 2,
    "misstankt-bedrageri": 3,
    "natfiske": 3,
    "stulet-kort": 4,
    "avgifter": 4,
    "klagomal": 3,
    "inloggning": 8,
}
URGENT_TOPICS = frozenset({"misstankt-bedrageri", "natfiske", "stulet-kort"})


class NothingToSeed(ValueError):
    """The database has no organisation to fill (no topic a team with members handles)."""


@dataclass(frozen=True)
class SeedTeam:
    id: int
    name_sv: str
    name_en: str
    members: tuple[int, ...]  # staff user ids; agents appear more often (they take more)
    names: dict[int, str]  # display name per member
    clock: BusinessClock
    slug: str = ""
    leads: tuple[int, ...] = ()  # who follows up a low score


@dataclass(frozen=True)
class SeedTopic:
    id: int
    name_sv: str
    teams: tuple[SeedTeam, ...]  # in routing order, only teams with members
    weight: float
    messages: tuple[str, ...]
    urgent: bool  # fraud and lost cards: more high and urgent cases
    slug: str = ""
    messages_en: tuple[str, ...] = ()  # what English-speaking visitors ask the assistant
    answers: dict[str, Answer] = field(default_factory=dict)  # the article per language


@dataclass(frozen=True)
class SeedPolicy:
    id: int
    topic_id: int | None
    priority: str | None
    channel: str | None
    first_response_minutes: int
    resolution_minutes: int


@dataclass
class SeedOrg:
    """What seeding reads from the organisation once: topics, teams, people, policies."""

    topics: tuple[SeedTopic, ...]
    fallback: SeedTeam | None
    front_line: tuple[int, ...]  # staff who open cases for callers and e-mails
    policies: tuple[SeedPolicy, ...]
    replies: tuple[str, ...]
    follow_ups: tuple[str, ...]
    notes: tuple[str, ...]
    now: float
    warn_fraction: float
    _matches: dict[tuple[int | None, str, str], SeedPolicy | None] = field(default_factory=dict)

    def policy_for(self, topic_id: int | None, priority: str, channel: str) -> SeedPolicy | None:
        """Like ``nara.queries.service.matching_policy``, over the policies read once."""
        key = (topic_id, priority, channel)
        if key not in self._matches:
            found = [
                p
                for p in self.policies
                if p.topic_id in (None, topic_id)
                and p.priority in (None, priority)
                and p.channel in (None, channel)
            ]

            def specificity(p: SeedPolicy) -> tuple[int, int]:
                score = (p.topic_id is not None) * 4 + (p.priority is not None) * 2
                return score + (p.channel is not None), -p.id

            self._matches[key] = max(found, key=specificity) if found else None
        return self._matches[key]


def load_org(
    session: Session, now: float, start: float, warn_fraction: float, *, few_texts: bool = False
) -> SeedOrg:
    """Topics, teams with their members and calendars, and the response policies.
    ``few_texts``: customers write the demo's own few messages per topic (the demo embeds
    every case's text for the similar-case search: a few dozen texts instead of the
    training examples' thousands)."""
    teams = _teams(session, start - 30 * DAY, now + 400 * DAY)
    topics = _topics(session, teams, few_texts=few_texts)
    if not topics:
        raise NothingToSeed(
            "no topic is handled by a team with members; load the demo organisation "
            "first ('nara demo')"
        )
    fallback_id = session.scalar(select(Team.id).where(Team.is_fallback.is_(True)))
    fallback = teams.get(fallback_id) if fallback_id is not None else None
    policies = tuple(
        SeedPolicy(
            p.id, p.topic_id, p.priority, p.channel, p.first_response_minutes, p.resolution_minutes
        )
        for p in session.scalars(select(ResponsePolicy).order_by(ResponsePolicy.id))
    )
    return SeedOrg(
        topics=topics,
        fallback=fallback,
        front_line=tuple(sorted(fallback.names)) if fallback else (),
        policies=policies,
        replies=tuple(content.AGENT_REPLIES),
        follow_ups=tuple(content.CUSTOMER_FOLLOW_UPS),
        notes=tuple(content.NOTES),
        now=now,
        warn_fraction=warn_fraction,
    )


def _teams(session: Session, start: float, end: float) -> dict[int, SeedTeam]:
    staff = (Role.agent.value, Role.lead.value, Role.admin.value)
    rows = session.execute(
        select(TeamMember.team_id, User.id, User.display_name, User.role)
        .join(User, User.id == TeamMember.user_id)
        .where(User.is_active.is_(True), User.role.in_(staff))
        .order_by(TeamMember.team_id, User.id)
    ).all()
    members: dict[int, list[tuple[int, str, str]]] = {}
    for team_id, user_id, name, role in rows:
        members.setdefault(team_id, []).append((user_id, name, role))
    teams: dict[int, SeedTeam] = {}
    for team in session.scalars(select(Team).where(Team.id.in_(members)).order_by(Team.id)):
        people = members[team.id]
        weighted = tuple(u for u, _, role in people for _ in range(3 if role == "agent" else 1))
        cal = calendar_for_team(session, team.id)
        teams[team.id] = SeedTeam(
            team.id,
            team.name_sv,
            team.name_en,
            weighted,
            {u: name for u, name, _ in people},
            BusinessClock(cal, start, end),
            slug=team.slug,
            leads=tuple(u for u, _, role in people if role == "lead"),
        )
    return teams


def _topics(
    session: Session, teams: dict[int, SeedTeam], *, few_texts: bool = False
) -> tuple[SeedTopic, ...]:
    links = session.execute(
        select(TeamTopic.topic_id, TeamTopic.team_id).order_by(
            TeamTopic.topic_id, TeamTopic.rank, TeamTopic.team_id
        )
    ).all()
    handled: dict[int, list[SeedTeam]] = {}
    for topic_id, team_id in links:
        if team_id in teams:
            handled.setdefault(topic_id, []).append(teams[team_id])
    answers = _answers(session)
    topics = []
    for topic in session.scalars(
        select(Topic).where(Topic.is_active.is_(True), Topic.id.in_(handled)).order_by(Topic.id)
    ):
        topics.append(
            SeedTopic(
                topic.id,
                topic.name_sv,
                tuple(handled[topic.id]),
                float(TOPIC_WEIGHTS.get(topic.slug, 3)),
                _messages(topic, few=few_texts),
                topic.slug in URGENT_TOPICS,
                slug=topic.slug,
                messages_en=tuple(
                    knowledge_examples.EXAMPLES.get(topic.slug, {}).get("en", [])[:FEW]
                ),
                answers=answers.get(topic.id, {}),
            )
        )
    return tuple(topics)


def _answers(session: Session) -> dict[int, dict[str, Answer]]:
    """Each topic's published articles and their current versions, per language."""
    rows = session.execute(
        select(Article.topic_id, Article.lang, Article.title, ArticleVersion.id)
        .join(
            ArticleVersion,
            (ArticleVersion.article_id == Article.id) & (ArticleVersion.version == Article.version),
        )
        .where(Article.is_published.is_(True))
    ).all()
    found: dict[int, dict[str, Answer]] = {}
    for topic_id, lang, title, version_id in rows:
        found.setdefault(topic_id, {})[lang] = Answer(title, version_id)
    return found


FEW = 3
"""Example questions per topic written by ``few_texts`` customers where the demo has no
messages of its own for the topic."""


def _messages(topic: Topic, *, few: bool = False) -> tuple[str, ...]:
    """What customers write about a topic: the demo's messages and example questions
    (``few``: the demo's messages, else the first few example questions)."""
    examples = knowledge_examples.EXAMPLES.get(topic.slug, {}).get("sv", [])
    own = content.MESSAGES.get(topic.slug, [])
    found: Iterable[str] = (own or examples[:FEW]) if few else [*own, *examples]
    return tuple(found) or (f"Jag har en fråga om {topic.name_sv.lower()}.",)
