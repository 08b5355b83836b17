"""The rows of seeded case history, built in memory one chunk at a time (no database
here: ``nara.simulation.seed`` reserves ids and numbers and writes the rows).

Every case lives the life the domain functions would have written: opened (by the
customer on the web or in chat, or by the front line for a call or an e-mail), routed
to the team handling its topic (now and then overflowing to the topic's second team),
given the promise of the matching response policy, taken by a member of that team,
answered, sometimes waiting on the customer or on another team, resolved and closed.
The timeline stops at ``now``: what would happen later has not happened yet, so the
recent cases are the backlog. Promise alerts are raised as the periodic check would
have raised them.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nara.domain.events import EVENT_TYPES
from nara.simulation.seed_clock import DAY, HOUR, MINUTE, at, at_or_none
from nara.simulation.seed_org import SeedOrg, SeedPolicy, SeedTeam, SeedTopic
from nara.simulation.seed_promises import ACTIVE, Act, PromiseTimes
from nara.simulation.seed_story import claim_delay
from nara.simulation.seed_story_rows import Conversations, rate

Row = tuple[Any, ...]

FIRST_NAMES = (
    *("Anna", "Lars", "Eva", "Mikael", "Karin", "Peter", "Sofia", "Ahmed", "Ingrid", "Nils"),
    *("Elin", "Mohammed", "Birgitta", "Gustav", "Maja", "Hanna", "Jonas", "Leila", "Sven"),
    *("Ida", "Erik", "Kerstin", "Johan", "Linnéa", "Anders", "Fatima", "Per", "Ebba", "Olof"),
    *("Sara", "Björn", "Agnes", "Hassan", "Alice", "Magnus", "Wilma", "Emil", "Marianne"),
    *("Ali", "Astrid"),
)
LAST_NAMES = (
    *("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson"),
    *("Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Holm"),
    *("Jansson", "Hansson", "Bengtsson", "Lindström", "Jakobsson", "Magnusson", "Lindqvist"),
    *("Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Åberg"),
    *("Öberg", "Ali"),
)
ASCII = str.maketrans("åäöéüÅÄÖÉÜ", "aaoeuAAOEU")
PHONE_SERIES = "070-17406"  # PTS's numbers reserved for fiction (070-1740600 - 070-1740699)

CUSTOMER_CHANNELS = (("web", 0.55), ("chat", 0.45))
STAFF_CHANNELS = (("phone", 0.35), ("email", 0.45), ("chat", 0.12), ("web", 0.08))
PRIORITIES = (("low", 0.06), ("normal", 0.80), ("high", 0.11), ("urgent", 0.03))
URGENT_PRIORITIES = (("normal", 0.45), ("high", 0.40), ("urgent", 0.15))
GENERAL_MESSAGES = (  # cases without a topic (the fallback team takes them)
    "Hej, jag har en fråga om mitt konto. Kan någon ringa mig?",
    "Jag vet inte vilket ärende det här gäller, men något stämmer inte i appen.",
    "Kan ni hjälpa mig med en sak? Jag hittar inte rätt i internetbanken.",
)


@dataclass
class ChunkDraft:
    """A chunk's arrivals (sorted) and its new customers, drawn before ids are known."""

    arrivals: list[float]
    topics: list[int | None]  # per arrival: an index into the org's topics, None: no topic
    years: list[int]  # the local calendar year of each arrival (case numbers count per year)
    logins: list[bool]  # per new customer: whether they log in to the portal
    rng: random.Random
    weekdays: list[int] = field(default_factory=list)  # local weekday of each arrival
    story: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311
    """The story's own random numbers (``seed_story``): the rest stays the same."""


@dataclass(frozen=True)
class ChunkIds:
    users: list[int]
    customers: list[int]
    cases: list[int]
    numbers: list[str]


