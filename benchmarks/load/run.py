"""The load test of issue 11: Nära on PostgreSQL under wrk, at growing numbers of cases.

    .venv/bin/python benchmarks/load/run.py --sizes 100000,1000000
    .venv/bin/python benchmarks/load/run.py --quick            # 2,000 cases, 3-second runs

It creates (``--fresh``: drops and recreates) the PostgreSQL database ``--db``, runs
``nara migrate`` and ``nara demo``, and for every size in ``--sizes`` seeds the database up
to that many cases (``nara bench seed``, the difference only), vacuums and analyses it,
starts ``nara serve --workers W`` with production settings next to one ``nara worker``,
and runs every scenario under wrk (a warm-up, then the measured run) while it samples the
CPU time of the app, PostgreSQL and wrk from /proc. It prints a Markdown table per size
(stdout; progress goes to stderr) and writes everything as JSON to
``benchmarks/load/results/<UTC time>.json``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from nara.demo.content import DEMO_PASSWORD

HERE = Path(__file__).resolve().parent
LUA = HERE / "request.lua"
RESULTS = HERE / "results"
NARA = Path(sys.executable).parent / "nara"

DEFAULT_WORKERS = 2
"""App worker processes: what docs/deployment.md recommends for this machine (2 cores).
Change it with the document."""
DEFAULT_SIZES = (100_000, 1_000_000)
DEFAULT_PG_URL = "postgresql://root@127.0.0.1:5432/postgres"
QUICK_SIZE = 2_000

AGENT = "oskar@exempelbanken.se"  # a demo agent of Kundservice: API calls, inbox, case page
LEAD = "karin.lead@exempelbanken.se"  # Kundservice's lead: service results
SAMPLE_VALUES = 10_000
"""Case numbers (and customers) the Lua script picks from at random."""


# ---- scenarios ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """Issue 11's goal for a scenario at 1,000,000 cases."""

    min_rps: float | None = None
    max_p99_ms: float | None = None
    max_p50_ms: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:g} req/s")
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:g} ms")
        if self.max_p50_ms is not None:
            parts.append(f"p50 ≤ {self.max_p50_ms:g} ms")
        return ", ".join(parts)

    def met(self, run: WrkRun) -> bool:
        return (
            run.requests > 0
            and (self.min_rps is None or run.rps >= self.min_rps)
            and (self.max_p99_ms is None or run.p99_ms <= self.max_p99_ms)
            and (self.max_p50_ms is None or run.p50_ms <= self.max_p50_ms)
            and run.failures == 0
        )


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    request: str  # "GET path" or "POST /api/v1/cases" (a new case as JSON, request.lua)
    caller: str  # "agent token", "agent cookie", "lead token", "lead cookie"
    values: str | None = None  # the Lua script picks from: "numbers" (cases) or "create"
    connections: int | None = None  # None: --connections
    goal: Goal | None = None

    @property
    def mode(self) -> str:
        return "create" if self.request.startswith("POST ") else "get"

    @property
    def path(self) -> str:
        """The request's path: {} stands for a random case number, {team} for the
        agent's team."""
        return self.request.split(" ", 1)[1]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "create",
        "create a case (API)",
        "POST /api/v1/cases",
        caller="agent token",
        values="create",
        goal=Goal(min_rps=150, max_p99_ms=500),
    ),
    Scenario(
        "team_list",
        "list a team's cases (API, 25)",
        "GET /api/v1/cases?team_id={team}&limit=25",
        caller="agent token",
        goal=Goal(min_rps=250, max_p99_ms=300),
    ),
    Scenario(
        "detail",
        "case detail (API)",
        "GET /api/v1/cases/{}",
        caller="agent token",
        values="numbers",
        goal=Goal(min_rps=300, max_p99_ms=300),
    ),
    Scenario(
        "case_page",
        "agent's case page",
        "GET /cases/{}",
        caller="agent cookie",
        values="numbers",
        goal=Goal(min_rps=100),
    ),
    Scenario(
        "inbox_mine",
        "inbox, mine tab",
        "GET /cases?tab=mine",
        caller="agent cookie",
        goal=Goal(min_rps=100),
    ),
    Scenario(
        "inbox_unassigned",
        "inbox, unassigned tab",
        "GET /cases?tab=unassigned",
        caller="agent cookie",
        goal=Goal(min_rps=100),
    ),
    Scenario(
        "inbox_team",
        "inbox, team tab",
        "GET /cases?tab=team",
        caller="agent cookie",
        goal=Goal(min_rps=100),
    ),
    Scenario(
        "results_api", "service results (API)", "GET /api/v1/service/results", caller="lead token"
    ),
    Scenario(
        "results_one",
        "service results (API), one request at a time",
        "GET /api/v1/service/results",
        caller="lead token",
        connections=1,
        goal=Goal(max_p50_ms=300),
    ),
    Scenario(
        "service_page",
        "service page (leads', with results)",
        "GET /admin/service",
        caller="lead cookie",
    ),
)

