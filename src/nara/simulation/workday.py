"""A simulated working day for the expected-wait benchmark (``nara bench wait``).

Customers arrive by hour with a morning peak (a Poisson process per hour); agents work
08:00-17:00 with two coffee breaks and a lunch (set away while on break, available
again after); every case takes a handling time drawn from a log-normal distribution,
with the first reply a log-normal share into it. Everything goes through the real
domain functions on a real (SQLite) database with the clock moved: ``open_case`` (routing,
promise, the stored wait estimate), ``set_presence``, ``take_next_case``,
``reply_to_case`` (the first human response fills in the actual wait) and
``change_status``. The error measured is that of the estimate the customer was shown
when the case was opened, against the actual time to the first human response.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.db import make_engine
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.domain.cases import change_status, open_case, reply_to_case
from nara.domain.customers import create_customer
from nara.domain.presence import set_presence
from nara.domain.promises import create_policy
from nara.domain.queue import take_next_case
from nara.domain.waiting import refresh_team_stats
from nara.migrate import upgrade
from nara.models import WaitEstimate

STHLM = ZoneInfo("Europe/Stockholm")
# Arrivals per hour (local time) on a weekday: the morning peak of a bank's contact centre.
ARRIVALS_PER_HOUR = {8: 22, 9: 40, 10: 36, 11: 28, 12: 20, 13: 26, 14: 24, 15: 20, 16: 12}


@dataclass(frozen=True)
class Scenario:
    day: date = date(2026, 12, 1)  # a Tuesday, no holiday
    days: int = 2  # consecutive weekdays; cases left at 17:00 wait for the next morning
    agents: int = 5  # about 85 % occupancy for these arrivals, as contact centres plan
    handle_median_minutes: float = 8.0
    handle_sigma: float = 0.45
    first_reply_share: tuple[float, float] = (0.25, 0.5)  # uniform share of the handling
    arrivals: dict[int, int] = field(default_factory=lambda: dict(ARRIVALS_PER_HOUR))
    seed: int = 0


@dataclass(frozen=True)
class Result:
    cases: int
    median_abs_pct_error: float
    p90_abs_pct_error: float
    mean_abs_error_minutes: float
    median_abs_error_minutes: float
    median_wait_minutes: float
    p90_wait_minutes: float
    agents: int
    seed: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class _Agent:
    actor: Actor
    breaks: list[tuple[datetime, datetime]]
    busy: bool = False
    on_break: bool = False
    back_at: datetime | None = None  # end of the current break; None off duty


def _local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=STHLM)


def run(scenario: Scenario, progress: Callable[[int, int], None] | None = None) -> Result:
    with tempfile.TemporaryDirectory(prefix="nara-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                result = _simulate(session, scenario, progress)
                session.rollback()
            return result
        finally:
            engine.dispose()


def _setup(
    session: Session, scenario: Scenario, rng: random.Random
) -> tuple[int, int, list[_Agent]]:
    day = scenario.day
    with clock.frozen_at(_local(day, 7)):
        team = team_actions.create_team(session=session, actor=SYSTEM, slug="kundservice",
                                        name_sv="Kundservice", name_en="Customer service",
                                        is_fallback=True)  # fmt: skip
        topic = team_actions.create_topic(session=session, actor=SYSTEM, slug="kort",
                                          name_sv="Kort", name_en="Cards")  # fmt: skip
        team_actions.add_team_topic(session=session, actor=SYSTEM, team_id=team.id,
                                    topic_id=topic.id)  # fmt: skip
        create_policy(session=session, actor=SYSTEM, first_response_minutes=60,
                      resolution_minutes=480)  # fmt: skip
        customer = create_customer(session=session, actor=SYSTEM, name="Simulerad Kund",
                                   email="sim@example.test")  # fmt: skip
        agents: list[_Agent] = []
        for i in range(scenario.agents):
            user = user_actions.create_user(session=session, actor=SYSTEM,
                                            email=f"agent{i}@example.test",
                                            display_name=f"Agent {i}", role="agent")  # fmt: skip
            team_actions.add_team_member(session=session, actor=SYSTEM, team_id=team.id,
                                         user_id=user.id)  # fmt: skip
            breaks = []
            for d in _days(scenario):
                coffee1 = _local(d, 9, 30) + timedelta(minutes=rng.randint(0, 60))
                lunch = _local(d, 11) + timedelta(minutes=15 * (i % 8))
                coffee2 = _local(d, 14) + timedelta(minutes=rng.randint(0, 60))
                breaks += [
                    (coffee1, coffee1 + timedelta(minutes=15)),
                    (lunch, lunch + timedelta(minutes=45)),
                    (coffee2, coffee2 + timedelta(minutes=15)),
                ]
            agents.append(_Agent(actor_for_user(session, user), breaks))
        session.flush()
    return topic.id, customer.id, agents


def _days(scenario: Scenario) -> list[date]:
    days: list[date] = []
    d = scenario.day
    while len(days) < scenario.days:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _arrivals(scenario: Scenario, rng: random.Random) -> list[datetime]:
    times: list[datetime] = []
    for day in _days(scenario):
        for hour, count in sorted(scenario.arrivals.items()):
            start = _local(day, hour)
            t = 0.0
            while True:
                t += rng.expovariate(count / 3600.0)
                if t >= 3600:
                    break
                times.append(start + timedelta(seconds=t))
    return times


def _simulate(
    session: Session, scenario: Scenario, progress: Callable[[int, int], None] | None
) -> Result:
    rng = random.Random(scenario.seed)  # noqa: S311 - a simulation, not a secret
    topic_id, customer_id, agents = _setup(session, scenario, rng)
    arrivals = _arrivals(scenario, rng)
    seq = itertools.count()
    events: list[tuple[datetime, int, str, object]] = []

    def push(at: datetime, kind: str, payload: object = None) -> None:
        heapq.heappush(events, (at, next(seq), kind, payload))

    for at in arrivals:
        push(at, "arrive")
    # The periodic job keeps the teams' statistics, as often as in production.
    every = timedelta(seconds=get_settings().promise_check_seconds or 60)
    for day in _days(scenario):
        at = _local(day, 7, 55)
        while at < _local(day, 17, 30):
            push(at, "stats")
            at += every
    for index, agent in enumerate(agents):
        for day in _days(scenario):
            push(_local(day, 8), "agent_start", index)
            push(_local(day, 17), "agent_stop", index)
        for start, end in agent.breaks:
            push(start, "break_start", index)
            push(end, "break_end", index)

    def handle_time() -> float:
        median = scenario.handle_median_minutes * 60
        return rng.lognormvariate(math.log(median), scenario.handle_sigma)

    def pull(index: int, at: datetime) -> None:
        agent = agents[index]
        if agent.busy or agent.on_break:
            return
        case = take_next_case(session=session, actor=agent.actor)
        if case is None:
            return
        agent.busy = True
        total = handle_time()
        share = rng.uniform(*scenario.first_reply_share)
        push(at + timedelta(seconds=total * share), "first_reply", (index, case.number))
        push(at + timedelta(seconds=total), "done", (index, case.number))

    done_arrivals = 0
    while events:
        at, _, kind, payload = heapq.heappop(events)
        with clock.frozen_at(at):
            if kind == "stats":
                refresh_team_stats(session=session, now=at)
            elif kind == "arrive":
                open_case(session=session, actor=SYSTEM, message="Mitt kort fungerar inte",
                          customer_id=customer_id, topic_id=topic_id)  # fmt: skip
                done_arrivals += 1
                if progress:
                    progress(done_arrivals, len(arrivals))
                for index in range(len(agents)):
                    pull(index, at)
            elif kind == "agent_start":
                assert isinstance(payload, int)
                agent = agents[payload]
                agent.on_break, agent.back_at = False, None
                team_id = next(iter(agent.actor.team_ids))
                set_presence(session=session, actor=agent.actor, team_id=team_id,
                             status="available")  # fmt: skip
                pull(payload, at)
            elif kind == "agent_stop":  # end of the day: finish the case, then leave
                assert isinstance(payload, int)
                agent = agents[payload]
                agent.on_break, agent.back_at = True, None
                if not agent.busy:
                    team_id = next(iter(agent.actor.team_ids))
                    set_presence(session=session, actor=agent.actor, team_id=team_id,
                                 status="away")  # fmt: skip
            elif kind == "first_reply":
                index, number = cast(tuple[int, str], payload)
                reply_to_case(session=session, actor=agents[index].actor, number=number,
                              body="Hej! Vi tittar på det nu.")  # fmt: skip
            elif kind == "done":
                index, number = cast(tuple[int, str], payload)
                agent = agents[index]
                change_status(session=session, actor=agent.actor, number=number,
                              status="resolved")  # fmt: skip
                agent.busy = False
                if agent.on_break:
                    team_id = next(iter(agent.actor.team_ids))
                    back = agent.back_at if agent.back_at and agent.back_at > at else None
                    set_presence(session=session, actor=agent.actor, team_id=team_id,
                                 status="away", until=back)  # fmt: skip
                pull(index, at)
            elif kind == "break_start":
                assert isinstance(payload, int)
                agent = agents[payload]
                agent.on_break = True
                agent.back_at = next(end for start, end in agent.breaks if start == at)
                if not agent.busy:  # a busy agent finishes the case first
                    team_id = next(iter(agent.actor.team_ids))
                    set_presence(session=session, actor=agent.actor, team_id=team_id,
                                 status="away", until=agent.back_at)  # fmt: skip
            elif kind == "break_end":
                assert isinstance(payload, int)
                agent = agents[payload]
                if agent.back_at != at:  # the day ended meanwhile
                    continue
                agent.on_break, agent.back_at = False, None
                team_id = next(iter(agent.actor.team_ids))
                set_presence(session=session, actor=agent.actor, team_id=team_id,
                             status="available")  # fmt: skip
                pull(payload, at)
    session.flush()
    rows = session.execute(
        select(WaitEstimate.expected_seconds, WaitEstimate.actual_seconds).where(
            WaitEstimate.context == "opened"
        )
    ).all()
    pairs = [(e, a) for e, a in rows if a is not None and a > 0]
    return summarise(pairs, agents=scenario.agents, seed=scenario.seed)


def summarise(pairs: list[tuple[float, float]], *, agents: int, seed: int) -> Result:
    """The figures of a run from (expected, actual) seconds of the answered cases."""
    errors = sorted(abs(e - a) / a for e, a in pairs)
    waits = sorted(a for _, a in pairs)
    return Result(
        cases=len(pairs),
        median_abs_pct_error=round(100 * statistics.median(errors), 2),
        p90_abs_pct_error=round(100 * _quantile(errors, 0.9), 2),
        mean_abs_error_minutes=round(statistics.fmean(abs(e - a) for e, a in pairs) / 60, 2),
        median_abs_error_minutes=round(statistics.median(abs(e - a) for e, a in pairs) / 60, 2),
        median_wait_minutes=round(statistics.median(waits) / 60, 2),
        p90_wait_minutes=round(_quantile(waits, 0.9) / 60, 2),
        agents=agents,
        seed=seed,
    )


def _quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[index]
