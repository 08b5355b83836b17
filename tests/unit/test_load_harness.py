"""The pure parts of the load test (benchmarks/load/run.py): reading wrk's output, the
CPU accounting from /proc, the sizes and the goals. The whole harness runs against
PostgreSQL in tests/test_load_benchmark.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_harness", ROOT / "benchmarks/load/run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


run = _load()

# Recorded from wrk 4.1.0 with request.lua against `nara serve` (the API detail of case
# numbers half of which the agent may not see, hence the 404s).
DETAIL_WITH_404 = """\
Running 2s test @ http://127.0.0.1:8811
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    58.37ms   39.90ms 209.85ms   64.26%
    Req/Sec   148.03     75.15   340.00     81.58%
  Latency Distribution
     50%   59.09ms
     75%   82.17ms
     90%  108.16ms
     99%  182.12ms
  570 requests in 2.00s, 1.06MB read
  Non-2xx or 3xx responses: 359
Requests/sec:    284.58
Transfer/sec:    544.07KB
status 404 359
status 200 211
"""

# Recorded from wrk 4.1.0 with request.lua against a server that answers 503 now and then
# and sleeps past wrk's --timeout 1s now and then.
TIMEOUTS_AND_503 = """\
Running 3s test @ http://127.0.0.1:8898
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    35.27ms   17.49ms  44.26ms   80.00%
    Req/Sec    17.50     14.85    50.00     66.67%
  Latency Distribution
     50%   43.94ms
     75%   43.97ms
     90%   44.04ms
     99%   44.26ms
  24 requests in 3.01s, 2.71KB read
  Socket errors: connect 0, read 0, write 0, timeout 4
  Non-2xx or 3xx responses: 4
Requests/sec:      7.98
Transfer/sec:      0.90KB
status 200 20
status 503 4
"""

# Recorded from wrk 4.1.0: creates through the API, every one 201.
CREATES = """\
Running 3s test @ http://127.0.0.1:8811
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   314.01ms  192.42ms   1.02s    70.06%
    Req/Sec    25.33     10.04    50.00     66.67%
  Latency Distribution
     50%  301.04ms
     75%  424.30ms
     90%  527.71ms
     99%  845.00ms
  148 requests in 3.02s, 341.58KB read