# Issue 11, "at 100,000 cases": django-helpdesk 2.6.1 and Nära before the issue, measured
# by an earlier session on this machine the same way (2 app workers, wrk -t2 -c16).
REFERENCE: tuple[tuple[str, str, str], ...] = (
    ("create a case (API)", "61 req/s, p99 0.6 s", "18 req/s, p99 4.0 s"),
    (
        "list a team's cases (API, 25)",
        "API list unusable (65–70 s a request)",
        "99 req/s, p99 348 ms",
    ),
    ("case detail (API)", "—", "67–125 req/s"),
    ("agent's case page", "43 req/s (its ticket page)", "54 req/s"),
    ("inbox, team tab", "2.5 req/s (its list)", "5.9 req/s, p50 2.6 s"),
    ("service results", "—", "3.6 req/s, 4 s"),
)


# ---- wrk's output ------------------------------------------------------------------------


class HarnessError(Exception):
    """Something the harness cannot go on without; the message says what."""


@dataclass
class WrkRun:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    statuses: dict[int, int]
    socket_errors: dict[str, int]

    @property
    def failures(self) -> int:
        """Responses that were not 2xx, and requests that got no response at all."""
        bad = sum(n for code, n in self.statuses.items() if not 200 <= code < 300)
        return max(bad, self.non_2xx_3xx) + sum(self.socket_errors.values())


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def duration_ms(text: str) -> float:
    """wrk's durations ("830.00us", "35.70ms", "2.01s", "1.00m") in milliseconds."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(us|ms|s|m|h)\s*", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> WrkRun:
    """wrk's summary (run with --latency and request.lua) as figures."""
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+),", output, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if total is None or rps is None:
        raise HarnessError(f"wrk printed no summary:\n{output}")
    percentiles = {
        int(m.group(1)): duration_ms(m.group(2))
        for m in re.finditer(r"^\s+(\d+)(?:\.0+)?%\s+([\d.]+\w+)\s*$", output, re.MULTILINE)
    }
    if 50 not in percentiles or 99 not in percentiles:
        raise HarnessError(f"wrk printed no latency distribution (--latency):\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    statuses = {
        int(m.group(1)): int(m.group(2))
        for m in re.finditer(r"^status (\d+) (\d+)\s*$", output, re.MULTILINE)
    }
    return WrkRun(
        requests=int(total.group(1)),
        seconds=duration_ms(total.group(2)) / 1000,
        rps=float(rps.group(1)),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        statuses=dict(sorted(statuses.items())),
        socket_errors=(
            dict(
                zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)
            )
            if errors
            else {}
        ),
    )


def parse_sizes(text: str) -> list[int]:
    """The numbers of cases in "100000,1000000", "100k,1M" or "100_000"."""
    sizes = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*([\d_]+)\s*([kKmM]?)\s*", part)
        if match is None:
            raise ValueError(f"not a number of cases: {part!r}")
        factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
        sizes.append(int(match.group(1).replace("_", "")) * factor)
    if not sizes or any(n <= 0 for n in sizes) or sizes != sorted(set(sizes)):
        raise ValueError("sizes must be positive and increasing (seeding only adds cases)")
    return sizes


# ---- CPU time from /proc -----------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_CLIENT_BACKEND = re.compile(r"^postgres: (?:\S+: )?(\S+) (\S+) (?:\S+\(\d+\)|\[local\])")


def parse_proc_stat(text: str) -> tuple[int, int]:
    """(parent pid, user + system clock ticks) from the text of /proc/<pid>/stat."""
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def postgres_process_is_ours(cmdline: str, database: str) -> bool:
    """Whether a child of the postmaster works for ``database``: its client backends do,
    those of other databases do not; the server's own processes (checkpointer, writers,
    autovacuum, parallel workers) count for whoever is loading the server."""
    match = _CLIENT_BACKEND.match(cmdline)
    return match is None or match.group(2) == database


def machine_ticks(text: str) -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs from the text of /proc/stat."""
    values = [int(v) for v in text.splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:  # the process has gone
        return None


def _processes() -> dict[int, tuple[int, int]]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            text = _read(f"/proc/{entry}/stat")
            if text:
                table[int(entry)] = parse_proc_stat(text)
    return table


def _descendants(table: dict[int, tuple[int, int]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _ticks) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


@dataclass
class CpuShare:
    """Shares of all the machine's CPU time during a run, in per cent."""

    app: float
    pg: float | None
    wrk: float
    jobs: float
    other: float
    idle: float
    app_workers: list[float] = field(default_factory=list)
    """The app's share per process below `nara serve` (its workers), in pid order: an
    uneven split means the connections are spread unevenly over the workers."""


