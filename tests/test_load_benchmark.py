"""The load test of issue 11 (benchmarks/load/run.py) in its quick mode, for real: its own
PostgreSQL database, `nara serve` with production settings, a `nara worker`, wrk with
request.lua, every scenario. The figures are not judged here (the machine is shared);
what is: every scenario got answers, and every answer was a 2xx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "benchmarks" / "load" / "run.py"
NARA = Path(sys.executable).parent / "nara"
SCENARIOS = {
    "create",
    "team_list",
    "detail",
    "case_page",
    "inbox_mine",
    "inbox_unassigned",
    "inbox_team",
    "results_api",
    "results_one",
    "service_page",
}


@pytest.mark.postgres
@pytest.mark.slow
def test_quick_load_run_answers_every_scenario_with_2xx(tmp_path: Path) -> None:
    server = os.environ.get("NARA_TEST_DATABASE_URL", "")
    if not server.startswith(("postgres", "postgresql")):
        pytest.skip("the load test measures the production setup: PostgreSQL only")
    out = tmp_path / "result.json"
    database = f"nara_loadtest_{uuid.uuid4().hex[:10]}"
    # What is checked is that every scenario answers with 2xx, not how fast: 4 connections
    # over 5 seconds get answers from the slowest page also on a machine busy with the
    # rest of the suite (16 connections over 3 seconds once got none from the case page).
    args = ["--quick", "--connections", "4", "--duration", "5"]
    args += ["--pg-url", server, "--db", database, "--fresh", "--drop-after"]
    done = subprocess.run(  # noqa: S603 - the harness with our arguments
        [sys.executable, str(HARNESS), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(out.read_text())
    [size] = result["sizes"]
    assert size["cases"] >= 2000
    measured = {m["scenario"]: m for m in size["measured"]}
    assert set(measured) == SCENARIOS
    for name, m in measured.items():
        wrk = m["wrk"]
        assert wrk["requests"] > 0, name
        assert sum(wrk["statuses"].values()) == wrk["requests"], (name, wrk)
        assert all(200 <= int(code) < 300 for code in wrk["statuses"]), (name, wrk["statuses"])
        assert wrk["non_2xx_3xx"] == 0, (name, wrk)
        assert sum(wrk["socket_errors"].values()) == 0, (name, wrk)
    assert set(measured["create"]["wrk"]["statuses"]) == {"201"}
    # the tables: django-helpdesk's figures above Nära's
    assert done.stdout.index("django-helpdesk 2.6.1") < done.stdout.index("Nära at ")
    assert "[load " in done.stderr  # progress on stderr, the tables on stdout
