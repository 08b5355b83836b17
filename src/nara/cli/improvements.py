"""``nara improvements``: the outer loop's maintenance commands (embedding past cases for
the similar-case search)."""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime
from typing import Annotated

import typer

improvements_app = typer.Typer(
    help="Improvements: maintenance of the similar-case search.", no_args_is_help=True
)


@improvements_app.command("embed-cases")
def embed_cases(
    since: Annotated[
        str | None,
        typer.Option(help="Only cases opened on or after this day (YYYY-MM-DD); default all."),
    ] = None,
    batch: Annotated[
        int, typer.Option(help="Cases read, embedded and stored at a time.", min=1, max=5000)
    ] = 256,
    threads: Annotated[
        int | None,
        typer.Option(
            help="Cores the model may use (default all; 1 is faster on a busy machine).", min=1
        ),
    ] = None,
) -> None:
    """Embed the cases that have no vector yet (a backfill after an upgrade, or after the
    embedding model was unavailable): progress on stderr, the count on stdout. The
    ``cases.embed`` job does the same for the last two days' new cases by itself."""
    from nara.cli.main import fail, require_migrated, settings
    from nara.db import get_engine
    from nara.jobs.tasks import embed_pending

    start_day: datetime | None = None
    if since is not None:
        try:
            start_day = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        except ValueError:
            fail(f"--since must be a date like 2026-01-31, not {since!r}")
    require_migrated()
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        rate = done / max(time.monotonic() - started, 1e-9)
        print(f"  cases looked at: {done} ({rate:.0f}/s)", file=sys.stderr, flush=True)

    report = embed_pending(
        get_engine(settings()), since=start_day, batch=batch, progress=progress, threads=threads
    )
    if report.unavailable is not None:
        fail(f"the embedding model cannot be loaded: {report.unavailable}", 1)
    seconds = time.monotonic() - started
    typer.echo(f"embedded {report.embedded} case(s) of {report.looked_at} in {seconds:.1f} s")