class CpuMeter:
    """Samples the CPU time of process groups while a run lasts.

    Every ``interval`` seconds it reads /proc/<pid>/stat of the app's process tree, the
    job worker's, and the postmaster with its children for our database. A process there at
    the start counts from its time then, one started later from zero; a process that ends
    between two samples loses its last interval (short-lived processes are rare here: the
    app keeps its connections in a pool). wrk's time comes from its rusage (exact)."""

    def __init__(
        self,
        app_pid: int,
        job_pid: int | None,
        postmaster: int | None,
        database: str,
        interval: float = 0.25,
    ) -> None:
        self.roots = {"app": app_pid, "jobs": job_pid, "pg": postmaster}
        self.database = database
        self.interval = interval
        self._group: dict[int, str | None] = {}
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._helpers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _classify(self, pid: int, members: dict[str, set[int]]) -> str | None:
        if pid in members["app"]:
            cmdline = _read(f"/proc/{pid}/cmdline") or ""
            if "multiprocessing.resource_tracker" in cmdline:  # not a worker
                self._helpers.add(pid)
            return "app"
        if pid in members["jobs"]:
            return "jobs"
        if pid in members["pg"]:
            if pid == self.roots["pg"]:
                return "pg"
            cmdline = (_read(f"/proc/{pid}/cmdline") or "").replace("\0", " ").strip()
            return "pg" if postgres_process_is_ours(cmdline, self.database) else None
        return None

    def sample(self, *, first: bool = False) -> None:
        table = _processes()
        members = {
            group: _descendants(table, root) if root else set()
            for group, root in self.roots.items()
        }
        for pid in set().union(*members.values()):
            if pid not in self._group:
                self._group[pid] = self._classify(pid, members)
                self._first[pid] = table[pid][1] if first else 0
            self._last[pid] = table[pid][1]

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> CpuMeter:
        self._machine = machine_ticks(_read("/proc/stat") or "")
        self.sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
        busy, total = machine_ticks(_read("/proc/stat") or "")
        self.busy = busy - self._machine[0]
        self.total = total - self._machine[1]

    def shares(self, wrk_seconds: float) -> CpuShare:
        ticks = {"app": 0, "jobs": 0, "pg": 0}
        for pid, group in self._group.items():
            if group is not None:
                ticks[group] += self._last[pid] - self._first[pid]
        total = max(self.total, 1)
        wrk = wrk_seconds * CLOCK_TICKS

        def pct(value: float) -> float:
            return round(100 * value / total, 1)

        other = self.busy - sum(ticks.values()) - wrk
        workers = sorted(
            pid
            for pid, group in self._group.items()
            if group == "app" and pid != self.roots["app"] and pid not in self._helpers
        )
        return CpuShare(
            app_workers=[pct(self._last[pid] - self._first[pid]) for pid in workers],
            app=pct(ticks["app"]),
            pg=pct(ticks["pg"]) if self.roots["pg"] else None,
            wrk=pct(wrk),
            jobs=pct(ticks["jobs"]),
            other=pct(max(other, 0)),
            idle=pct(self.total - self.busy),
        )


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---- PostgreSQL --------------------------------------------------------------------------


def connect(url: str, database: str | None = None) -> psycopg.Connection[tuple[Any, ...]]:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=True)


def app_url(pg_url: str, database: str) -> str:
    parsed = make_url(pg_url).set(drivername="postgresql+psycopg", database=database)
    return parsed.render_as_string(hide_password=False)


def prepare_database(pg_url: str, database: str, fresh: bool) -> bool:
    """Create the database (drop it first with ``fresh``); True when it was created."""
    with connect(pg_url) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists and not fresh:
            return False
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return True


def drop_database(pg_url: str, database: str) -> None:
    with connect(pg_url) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def count_cases(pg_url: str, database: str) -> int:
    with connect(pg_url, database) as conn:
        row = conn.execute("SELECT count(*) FROM cases").fetchone()
    return int(row[0]) if row else 0


def server_facts(pg_url: str, database: str) -> dict[str, Any]:
    """The PostgreSQL server: version, settings that matter here, and the postmaster's
    pid when it runs on this machine (for its CPU time), else None."""
    names = ("shared_buffers", "work_mem", "max_connections", "autovacuum", "synchronous_commit")
    with connect(pg_url, database) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        settings = {
            name: conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]  # type: ignore[index]
            for name in names
        }
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()
        postmaster = None
        stat = _read(f"/proc/{backend[0]}/stat") if backend else None
        cmdline = _read(f"/proc/{backend[0]}/cmdline") if backend else None
        if stat and cmdline and cmdline.startswith("postgres"):
            postmaster = parse_proc_stat(stat)[0]
    return {
        "version": version[0] if version else None,
        "settings": settings,
        "postmaster_pid": postmaster,
    }


