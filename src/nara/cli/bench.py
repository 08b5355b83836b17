"""``nara bench``: benchmarks that drive the real code. ``nara bench wait --json`` prints
one JSON object on stdout (progress on stderr)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

bench_app = typer.Typer(help="Run benchmarks against the real code.", no_args_is_help=True)


@bench_app.command("wait")
def wait(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the day.")] = 0,
    agents: Annotated[int, typer.Option("--agents", min=1, max=100, help="Agents on duty.")] = 5,
    handle_minutes: Annotated[
        float,
        typer.Option("--handle-minutes", min=0.5, max=240, help="Median handling time."),
    ] = 8.0,
) -> None:
    """Simulate a working day (morning peak, breaks, log-normal handling times) through
    the real domain functions and measure the expected-wait estimates customers saw."""
    from nara.simulation.workday import Scenario, run

    def progress(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            print(f"simulating: {done}/{total} arrivals", file=sys.stderr, flush=True)

    result = run(Scenario(seed=seed, agents=agents, handle_median_minutes=handle_minutes), progress)
    if as_json:
        typer.echo(json.dumps(result.as_dict()))
        return
    for key, value in result.as_dict().items():
        typer.echo(f"{key:>24}: {value}")