@dataclass
class ChunkRows:
    users: list[Row] = field(default_factory=list)
    customers: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    estimates: list[Row] = field(default_factory=list)
    sessions: list[Row] = field(default_factory=list)
    ratings: list[Row] = field(default_factory=list)
    tasks: list[Row] = field(default_factory=list)
    # Conversations and their turns start with the conversation's index in this batch
    # (its id is reserved when the batch is written).
    conversations: list[Row] = field(default_factory=list)
    turns: list[Row] = field(default_factory=list)
    active: int = 0


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    draw = rng.random()
    for value, weight in options:
        draw -= weight
        if draw < 0:
            return value
    return options[-1][0]


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def pick_topics(org: SeedOrg, rng: random.Random, count: int) -> list[int | None]:
    """The topic of each of ``count`` contacts (an index into ``org.topics``) by the
    topics' weights; one contact in fifty has none (the fallback team takes it)."""
    weights = [t.weight for t in org.topics]
    picks = rng.choices(range(len(org.topics)), weights, k=count)
    return [pick if rng.random() > 0.02 else None for pick in picks]


def build_rows(
    org: SeedOrg, draft: ChunkDraft, ids: ChunkIds, batch: int = 5_000
) -> Iterator[ChunkRows]:
    """The rows of one chunk in batches of ``batch`` cases (to be written in this order):
    its new customers (and their portal logins) come with the first batch, each case
    with its timeline, wait estimates and work sessions."""
    builder = _Builder(org, draft.rng, draft.story)
    customers = builder.customers(draft, ids)
    mondays = [day == 0 for day in draft.weekdays] or [False] * len(draft.arrivals)
    for index, opened in enumerate(draft.arrivals):
        customer = customers[int(len(customers) * draft.rng.random() ** 1.6)]
        pick = draft.topics[index]
        topic = org.topics[pick] if pick is not None else None
        builder.case(ids.cases[index], ids.numbers[index], opened, topic, customer, mondays[index])
        if len(builder.rows.cases) == batch:
            yield builder.rows
            builder.rows = ChunkRows()
    if builder.rows.cases or builder.rows.customers:
        yield builder.rows


@dataclass(frozen=True)
class _Customer:
    id: int
    user_id: int | None


