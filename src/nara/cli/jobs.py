"""``nara worker`` and ``nara jobs``: background workers, the run log, retries, and
running a job once from a scheduler."""

from __future__ import annotations

import json
from typing import Annotated

import typer

jobs_app = typer.Typer(
    help="Background jobs: recent runs, retries, running one now.", no_args_is_help=True
)


def worker(
    concurrency: Annotated[
        int, typer.Option(help="Jobs this process runs at once (threads).", min=1, max=16)
    ] = 1,
) -> None:
    """Run background jobs (PostgreSQL): periodic checks, training, grouping questions.
    Start as many as you like on any machines; each periodic job runs once per tick."""
    from nara.cli.main import fail, require_migrated, settings
    from nara.db import get_engine
    from nara.jobs.queue import run_worker
    from nara.logging_setup import configure_logging

    s = settings()
    if s.is_sqlite:
        fail(
            "'nara worker' needs PostgreSQL (NARA_DATABASE_URL); with SQLite 'nara serve' "
            "runs the background jobs itself"
        )
    require_migrated()
    configure_logging(s.log_level)
    typer.echo(f"Nära worker running {concurrency} job(s) at a time; stop with Ctrl+C")
    run_worker(get_engine(s), s, concurrency=concurrency)


@jobs_app.command("runs")
def runs(
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list, for scripts.")] = False,
    limit: Annotated[int, typer.Option(help="How many (newest first).", min=1, max=1000)] = 20,
    task: Annotated[str | None, typer.Option(help="Only this job, e.g. promises.check.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only queued, running, succeeded or failed.")
    ] = None,
) -> None:
    """The recent runs of background jobs."""
    from nara.cli.main import fail, unit_of_work
    from nara.jobs.registry import specs
    from nara.models import JobStatus
    from nara.queries.jobs import recent_runs

    if task is not None and task not in specs():
        fail(f"no job {task!r}; jobs: {', '.join(sorted(specs()))}")
    if status is not None and status not in {s.value for s in JobStatus}:
        fail(f"no status {status!r}; statuses: queued, running, succeeded, failed")
    with unit_of_work() as session:
        found = recent_runs(session, limit=limit, task=task, status=status)
    if as_json:
        typer.echo(json.dumps([r.as_json() for r in found], indent=2, ensure_ascii=False))
        return
    for r in found:
        finished = r.finished_at.isoformat(timespec="seconds") if r.finished_at else "-"
        typer.echo(
            f"{r.id:>7}  {r.task:<22} {r.status:<10} {r.attempts}/{r.max_attempts}  "
            f"{r.queued_at.isoformat(timespec='seconds')}  {finished}"
        )


@jobs_app.command("retry")
def retry(
    run_id: Annotated[int, typer.Argument(help="The run's id (see 'nara jobs runs').")],
) -> None:
    """Queue a failed run again."""
    from nara.cli.main import settings, unit_of_work
    from nara.db import get_engine
    from nara.domain.actors import SYSTEM
    from nara.domain.jobs import retry_run
    from nara.jobs.dispatch import dispatch
    from nara.jobs.runner import execute_run

    with unit_of_work() as session:
        retry_run(session=session, actor=SYSTEM, run_id=run_id)
    engine = get_engine(settings())
    if engine.dialect.name == "postgresql":
        dispatch(engine, run_id)
        typer.echo(f"run {run_id} queued again; a worker takes it")
        return
    status, _ = execute_run(engine, run_id)
    typer.echo(f"run {run_id}: {status}")


@jobs_app.command("run")
def run_now(
    name: Annotated[str, typer.Argument(help="The job, e.g. knowledge_gaps.mine.")],
) -> None:
    """Run one periodic job now in this process (for cron or a systemd timer)."""
    from nara.cli.main import fail, require_migrated, settings
    from nara.db import get_engine
    from nara.jobs.registry import specs
    from nara.jobs.runner import run_periodic

    if name not in specs() or specs()[name].every is None:
        periodic = sorted(n for n, spec in specs().items() if spec.every is not None)
        fail(f"no periodic job {name!r}; periodic jobs: {', '.join(periodic)}")
    require_migrated()
    status, _ = run_periodic(get_engine(settings()), name)
    typer.echo(f"{name}: {status}")
    if status == "failed":
        raise typer.Exit(1)
