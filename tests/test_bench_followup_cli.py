"""``nara bench followup``: a short run on a fresh PostgreSQL database (the 1 M and 10 M
figures are in benchmarks/README.md), a re-timing of what it left with ``--time-only``,
and the refusals on SQLite and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_URL, _create_postgres_database, _drop_postgres_database

NARA = Path(sys.executable).parent / "nara"
pytestmark = pytest.mark.xdist_group("bench_followup")


def nara(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NARA_DATABASE_URL": url}
    return subprocess.run(  # noqa: S603
        [str(NARA), *args], capture_output=True, text=True, timeout=600, env=env, check=False
    )


@pytest.fixture(scope="module")
def empty_postgres() -> Iterator[str]:
    if not TEST_URL.startswith(("postgres", "postgresql")):
        pytest.skip("the follow-up benchmark runs on PostgreSQL (its refusal on SQLite below)")
    url, name = _create_postgres_database(TEST_URL)
    try:
        assert nara(url, "migrate").returncode == 0
        yield url
    finally:
        _drop_postgres_database(TEST_URL, name)


def test_bench_followup_seeds_rolls_up_and_times(empty_postgres: str) -> None:
    out = nara(empty_postgres, "bench", "followup", "--cases", "400", "--rounds", "1", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)  # stdout is only the JSON object
    assert result["cases"] == 400
    assert {"p50_ms", "p95_ms", "rollup_seconds", "drilldown_p95_ms"} <= set(result)
    assert 0 < result["p50_ms"] <= result["p95_ms"]
    assert result["rollup_rows"] > 0 and result["rollup_seconds"] > 0
    assert len(result["figures"]) == 8 and len(result["drilldowns"]) == 6
    assert "seeded 400/400 cases" in out.stderr and "rolled up" in out.stderr  # progress

    again = nara(empty_postgres, "bench", "followup", "--cases", "1", "--time-only", "--json")
    assert again.returncode == 0, again.stderr
    timed = json.loads(again.stdout)
    assert timed["cases"] == 400  # what the database holds, nothing seeded or rolled
    assert timed["seed_seconds"] == 0 and timed["rollup_rows"] == 0
    assert set(timed["figures"]) == set(result["figures"])


def test_bench_followup_refuses_bad_input(tmp_path: Path) -> None:
    sqlite = f"sqlite:///{tmp_path / 'nara.db'}"
    assert nara(sqlite, "migrate").returncode == 0
    for url, args in (
        (sqlite, ("--cases", "10")),
        (sqlite, ("--cases", "0")),
        (sqlite, ("--cases", "10", "--rounds", "0")),
    ):
        out = nara(url, "bench", "followup", *args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
    refused = nara(sqlite, "bench", "followup", "--cases", "10")
    assert "PostgreSQL" in refused.stderr + refused.stdout