class _Builder:
    def __init__(self, org: SeedOrg, rng: random.Random, story: random.Random) -> None:
        self.org, self.rng, self.now = org, rng, org.now
        self.story = story
        self.rows = ChunkRows()
        self._json: dict[object, str] = {}

    # ---- customers ----
    def customers(self, draft: ChunkDraft, ids: ChunkIds) -> list[_Customer]:
        rng, logins = self.rng, iter(ids.users)
        first_contact = draft.arrivals[0] if draft.arrivals else self.now
        out = []
        for index, customer_id in enumerate(ids.customers):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            email = f"{first}.{last}.{customer_id}@example.com".translate(ASCII).lower()
            since = at(first_contact - rng.uniform(0, 400) * DAY)
            user_id = next(logins) if draft.logins[index] else None
            if user_id is not None:
                self.rows.users.append(
                    (user_id, email, name, "customer", None, None, True, since, None)
                )
            phone = f"{PHONE_SERIES}{rng.randrange(100):02d}" if rng.random() < 0.6 else None
            # No personnummer: made-up numbers could be real people's.
            self.rows.customers.append(
                (customer_id, name, email, phone, None, user_id, since, since)
            )
            out.append(_Customer(customer_id, user_id))
        return out

    # ---- data of events, shared between cases ----
    def cached(self, key: tuple[Any, ...], data: Callable[[], dict[str, Any]]) -> str:
        """The JSON of ``data()``, made once per ``key``."""
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(data())
        return text

    def status_data(self, old: str, new: str) -> str:
        return self.cached(("status", old, new), lambda: {"old": old, "new": new})

    def assigned_data(self, team: SeedTeam, owner: int) -> str:
        return self.cached(
            ("owner", owner), lambda: {"owner_id": owner, "owner_name": team.names[owner]}
        )

    def _routed(self, team: SeedTeam, reason: str, first: SeedTeam, minutes: int) -> str:
        def data() -> dict[str, Any]:
            facts: dict[str, Any] = {
                "team": team.name_sv,
                "team_en": team.name_en,
                "team_id": team.id,
                "reason": reason,
            }
            if reason == "overflow":
                facts |= {
                    "from_team": first.name_sv,
                    "from_team_en": first.name_en,
                    "promise_minutes": minutes,
                    "expected_minutes": {str(first.id): minutes + 35, str(team.id): minutes // 3},
                }
            return facts

        return self.cached(("routed", team.id, reason, first.id, minutes), data)

    # ---- one case ----
    def case(
        self,
        case_id: int,
        number: str,
        opened: float,
        topic: SeedTopic | None,
        customer: _Customer,
        monday: bool = False,
    ) -> None:
        rng, org = self.rng, self.org
        team, reason, first = self._route(topic)
        self_service = customer.user_id is not None and rng.random() < 0.7
        if self_service:
            channel, priority, opener = _pick(rng, CUSTOMER_CHANNELS), "normal", customer.user_id
        else:
            channel = _pick(rng, STAFF_CHANNELS)
            priority = _pick(rng, URGENT_PRIORITIES if topic and topic.urgent else PRIORITIES)
            opener = rng.choice(org.front_line or team.members)
        policy = org.policy_for(topic.id if topic else None, priority, channel)
        life = _Life(self, case_id, team, customer, opened)
        life.monday = monday
        message = rng.choice(topic.messages if topic else GENERAL_MESSAGES)
        subject = message.splitlines()[0][:120]
        if not self_service and topic is not None and rng.random() < 0.5:
            subject = topic.name_sv
        minutes = policy.first_response_minutes if policy else 0
        life.open(opener, channel, subject, message, self._routed(team, reason, first, minutes))
        owner_at_open = channel == "phone" and opener in team.names
        life.play(opener if owner_at_open else None, policy)
        self.rows.cases.append(
            life.case_row(number, customer, topic, channel, priority, subject, opener, policy)
        )
        if life.status in ACTIVE:
            self.rows.active += 1
        if topic is not None:
            conversations = Conversations(self.story, self.rows, self.now)
            conversations.around(
                case_id, opened, topic, customer.id, customer.user_id, self_service
            )

    def _route(self, topic: SeedTopic | None) -> tuple[SeedTeam, str, SeedTeam]:
        if topic is None:
            team = self.org.fallback or self.org.topics[0].teams[0]
            return team, "fallback", team
        first = topic.teams[0]
        if len(topic.teams) > 1 and self.rng.random() < 0.15:
            return topic.teams[1], "overflow", first
        return first, "topic", first


PUBLIC = {name: kind.public for name, kind in EVENT_TYPES.items()}


class _Life:
    """One case's timeline, played up to ``now``, and the state it leaves the case in."""

    def __init__(
        self, builder: _Builder, case_id: int, team: SeedTeam, customer: _Customer, opened: float
    ) -> None:
        self.b, self.rng, self.now = builder, builder.rng, builder.now
        self.case_id, self.team, self.customer, self.opened = case_id, team, customer, opened
        self.clock = team.clock
        self.acts: list[Act] = []
        self.status = "new"
        self.changes: list[tuple[float, str]] = []  # (when, new status), in time order
        self.sessions: list[tuple[int, float, float]] = []
        self.owner: int | None = None
        self.claimed: float | None = None
        self.replied: float | None = None  # the first human response
        self.resolved: float | None = None
        self.closed: float | None = None
        self.opener: int | None = None
        self.owner_planned: int | None = None
        self.claim_planned: float | None = None
        self.opened_owned = False
        self.updated = opened
        self.monday = False

    def _act(
        self, t: float, kind: str, actor: int | None, body: str = "", data: str = "{}"
    ) -> None:
        self.acts.append((t, kind, actor, body, data))

    def _change(self, t: float, actor: int | None, new: str) -> None:
        self._act(t, "case.status_changed", actor, data=self.b.status_data(self.status, new))
        self.status = new
        self.changes.append((t, new))

    def open(
        self, opener: int | None, channel: str, subject: str, message: str, routed: str
    ) -> None:
        opened_data = self.b.cached(
            ("opened", channel, subject), lambda: {"channel": channel, "subject": subject}
        )
        self._act(self.opened, "case.opened", opener, message, opened_data)
        self._act(self.opened, "case.routed", opener, data=routed)
        self.opener = opener

    def play(self, owner_at_open: int | None, policy: SeedPolicy | None) -> None:
        """Everything that happens to the case, including what lies after ``now`` (cut
        off in ``_settle``)."""
        rng, team = self.rng, self.team
        budget = (policy.first_response_minutes if policy else 240) * MINUTE
        claim: float | None
        if owner_at_open is not None:
            owner, claim = owner_at_open, self.opened
            self._act(claim, "case.assigned", owner, data=self.b.assigned_data(team, owner))
        else:
            owner = rng.choice(team.members)
            delay = claim_delay(
                self.b.story, team.slug, self.monday, self._claim_delay(budget), budget
            )
            claim = self.clock.add(self.opened, delay)
        self.owner_planned, self.claim_planned = owner, claim
        self.opened_owned = owner_at_open is not None
        if claim is not None:
            self._work(owner, claim)
        self._settle(policy)

    def _claim_delay(self, budget: float) -> float:
        """Business seconds in the queue: mostly a small part of the promise's budget
        (urgent cases are taken sooner), sometimes past it."""
        draw = self.rng.random()
        if draw < 0.9:
            return budget * _lognormal(self.rng, 0.08, 0.9)
        if draw < 0.98:
            return budget * self.rng.uniform(0.5, 1.3)
        return budget * self.rng.uniform(1.3, 3.0)

    def _handle(self) -> float:
        return min(100 * MINUTE, max(MINUTE, _lognormal(self.rng, 9 * MINUTE, 0.6)))

    def _work(self, owner: int, claim: float) -> None:
        rng, team, b = self.rng, self.team, self.b
        if not self.opened_owned:
            self._act(claim, "case.assigned", owner, data=b.assigned_data(team, owner))
        handle = self._handle()
        reply = claim + handle * rng.uniform(0.2, 0.6)
        end = claim + handle
        self.sessions.append((owner, claim, end))
        self._act(reply, "message.agent", owner, rng.choice(b.org.replies))
        self._change(reply, owner, "open")
        if rng.random() < 0.1:
            self._act(rng.uniform(reply, end), "note.added", owner, rng.choice(b.org.notes))
        draw = rng.random()
        if draw < 0.05:
            end = self._consult(owner, end)
        elif draw < 0.2:
            answered = self._wait_on_customer(owner, reply + 20)
            if answered is None:
                return
            end = answered
        self._resolve(owner, end)

    def _consult(self, owner: int, t: float) -> float:
        """Another team is asked; the case waits on them for some business hours."""
        self._change(t, owner, "waiting_on_team")
        back = self.clock.add(t, _lognormal(self.rng, 2 * HOUR, 0.8)) or t + DAY
        self._change(back, owner, "open")
        end = back + self._handle()
        self.sessions.append((owner, back, end))
        return end

    def _wait_on_customer(self, owner: int, t: float) -> float | None:
        """Waiting for the customer's answer (the promise clock stops); None when they
        never answer and the case is closed after three weeks."""
        rng = self.rng
        self._change(t, owner, "waiting_on_customer")
        if rng.random() < 0.06:
            self._change(t + 21 * DAY, owner, "closed")
            return None
        answer = t + min(10 * DAY, max(10 * MINUTE, _lognormal(rng, 5 * HOUR, 1.3)))
        customer = self.customer.user_id
        if customer is not None:
            self._act(answer, "message.customer", customer, rng.choice(self.b.org.follow_ups))
            self._change(answer, customer, "open")
        else:  # a call or an e-mail: the agent notes that the customer answered
            self._change(answer, owner, "open")
        start = self.clock.add(answer, _lognormal(rng, 40 * MINUTE, 1.0)) or answer + DAY
        handle = self._handle()
        self._act(
            start + handle * rng.uniform(0.2, 0.6),
            "message.agent",
            owner,
            rng.choice(self.b.org.replies),
        )
        self.sessions.append((owner, start, start + handle))
        return start + handle

    def _resolve(self, owner: int, end: float) -> None:
        rng = self.rng
        at_end = rng.random() < 0.55
        later = None if at_end else self.clock.add(end, _lognormal(rng, 5 * HOUR, 1.2))
        resolved = later or end
        if resolved > self.opened + 28 * DAY:  # nothing stays open for a month
            resolved = max(end + MINUTE, self.opened + rng.uniform(7, 28) * DAY)
        if later is not None:
            handle = self._handle()
            self.sessions.append((owner, resolved - handle, resolved))
        if rng.random() < 0.6:
            self._change(resolved, owner, "closed")
            return
        self._change(resolved, owner, "resolved")
        if rng.random() < 0.9:
            self._change(resolved + rng.uniform(3, 10) * DAY, owner, "closed")

    # ---- the state at now ----
    def _settle(self, policy: SeedPolicy | None) -> None:
        now = self.now
        self.acts = [a for a in self.acts if a[0] <= now]
        self.changes = [c for c in self.changes if c[0] <= now]
        self.status = self.changes[-1][1] if self.changes else "new"
        claim = self.claim_planned
        if claim is not None and claim <= now:
            self.owner, self.claimed = self.owner_planned, claim
        for t, kind, *_ in self.acts:
            if kind == "message.agent" and self.replied is None:
                self.replied = t
        for t, new in self.changes:
            if new == "resolved":
                self.resolved = t
            elif new == "closed":
                self.closed = t
                self.resolved = self.resolved or t
        self.promises = PromiseTimes(
            clock=self.clock,
            opened=self.opened,
            now=now,
            changes=self.changes,
            warn_fraction=self.b.org.warn_fraction,
        )
        self.promises.apply(policy, self.replied, self.resolved)
        if self.resolved is not None:
            rate(self, policy)
        self._write_timeline()

    def _write_timeline(self) -> None:
        b, case_id = self.b, self.case_id
        opened = self.acts[:2]
        rest = sorted(self.acts[2:] + self.promises.acts, key=lambda a: a[0])
        if self.promises.promise_set:
            data = self.promises.promise_set
            opened.append((self.opened, "promise.set", self.opener, "", data))
        events, stamp = b.rows.events, datetime.fromtimestamp
        for t, kind, actor, body, data in opened + rest:
            events.append((case_id, kind, actor, PUBLIC[kind], body, data, stamp(t, UTC)))
        self.updated = max(self.opened, rest[-1][0] if rest else self.opened)
        now = self.now
        for owner, start, end in self.sessions:
            if start <= now:
                b.rows.sessions.append(
                    (self.team.id, owner, case_id, at(start), at(end) if end <= now else None)
                )
        self._estimates()

    def _estimates(self) -> None:
        """The expected wait shown when the case was opened (and when it was taken, if
        before the first response), with the actual wait once it came."""
        rng, clock, team = self.rng, self.clock, self.team
        if not clock.has_hours:
            return
        rows, replied = self.b.rows.estimates, self.replied
        planned = self.claim_planned or self.opened + DAY
        made = [(self.opened, "opened")]
        if self.claimed is not None and not self.opened_owned and replied is None:
            # Taking the case stores a new estimate too; kept for the cases still waiting
            # for their first response (the ones whose latest estimate pages show).
            made.append((self.claimed, "assigned"))
        for when, context in made:
            if replied is not None and replied <= when:
                continue
            owned = context == "assigned" or self.opened_owned
            business = clock.value(planned) - clock.value(when) if not owned else 0.0
            business = (business + 4 * MINUTE) * math.exp(rng.gauss(0.0, 0.45))
            expected = clock.add(when, business) or when + business
            basis = "owner" if owned else ("queue" if clock.is_open(when) else "no_agents")
            agents = 1 if owned else (rng.randint(1, 4) if basis == "queue" else 0)
            ahead = 0 if owned else rng.randint(0, 6)
            actual = replied - when if replied is not None else None
            rows.append(
                (
                    self.case_id,
                    team.id,
                    at(when),
                    float(round(expected - when)),
                    at(expected),
                    ahead,
                    agents,
                    basis,
                    context,
                    actual,
                )
            )

    def case_row(
        self,
        number: str,
        customer: _Customer,
        topic: SeedTopic | None,
        channel: str,
        priority: str,
        subject: str,
        opener: int | None,
        policy: SeedPolicy | None,
    ) -> Row:
        p = self.promises
        paused = p.paused_since if self.status == "waiting_on_customer" else None
        return (
            self.case_id,
            number,
            customer.id,
            topic.id if topic else None,
            self.team.id,
            self.owner,
            channel,
            self.status,
            priority,
            subject,
            at(self.opened),
            at_or_none(self.replied),
            at_or_none(self.resolved),
            at_or_none(self.closed),
            at(self.updated),
            opener,
            policy.id if policy else None,
            policy.first_response_minutes if policy else None,
            policy.resolution_minutes if policy else None,
            p.due["first_response"],
            p.due["resolution"],
            at_or_none(paused),
            p.warn["first_response"],
            p.warn["resolution"],
            at_or_none(p.check_at),
            json.dumps(p.alerts) if p.alerts else "[]",
            None,
            self.owner,  # the first owner too: a seeded case is never handed over
        )
