"""The production process model, for real: two `nara serve` and two `nara worker`
processes against one PostgreSQL database. Both apps answer; the periodic promise
check runs once per tick, in the workers only (docs/deployment.md)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nara.models import JobRun

NARA = Path(sys.executable).parent / "nara"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"nara serve on port {port} did not come up")


def test_two_apps_and_two_workers_run_each_tick_once(
    committed_engine: Engine, database_url: str, is_postgres: bool, tmp_path: Path
) -> None:
    if not is_postgres:
        pytest.skip("several processes share PostgreSQL; SQLite is the one-process mode")
    env = {
        **os.environ,
        "NARA_DATABASE_URL": database_url,
        "NARA_ENV": "production",
        "NARA_SECRET_KEY": "deployment-test-secret-0123456789-abcdefghijklmnop",
        "NARA_PROMISE_CHECK_SECONDS": "1",
        "NARA_GAPS_REFRESH_MINUTES": "0",
        "NARA_LOG_LEVEL": "WARNING",
    }
    ports = [_free_port(), _free_port()]
    logs = [(tmp_path / f"process-{i}.log").open("wb") for i in range(4)]
    commands = [["serve", "--port", str(p)] for p in ports] + [["worker"], ["worker"]]
    procs = [
        subprocess.Popen([str(NARA), *args], env=env, cwd=tmp_path, stdout=log, stderr=log)  # noqa: S603
        for args, log in zip(commands, logs, strict=True)
    ]
    apps, workers = procs[:2], procs[2:]
    try:
        deadline = time.monotonic() + 90
        for port in ports:
            _wait_healthy(port, deadline)
        started = time.time()
        time.sleep(8)
        for port in ports:  # both apps serve while the workers work
            assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200
    finally:
        for proc in apps + workers:
            proc.send_signal(signal.SIGTERM)
        for proc in apps + workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()
    output = "\n".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log"))
    with Session(committed_engine) as session:
        runs = [
            r
            for r in session.scalars(select(JobRun).where(JobRun.task == "promises.check"))
            if r.args["tick"] >= started
        ]
    ticks = Counter(run.args["tick"] for run in runs)
    assert len(ticks) >= 4, (ticks, output)
    assert max(ticks.values()) == 1  # once per tick, whatever the number of workers
    pids = {run.worker.split(":")[1] for run in runs if run.worker}
    assert pids <= {str(w.pid) for w in workers}  # the apps run no background work
