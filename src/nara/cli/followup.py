"""``nara followup``: the follow-up's daily roll-ups (``docs/metrics.md``)."""

from __future__ import annotations

import sys
import time
from datetime import date
from typing import Annotated

import typer

followup_app = typer.Typer(
    help="Follow-up: the daily roll-ups behind the figures.", no_args_is_help=True
)


@followup_app.command("rebuild")
def rebuild(
    since: Annotated[
        str | None,
        typer.Option(help="Roll the days from this one (YYYY-MM-DD); default: all history."),
    ] = None,
) -> None:
    """Roll up history again, up to yesterday (local days): after an upgrade, after
    importing or seeding past cases, or when the time zone changed. Set-based, a month of
    days per transaction; progress on stderr. The ``followup.rollup`` job keeps the
    recent days current by itself."""
    from nara import clock
    from nara.cli.main import fail, require_migrated, settings
    from nara.db import get_engine
    from nara.domain.actors import SYSTEM
    from nara.domain.errors import DomainError
    from nara.jobs.followup import run_rollup

    start: date | None = None
    if since is not None:
        try:
            start = date.fromisoformat(since.strip())
        except ValueError:
            fail(f"--since must be a date like 2026-01-31, not {since!r}")
    require_migrated()
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        print(f"  days rolled: {done}/{total}", file=sys.stderr, flush=True)

    try:
        report = run_rollup(
            get_engine(settings()),
            actor=SYSTEM,
            now=clock.now(),
            since=start,
            rebuild=True,
            progress=progress,
        )
    except DomainError as exc:
        fail(exc.detail)
    seconds = time.monotonic() - started
    typer.echo(f"rolled {report['days']} day(s), {report['rows']} row(s) in {seconds:.1f} s")
