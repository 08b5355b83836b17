"""``nara eval``: offline quality checks. ``nara eval selfservice`` is a fixed contract
(see issue 4): stdout carries only the JSON result, progress goes to stderr, bad input
files give ``error: ...`` on stderr and exit code 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

eval_app = typer.Typer(help="Measure quality offline.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


class _StderrProgress:
    """One line per stage step on stderr, throttled to whole tenths."""

    def __init__(self) -> None:
        self._last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        tenth = (10 * done) // max(total, 1)
        if self._last == (stage, tenth):
            return
        self._last = (stage, tenth)
        print(f"{stage}: {done}/{total}", file=sys.stderr, flush=True)


@eval_app.command("selfservice")
def selfservice(
    train: Annotated[Path, typer.Option("--train", help="Training CSV (text,category).")],
    test: Annotated[Path, typer.Option("--test", help="Test CSV (text,category).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    shots: Annotated[
        int | None,
        typer.Option(
            "--shots",
            min=1,
            help="Train on K examples per category (drawn with --seed; oos counts as one).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --shots sampling.")] = 0,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, help="CPU threads for training.")
    ] = None,
) -> None:
    """Train the self-service engine on TRAIN, evaluate it on TEST (category 'oos' marks
    out-of-scope questions, which must be handed over)."""
    from nara.selfservice.errors import SelfServiceError
    from nara.selfservice.evaluation import DataFileError, evaluate, read_examples, sample_shots

    try:
        train_rows, test_rows = read_examples(train), read_examples(test)
    except DataFileError as exc:
        _fail(str(exc))
    if shots is not None:
        train_rows = sample_shots(train_rows, shots, seed)
    try:
        result = evaluate(train_rows, test_rows, progress=_StderrProgress(), threads=threads)
    except SelfServiceError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result))
    else:
        typer.echo(_table(result))


def _table(result: dict[str, object]) -> str:
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        lines.append(f"{key:<24} {value}")
    return "\n".join(lines)
