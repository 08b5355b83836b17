"""``nara``: serve, migrate, load the demo, manage users, tokens, teams and topics.

Bad input prints ``error: <what is wrong>`` on stderr and exits with code 2.
"""

from __future__ import annotations

import getpass
import ipaddress
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from nara import migrate as migrations
from nara.cli.bench import bench_app
from nara.cli.eval import eval_app
from nara.cli.followup import followup_app
from nara.cli.handovers import handovers
from nara.cli.improvements import improvements_app
from nara.cli.jobs import jobs_app, worker
from nara.cli.satisfaction import rating_link
from nara.cli.selfservice import selfservice_app
from nara.config import Settings, get_settings, reset_settings
from nara.db import get_engine, session_scope
from nara.domain import auth as auth_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM
from nara.domain.errors import DomainError
from nara.domain.validation import email_key
from nara.models import Team, TeamMember, Topic, User

app = typer.Typer(
    help="Nära: customer service and cases. Settings come from NARA_* environment variables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Manage people who log in.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens for integrations.", no_args_is_help=True)
team_app = typer.Typer(help="Manage teams.", no_args_is_help=True)
topic_app = typer.Typer(help="Manage topics.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(team_app, name="team")
app.add_typer(topic_app, name="topic")
app.add_typer(eval_app, name="eval")
eval_app.command("handovers")(handovers)
app.add_typer(selfservice_app, name="selfservice")
app.add_typer(bench_app, name="bench")
app.add_typer(jobs_app, name="jobs")
app.add_typer(improvements_app, name="improvements")
app.add_typer(followup_app, name="followup")
app.command("worker")(worker)
app.command("rating-link")(rating_link)


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(_config_problem(e["loc"], e["msg"]) for e in exc.errors())
        fail(f"bad configuration: {problems}")


def _config_problem(loc: tuple[int | str, ...], msg: str) -> str:
    """``NARA_PORT: Input should be a valid integer``; a check across settings (empty
    ``loc``) already names its variables, so it gets no prefix."""
    msg = msg.removeprefix("Value error, ")
    if not loc:
        return msg
    return f"NARA_{'_'.join(str(p) for p in loc).upper()}: {msg}"


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A committed transaction; domain errors become exit code 2."""
    engine = get_engine(settings())
    try:
        with session_scope(engine) as session:
            yield session
    except DomainError as exc:
        fail(exc.detail)
    except OperationalError as exc:
        fail(f"database not reachable or not migrated ({exc.orig}); run 'nara migrate'", 1)


def require_migrated() -> None:
    s = settings()
    engine = get_engine(s)
    try:
        current = migrations.current_revision(engine)
    except OperationalError as exc:
        fail(f"cannot reach the database at {engine.url!r}: {exc.orig}", 1)
    if current != migrations.head_revision(s.database_url):
        fail("the database is not migrated to the latest version; run 'nara migrate'", 1)


def _user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email_key(email)))
    if user is None:
        fail(f"no user with e-mail {email}")
    return user


def _team_by_slug(session: Session, slug: str) -> Team:
    team = session.scalar(select(Team).where(Team.slug == slug))
    if team is None:
        fail(f"no team with slug {slug!r} (see 'nara team list')")
    return team


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default NARA_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default NARA_PORT).", min=1, max=65535)
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Serve the web app and the API."""

    from nara.logging_setup import configure_logging

    s = settings()
    bind = host or s.host
    if s.weak_secret and not is_loopback(bind):
        fail(
            f"refusing to serve on {bind}: NARA_SECRET_KEY is the built-in development "
            "secret (or shorter than 32 characters), whatever NARA_ENV says; set a random "
            "one (python -c 'import secrets; print(secrets.token_urlsafe(48))') or serve "
            "on 127.0.0.1"
        )
    require_migrated()
    configure_logging(s.log_level)
    typer.echo(f"Nära serving at http://{bind}:{port or s.port}/")
    from nara.web.server import serve as run_server

    try:
        run_server(host=bind, port=port or s.port, workers=workers)
    except OSError as exc:
        fail(f"cannot listen on {bind}:{port or s.port}: {exc.strerror or exc}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (localhost, 127.0.0.0/8, ::1)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@jobs_app.command("promises")
def jobs_promises() -> None:
    """Check response promises now: warn before breaches, record breaches and, in
    public-authority mode, create delay-notice tasks and mark six-month-old cases."""
    from nara.jobs.runner import run_periodic
    from nara.queries.jobs import get_run

    s = settings()
    require_migrated()
    status, run_id = run_periodic(get_engine(s), "promises.check")
    if run_id is None:
        typer.echo("a promise check is running already; this one was skipped")
        return
    with unit_of_work() as session:
        run = get_run(session, run_id)
        if status != "succeeded" or run is None:
            fail(f"the promise check failed: {run.error if run else 'no run'}", 1)
        report = dict(run.result)
    typer.echo(
        f"warnings: {report['warnings']}, breaches: {report['breaches']}, "
        f"delay-notice tasks: {report['delay_tasks']}, six-month marks: {report['six_months']}"
    )


@app.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or upgrade the database schema (Alembic)."""
    s = settings()
    try:
        migrations.upgrade(s.database_url, revision)
    except OperationalError as exc:
        fail(f"cannot reach the database: {exc.orig}", 1)
    now_at = migrations.current_revision(get_engine(s))
    typer.echo(f"database at {get_engine(s).url!r} is at revision {now_at}")


@app.command()
def demo(
    force: Annotated[
        bool, typer.Option("--force", help="Wipe a non-empty database first.")
    ] = False,
    keep_existing: Annotated[
        bool, typer.Option("--keep-existing", help="Do nothing (exit 0) if data exists.")
    ] = False,
    cases: Annotated[
        int, typer.Option(help="Historical cases to create.", min=0, max=100_000)
    ] = 300,
    history: Annotated[
        int,
        typer.Option(
            help="Contacts of the year before, seeded in bulk (the volumes behind the "
            "follow-up and the improvements' measured effects; 0 = none).",
            min=0,
            max=1_000_000,
        ),
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same demo).")] = 2026,
    train: Annotated[
        bool, typer.Option("--train/--no-train", help="Train self-service on the demo data.")
    ] = True,
) -> None:
    """Load the demo organisation Exempelbanken (refuses a non-empty database)."""
    from nara.demo import content, loader

    require_migrated()
    with unit_of_work() as session:
        if not loader.is_empty(session):
            if keep_existing:
                typer.echo("The database already has data; the demo was not loaded again.")
                _print_logins(content.DEMO_PASSWORD)
                return
            if not force:
                fail("the database is not empty; use --force to wipe it and load the demo")
            loader.wipe(session)

        def progress(done: int, total: int) -> None:
            step = max(1, total // 10)
            if done == total or done % step == 0:
                typer.echo(f"  cases {done:>{len(str(total))}}/{total} ({done * 100 // total} %)")

        typer.echo("Loading Exempelbanken …")
        if history:
            typer.echo(f"  seeding {history:,} contacts of the past year …")
        loader.load_demo(session, cases=cases, history=history, seed=seed, progress=progress)
        if train:
            from nara.domain.selfservice_models import train_model

            def training(stage: str, done: int, total: int) -> None:
                if done == total:
                    typer.echo(f"  {stage}: done")

            typer.echo("Training self-service on the demo's example questions …")
            row = train_model(session=session, actor=SYSTEM, progress=training)
            point = row.metrics["operating_points"][f"{row.precision_target:g}"]
            typer.echo(f"  answers {point['coverage']:.0%} of questions at "
                       f"{row.precision_target:.0%} expected precision")  # fmt: skip
    _print_logins(content.DEMO_PASSWORD)


def _print_logins(password: str) -> None:
    from nara.demo.loader import demo_logins

    typer.echo("\nDemo logins (password for all: " + password + "):")
    for role, email, what in demo_logins():
        typer.echo(f"  {role:<9} {email:<32} {what}")


@app.command()
def check() -> None:
    """Show the configuration in use and whether the database is reachable and migrated."""
    s = settings()
    engine = get_engine(s)
    typer.echo(f"environment: {s.env}")
    typer.echo(f"database:    {engine.url!r}")
    try:
        current = migrations.current_revision(engine)
    except OperationalError as exc:
        fail(f"database not reachable: {exc.orig}", 1)
    head = migrations.head_revision(s.database_url)
    typer.echo(f"schema:      {current or 'empty'} (latest {head})")
    if current != head:
        fail("the database needs 'nara migrate'", 1)
    typer.echo(f"tables:      {len(inspect(engine).get_table_names())}")
    from nara.queries.jobs import job_warnings
    from nara.queries.service import setup_warnings

    with Session(engine) as session:
        warnings = setup_warnings(session)
        warnings += job_warnings(session, jobs_in_app=s.runs_jobs_in_process())
        for warning in warnings:
            typer.echo(f"warning:     {warning}")


# ---- users ----
@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="Login e-mail.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    role: Annotated[str, typer.Option(help="customer, agent, lead or admin.")] = "agent",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password (API-token-only user).")
    ] = False,
    locale: Annotated[str | None, typer.Option(help="sv or en; unset follows the browser.")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Team slug to join (repeatable).")] = None,
) -> None:
    """Create a user. Asks for the password unless --password-stdin or --no-password."""
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not no_password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            fail("the passwords differ")
    with unit_of_work() as session:
        user = user_actions.create_user(
            session=session, actor=SYSTEM, email=email, display_name=name, role=role,
            password=password, locale=locale,
        )  # fmt: skip
        for slug in team or []:
            team_actions.add_team_member(
                session=session, actor=SYSTEM, team_id=_team_by_slug(session, slug).id,
                user_id=user.id,
            )  # fmt: skip
        typer.echo(f"created {user.role} {user.email} (id {user.id})")


@user_app.command("list")
def user_list() -> None:
    """List users."""
    with unit_of_work() as session:
        for user in session.scalars(select(User).order_by(User.role, User.email)):
            state = "" if user.is_active else " (inactive)"
            typer.echo(f"{user.id:>5}  {user.role:<8} {user.email:<36} {user.display_name}{state}")


@user_app.command("set-password")
def user_set_password(
    email: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Set a user's password."""
    password = (
        sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("New password: ")
    )
    with unit_of_work() as session:
        user = _user_by_email(session, email)
        user_actions.set_password(session=session, actor=SYSTEM, user_id=user.id, password=password)
        typer.echo(f"password changed for {user.email}")


@user_app.command("deactivate")
def user_deactivate(email: str) -> None:
    """Deactivate a user and end their sessions."""
    with unit_of_work() as session:
        user = _user_by_email(session, email)
        user_actions.set_user_active(session=session, actor=SYSTEM, user_id=user.id, active=False)
        typer.echo(f"deactivated {user.email}")


# ---- tokens ----
@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
) -> None:
    """Create an API token; it is printed once."""
    with unit_of_work() as session:
        user = _user_by_email(session, email)
        new = auth_actions.create_api_token(
            session=session, actor=SYSTEM, user_id=user.id, name=name
        )
        token, token_id, email = new.token, new.api_token.id, user.email
    # Printed once stored: a token shown but rolled back (a closed pipe) would not work.
    typer.echo(token)
    typer.echo(f"API token {token_id} for {email}; store it now, it is not shown again.", err=True)


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke an API token by id."""
    with unit_of_work() as session:
        auth_actions.revoke_api_token(session=session, actor=SYSTEM, token_id=token_id)
        typer.echo(f"revoked token {token_id}")


# ---- teams and topics ----
@team_app.command("list")
def team_list() -> None:
    """List teams with their member counts."""
    with unit_of_work() as session:
        for team in session.scalars(select(Team).order_by(Team.id)):
            count = len(
                list(session.scalars(select(TeamMember).where(TeamMember.team_id == team.id)))
            )
            flag = "  [fallback]" if team.is_fallback else ""
            typer.echo(f"{team.id:>4}  {team.slug:<24} {team.name_sv} ({count} members){flag}")


@team_app.command("create")
def team_create(
    slug: str,
    name_sv: Annotated[str, typer.Option("--name-sv")],
    name_en: Annotated[str, typer.Option("--name-en")],
    fallback: Annotated[
        bool, typer.Option("--fallback", help="Takes cases no team handles.")
    ] = False,
) -> None:
    """Create a team."""
    with unit_of_work() as session:
        team = team_actions.create_team(
            session=session, actor=SYSTEM, slug=slug, name_sv=name_sv, name_en=name_en,
            is_fallback=fallback,
        )  # fmt: skip
        typer.echo(f"created team {team.slug} (id {team.id})")


@team_app.command("add-member")
def team_add_member(slug: str, email: str) -> None:
    """Add a user to a team."""
    with unit_of_work() as session:
        team = _team_by_slug(session, slug)
        user = _user_by_email(session, email)
        team_actions.add_team_member(
            session=session, actor=SYSTEM, team_id=team.id, user_id=user.id
        )
        typer.echo(f"{user.email} is a member of {team.slug}")


@team_app.command("add-topic")
def team_add_topic(slug: str, topic: str) -> None:
    """Let a team handle a topic."""
    with unit_of_work() as session:
        team = _team_by_slug(session, slug)
        the_topic = session.scalar(select(Topic).where(Topic.slug == topic))
        if the_topic is None:
            fail(f"no topic with slug {topic!r}")
        team_actions.add_team_topic(
            session=session, actor=SYSTEM, team_id=team.id, topic_id=the_topic.id
        )
        typer.echo(f"{team.slug} handles {the_topic.slug}")


@team_app.command("fallback")
def team_fallback(slug: str) -> None:
    """Choose the team that takes cases whose topic no team handles."""
    with unit_of_work() as session:
        team = _team_by_slug(session, slug)
        team_actions.set_fallback_team(session=session, actor=SYSTEM, team_id=team.id)
        typer.echo(f"{team.slug} is now the fallback team")


@topic_app.command("list")
def topic_list() -> None:
    """List topics."""
    with unit_of_work() as session:
        for topic in session.scalars(select(Topic).order_by(Topic.slug)):
            typer.echo(f"{topic.id:>4}  {topic.slug:<28} {topic.name_sv} / {topic.name_en}")


@topic_app.command("create")
def topic_create(
    slug: str,
    name_sv: Annotated[str, typer.Option("--name-sv")],
    name_en: Annotated[str, typer.Option("--name-en")],
) -> None:
    """Create a topic."""
    with unit_of_work() as session:
        topic = team_actions.create_topic(
            session=session, actor=SYSTEM, slug=slug, name_sv=name_sv, name_en=name_en
        )
        typer.echo(f"created topic {topic.slug} (id {topic.id})")


def main() -> None:
    reset_settings()
    app()
