"""``nara bench followup``: the follow-up's speed at N cases (issue 16).

On the database ``NARA_DATABASE_URL`` points at (after ``nara migrate``): the demo
organisation without its played cases when there is none, N seeded cases with their
events (``nara bench seed``'s COPY machinery), then, set-based, what the seeder does not
write and the follow-up counts: satisfaction ratings on a fifth of the resolved cases,
self-service conversations (answered, confirmed, rejected and handed over, some followed
by a re-contact) and consultations on the cases that waited on another team. Then the
roll-ups of every finished day (``rollup_seconds``), then the figures for a range of
filters (``p50_ms``, ``p95_ms``: every call of every filter) and the drill-down's first page
(``drilldown_p95_ms``). Progress on stderr."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.db import session_scope
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.followup.days import local_date
from nara.followup.filters import Filters
from nara.models import Case, Channel, Priority, Role, Team, Topic, User
from nara.queries import followup
from nara.queries.followup_rows import Scope, forget_live_counts, live_days

EVERY_KEY = Scope(None, None, None, None)

Progress = Callable[[str], None]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class BenchResult:
    cases: int
    seed_seconds: float
    extras_seconds: float
    rollup_seconds: float
    rollup_rows: int
    figures_ms: dict[str, list[float]] = field(default_factory=dict)
    drilldown_ms: dict[str, list[float]] = field(default_factory=dict)
    live_day_ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        every = [t for times in self.figures_ms.values() for t in times]
        drills = [t for times in self.drilldown_ms.values() for t in times]
        return {
            "cases": self.cases,
            "p50_ms": round(statistics.median(every), 1),
            "p95_ms": round(_p95(every), 1),
            "rollup_seconds": round(self.rollup_seconds, 1),
            "drilldown_p50_ms": round(statistics.median(drills), 1),
            "drilldown_p95_ms": round(_p95(drills), 1),
            "live_day_ms": round(statistics.median(self.live_day_ms), 1),
            "seed_seconds": round(self.seed_seconds, 1),
            "extras_seconds": round(self.extras_seconds, 1),
            "rollup_rows": self.rollup_rows,
            "figures": {k: round(statistics.median(v), 1) for k, v in self.figures_ms.items()},
            "drilldowns": {k: round(statistics.median(v), 1) for k, v in self.drilldown_ms.items()},
        }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


# ---- the organisation and the cases ----
def prepare(engine: Engine, cases: int, seed: int, say: Progress = _say) -> tuple[float, float]:
    """The demo organisation (when there is none), ``cases`` seeded cases and the extras.
    Returns the seconds of seeding and of the extras."""
    from nara.demo.loader import load_demo
    from nara.simulation.seed import Seeder

    with session_scope(engine) as session:
        if session.scalar(select(func.count()).select_from(Topic)) == 0:
            say("creating the demo organisation (without its played cases)")
            load_demo(session, cases=0, history=0, embed=False)
    started = time.perf_counter()
    with session_scope(engine) as session:
        before = session.scalar(select(func.max(Case.id))) or 0
        seeder = Seeder(session, cases=cases, seed=seed)
        for index in range(seeder.chunks):
            report = seeder.seed_chunk(index)
            session.commit()
            say(f"seeded {report.cases:,}/{cases:,} cases ({report.rate:,.0f}/s)")
        seeder.finish()
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(engine) as session:
        add_extras(session, after_id=before)
    extras = time.perf_counter() - started
    say(f"added ratings, conversations and consultations in {extras:.1f} s")
    return seeded, extras


def add_extras(session: Session, *, after_id: int) -> None:
    """Set-based rows for the seeded cases (ids above ``after_id``) the follow-up counts
    and the seeder does not write (PostgreSQL)."""
    statements = (
        # A fifth of the resolved cases rated an hour after resolution; waits lower scores
        # (the seeder's story has rated some already: those keep their rating).
        """INSERT INTO satisfaction_ratings
               (case_id, customer_id, score, comment, via, created_at, updated_at)
           SELECT id, customer_id,
                  GREATEST(1, LEAST(5, 5 - (id % 3)
                      - CASE WHEN first_response_at - opened_at > interval '4 hours'
                             THEN 2 ELSE 0 END)),
                  CASE WHEN id % 11 = 0 THEN 'Tack för hjälpen' ELSE '' END,
                  'portal', resolved_at + interval '1 hour', resolved_at + interval '1 hour'
           FROM cases WHERE id > :after AND resolved_at IS NOT NULL AND id % 5 = 0
           ON CONFLICT (case_id) DO NOTHING""",
        # Every customer-opened web or chat case came from a conversation handed over.
        """INSERT INTO conversations (public_id, customer_id, channel, lang, started_at,
               ended_at, outcome, topic_id, case_id, resolved)
           SELECT md5(id::text || 'c'), customer_id, 'portal', 'sv',
                  opened_at - interval '3 minutes', opened_at,
                  CASE WHEN id % 4 = 0 THEN 'answered_rejected' WHEN id % 4 = 1
                       THEN 'asked_for_person' ELSE 'abstained' END,
                  topic_id, id, NULL
           FROM cases WHERE id > :after AND channel IN ('web', 'chat') AND id % 2 = 0""",
        # Answered conversations (two per case): most not followed by a case.
        """INSERT INTO conversations (public_id, customer_id, channel, lang, started_at,
               ended_at, outcome, topic_id, case_id, resolved)
           SELECT md5(id::text || 'a' || n::text), customer_id, 'widget', 'sv',
                  opened_at - interval '2 days' * n, opened_at - interval '2 days' * n,
                  CASE WHEN (id + n) % 3 = 0 THEN 'answered_confirmed'
                       ELSE 'answered_no_feedback' END,
                  topic_id, NULL, CASE WHEN (id + n) % 7 = 0 THEN false END
           FROM cases CROSS JOIN generate_series(1, 2) AS n WHERE id > :after""",
        # The cases that waited on another team: a consultation of the fallback team.
        """INSERT INTO consultations (case_id, team_id, asking_team_id, question, status,
               asked_at, due_at, alerts, answered_at, answered_in_time, first_answered_at,
               follow_ups)
           SELECT c.id, f.id, c.team_id, 'Kan ni titta på detta?', 'answered',
                  e.created_at, e.created_at + interval '4 hours', '[]',
                  e.created_at + interval '2 hours' * (1 + c.id % 3),
                  (c.id % 3) < 2, e.created_at + interval '2 hours' * (1 + c.id % 3), 0
           FROM cases c
           JOIN case_events e ON e.case_id = c.id AND e.type = 'case.status_changed'
                AND e.data::jsonb ->> 'new' = 'waiting_on_team'
           JOIN teams f ON f.is_fallback
           WHERE c.id > :after AND f.id <> c.team_id""",
    )
    for statement in statements:
        session.execute(text(statement), {"after": after_id})
    session.execute(text("ANALYZE satisfaction_ratings, conversations, consultations"))


# ---- timing ----
def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def scenarios(session: Session, today: date) -> dict[str, Filters]:
    """The filters timed: the whole organisation over 30 days and a year, a team, a
    topic, a channel, a priority, a team and a topic together."""
    team = session.scalar(
        select(Team.slug)
        .join(Case, Case.team_id == Team.id)
        .group_by(Team.slug)
        .order_by(func.count().desc())
        .limit(1)
    )
    topic = session.scalar(
        select(Topic.slug)
        .join(Case, Case.topic_id == Topic.id)
        .where(Case.opened_at >= clock.now() - timedelta(days=30))
        .group_by(Topic.slug)
        .order_by(func.count().desc())
        .limit(1)
    )
    month = Filters(today - timedelta(days=29), today)
    year = Filters(today - timedelta(days=364), today)
    return {
        "org 30 days": month,
        "org 1 year (weekly and monthly trends)": year,
        "team 30 days": replace(month, team=team),
        "team 1 year": replace(year, team=team),
        "topic 1 year": replace(year, topic=topic),
        "channel phone 1 year": replace(year, channel=Channel.phone),
        "priority urgent 1 year": replace(year, priority=Priority.urgent),
        "team and topic 1 year": replace(year, team=team, topic=topic),
    }


DRILLDOWNS = (
    ("cases.opened", "org 30 days"),
    ("first_response.missed", "org 1 year (weekly and monthly trends)"),
    ("resolution.first_contact", "team 1 year"),
    ("csat.score_1", "topic 1 year"),
    ("kkik.late", "org 30 days"),
    ("backlog.first_response_overdue", "org 30 days"),
)


def admin_actor(session: Session) -> Actor:
    admin = session.scalar(
        select(User).where(User.role == Role.admin.value, User.is_active.is_(True)).limit(1)
    )
    return actor_for_user(session, admin) if admin is not None else SYSTEM


def time_queries(engine: Engine, result: BenchResult, rounds: int, say: Progress) -> None:
    zone = get_settings().display_timezone
    now = clock.now()
    with Session(engine) as session:
        viewer = admin_actor(session)
        today = local_date(now, zone)
        filters = scenarios(session, today)
        # Today, counted for every key: what a process pays once per
        # NARA_FOLLOWUP_LIVE_SECONDS (the figures below reuse it, as requests do).
        for _ in range(rounds):
            forget_live_counts()
            result.live_day_ms.append(
                _timed(lambda: live_days(session, EVERY_KEY, [(today, today)], now, zone))
            )
        say(f"today counted live: median {statistics.median(result.live_day_ms):.0f} ms")
        for name, f in filters.items():

            def figures(f: Filters = f) -> object:
                return followup.figures(session, viewer, f, now)

            figures()  # the first call warms the caches
            times = [_timed(figures) for _ in range(rounds)]
            result.figures_ms[name] = times
            say(f"figures, {name}: median {statistics.median(times):.0f} ms")
        for metric, scenario in DRILLDOWNS:
            f = filters[scenario]

            def page(f: Filters = f, metric: str = metric) -> object:
                return followup.drilldown(session, viewer, f, metric, None, 25, now=now)

            page()
            times = [_timed(page) for _ in range(rounds)]
            result.drilldown_ms[f"{metric} ({scenario})"] = times
            say(f"drill-down, {metric}: median {statistics.median(times):.0f} ms")


def run(
    engine: Engine,
    *,
    cases: int,
    seed: int = 0,
    rounds: int = 5,
    say: Progress = _say,
    roll: Callable[[], dict[str, int]] | None = None,
    time_only: bool = False,
) -> BenchResult:
    """Seed, roll up and time; ``time_only``: time the database as an earlier run left
    it (``cases`` is then what it holds), to compare code on the same data."""
    if time_only:
        with session_scope(engine) as session:
            cases = session.scalar(select(func.count()).select_from(Case)) or 0
        seeded = extras = 0.0
        roll = None
    else:
        seeded, extras = prepare(engine, cases, seed, say)
    started = time.perf_counter()
    rolled = roll() if roll is not None else {"rows": 0}
    result = BenchResult(
        cases=cases,
        seed_seconds=seeded,
        extras_seconds=extras,
        rollup_seconds=time.perf_counter() - started,
        rollup_rows=rolled.get("rows", 0),
    )
    if not time_only:
        say(f"rolled up in {result.rollup_seconds:.1f} s ({result.rollup_rows:,} rows)")
    with session_scope(engine) as session:
        session.execute(text("ANALYZE followup_daily"))
    time_queries(engine, result, rounds, say)
    return result


__all__ = ["BenchResult", "run"]