def vacuum_analyze(pg_url: str, database: str) -> float:
    started = time.monotonic()
    with connect(pg_url, database) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return time.monotonic() - started


@dataclass
class Fixtures:
    """What the scenarios need from the database: the agent's team and the values the Lua
    script picks from."""

    team_id: int
    numbers: list[str]
    create_pairs: list[tuple[int, int]]


def read_fixtures(pg_url: str, database: str, seed: int) -> Fixtures:
    with connect(pg_url, database) as conn:
        agent = conn.execute("SELECT id FROM users WHERE email = %s", (AGENT,)).fetchone()
        if agent is None:
            raise HarnessError(f"no user {AGENT}: the database needs `nara demo`")
        teams = [
            r[0]
            for r in conn.execute(
                "SELECT team_id FROM team_members WHERE user_id = %s ORDER BY team_id", agent
            )
        ]
        # TABLESAMPLE would be quicker at 1 M, but random() over a visible set is exact.
        numbers = [
            r[0]
            for r in conn.execute(
                "SELECT number FROM cases WHERE team_id = ANY(%s) OR owner_id = %s "
                "ORDER BY random() LIMIT %s",
                (teams, agent[0], SAMPLE_VALUES),
            )
        ]
        customers = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM customers ORDER BY random() LIMIT %s", (SAMPLE_VALUES,)
            )
        ]
        topics = [r[0] for r in conn.execute("SELECT id FROM topics WHERE is_active ORDER BY id")]
    if not teams or not numbers or not customers or not topics:
        raise HarnessError(
            f"{AGENT} needs a team, cases to see, customers and active topics "
            f"(teams {len(teams)}, cases {len(numbers)}, customers {len(customers)}, "
            f"topics {len(topics)})"
        )
    rng = random.Random(seed)  # noqa: S311 - which customer a create names, no secret
    pairs = [(c, rng.choice(topics)) for c in customers]
    return Fixtures(team_id=teams[0], numbers=numbers, create_pairs=pairs)


# ---- processes ---------------------------------------------------------------------------


