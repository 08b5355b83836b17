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


def _established_by_pid(port: int, pids: list[int]) -> dict[int, int]:
    """Accepted connections on ``port`` per process, from /proc (no tools needed)."""
    inodes: dict[str, int] = {}
    for proc_file in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(proc_file) as table:
            next(table)
            for line in table:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":  # ESTABLISHED, server side
                    inodes[fields[9]] = 0
    counts = {}
    for pid in pids:
        owned = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                owned += 1
        counts[pid] = owned
    return counts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_share_the_connections(engine: Engine, tmp_path: Path, database_url: str) -> None:
    """`nara serve --workers 2` gives each worker a socket of its own in one reuse-port
    group: 32 keep-alive clients land on both workers, not all on one."""
    env = {
        **os.environ,
        "NARA_DATABASE_URL": database_url,
        "NARA_LOG_LEVEL": "WARNING",
        "NARA_EMBEDDED_WORKER": "off",
    }
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [str(NARA), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=log,
    )
    clients: list[httpx.Client] = []
    try:
        try:
            _wait_healthy(port, time.monotonic() + 90)
        except AssertionError:
            log.flush()
            raise AssertionError((tmp_path / "serve.log").read_text(errors="replace")) from None
        children = [  # the workers (not multiprocessing's resource tracker)
            int(pid)
            for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        for _ in range(32):
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
            assert client.get("/api/v1/health").status_code == 200
            clients.append(client)
        by_worker = _established_by_pid(port, children)
        assert len(by_worker) == 2 and sum(by_worker.values()) == 32, by_worker
        # binomial(32, 1/2): fewer than 4 on one worker happens about once in 10^5 runs
        assert min(by_worker.values()) >= 4, by_worker
        # a second server on the same port is refused with a clear message, exit 2
        taken = subprocess.run(  # noqa: S603
            [str(NARA), "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert taken.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port}" in taken.stderr
    finally:
        for client in clients:
            client.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert server.returncode == 0, (tmp_path / "serve.log").read_text(errors="replace")[-2000:]


def test_a_server_process_freezes_what_it_loaded(database_url: str, tmp_path: Path) -> None:
    """The app a server imports (``nara.web.asgi``) leaves what it loaded out of the
    collector's full collections (their pauses were the slowest requests under load)."""
    env = {**os.environ, "NARA_DATABASE_URL": database_url, "NARA_EMBEDDED_WORKER": "off"}
    done = subprocess.run(
        [sys.executable, "-c", "import gc, nara.web.asgi; print(gc.get_freeze_count())"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(done.stdout.strip()) > 100_000, done.stdout
