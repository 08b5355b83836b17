"""``nara bench seed``: fill a database that has the demo organisation with a year of
realistic case history, fast enough for a million cases (benchmarks of issue 11).

The rows are built in memory a chunk at a time (``seed_history``) and written in bulk:
``COPY`` on PostgreSQL, ``executemany`` on SQLite. The domain functions are not used
(far too slow for a million cases); the rows are the ones they would have written,
through the same event types and data shapes, so pages, the API, the promise check and
the wait estimator read seeded cases like any other.

Each chunk is written in the caller's transaction: the command commits after every
chunk, so progress shows and memory stays flat. A thread builds the next few thousand
cases while the database stores the previous ones. On PostgreSQL a superuser writes
without the per-row foreign-key triggers (see ``_may_skip_reference_checks``). Ids come
from the tables' own sequences (PostgreSQL) or follow the largest id (SQLite); case
numbers are reserved per year with the same upsert on ``case_number_counters`` that
``open_case`` uses (by the chunk's count at once), so the app goes on numbering after
the seeded cases, and seeding again appends.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.models import CaseNumberCounter
from nara.simulation.seed_clock import DAY, ArrivalCurve
from nara.simulation.seed_history import (
    ChunkDraft,
    ChunkIds,
    ChunkRows,
    Row,
    build_rows,
    pick_topics,
)
from nara.simulation.seed_org import NothingToSeed, load_org

CHUNK = 50_000
CASES_PER_CUSTOMER = 5
LOGIN_SHARE = 0.6  # customers who log in to the portal (they open their own cases)
YEAR = 365 * DAY

KeepShare = Callable[[int | None, float], float]
"""``keep(topic_id, opened_at)``: the share of contacts about a topic (None: no topic) at a
moment (a Unix time) that happen; 1.0 for all. The demo makes a change that removed
contacts on a topic true this way (``nara.demo.improvements``)."""

COLUMNS = {
    "users": (
        "id",
        "email",
        "display_name",
        "role",
        "password_hash",
        "locale",
        "is_active",
        "created_at",
        "last_login_at",
    ),
    "customers": (
        "id",
        "name",
        "email",
        "phone",
        "personnummer",
        "user_id",
        "created_at",
        "updated_at",
    ),
    "cases": (
        "id",
        "number",
        "customer_id",
        "topic_id",
        "team_id",
        "owner_id",
        "channel",
        "status",
        "priority",
        "subject",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "updated_at",
        "created_by_id",
        "promise_policy_id",
        "first_response_budget_min",
        "resolution_budget_min",
        "first_response_due_at",
        "resolution_due_at",
        "promise_paused_at",
        "first_response_warn_at",
        "resolution_warn_at",
        "promise_check_at",
        "promise_alerts",
        "routing_flag",
        "first_owner_id",
    ),
    "case_events": ("case_id", "type", "actor_id", "is_public", "body", "data", "created_at"),
    "wait_estimates": (
        "case_id",
        "team_id",
        "made_at",
        "expected_seconds",
        "expected_at",
        "queue_ahead",
        "agents_available",
        "basis",
        "context",
        "actual_seconds",
    ),
    "work_sessions": ("team_id", "user_id", "case_id", "started_at", "ended_at"),
    "satisfaction_ratings": (
        "case_id",
        "customer_id",
        "score",
        "comment",
        "via",
        "created_at",
        "updated_at",
    ),
    "case_tasks": ("case_id", "kind", "created_at", "done_at", "done_by_id"),
    "conversations": (
        "id",
        "public_id",
        "customer_id",
        "channel",
        "lang",
        "started_at",
        "ended_at",
        "outcome",
        "topic_id",
        "model_version",
        "case_id",
        "resolved",
    ),
    "conversation_turns": (
        "conversation_id",
        "role",
        "text",
        "topic_id",
        "confidence",
        "candidates",
        "answered",
        "article_version_id",
        "created_at",
    ),
}
"""The columns written per table, in the order of the rows ``seed_history`` builds."""


@dataclass
class SeedReport:
    cases: int = 0
    customers: int = 0
    users: int = 0
    events: int = 0
    estimates: int = 0
    work_sessions: int = 0
    ratings: int = 0  # customers' satisfaction answers
    conversations: int = 0  # self-service conversations
    active: int = 0  # cases still being worked on at the end (the backlog)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds > 0 else 0.0

    def add(self, rows: ChunkRows) -> None:
        self.cases += len(rows.cases)
        self.customers += len(rows.customers)
        self.users += len(rows.users)
        self.events += len(rows.events)
        self.estimates += len(rows.estimates)
        self.work_sessions += len(rows.sessions)
        self.ratings += len(rows.ratings)
        self.conversations += len(rows.conversations)
        self.active += rows.active

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "seconds": round(self.seconds, 2),
            "cases_per_second": round(self.rate),
        }


class Seeder:
    """Seeds ``cases`` cases over the year before now in chunks of ``chunk_size``; the
    same ``seed`` gives the same history (apart from ids and numbers)."""

    def __init__(
        self,
        session: Session,
        *,
        cases: int,
        seed: int = 0,
        chunk_size: int = CHUNK,
        check_references: bool = False,
        keep: KeepShare | None = None,
        few_texts: bool = False,
    ):
        if cases < 1:
            raise ValueError("the number of cases must be at least 1")
        self.session, self.cases, self.seed = session, cases, seed
        self.keep = keep
        self.chunk_size = max(1, chunk_size)
        settings = get_settings()
        self.prefix = settings.case_number_prefix
        self.zone = ZoneInfo(settings.display_timezone)
        self.now = clock.now().timestamp()
        start = self.now - YEAR
        self.org = load_org(
            session, self.now, start, settings.promise_warning_fraction, few_texts=few_texts
        )
        self.curve = ArrivalCurve(start, self.now - 60, self.zone)
        self.report = SeedReport()  # seconds: from the first chunk to the last written
        self._started: float | None = None
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._copy_types: dict[str, list[str] | None] = {}
        self.skips_reference_checks = (
            self.postgres and not check_references and _may_skip_reference_checks(session)
        )

    @property
    def chunks(self) -> int:
        return -(-self.cases // self.chunk_size)

    def seed_chunk(self, index: int) -> SeedReport:
        """Write chunk ``index`` in the caller's transaction; the report so far.

        A thread builds the next batch of rows while this one is written, so Python
        builds rows while the database stores the previous ones (libpq waits for the
        socket without holding the interpreter lock)."""
        if self._started is None:
            self._started = time.perf_counter()
        draft = self._draft(index)
        batches = build_rows(self.org, draft, self._reserve(draft))
        if self.skips_reference_checks:
            self.session.execute(text("SET LOCAL session_replication_role = replica"))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nara-seed") as pool:
            upcoming = pool.submit(next, batches, None)
            while (rows := upcoming.result()) is not None:
                upcoming = pool.submit(next, batches, None)
                self._write_rows(rows)
                self.report.add(rows)
        if self.skips_reference_checks:
            self.session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
        self.report.seconds = time.perf_counter() - self._started
        return self.report

    def _write_rows(self, rows: ChunkRows) -> None:
        for table, table_rows in (
            ("users", rows.users),
            ("customers", rows.customers),
            ("cases", rows.cases),
            ("case_events", rows.events),
            ("wait_estimates", rows.estimates),
            ("work_sessions", rows.sessions),
            ("satisfaction_ratings", rows.ratings),
            ("case_tasks", rows.tasks),
        ):
            self._write(table, table_rows)
        ids = self._ids("conversations", len(rows.conversations))
        self._write("conversations", [(ids[c[0]], *c[1:]) for c in rows.conversations])
        self._write("conversation_turns", [(ids[t[0]], *t[1:]) for t in rows.turns])

    def finish(self) -> None:
        """Fresh planner statistics for the tables that grew (PostgreSQL)."""
        if self.postgres:
            self.session.execute(text("ANALYZE " + ", ".join(COLUMNS)))
        if self._started is not None:
            self.report.seconds = time.perf_counter() - self._started

    # ---- a chunk ----
    def _draft(self, index: int) -> ChunkDraft:
        rng = random.Random(f"nara-seed-{self.seed}-{index}")  # noqa: S311 - not a secret
        lo = index * self.chunk_size
        hi = min(self.cases, lo + self.chunk_size)
        arrivals = [self.curve.at((k + rng.random()) / self.cases) for k in range(lo, hi)]
        topics = pick_topics(self.org, rng, len(arrivals))
        if self.keep is not None:
            ids = [self.org.topics[t].id if t is not None else None for t in topics]
            kept = [i for i, t in enumerate(arrivals) if rng.random() < self.keep(ids[i], t)]
            arrivals, topics = [arrivals[i] for i in kept], [topics[i] for i in kept]
        local = [datetime.fromtimestamp(t, self.zone) for t in arrivals]
        customers = max(1, round(len(arrivals) / CASES_PER_CUSTOMER))
        logins = [rng.random() < LOGIN_SHARE for _ in range(customers)]
        return ChunkDraft(
            arrivals=arrivals,
            topics=topics,
            years=[d.year for d in local],
            logins=logins,
            rng=rng,
            weekdays=[d.weekday() for d in local],
            story=random.Random(f"nara-story-{self.seed}-{index}"),  # noqa: S311
        )

    def _reserve(self, draft: ChunkDraft) -> ChunkIds:
        """Case numbers first (on SQLite the upsert also takes the write lock), then ids."""
        counts = Counter(draft.years)
        last = {year: self._take_numbers(year, count) for year, count in sorted(counts.items())}
        seen: Counter[int] = Counter()
        numbers = []
        for year in draft.years:  # in time order: numbers follow the opening times
            seen[year] += 1
            numbers.append(f"{self.prefix}-{year}-{last[year] - counts[year] + seen[year]:06d}")
        return ChunkIds(
            users=self._ids("users", sum(draft.logins)),
            customers=self._ids("customers", len(draft.logins)),
            cases=self._ids("cases", len(draft.arrivals)),
            numbers=numbers,
        )

    def _take_numbers(self, year: int, count: int) -> int:
        """Reserve ``count`` numbers of ``year``; the last one reserved."""
        insert = postgresql.insert if self.postgres else sqlite.insert
        stmt = (
            insert(CaseNumberCounter)
            .values(year=year, last_value=count)
            .on_conflict_do_update(
                index_elements=[CaseNumberCounter.year],
                set_={"last_value": CaseNumberCounter.last_value + count},
            )
            .returning(CaseNumberCounter.last_value)
        )
        return int(self.session.execute(stmt).scalar_one())

    def _ids(self, table: str, count: int) -> list[int]:
        if count == 0:
            return []
        if self.postgres:
            found = self.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": table, "count": count},
            )
            return sorted(int(v) for v in found)
        largest = self.session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))  # noqa: S608 - our table names
        return list(range(int(largest or 0) + 1, int(largest or 0) + 1 + count))

    def _write(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        connection = self.session.connection()
        if self.postgres:
            if table not in self._copy_types:
                self._copy_types[table] = _binary_types(self.session, table)
            types = self._copy_types[table]
            driver: Any = connection.connection.driver_connection
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(sql + _binary(types)) as copy:
                if types is not None:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - our table names
            [tuple(_sqlite_value(v) for v in row) for row in rows],
        )


# Column types whose binary COPY form psycopg writes from the rows' Python values: texts
# (and JSON, whose binary form is its text) as text, numbers, booleans and timestamps.
BINARY_TYPES = {
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "boolean": "bool",
    "double precision": "float8",
    "timestamp with time zone": "timestamptz",
    "text": "text",
    "character varying": "text",
    "json": "text",
}


def _binary_types(session: Session, table: str) -> list[str] | None:
    """The binary COPY types of ``table``'s seeded columns, read from the catalogue (so a
    column that became ``bigint`` is written as one); None to copy as text instead."""
    rows = session.execute(
        text(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
        ),
        {"table": table},
    )
    found: dict[str, str] = {str(name): str(kind) for name, kind in rows}
    types = [BINARY_TYPES.get(found.get(column, "")) for column in COLUMNS[table]]
    return None if None in types else [t for t in types if t is not None]


def _binary(types: list[str] | None) -> str:
    """Binary COPY is several times cheaper to write and to read than text."""
    return "" if types is None else " (FORMAT BINARY)"


def _may_skip_reference_checks(session: Session) -> bool:
    """Whether the rows may be written without the per-row foreign-key triggers, like
    ``pg_restore --disable-triggers`` (``session_replication_role = replica``): only a
    superuser may, and only when the tables have no triggers of their own that would be
    skipped too. The rows refer to what exists by construction (the tests check it); the
    checks are two thirds of the database's work per row."""
    allowed = session.execute(
        text(
            "SELECT current_setting('is_superuser') = 'on' AND NOT EXISTS ("
            "SELECT 1 FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid::regclass::text = ANY(:tables))"
        ),
        {"tables": list(COLUMNS)},
    ).scalar_one()
    return bool(allowed)


def _sqlite_value(value: object) -> object:
    """As SQLAlchemy stores it on SQLite: timestamps as naive UTC text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def seed_cases(
    session: Session,
    *,
    cases: int,
    seed: int = 0,
    chunk_size: int = CHUNK,
    check_references: bool = False,
    keep: KeepShare | None = None,
    few_texts: bool = False,
    progress: Callable[[SeedReport], None] | None = None,
) -> SeedReport:
    """Seed every chunk in the caller's transaction (tests; the command commits after
    each chunk instead)."""
    seeder = Seeder(
        session,
        cases=cases,
        seed=seed,
        chunk_size=chunk_size,
        check_references=check_references,
        keep=keep,
        few_texts=few_texts,
    )
    for index in range(seeder.chunks):
        report = seeder.seed_chunk(index)
        if progress is not None:
            progress(report)
    seeder.finish()
    return seeder.report


__all__ = ["CHUNK", "NothingToSeed", "SeedReport", "Seeder", "seed_cases"]
