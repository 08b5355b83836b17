"""Every statement the load test's requests send, with PostgreSQL's plan and timing.

    NARA_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/nara_load \\
        .venv/bin/python benchmarks/load/plans.py [--analyze] [--all]

Runs each scenario of ``run.py`` once in this process (the real app through Starlette's
test client, as the demo agent Oskar and the lead Karin), captures the SELECTs it sends,
and prints for each: the growing tables it would read from end to end (``Seq Scan``),
its planned cost and, with ``--analyze``, the time it took (EXPLAIN ANALYZE, run inside
a transaction that is rolled back). Exit code 1 when a statement reads a growing table
whole, so that a database of any size shows at once whether the pages stay index-bound.
"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from nara.db import get_engine
from nara.demo.content import DEMO_PASSWORD
from nara.models import Case, Customer, Team, TeamMember, Topic, User
from nara.simulation.plans import captured, explain, large_tables
from nara.web.app import create_app

AGENT = "oskar@exempelbanken.se"
LEAD = "karin.lead@exempelbanken.se"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyze", action="store_true", help="also run each statement")
    parser.add_argument("--all", action="store_true", help="print every statement")
    args = parser.parse_args()
    engine = get_engine()
    with Session(engine) as session:
        agent = session.scalar(select(User).where(User.email == AGENT))
        if agent is None:
            print("error: load the demo first (nara demo)", file=sys.stderr)
            return 2
        team_id = session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == agent.id))
        number = session.scalar(
            select(Case.number).where(Case.team_id == team_id).order_by(Case.id.desc()).limit(1)
        )
        customer_id = session.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1))
        topic_id = session.scalar(select(Topic.id).order_by(Topic.id).limit(1))
        assert session.get(Team, team_id) is not None
    app = create_app(engine)
    agent_client, lead_client = TestClient(app), TestClient(app)
    csrf: dict[int, str] = {}
    for client, email in ((agent_client, AGENT), (lead_client, LEAD)):
        answer = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        if answer.status_code != 200:
            print(f"error: cannot log in as {email}: {answer.status_code}", file=sys.stderr)
            return 2
        csrf[id(client)] = answer.json()["csrf_token"]
    scenarios = [
        ("create", agent_client, "POST", "/api/v1/cases"),
        ("team_list", agent_client, "GET", f"/api/v1/cases?team_id={team_id}&limit=25"),
        ("detail", agent_client, "GET", f"/api/v1/cases/{number}"),
        ("case_page", agent_client, "GET", f"/cases/{number}"),
        ("inbox_mine", agent_client, "GET", "/cases?tab=mine"),
        ("inbox_unassigned", agent_client, "GET", "/cases?tab=unassigned"),
        ("inbox_team", agent_client, "GET", "/cases?tab=team"),
        ("inbox_closed", agent_client, "GET", "/cases?tab=team&status=closed"),
        ("results", lead_client, "GET", "/api/v1/service/results"),
        ("service_page", lead_client, "GET", "/admin/service"),
    ]
    full_scans = 0
    for name, client, method, path in scenarios:
        body = {
            "customer_id": customer_id,
            "topic_id": topic_id,
            "channel": "phone",
            "message": "Plan check: mitt kort nekas i butik",
        }
        headers = {"X-CSRF-Token": csrf[id(client)]}
        client.request(method, path, json=body if method == "POST" else None, headers=headers)
        started = time.perf_counter()  # the second time: templates and caches are warm
        with captured(engine) as statements:
            answer = client.request(
                method, path, json=body if method == "POST" else None, headers=headers
            )
        elapsed = (time.perf_counter() - started) * 1000
        print(
            f"## {name}: {method} {path} → {answer.status_code}, {len(statements)} SELECTs, "
            f"{elapsed:.0f} ms"
        )
        with engine.connect() as connection:
            large = large_tables(connection)
            for statement in statements:
                plan = explain(connection, statement, analyze=args.analyze, large=large)
                connection.rollback()
                if plan.full_scans or args.all or (plan.actual_ms or 0) > 5:
                    scans = ", ".join(plan.full_scans) or "-"
                    timing = f", {plan.actual_ms:.1f} ms" if plan.actual_ms is not None else ""
                    print(f"  full scans: {scans}; cost {plan.total_cost:.0f}{timing}")
                    print("    " + " ".join(statement.sql.split())[:300])
                full_scans += bool(plan.full_scans)
    print(f"{full_scans} statements read a growing table whole")
    return 1 if full_scans else 0


if __name__ == "__main__":
    sys.exit(main())
