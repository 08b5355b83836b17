"""Self-service engine benchmark: stratified k-fold cross-validation on Banking77 and
CLINC150 through the real ``nara eval selfservice`` command, plus few-shot runs.

    .venv/bin/python benchmarks/selfservice.py                  # everything (~1 hour on 2 cores)
    .venv/bin/python benchmarks/selfservice.py --dataset banking77 --folds-to-run 2

Each run writes its fold's train/test CSVs to a temporary directory, runs the command
in a subprocess and collects its JSON; the table shows mean ± standard deviation over
folds (or seeds). Raw results are appended as JSON lines to ``--out``. The data stays
in ``../shared/data`` (relative to the repository root); it is never copied into the repo.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
DATASETS = {
    "banking77": DATA / "banking77" / "train.csv",
    "clinc150": DATA / "clinc150" / "train.csv",
}
FIGURES = [
    ("accuracy", ("accuracy",)),
    ("macro_f1", ("macro_f1",)),
    ("prec@cov 0.8", ("precision_at_coverage", "0.8")),
    ("prec@cov 0.9", ("precision_at_coverage", "0.9")),
    ("cov@prec 0.97", ("coverage_at_precision", "0.97")),
    ("cov@prec 0.99", ("coverage_at_precision", "0.99")),
    ("oos handed over @0.99", ("oos_abstain_rate",)),
    ("engine@0.99 test prec", ("engine_operating_points", "0.99", "test", "precision")),
    ("engine@0.99 test cov", ("engine_operating_points", "0.99", "test", "coverage")),
    ("engine@0.99 test oos", ("engine_operating_points", "0.99", "test", "oos_abstain_rate")),
    ("latency p50 ms", ("latency_ms", "p50")),
    ("latency p95 ms", ("latency_ms", "p95")),
    ("train s", ("train_seconds",)),
    ("n_train", ("n_train",)),
]


def read(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["text"], row["category"]) for row in csv.DictReader(f)]


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["text", "category"])
        out.writerows(rows)


def folds(rows: list[tuple[str, str]], k: int, seed: int) -> Iterator[tuple[list[int], list[int]]]:
    labels = [category for _, category in rows]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for train, test in splitter.split(labels, labels):
        yield list(train), list(test)


def run_eval(train: Path, test: Path, extra: list[str], threads: int) -> dict[str, Any]:
    command = [
        sys.executable,
        "-c",
        "from nara.cli.main import main; main()",
        "eval",
        "selfservice",
    ]
    command += ["--train", str(train), "--test", str(test), "--json", "--threads", str(threads)]
    done = subprocess.run(  # noqa: S603 - our own command with our own arguments
        command + extra, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"nara eval failed ({done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def dig(result: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return float(value)


def summary(name: str, results: list[dict[str, Any]]) -> str:
    lines = [
        f"\n{name} ({len(results)} runs)",
        f"{'figure':<24} {'mean':>9} {'sd':>7} {'min':>9} {'max':>9}",
    ]
    for label, path in FIGURES:
        values = [v for v in (dig(r, path) for r in results) if v is not None]
        if not values:
            lines.append(f"{label:<24} {'n/a':>9}")
            continue
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        mean, low, high = statistics.mean(values), min(values), max(values)
        lines.append(f"{label:<24} {mean:>9.4f} {sd:>7.4f} {low:>9.4f} {high:>9.4f}")
    return "\n".join(lines)


def benchmark(name: str, args: argparse.Namespace, out: Path) -> None:
    rows = read(DATASETS[name])
    full: list[dict[str, Any]] = []
    shots: list[dict[str, Any]] = []
    for i, (train, test) in enumerate(folds(rows, args.folds, args.seed)):
        if i >= args.folds_to_run:
            break
        if i < args.from_fold:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            train_csv, test_csv = Path(tmp) / "train.csv", Path(tmp) / "test.csv"
            write(train_csv, [rows[j] for j in train])
            write(test_csv, [rows[j] for j in test])
            runs = [("full", [], full)] if not args.shots_only else []
            if i < args.shot_seeds:
                runs.append(
                    (f"{args.shots}-shot", ["--shots", str(args.shots), "--seed", str(i)], shots)
                )
            for kind, extra, bucket in runs:
                started = time.time()
                result = run_eval(train_csv, test_csv, extra, args.threads)
                bucket.append(result)
                record = {"dataset": name, "fold": i, "kind": kind, **result}
                with out.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
                print(
                    f"{name} fold {i} {kind}: accuracy {result['accuracy']}, "
                    f"{time.time() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    if full:
        print(summary(f"{name}, {args.folds}-fold CV, all training rows of each fold", full))
    if shots:
        print(summary(f"{name}, {args.shots} examples per category (seed i on fold i)", shots))


def summarise_file(path: Path) -> None:
    """Tables of every (data set, kind) in a results file, e.g. after resuming folds."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        groups.setdefault((record["dataset"], record["kind"]), []).append(record)
    for (name, kind), results in groups.items():
        print(summary(f"{name}, {kind}", results))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--folds-to-run", type=int, default=5)
    parser.add_argument("--from-fold", type=int, default=0, help="skip the folds before it")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--shot-seeds", type=int, default=5, help="few-shot runs: seed i on fold i")
    parser.add_argument("--shots-only", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "nara-selfservice-bench.jsonl"
    )
    parser.add_argument(
        "--summary-only", action="store_true", help="only print the tables of the runs in --out"
    )
    args = parser.parse_args()
    if args.summary_only:
        summarise_file(args.out)
        return
    for name in DATASETS if args.dataset == "all" else [args.dataset]:
        if not DATASETS[name].exists():
            raise SystemExit(
                f"missing {DATASETS[name]} (the shared data folder beside the repository)"
            )
        benchmark(name, args, args.out)


if __name__ == "__main__":
    main()
