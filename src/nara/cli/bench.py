"""``nara bench``: benchmarks that drive the real code, and ``nara bench seed`` to fill a
database for them. ``--json`` prints one JSON object on stdout (progress on stderr)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from nara.config import Settings

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


@bench_app.command("effect")
def effect(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    scenarios: Annotated[
        int, typer.Option("--scenarios", min=1, max=100_000, help="Histories to draw.")
    ] = 3500,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same runs).")] = 0,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="For comparison only: nb (the estimator's), nb-model-se (without the "
            "Newey-West floor), qp, qp1 (quasi-Poisson, scale free or at least 1), nbmle "
            "(negative binomial, maximum likelihood).",
        ),
    ] = "nb",
    with_trend: Annotated[
        bool, typer.Option("--with-trend", help="For comparison only: add a linear time term.")
    ] = False,
    stress: Annotated[
        bool,
        typer.Option(
            "--stress",
            help="Histories outside the model's assumptions (waves of days, an unrelated "
            "incident, a strong drift) instead of the benchmark's families.",
        ),
    ] = False,
) -> None:
    """Draw synthetic daily contact histories with known true effects (zero effect, weekly
    patterns, volume changes, trends, overdispersion, a small driver) and measure them with
    the real effect estimator: interval coverage, false alarms and the error of the
    estimate, overall and per family (docs/effect.md)."""
    from nara.cli.main import fail
    from nara.simulation.effect_history import MODELS, run

    if model not in MODELS:
        fail(f"--model must be one of {', '.join(MODELS)}")

    def progress(done: int, total: int) -> None:
        if done == total or done % 250 == 0:
            print(f"measuring: {done}/{total} scenarios", file=sys.stderr, flush=True)

    result = run(scenarios, seed, progress, model=model, trend=with_trend, stress=stress)
    if as_json:
        typer.echo(json.dumps(result))
        return
    families = result.pop("families")
    for key, value in result.items():
        typer.echo(f"{key:>22}: {value}")
    typer.echo("per family (coverage, false alarms, median abs error, linked/day):")
    for name, figures in families.items():
        typer.echo(
            f"{name:>22}: {figures['ci_coverage']}, {figures['false_alarm_rate']}, "
            f"{figures['median_abs_error']}, {figures['median_linked_per_day']}"
        )


@bench_app.command("seed")
def seed_cases(
    cases: Annotated[int, typer.Option("--cases", help="How many cases to add.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same history).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    check_references: Annotated[
        bool,
        typer.Option(
            "--check-references",
            help="Let PostgreSQL check every foreign key per row, also when the user may "
            "skip the checks (a superuser skips them by default, like pg_restore "
            "--disable-triggers; about three times slower).",
        ),
    ] = False,
) -> None:
    """Fill the database (after 'nara migrate' and 'nara demo') with CASES realistic cases
    over the last year: timelines, promises, wait estimates, work sessions and one new
    customer per about five cases, written in bulk (COPY on PostgreSQL). Seeding again
    adds more; case numbers go on where they were."""
    from nara.cli.main import fail, settings, unit_of_work
    from nara.simulation.seed import NothingToSeed, Seeder

    if cases < 1:
        fail("--cases must be at least 1")
    _require_migrated(settings())
    with unit_of_work() as session:
        try:
            seeder = Seeder(session, cases=cases, seed=seed, check_references=check_references)
        except NothingToSeed as exc:
            fail(str(exc))
        for index in range(seeder.chunks):
            report = seeder.seed_chunk(index)
            session.commit()
            print(
                f"seeded {report.cases:,}/{cases:,} cases ({report.rate:,.0f}/s)",
                file=sys.stderr,
                flush=True,
            )
        seeder.finish()
    summary = seeder.report
    checks = not seeder.skips_reference_checks
    if as_json:
        typer.echo(json.dumps({**summary.as_dict(), "reference_checks": checks}))
        return
    typer.echo(
        f"seeded {summary.cases:,} cases in {summary.seconds:.1f} s ({summary.rate:,.0f}/s): "
        f"{summary.customers:,} customers, {summary.events:,} events, "
        f"{summary.estimates:,} wait estimates, {summary.work_sessions:,} work sessions; "
        f"{summary.active:,} still active"
        + ("" if checks else " (foreign keys not checked per row: written consistent)")
    )


@bench_app.command("followup")
def followup_bench(
    cases: Annotated[int, typer.Option("--cases", help="How many cases to seed.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same history).")] = 0,
    rounds: Annotated[
        int, typer.Option("--rounds", min=1, max=100, help="Timed calls per filter.")
    ] = 5,
    time_only: Annotated[
        bool,
        typer.Option(
            "--time-only",
            help="Only time the figures on what an earlier run seeded and rolled up "
            "(CASES is then ignored).",
        ),
    ] = False,
) -> None:
    """On PostgreSQL after 'nara migrate': the demo organisation (when there is none),
    CASES seeded cases with their events, ratings, conversations and consultations, the
    follow-up's roll-ups of every finished day, then the figures for a range of filters
    and the drill-down's first page, timed (docs/metrics.md, benchmarks/README.md)."""
    from nara import clock
    from nara.cli.main import fail, settings
    from nara.db import get_engine
    from nara.domain.actors import SYSTEM
    from nara.jobs.followup import run_rollup
    from nara.simulation.followup_bench import run

    if cases < 1:
        fail("--cases must be at least 1")
    s = settings()
    _require_migrated(s)
    engine = get_engine(s)
    if engine.dialect.name != "postgresql":
        fail("the follow-up benchmark runs on PostgreSQL (NARA_DATABASE_URL)")

    def progress(done: int, total: int) -> None:
        print(f"rolled up {done}/{total} days", file=sys.stderr, flush=True)

    def roll() -> dict[str, int]:
        return run_rollup(engine, actor=SYSTEM, now=clock.now(), rebuild=True, progress=progress)

    result = run(
        engine, cases=cases, seed=seed, rounds=rounds, roll=roll, time_only=time_only
    ).as_dict()
    if as_json:
        typer.echo(json.dumps(result))
        return
    for key, value in result.items():
        typer.echo(f"{key:>18}: {value}")


def _require_migrated(s: Settings) -> None:
    """Seeding needs the latest schema; an older or empty one is bad input (exit 2)."""
    from nara import migrate
    from nara.cli.main import fail
    from nara.db import get_engine

    engine = get_engine(s)
    try:
        current = migrate.current_revision(engine)
    except OperationalError as exc:
        fail(f"cannot reach the database at {engine.url!r}: {exc.orig}", 1)
    if current != migrate.head_revision(s.database_url):
        fail("the database is not migrated to the latest version; run 'nara migrate'")
