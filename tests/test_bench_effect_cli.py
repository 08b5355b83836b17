"""``nara bench effect``: synthetic contact histories through the real effect estimator
(the full run's figures are in benchmarks/README.md; a short run here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NARA = Path(sys.executable).parent / "nara"


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(NARA), "bench", "effect", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


def test_bench_effect_prints_its_figures_as_json() -> None:
    out = bench("--json", "--scenarios", "40", "--seed", "2")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)  # stdout is only the JSON object
    assert {"scenarios", "ci_coverage", "false_alarm_rate", "median_abs_error"} <= set(result)
    assert result["scenarios"] == 40
    assert 0.7 <= result["ci_coverage"] <= 1
    assert 0 <= result["false_alarm_rate"] <= 0.3
    assert 0 <= result["median_abs_error"] < 0.2
    assert set(result["families"]) >= {"flat", "trend", "volume_change", "overdispersed"}
    assert "measuring: 40/40 scenarios" in out.stderr  # progress on stderr
    assert bench("--json", "--scenarios", "40", "--seed", "2").stdout == out.stdout


def test_bench_effect_refuses_bad_input() -> None:
    for args in (("--scenarios", "0"), ("--model", "magic")):
        bad = bench(*args)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
