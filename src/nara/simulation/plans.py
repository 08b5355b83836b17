"""Query plans of what a request runs: capture every statement a piece of work sends to
PostgreSQL, ask PostgreSQL for its plan, and report full scans of the tables that grow
with the history. ``nara bench plans`` and the plan tests use it to keep pages and
endpoints index-bound at any number of cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event

GROWING_TABLES = frozenset(
    {
        "cases",
        "case_events",
        "customers",
        "work_sessions",
        "wait_estimates",
        "conversations",
        "conversation_turns",
        "callbacks",
        "case_tasks",
        "audit_log",
        "idempotency_keys",
        "job_runs",
    }
)
"""Tables whose size follows the number of cases: a sequential scan of one is a query
that slows down as the organisation's history grows."""


@dataclass
class Statement:
    sql: str
    parameters: Any


@dataclass
class Plan:
    sql: str
    full_scans: list[str] = field(default_factory=list)  # growing tables read whole
    indexes: list[str] = field(default_factory=list)  # the indexes it reads
    total_cost: float = 0.0
    actual_ms: float | None = None  # with analyze: the time it took


@contextmanager
def captured(engine: Engine) -> Iterator[list[Statement]]:
    """Every SELECT sent through ``engine`` while the block runs."""
    statements: list[Statement] = []

    def record(
        conn: Connection, cursor: Any, sql: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if sql.lstrip().upper().startswith("SELECT") and not many:
            statements.append(Statement(sql, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


LARGE = 10_000
"""Rows from which a full scan counts: below it PostgreSQL rightly prefers reading a
small table whole to using its index."""


def large_tables(connection: Connection) -> frozenset[str]:
    """The growing tables that hold at least :data:`LARGE` rows (by the statistics)."""
    rows = connection.exec_driver_sql(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %(large)s",
        {"large": LARGE},
    )
    return frozenset(name for (name,) in rows if name in GROWING_TABLES)


def explain(
    connection: Connection,
    statement: Statement,
    *,
    analyze: bool = False,
    large: frozenset[str] = GROWING_TABLES,
) -> Plan:
    """PostgreSQL's plan for ``statement``, with the ``large`` tables it would read from
    end to end; with ``analyze`` it is run too (roll the connection back afterwards)."""
    cursor = connection.connection.cursor()
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    try:
        cursor.execute(f"EXPLAIN ({options}) " + statement.sql, statement.parameters)
        row = cursor.fetchone()
    finally:
        cursor.close()
    assert row is not None
    document = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    root = document[0]["Plan"]
    plan = Plan(sql=statement.sql, total_cost=float(root.get("Total Cost", 0.0)))
    if analyze:
        plan.actual_ms = float(document[0].get("Execution Time", 0.0))
    _walk(root, plan, large)
    return plan


def _walk(node: dict[str, Any], plan: Plan, large: frozenset[str]) -> None:
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in large:
        plan.full_scans.append(str(node["Relation Name"]))
    if "Index Name" in node:
        plan.indexes.append(str(node["Index Name"]))
    for child in node.get("Plans", []):
        _walk(child, plan, large)
