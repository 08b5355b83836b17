"""``nara eval handovers``: how often self-service hand-overs reach the right people,
with the active model on this database, per hand-over path."""

from __future__ import annotations

import csv
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import typer

from nara.domain.handover_evaluation import PATHS, EvaluationQuestion, HandoverMeasurement, Share

DEFAULT_SET = "nara.demo.evaluation_set"
SET_NAMES = ("EVALUATION_SET", "QUESTIONS", "ENTRIES", "evaluation_set", "questions", "entries")
NO_TOPIC = ("", "oos", "none")


@dataclass(frozen=True)
class Question:
    text: str
    lang: str
    topic: str | None


def _entries(module: ModuleType) -> list[Any]:
    """The evaluation set of a module: a list named as in ``SET_NAMES``, or else its
    first list whose entries have ``text``, ``lang`` and ``topic``."""
    values = [getattr(module, n) for n in SET_NAMES if hasattr(module, n)]
    values += [v for n, v in vars(module).items() if not n.startswith("_")]
    for value in values:
        if callable(value) and not isinstance(value, type):
            continue
        if (
            isinstance(value, list | tuple)
            and value
            and all(all(hasattr(e, a) for a in ("text", "lang", "topic")) for e in value)
        ):
            return list(value)
    return []


def _read_csv(path: Path) -> list[EvaluationQuestion]:
    """A CSV with the header ``text,topic,lang`` (topic empty or ``oos``: none of ours)."""
    from nara.cli.main import fail

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        fail(f"cannot read {path}: {exc}")
    if not rows or not {"text", "topic"} <= set(rows[0]):
        fail(f"{path} needs the header text,topic[,lang] and at least one row")
    return [
        Question(
            text=row["text"] or "",
            lang=(row.get("lang") or "sv").strip(),
            topic=None
            if (row["topic"] or "").strip().lower() in NO_TOPIC
            else row["topic"].strip(),
        )
        for row in rows
    ]


def _load(path: Path | None) -> list[EvaluationQuestion]:
    from nara.cli.main import fail

    if path is not None:
        return _read_csv(path)
    try:
        module = importlib.import_module(DEFAULT_SET)
    except ImportError:
        fail(f"no evaluation set: {DEFAULT_SET} is missing; give --csv FILE")
    entries = _entries(module)
    if not entries:
        fail(f"{DEFAULT_SET} has no list of entries with text, lang and topic")
    return entries


def _figure(share: Share) -> dict[str, Any]:
    value = share.share
    rounded = None if value is None else round(value, 4)
    return {"right": share.right, "total": share.total, "share": rounded}


def summary(result: HandoverMeasurement) -> dict[str, Any]:
    """The figures ``nara eval handovers`` prints (also as JSON)."""
    paths = {p: _figure(result.share(path=p)) for p in PATHS}
    return {
        "questions": len(result.landings),
        "right": _figure(result.share()),
        "paths": paths,
        "with_topic": _figure(result.share(has_topic=True)),
        "without_topic": _figure(result.share(has_topic=False)),
        "by_top_guess": _figure(result.by_guess()),
    }


def _line(name: str, figure: dict[str, Any]) -> str:
    share = "–" if figure["share"] is None else f"{figure['share']:.1%}"
    return f"{name:<38} {figure['right']:>5} / {figure['total']:<5} {share:>7}"


def handovers(
    path: Annotated[
        Path | None,
        typer.Option("--csv", help="Questions as CSV (text,topic,lang); default: the demo set."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Hand every question of the evaluation set over through self-service with the
    active model, and count how often the case lands in a team that handles its true
    topic (a question without a topic: in the front line). Nothing is kept."""
    from nara.cli.main import fail, unit_of_work
    from nara.domain.handover_evaluation import measure_handovers
    from nara.queries.selfservice import active_predictor

    questions = _load(path)
    with unit_of_work() as session:
        predictor = active_predictor(session)
        if predictor is None:
            fail("no active self-service model; run 'nara selfservice train' first")
        result = measure_handovers(session=session, questions=questions, predictor=predictor)
        session.rollback()
    figures = summary(result)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    typer.echo(
        f"{'hand-overs reaching the right people':<38} {'right':>5} / {'all':<5} {'share':>7}"
    )
    typer.echo(_line("all", figures["right"]))
    for name, figure in figures["paths"].items():
        typer.echo(_line(f"  path {name}", figure))
    typer.echo(_line("  questions with a topic", figures["with_topic"]))
    typer.echo(_line("  questions without a topic", figures["without_topic"]))
    typer.echo(_line("routing by the top guess (before)", figures["by_top_guess"]))