def progress(message: str) -> None:
    print(f"[load {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nara_env(database_url: str, secret: str) -> dict[str, str]:
    """Production settings. None of the measured endpoints is rate-limited (only
    self-service questions, failed logins and searches by personnummer are), so the
    production defaults stay; a 429 would show in the statuses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARA_")}
    env.update(
        NARA_ENV="production",
        NARA_SECRET_KEY=secret,
        NARA_DATABASE_URL=database_url,
        NARA_LOG_LEVEL="WARNING",
    )
    return env


def nara(args: Sequence[str], env: dict[str, str], cwd: Path, *, quiet: bool = False) -> str:
    """Run a `nara` command to its end; its stdout. Its stderr goes to ours (progress)."""
    done = subprocess.run(  # noqa: S603 - the venv's own console script
        [str(NARA), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise HarnessError(f"nara {' '.join(args)} failed with exit code {done.returncode}")
    return done.stdout


def has_bench_seed(env: dict[str, str], cwd: Path) -> bool:
    done = subprocess.run(  # noqa: S603 - the venv's own console script
        [str(NARA), "bench", "seed", "--help"],
        env=env,
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    offset: int  # where this run's lines begin in the log

    def output(self) -> str:
        with self.log.open("rb") as f:
            f.seek(self.offset)
            return f.read().decode(errors="replace")

    def tail(self, chars: int = 3000) -> str:
        return self.output()[-chars:]

    def errors(self) -> int:
        """Lines the app logged at ERROR or above, and tracebacks."""
        return len(re.findall(r"\b(?:ERROR|CRITICAL)\b|^Traceback", self.output(), re.MULTILINE))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own group, made below
                self.process.wait()


def start(name: str, args: Sequence[str], env: dict[str, str], cwd: Path, logs: Path) -> Service:
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        offset = out.tell()
        process = subprocess.Popen(  # noqa: S603 - the venv's own console script
            [str(NARA), *args],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Service(name, process, log, offset)


def wait_healthy(base: str, app: Service, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise HarnessError(f"nara serve exited ({app.process.returncode}):\n{app.tail()}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=5) as r:  # noqa: S310
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise HarnessError(f"nara serve did not answer /api/v1/health within {timeout:g} s")


def log_in(base: str, email: str, password: str) -> str:
    """A session cookie ("nara_session=…") through POST /api/v1/auth/login."""
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        f"{base}/api/v1/auth/login",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            cookies = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookies.load(header)
    except urllib.error.HTTPError as exc:
        raise HarnessError(f"login as {email} failed: {exc.code} {exc.read()[:300]!r}") from exc
    if "nara_session" not in cookies:
        raise HarnessError(f"login as {email} set no nara_session cookie")
    return f"nara_session={cookies['nara_session'].value}"


@contextmanager
def running_app(
    env: dict[str, str], workers: int, job_worker: bool, cwd: Path, logs: Path
) -> Iterator[tuple[str, Service, Service | None]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = ["serve", "--port", str(port), "--workers", str(workers)]
    app = start("serve", serve, env, cwd, logs)
    jobs = start("worker", ["worker"], env, cwd, logs) if job_worker else None
    try:
        wait_healthy(base, app)
        yield base, app, jobs
    finally:
        for service in (app, jobs):
            if service is not None:
                service.stop()


# ---- one wrk run -------------------------------------------------------------------------


@dataclass
class Measured:
    scenario: str
    label: str
    connections: int
    wrk: WrkRun
    cpu: CpuShare
    goal: str | None = None
    goal_met: bool | None = None


@dataclass
class Target:
    """Where and as whom a scenario runs."""

    base: str
    headers: dict[str, tuple[str, str]]  # caller ("agent token") -> (header, value)
    files: dict[str, Path]  # "numbers", "create"
    team_id: int
    postmaster: int | None
    database: str
    app: Service
    jobs: Service | None = None
    pg_url: str = ""
    options: dict[str, int] = field(default_factory=dict)


def wrk_command(scenario: Scenario, target: Target, seconds: int) -> list[str]:
    connections = scenario.connections or target.options["connections"]
    threads = min(target.options["threads"], connections)
    name, value = target.headers[scenario.caller]
    path = scenario.path.replace("{team}", str(target.team_id))
    values = str(target.files[scenario.values]) if scenario.values else ""
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        f"{target.options['timeout']}s",
        "-s",
        str(LUA),
        target.base,
        "--",
        scenario.mode,
        path,
        name,
        value,
        values,
    ]


def run_wrk(command: list[str], seconds: int) -> tuple[str, float]:
    """wrk's output and its CPU seconds."""
    before = children_cpu_seconds()
    done = subprocess.run(  # noqa: S603 - wrk with our arguments
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    cpu = children_cpu_seconds() - before
    if done.returncode != 0 or done.stderr.strip():  # Lua errors, connection refused
        raise HarnessError(f"wrk failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
    return done.stdout, cpu


def job_ticks(pid: int) -> int:
    """CPU clock ticks of the job worker ``pid`` and its children so far."""
    table = _processes()
    return sum(table[p][1] for p in _descendants(table, pid))


def cases_to_embed(pg_url: str, database: str) -> int:
    """Cases of the last two days without a vector: the ``cases.embed`` job's backlog
    (``RECENT_DAYS`` in ``domain/case_embeddings.py``)."""
    with connect(pg_url, database) as conn:
        row = conn.execute(
            "SELECT count(*) FROM cases c WHERE c.opened_at > now() - interval '2 days'"
            " AND NOT EXISTS (SELECT 1 FROM case_embeddings e WHERE e.case_id = c.id)"
        ).fetchone()
    return int(row[0]) if row else 0


def settle_jobs(target: Target, *, quiet_share: float = 0.05, limit: float = 150.0) -> float:
    """Wait until the job worker has caught up with what earlier scenarios left it (the
    vectors of the cases the create scenario opened, ``cases.embed``, which runs every
    minute) and is quiet, so that one scenario's background work is not measured as the
    next one's: no case of the last two days without its vector and the worker below
    ``quiet_share`` of a core over 3 s; at most ``limit`` s. Returns the seconds waited.
    The create scenario's own background cost shows in its "jobs" column as it runs."""
    if target.jobs is None:
        return 0.0
    pid, started = target.jobs.process.pid, time.monotonic()
    while time.monotonic() - started < limit:
        before = job_ticks(pid)
        time.sleep(3)
        busy = (job_ticks(pid) - before) / CLOCK_TICKS / 3
        if busy < quiet_share and cases_to_embed(target.pg_url, target.database) == 0:
            break
    return time.monotonic() - started


def measure(scenario: Scenario, target: Target) -> Measured:
    waited = settle_jobs(target)
    if waited > 4:
        progress(f"  waited {waited:.0f} s for the job worker to catch up first")
    warmup, seconds = target.options["warmup"], target.options["duration"]
    if warmup:
        run_wrk(wrk_command(scenario, target, warmup), warmup)
    command = wrk_command(scenario, target, seconds)
    job_pid = target.jobs.process.pid if target.jobs else None
    with CpuMeter(target.app.process.pid, job_pid, target.postmaster, target.database) as meter:
        output, wrk_cpu = run_wrk(command, seconds)
    run = parse_wrk(output)
    goal = scenario.goal
    return Measured(
        scenario=scenario.name,
        label=scenario.label,
        connections=scenario.connections or target.options["connections"],
        wrk=run,
        cpu=meter.shares(wrk_cpu),
        goal=goal.describe() if goal else None,
        goal_met=goal.met(run) if goal else None,
    )


# ---- tables ------------------------------------------------------------------------------


def fmt_ms(ms: float) -> str:
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def fmt_statuses(run: WrkRun) -> str:
    parts = [f"{code}×{n:,}" for code, n in run.statuses.items()]
    if run.non_2xx_3xx and not any(code >= 300 for code in run.statuses):
        parts.append(f"non-2xx×{run.non_2xx_3xx:,}")
    parts += [f"{kind}×{n:,}" for kind, n in run.socket_errors.items() if n]
    return ", ".join(parts) or "none"


def fmt_cpu(cpu: CpuShare) -> str:
    pg = "n/a" if cpu.pg is None else f"{cpu.pg:.0f}"
    app = f"{cpu.app:.0f}"
    if len(cpu.app_workers) > 1:
        app += " (" + "+".join(f"{w:.0f}" for w in cpu.app_workers) + ")"
    return f"{app} / {pg} / {cpu.wrk:.0f} / {cpu.jobs:.0f} / {cpu.other:.0f} / {cpu.idle:.0f}"


def reference_table() -> str:
    lines = [
        "Issue 11 at 100,000 cases (earlier session, same setup: PostgreSQL, 2 app workers, "
        "wrk -t2 -c16, all on the same 2 cores):",
        "",
        "| scenario | django-helpdesk 2.6.1 | Nära before issue 11 |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in REFERENCE]
    return "\n".join(lines)


def size_table(size: int, cases: int, rows: Sequence[Measured]) -> str:
    lines = [
        f"Nära at {cases:,} cases" + (f" (size {size:,})" if size != cases else "") + ":",
        "",
        "| scenario | req/s | p50 | p99 | statuses "
        "| CPU % app (per worker) / PG / wrk / jobs / other / idle | goal at 1 M |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for m in rows:
        goal = "" if m.goal is None else f"{'✓' if m.goal_met else '✗'} {m.goal}"
        # no answer within the run: wrk's percentiles are 0, which would read as fast
        p50, p99 = (fmt_ms(m.wrk.p50_ms), fmt_ms(m.wrk.p99_ms)) if m.wrk.requests else ("—", "—")
        lines.append(
            f"| {m.label} | {m.wrk.rps:,.1f} | {p50} | {p99} | {fmt_statuses(m.wrk)} | "
            f"{fmt_cpu(m.cpu)} | {goal} |"
        )
    return "\n".join(lines)


def flatness_table(first: dict[str, Any], last: dict[str, Any]) -> str:
    """Each figure at the largest size against the smallest (goal: within 20 %)."""
    a = {m.scenario: m for m in first["measured"]}
    b = {m.scenario: m for m in last["measured"]}
    lines = [
        f"At {last['cases']:,} against {first['cases']:,} cases (goal: within 20 %):",
        "",
        "| scenario | req/s | p50 | p99 |",
        "|---|---:|---:|---:|",
    ]
    for name, m in b.items():
        if name in a:
            before = a[name].wrk
            lines.append(
                f"| {m.label} | {change(before.rps, m.wrk.rps)} | "
                f"{change(before.p50_ms, m.wrk.p50_ms)} | {change(before.p99_ms, m.wrk.p99_ms)} |"
            )
    return "\n".join(lines)


def change(before: float, after: float) -> str:
    if before == 0:
        return "—"
    return f"{100 * (after - before) / before:+.0f} %"


# ---- the whole run -----------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Load test of issue 11 (see benchmarks/README.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--sizes",
        type=parse_sizes,
        default=None,
        help=f"case counts to seed up to and measure at (default "
        f"{','.join(map(str, DEFAULT_SIZES))}; --quick: {QUICK_SIZE})",
    )
    p.add_argument("--duration", type=int, default=None, help="seconds per run (20; --quick 3)")
    p.add_argument(
        "--warmup", type=int, default=None, help="seconds of warm-up before each run (3; --quick 1)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a check that everything works: {QUICK_SIZE:,} cases, 3-second runs",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help="app worker processes (nara serve --workers)",
    )
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--connections", type=int, default=16, help="wrk connections")
    p.add_argument(
        "--timeout",
        type=int,
        default=60,
        help="wrk's request timeout in seconds (slower requests count as timeouts)",
    )
    p.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="PostgreSQL server (any database on it; the harness uses --db)",
    )
    p.add_argument("--db", default="nara_load", help="the benchmark database")
    p.add_argument("--fresh", action="store_true", help="drop and recreate --db first")
    p.add_argument("--drop-after", action="store_true", help="drop --db at the end")
    p.add_argument(
        "--no-seed",
        dest="seed_cases",
        action="store_false",
        help="measure what the database holds (ignores --sizes)",
    )
    p.add_argument("--seed", type=int, default=1, help="seed of nara bench seed and the picks")
    p.add_argument(
        "--no-job-worker",
        dest="job_worker",
        action="store_false",
        help="run no `nara worker` (background jobs) beside the app",
    )
    p.add_argument(
        "--only",
        default=None,
        help="comma-separated scenarios: " + ",".join(s.name for s in SCENARIOS),
    )
    p.add_argument(
        "--logs",
        type=Path,
        default=None,
        help="directory for serve.log and worker.log (default: a temporary one, removed)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON results file (default benchmarks/load/results/<UTC time>.json)",
    )
    args = p.parse_args(argv)
    args.sizes = args.sizes or ([QUICK_SIZE] if args.quick else list(DEFAULT_SIZES))
    args.duration = args.duration or (3 if args.quick else 20)
    args.warmup = (1 if args.quick else 3) if args.warmup is None else args.warmup
    if args.only:
        known = {s.name for s in SCENARIOS}
        wanted = [n.strip() for n in args.only.split(",")]
        unknown = [n for n in wanted if n not in known]
        if unknown:
            p.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(known)}")
        args.only = set(wanted)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.db):
        p.error("--db: lower-case letters, digits and _")
    return args


def seed_to(
    size: int, step: int, args: argparse.Namespace, env: dict[str, str], work: Path
) -> dict[str, object]:
    """Seed the database up to ``size`` cases; what was done."""
    have = count_cases(args.pg_url, args.db)
    if not args.seed_cases:
        return {"seeded": 0, "seed_seconds": 0.0}
    if have >= size:
        if have > size:
            progress(f"the database holds {have:,} cases, more than {size:,}: measuring those")
        return {"seeded": 0, "seed_seconds": 0.0}
    if not has_bench_seed(env, work):
        raise HarnessError(
            "`nara bench seed` is not available in this installation; run with --no-seed "
            "to measure what the database holds"
        )
    missing = size - have
    # A seed of its own per step: the same seed twice could repeat customers' identifiers.
    seed = args.seed + step
    progress(f"seeding {missing:,} cases ({have:,} → {size:,}, seed {seed})")
    started = time.monotonic()
    nara(["bench", "seed", "--cases", str(missing), "--seed", str(seed)], env, work)
    return {"seeded": missing, "seed_seconds": round(time.monotonic() - started, 1)}


def api_tokens(env: dict[str, str], work: Path) -> dict[str, str]:
    """A new API token of the agent and the lead (names are unique per user)."""
    name = f"load test {datetime.now(UTC):%Y-%m-%d %H:%M:%S} {secrets.token_hex(3)}"
    return {
        who: nara(["token", "create", email, "--name", name], env, work, quiet=True).strip()
        for who, email in (("agent", AGENT), ("lead", LEAD))
    }


def measure_size(
    size: int,
    args: argparse.Namespace,
    env: dict[str, str],
    work: Path,
    facts: dict[str, Any],
    tokens: dict[str, str],
) -> dict[str, Any]:
    cases = count_cases(args.pg_url, args.db)
    # The vectors of the last two days' seeded cases, as a running system has them (the
    # cases.embed job would otherwise do this backlog while the first scenarios run).
    since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    progress(f"embedding the seeded cases opened since {since} (the cases.embed backlog)")
    nara(["improvements", "embed-cases", "--since", since], env, work, quiet=True)
    progress(f"VACUUM (ANALYZE) at {cases:,} cases")
    vacuum_seconds = vacuum_analyze(args.pg_url, args.db)
    fixtures = read_fixtures(args.pg_url, args.db, args.seed)
    files = {"numbers": work / "numbers.txt", "create": work / "create.txt"}
    files["numbers"].write_text("\n".join(fixtures.numbers) + "\n")
    files["create"].write_text("".join(f"{c} {t}\n" for c, t in fixtures.create_pairs))
    measured: list[Measured] = []
    progress(f"starting nara serve --workers {args.workers}")
    logs = args.logs or work
    with running_app(env, args.workers, args.job_worker, work, logs) as (base, app, jobs):
        cookies = {
            who: log_in(base, email, DEMO_PASSWORD)
            for who, email in (("agent", AGENT), ("lead", LEAD))
        }
        headers = {}
        for who in ("agent", "lead"):
            headers[f"{who} token"] = ("Authorization", f"Bearer {tokens[who]}")
            headers[f"{who} cookie"] = ("Cookie", cookies[who])
        target = Target(
            base=base,
            headers=headers,
            files=files,
            team_id=fixtures.team_id,
            postmaster=facts["postmaster_pid"],
            database=args.db,
            app=app,
            jobs=jobs,
            pg_url=args.pg_url,
            options={
                "threads": args.threads,
                "connections": args.connections,
                "timeout": args.timeout,
                "duration": args.duration,
                "warmup": args.warmup,
            },
        )
        for scenario in SCENARIOS:
            if args.only and scenario.name not in args.only:
                continue
            progress(
                f"{cases:,} cases: {scenario.label}: {args.warmup} s warm-up, "
                f"{args.duration} s measured"
            )
            m = measure(scenario, target)
            measured.append(m)
            progress(
                f"  {m.wrk.rps:,.1f} req/s, p50 {fmt_ms(m.wrk.p50_ms)}, "
                f"p99 {fmt_ms(m.wrk.p99_ms)}, {fmt_statuses(m.wrk)}"
            )
    log_errors = {s.name: s.errors() for s in (app, jobs) if s is not None}
    for name, count in log_errors.items():
        if count:
            progress(f"{name} logged {count} errors at {cases:,} cases (see {logs / name}.log)")
    return {
        "size": size,
        "cases": cases,
        "vacuum_seconds": round(vacuum_seconds, 1),
        "log_errors": log_errors,
        "measured": measured,
    }


def to_json(value: object) -> object:
    if isinstance(value, Measured | WrkRun | CpuShare):
        return to_json(asdict(value))
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def cpu_speed(rounds: int = 3) -> float:
    """Seconds a fixed pure-Python loop (10 million additions) takes on one core, the
    best of ``rounds``: how fast this machine runs the app's kind of work now. The
    shared machines differ between sessions (the same commit and database gave case
    detail 294 req/s in reference run c and 117–140 req/s on a later machine), so
    req/s figures are compared only between runs with a similar figure here."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def report(results: Sequence[dict[str, Any]], speed: float | None = None) -> str:
    tables = [reference_table()]
    if speed is not None:
        tables.append(
            f"Machine speed: a fixed Python loop (10 M additions) took {speed:.2f} s "
            "(lower is faster; compare req/s only between runs with similar figures)."
        )
    tables += [size_table(r["size"], r["cases"], r["measured"]) for r in results]
    if len(results) > 1:
        tables.append(flatness_table(results[0], results[-1]))
    return "\n\n".join(tables)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    started = datetime.now(UTC)
    out = args.out or RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    env = nara_env(app_url(args.pg_url, args.db), secrets.token_urlsafe(48))
    document: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "options": {k: sorted(v) if isinstance(v, set) else v for k, v in vars(args).items()},
        "reference_at_100k": [
            dict(zip(("scenario", "django_helpdesk", "nara_before"), r, strict=True))
            for r in REFERENCE
        ],
        "sizes": [],
    }
    failed = False
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nara-load-") as tmp:
        work = Path(tmp)  # cwd of every nara process: no .env file from the checkout
        try:
            if prepare_database(args.pg_url, args.db, args.fresh):
                progress(f"created database {args.db}")
            nara(["migrate"], env, work, quiet=True)
            if count_cases(args.pg_url, args.db) == 0:
                progress("nara demo (no self-service training: not measured here)")
            nara(["demo", "--keep-existing", "--no-train"], env, work, quiet=True)
            facts = server_facts(args.pg_url, args.db)
            document["machine"] = {
                "cpus": os.cpu_count(),
                "python_loop_seconds": cpu_speed(),
                "postgresql": facts,
            }
            if facts["postmaster_pid"] is None:
                progress("PostgreSQL does not run on this machine: no CPU figure for it")
            tokens = api_tokens(env, work)
            sizes = args.sizes if args.seed_cases else [count_cases(args.pg_url, args.db)]
            for step, size in enumerate(sizes):
                seeded = seed_to(size, step, args, env, work)
                result = measure_size(size, args, env, work, facts, tokens)
                document["sizes"].append({**result, **seeded})
                # after every size, so that a failure at 1 M keeps the figures at 100 k
                write_json(out, document)
        except HarnessError as exc:
            failed = True
            print(f"load test stopped: {exc}", file=sys.stderr)
            for name in ("serve", "worker"):
                log = (args.logs or work) / f"{name}.log"
                if log.exists() and log.stat().st_size:
                    print(f"--- {name}.log (end) ---\n{log.read_text()[-3000:]}", file=sys.stderr)
        finally:
            if args.drop_after:
                drop_database(args.pg_url, args.db)
    if document["sizes"]:
        print(report(document["sizes"], document.get("machine", {}).get("python_loop_seconds")))
        progress(f"results written to {out}")
    return 1 if failed else 0


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(document), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
