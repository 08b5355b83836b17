"""``nara selfservice``: import labelled examples, train the engine, show its state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import func, select

from nara.domain.actors import SYSTEM
from nara.domain.selfservice_models import request_training, set_precision_target
from nara.domain.training import add_training_examples
from nara.models import SelfServiceModel, TrainingExample
from nara.queries.training_suggestions import waiting_count

selfservice_app = typer.Typer(
    help="Self-service: examples, training, precision.", no_args_is_help=True
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def read_examples(path: Path) -> list[tuple[str, str]]:
    """Rows of a CSV with the header ``text,topic`` (``category`` is accepted too)."""
    from nara.selfservice.evaluation import DataFileError
    from nara.selfservice.evaluation import read_examples as read_csv

    try:
        return read_csv(path, labels=("topic", "category"))
    except DataFileError as exc:
        _fail(str(exc))


@selfservice_app.command("import")
def import_examples(
    path: Annotated[
        Path, typer.Argument(help="CSV with the header text,topic (topic slug or oos).")
    ],
    lang: Annotated[str | None, typer.Option(help="sv or en, if all rows share one.")] = None,
) -> None:
    """Add labelled example questions (all rows or none)."""
    from nara.cli.main import unit_of_work

    pairs = read_examples(path)
    with unit_of_work() as session:
        added = add_training_examples(
            session=session, actor=SYSTEM, examples=pairs, source="import", lang=lang
        )
    typer.echo(f"added {added} examples")


@selfservice_app.command("train")
def train(
    precision: Annotated[float, typer.Option(help="Expected precision to answer at.")] = 0.97,
) -> None:
    """Train on all examples and resolved cases; the new model becomes active."""
    from nara.cli.main import fail, settings, unit_of_work
    from nara.db import get_engine
    from nara.jobs.runner import execute_run
    from nara.queries.jobs import get_run
    from nara.queries.selfservice import active_model

    def progress(stage: str, done: int, total: int) -> None:
        step = max(1, total // 10)
        if done == total or done % step == 0:
            typer.echo(f"  {stage}: {done}/{total}", err=True)

    with unit_of_work() as session:
        run_id = request_training(session=session, actor=SYSTEM, precision_target=precision).id
    typer.echo("Training self-service …", err=True)
    engine = get_engine(settings())
    status, _ = execute_run(engine, run_id, on_progress=progress)
    with unit_of_work() as session:
        run = get_run(session, run_id)
        if status != "succeeded" or run is None:
            fail(
                f"training failed: {run.error if run else 'the run disappeared'}"
                " (see 'nara jobs runs')",
                1,
            )
        row = active_model(session)
        if row is None:
            fail("training finished but no model is active", 1)
        point = row.metrics["operating_points"].get(f"{row.precision_target:g}", {})
        held = row.metrics.get("held_out") or {}
        figures = (held.get("targets") or {}).get(f"{row.precision_target:g}") or {}
    typer.echo(
        f"model {row.version}: {row.n_examples} examples, answers "
        f"{point.get('coverage', 0):.0%} of questions at {row.precision_target:.0%} "
        "expected precision"
    )
    if figures:
        typer.echo(
            f"on the held-out slice ({held.get('questions')} questions never trained on): "
            f"coverage {_pct(figures.get('coverage'))}, "
            f"answered precision {_pct(figures.get('precision'))}"
        )


@selfservice_app.command("precision")
def precision(target: Annotated[float, typer.Argument(help="For example 0.97.")]) -> None:
    """Change the expected precision the active model answers at."""
    from nara.cli.main import unit_of_work

    with unit_of_work() as session:
        row = set_precision_target(session=session, actor=SYSTEM, precision_target=target)
        point = row.metrics["operating_points"][f"{row.precision_target:g}"]
    typer.echo(f"answers {point['coverage']:.0%} of questions at {target:.0%} precision")


@selfservice_app.command("status")
def status() -> None:
    """The active model and how many examples there are."""
    from nara.cli.main import unit_of_work

    with unit_of_work() as session:
        count = (
            session.scalar(
                select(func.count())
                .select_from(TrainingExample)
                .where(TrainingExample.status == "accepted")
            )
            or 0
        )
        row = session.scalar(select(SelfServiceModel).where(SelfServiceModel.is_active.is_(True)))
        typer.echo(f"examples: {count} (suggestions waiting for review: {waiting_count(session)})")
        if row is None:
            typer.echo("model:    none (every question goes to a person)")
            return
        typer.echo(
            f"model:    {row.version} ({row.n_examples} examples, {row.created_at:%Y-%m-%d})"
        )
        for key, point in sorted(row.metrics.get("operating_points", {}).items()):
            mark = " ←" if float(key) == row.precision_target else ""
            typer.echo(f"  precision {float(key):.0%}: answers {point['coverage']:.0%}{mark}")


@selfservice_app.command("evaluate-demo")
def evaluate_demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    store: Annotated[
        bool,
        typer.Option("--store/--no-store", help="Keep the figures with the model for its page."),
    ] = True,
) -> None:
    """Measure the active model on the demo bank's evaluation set (questions written apart
    from the training data) at every precision the admin page offers."""
    import json

    from nara.cli.main import unit_of_work
    from nara.domain.selfservice_models import (
        TrainingInput,
        evaluation_questions,
        measure,
        store_evaluation,
    )
    from nara.queries.selfservice import active_model
    from nara.selfservice.runtime import engine

    with unit_of_work() as session:
        row = active_model(session)
        if row is None:
            _fail("no self-service model is trained yet (nara selfservice train)")
        questions = evaluation_questions(session)
        if not questions:
            _fail("the demo bank's evaluation set does not fit this organisation's topics")
        blob, target, row_id = row.blob, row.precision_target, row.id
    typer.echo(f"Evaluating model on {len(questions)} questions …", err=True)
    model = engine().Model.from_bytes(blob)
    data = TrainingInput(examples=[], topics=0, precision_target=target, questions=questions)
    result = measure(data, model, progress=_progress)
    assert result is not None
    if store:
        with unit_of_work() as session:
            store_evaluation(session=session, actor=SYSTEM, model_id=row_id, evaluation=result)
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(evaluation_table(result, target))


def _progress(stage: str, done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        typer.echo(f"  {stage}: {done}/{total}", err=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def evaluation_table(result: dict[str, Any], target: float) -> str:
    """The evaluation figures as a plain-text table, one row per target and part."""
    by_target = result["targets"]
    lines = [
        f"model {result['model_version']}",
        f"{'precision':<12}{'part':<10}{'questions':>10}{'answered':>10}"
        f"{'precision':>11}{'coverage':>10}{'no topic → person':>19}",
    ]
    for key in sorted(by_target, key=float):
        mark = " ←" if float(key) == target else ""
        for part, f in by_target[key].items():
            lines.append(
                f"{f'{float(key) * 100:g} %{mark}':<12}{part:<10}{f['questions']:>10}"
                f"{f['answered']:>10}{_pct(f['precision']):>11}{_pct(f['coverage']):>10}"
                f"{_pct(f['oos_handover']):>19}"
            )
    return "\n".join(lines)