Requests/sec:     49.06
Transfer/sec:    113.24KB
status 201 148
"""


def test_wrk_summary_with_errors_per_status() -> None:
    result = run.parse_wrk(DETAIL_WITH_404)
    assert result.requests == 570
    assert result.seconds == pytest.approx(2.0)
    assert result.rps == pytest.approx(284.58)
    assert result.p50_ms == pytest.approx(59.09)
    assert result.p99_ms == pytest.approx(182.12)
    assert result.non_2xx_3xx == 359
    assert result.statuses == {200: 211, 404: 359}
    assert result.socket_errors == {}
    assert result.failures == 359
    assert run.fmt_statuses(result) == "200×211, 404×359"


def test_wrk_socket_errors_count_as_failures() -> None:
    result = run.parse_wrk(TIMEOUTS_AND_503)
    assert result.statuses == {200: 20, 503: 4}
    assert result.socket_errors == {"connect": 0, "read": 0, "write": 0, "timeout": 4}
    assert result.failures == 4 + 4  # the 503s and the requests that never got an answer
    assert run.fmt_statuses(result) == "200×20, 503×4, timeout×4"


def test_wrk_all_created() -> None:
    result = run.parse_wrk(CREATES)
    assert result.statuses == {201: 148}
    assert result.non_2xx_3xx == 0 and result.failures == 0
    assert result.p50_ms == pytest.approx(301.04)
    assert result.p99_ms == pytest.approx(845.0)


def test_wrk_output_without_a_summary_is_refused() -> None:
    with pytest.raises(run.HarnessError):
        run.parse_wrk("unable to connect to 127.0.0.1:8899 Connection refused\n")
    without_latency = "\n".join(
        line for line in CREATES.splitlines() if "%" not in line or "Stdev" in line
    )
    with pytest.raises(run.HarnessError, match="--latency"):
        run.parse_wrk(without_latency)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("830.00us", 0.83), ("35.70ms", 35.7), ("2.01s", 2010.0), ("1.50m", 90_000.0)],
)
def test_wrk_durations(text: str, ms: float) -> None:
    assert run.duration_ms(text) == pytest.approx(ms)


def test_sizes() -> None:
    assert run.parse_sizes("100000,1000000") == [100_000, 1_000_000]
    assert run.parse_sizes("100k, 1M") == [100_000, 1_000_000]
    assert run.parse_sizes("2_000") == [2_000]
    for bad in ("1000000,100000", "0", "ten", "100k,100k"):
        with pytest.raises(ValueError):
            run.parse_sizes(bad)


def test_proc_stat_with_a_command_name_of_spaces_and_parentheses() -> None:
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime ...
    line = "4242 (python (x) y) S 17 4242 4242 0 -1 4194304 900 0 0 0 250 50 7 3 20 0 3 0"
    assert run.parse_proc_stat(line) == (17, 300)


def test_machine_ticks_leave_idle_and_iowait_out_of_busy() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    stat = "cpu  100 5 50 800 20 3 2 0 7 0\ncpu0 50 2 25 400 10 1 1 0 3 0\n"
    busy, total = run.machine_ticks(stat)
    assert total == 980
    assert busy == 980 - 800 - 20


@pytest.mark.parametrize(
    ("cmdline", "ours"),
    [
        ("postgres: 15/main: root nara_load 127.0.0.1(50412) idle", True),
        ("postgres: 15/main: root nara_load [local] SELECT", True),
        ("postgres: root nara_load 127.0.0.1(50412) idle in transaction", True),
        ("postgres: 15/main: root test 127.0.0.1(50999) idle", False),
        ("postgres: 15/main: checkpointer", True),
        ("postgres: 15/main: walwriter", True),
        ("postgres: 15/main: parallel worker for PID 3120", True),
        ("postgres: autovacuum worker nara_load", True),
    ],
)
def test_postgres_processes_of_other_databases_are_left_out(cmdline: str, ours: bool) -> None:
    assert run.postgres_process_is_ours(cmdline, "nara_load") is ours


def _run(rps: float, p50: float, p99: float, statuses: dict[int, int]) -> object:
    return run.WrkRun(
        requests=sum(statuses.values()),
        seconds=20.0,
        rps=rps,
        p50_ms=p50,
        p99_ms=p99,
        non_2xx_3xx=sum(n for c, n in statuses.items() if c >= 300),
        statuses=statuses,
        socket_errors={},
    )


def test_goals() -> None:
    create = run.Goal(min_rps=150, max_p99_ms=500)
    assert create.describe() == "≥ 150 req/s, p99 ≤ 500 ms"
    assert create.met(_run(160, 90, 480, {201: 3200}))
    assert not create.met(_run(140, 90, 480, {201: 2800}))
    assert not create.met(_run(160, 90, 520, {201: 3200}))
    assert not create.met(_run(160, 90, 480, {201: 3199, 500: 1}))  # 0 non-2xx is a goal
    assert run.Goal(max_p50_ms=300).met(_run(4, 250, 900, {200: 80}))


def test_every_scenario_runs_wrk_with_the_lua_script_and_its_credential() -> None:
    names = [s.name for s in run.SCENARIOS]
    assert len(set(names)) == len(names)
    target = run.Target(
        base="http://127.0.0.1:9",
        team_id=7,
        postmaster=None,
        database="nara_load",
        app=None,
        headers={
            f"{who} {kind}": (kind, who)
            for who in ("agent", "lead")
            for kind in ("token", "cookie")
        },
        files={"numbers": Path("numbers.txt"), "create": Path("create.txt")},
        options={"threads": 2, "connections": 16, "timeout": 60, "duration": 20, "warmup": 3},
    )
    for scenario in run.SCENARIOS:
        command = run.wrk_command(scenario, target, 20)
        assert command[:1] == ["wrk"] and "--latency" in command
        assert command[command.index("-s") + 1] == str(run.LUA)
        mode, path, header, value, values = command[command.index("--") + 1 :]
        assert mode == ("create" if scenario.request.startswith("POST") else "get")
        assert "{team}" not in path and path.startswith("/")
        assert (value, header) == tuple(scenario.caller.split())
        assert (values != "") == (scenario.values is not None)
    by_name = {s.name: s for s in run.SCENARIOS}
    team_list = run.wrk_command(by_name["team_list"], target, 20)
    assert "/api/v1/cases?team_id=7&limit=25" in team_list
    one = run.wrk_command(by_name["results_one"], target, 20)
    assert "-t1" in one and "-c1" in one


def test_a_scenario_without_any_answer_shows_no_latency_and_misses_its_goal() -> None:
    silent = _run(0.0, 0.0, 0.0, {})
    assert not run.Goal(max_p50_ms=300).met(silent)
    cpu = run.CpuShare(
        app=90.0, pg=5.0, wrk=1.0, jobs=0.0, other=2.0, idle=2.0, app_workers=[88.0, 2.0]
    )  # all 16 connections on one worker
    measured = run.Measured("service_page", "service page", 16, silent, cpu)
    table = run.size_table(1_000_000, 1_000_000, [measured])
    assert "| service page | 0.0 | — | — | none | 90 (88+2) / 5 / 1 / 0 / 2 / 2 |  |" in table


def test_seeding_adds_only_the_missing_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    held = iter([300, 100_000, 1_000_000])
    calls: list[list[str]] = []
    monkeypatch.setattr(run, "count_cases", lambda url, db: next(held))
    monkeypatch.setattr(run, "has_bench_seed", lambda env, cwd: True)
    monkeypatch.setattr(run, "nara", lambda args, env, cwd, quiet=False: calls.append(args))
    args = run.parse_args(["--db", "nara_load"])
    assert args.sizes == [100_000, 1_000_000] and args.seed_cases
    first = run.seed_to(100_000, 0, args, {}, Path())
    second = run.seed_to(1_000_000, 1, args, {}, Path())
    assert calls == [
        ["bench", "seed", "--cases", "99700", "--seed", "1"],
        ["bench", "seed", "--cases", "900000", "--seed", "2"],  # a seed of its own per step
    ]
    assert (first["seeded"], second["seeded"]) == (99_700, 900_000)
    assert run.seed_to(1_000_000, 2, args, {}, Path())["seeded"] == 0  # already there


def test_without_the_seeder_the_harness_says_to_use_no_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run, "count_cases", lambda url, db: 300)
    monkeypatch.setattr(run, "has_bench_seed", lambda env, cwd: False)
    with pytest.raises(run.HarnessError, match="--no-seed"):
        run.seed_to(2_000, 0, run.parse_args(["--quick"]), {}, Path())
    no_seed = run.parse_args(["--quick", "--no-seed"])
    assert run.seed_to(2_000, 0, no_seed, {}, Path())["seeded"] == 0


def test_quick_mode() -> None:
    quick = run.parse_args(["--quick"])
    assert (quick.sizes, quick.duration, quick.warmup) == ([2_000], 3, 1)
    full = run.parse_args([])
    assert (full.sizes, full.duration, full.warmup) == ([100_000, 1_000_000], 20, 3)
    assert full.workers == run.DEFAULT_WORKERS and (full.threads, full.connections) == (2, 16)


def test_errors_in_the_app_log_are_counted_per_run(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    earlier = "2026-12-06 10:00:00 ERROR nara.web: an earlier size's error\n"
    log.write_text(
        earlier
        + "Nära serving at http://127.0.0.1:8000/\n"
        + "2026-12-06 11:00:00 ERROR nara.web.errors: unhandled error\n"
        + "Traceback (most recent call last):\n  ...\nValueError: boom\n"
        + "2026-12-06 11:00:01 WARNING nara.jobs: a slow tick\n"
    )
    service = run.Service("serve", process=None, log=log, offset=len(earlier.encode()))
    assert service.errors() == 2
    assert service.tail().startswith("Nära serving")
