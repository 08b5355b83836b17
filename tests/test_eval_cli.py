"""``nara eval selfservice``: the JSON contract on small CSVs built here, and bad files
give a clear message on stderr and exit code 2 (no traceback, nothing on stdout)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from nara.cli.main import app

TOPICS = {
    "card_not_arrived": [
        "My card has not arrived yet",
        "Where is my new bank card?",
        "The card you sent never arrived",
        "still waiting for my debit card",
        "Mitt kort har inte kommit",
        "Var är mitt nya bankkort?",
    ],
    "change_pin": [
        "How do I change my PIN code?",
        "I want a new PIN for my card",
        "I forgot my PIN, how do I reset it",
        "where can I update my pin",
        "Hur byter jag min pinkod?",
        "Jag har glömt min pinkod",
    ],
    "change_address": [
        "I have moved, how do I update my address?",
        "Change the postal address on my account",
        "my address is wrong in your system",
        "I am moving next month, new address please",
        "Jag har flyttat, hur ändrar jag min adress?",
        "Byt postadress på mitt konto",
    ],
    "oos": [
        "What is the weather like tomorrow?",
        "Tell me a joke",
        "Recommend a good pizza place",
        "Vad blir det för väder i helgen?",
    ],
}
TEST_ROWS = [
    ("My new card never came in the post", "card_not_arrived"),
    ("Kortet har inte levererats än", "card_not_arrived"),
    ("How can I pick a different PIN?", "change_pin"),
    ("Jag vill byta pinkod", "change_pin"),
    ("Please update my home address", "change_address"),
    ("Ny adress, jag har flyttat", "change_address"),
    ("Who won the game last night?", "oos"),
    ("Vilken film ska jag se?", "oos"),
]
KEYS = {
    "n_train",
    "n_test",
    "accuracy",
    "macro_f1",
    "precision_at_coverage",
    "coverage_at_precision",
    "oos_abstain_rate",
    "latency_ms",
    "train_seconds",
}


def write_csv(
    path: Path, rows: list[tuple[str, str]], header: tuple[str, ...] = ("text", "category")
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("eval")
    train_rows = [(t, topic) for topic, texts in TOPICS.items() for t in texts]
    return write_csv(folder / "train.csv", train_rows), write_csv(folder / "test.csv", TEST_ROWS)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["eval", "selfservice", *map(str, args)])


@pytest.fixture(scope="module")
def result(files: tuple[Path, Path]) -> Result:
    train, test = files
    return run("--train", train, "--test", test, "--json", "--threads", "1")


def test_prints_one_json_object_with_the_contract_keys(result: Result) -> None:
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= KEYS
    assert data["n_train"] == sum(len(t) for t in TOPICS.values())
    assert data["n_test"] == len(TEST_ROWS)
    for key in ("accuracy", "macro_f1", "train_seconds"):
        assert isinstance(data[key], float) and data[key] >= 0.0
    assert 0.0 <= data["accuracy"] <= 1.0 and 0.0 <= data["macro_f1"] <= 1.0
    assert set(data["precision_at_coverage"]) == {"0.7", "0.8", "0.9"}
    assert set(data["coverage_at_precision"]) == {"0.95", "0.97", "0.99"}
    for value in data["precision_at_coverage"].values():
        assert value is None or 0.0 <= value <= 1.0
    for value in data["coverage_at_precision"].values():
        assert 0.0 <= value <= 1.0
    assert isinstance(data["oos_abstain_rate"], float) and 0.0 <= data["oos_abstain_rate"] <= 1.0
    assert set(data["latency_ms"]) == {"p50", "p95"}
    assert 0.0 < data["latency_ms"]["p50"] <= data["latency_ms"]["p95"]


def test_progress_goes_to_stderr_only(result: Result) -> None:
    assert "embedding" in result.stderr
    assert result.stdout.count("\n") == 1  # the JSON line and nothing else


def test_the_small_model_gets_the_test_questions_right(result: Result) -> None:
    data = json.loads(result.stdout)
    assert data["accuracy"] >= 0.8
    assert data["oos_abstain_rate"] == 1.0


def test_without_out_of_scope_rows_the_oos_rate_is_null(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    train, _ = files
    test = write_csv(tmp_path / "in_scope.csv", [r for r in TEST_ROWS if r[1] != "oos"])
    done = run("--train", train, "--test", test, "--json", "--shots", "3", "--seed", "1")
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["oos_abstain_rate"] is None
    assert data["n_train"] == 3 * len(TOPICS)  # three per category; oos counts as one


def write_bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: write_bytes(d / "empty.csv", b""), "empty file"),
        (lambda d: write_bytes(d / "header.csv", b"text,category\n"), "no data rows"),
        (
            lambda d: write_csv(d / "cols.csv", [("a", "b")], ("question", "topic")),
            "missing column",
        ),
        (
            lambda d: write_bytes(d / "latin1.csv", "text,category\nkörkort,a\n".encode("latin-1")),
            "UTF-8",
        ),
        (lambda d: write_bytes(d / "bin.csv", b"text,category\n\x00\x01,a\n"), "NUL"),
        (lambda d: write_bytes(d / "blank.csv", b"text,category\n,topic\n"), "line 2"),
        (lambda d: d / "does-not-exist.csv", "cannot read"),
        (lambda d: d, "cannot read"),
    ],
)
def test_bad_files_exit_2_with_a_message(
    files: tuple[Path, Path], tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    good_train, good_test = files
    bad = make(tmp_path)
    for args in (("--train", bad, "--test", good_test), ("--train", good_train, "--test", bad)):
        done = run(*args, "--json")
        assert done.exit_code == 2, done.output
        assert done.stderr.startswith("error: ") and message in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""


def test_training_data_with_one_topic_is_refused(tmp_path: Path, files: tuple[Path, Path]) -> None:
    one = write_csv(tmp_path / "one.csv", [("my card", "card"), ("the card", "card")])
    done = run("--train", one, "--test", files[1], "--json")
    assert done.exit_code == 2
    assert "two topics" in done.stderr
