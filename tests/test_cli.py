"""The ``nara`` command, run against a temporary SQLite database (NARA_DATABASE_URL).

Most tests call the Typer app in-process (typer.testing.CliRunner); a few run the real
console script in a subprocess. The CLI tests always use SQLite, also when the rest of
the suite runs on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import typer.main
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from nara import clock, personnummer
from nara import migrate as migrations
from nara.cli.main import app
from nara.config import get_settings, reset_settings
from nara.db import dispose_engines, make_engine
from nara.demo import content
from nara.domain.auth import authenticate_token, log_in
from nara.models import (
    ApiToken,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Customer,
    Team,
    TeamMember,
    TeamTopic,
    Topic,
    User,
)
from nara.web.app import create_app

NARA = Path(sys.executable).parent / "nara"
PASSWORD = "ett långt lösenord"
SECRET = "cli-test-secret-0123456789-abcdefghij"

# Skatteverket's test personnummer (never a real person's); the first two are the
# examples in Skatteverket's own material, Tolvan is the classic test person.
SKATTEVERKET_TEST_NUMBERS = {
    "198004262385",
    "198108222384",
    "198204212396",
    "198308172397",
    "198404152392",
    "198508122382",
    "198612092380",
    "198708152387",
    "198804202383",
    "198202142397",
    "191212121212",
}


@dataclass
class Cli:
    url: str
    runner: CliRunner

    def __call__(self, *args: str, input: str | None = None) -> Result:
        reset_settings()  # what nara.cli.main.main() does first
        if args and args[0] == "demo" and "--train" not in args:
            args = (*args, "--no-train")  # training is tested once, on its own
        return self.runner.invoke(app, list(args), input=input)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def engine(self) -> Engine:
        return make_engine(self.url)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("NARA_DATABASE_URL", url)
    monkeypatch.setenv("NARA_ENV", "test")
    monkeypatch.setenv("NARA_SECRET_KEY", SECRET)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    yield Cli(url=url, runner=CliRunner())
    dispose_engines()
    reset_settings()  # the next get_settings() reads the restored environment


@pytest.fixture
def migrated(cli: Cli) -> Cli:
    cli.ok("migrate")
    return cli


@pytest.fixture
def session(cli: Cli) -> Iterator[Session]:
    """A session on the CLI's database, for checking what the commands did."""
    engine = cli.engine()
    with Session(engine) as s:
        yield s
    engine.dispose()


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def assert_clean_failure(result: Result, codes: tuple[int, ...] = (2,)) -> None:
    assert result.exit_code in codes, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: "), result.stderr


# ---- --help ----


def _command_paths() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = [()]

    def walk(command: object, prefix: tuple[str, ...]) -> None:
        # a group has .commands (Typer ships its own copy of Click, so no isinstance)
        for name, sub in getattr(command, "commands", {}).items():
            paths.append((*prefix, name))
            walk(sub, (*prefix, name))

    walk(root, ())
    return paths


COMMAND_PATHS = _command_paths()


def test_every_command_is_listed() -> None:
    names = {" ".join(p) for p in COMMAND_PATHS}
    assert {
        "serve",
        "migrate",
        "demo",
        "check",
        "user create",
        "user list",
        "user set-password",
        "user deactivate",
        "token create",
        "token revoke",
        "team list",
        "team create",
        "team add-member",
        "team add-topic",
        "team fallback",
        "topic list",
        "topic create",
    } <= names


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "nara")
def test_help_for_every_command(cli: Cli, path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert "Traceback" not in result.output


def test_groups_without_a_command_show_help(cli: Cli) -> None:
    for group in ("user", "token", "team", "topic"):
        result = cli(group)
        assert "Usage:" in result.output
        assert "Traceback" not in result.output


def test_the_console_script_runs(cli: Cli) -> None:
    assert NARA.exists(), NARA
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(NARA), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    for name in ("migrate", "demo", "user", "token", "team", "topic"):
        assert name in done.stdout


# ---- migrate and check ----


def test_migrate_creates_the_schema(cli: Cli, session: Session) -> None:
    result = cli.ok("migrate")
    assert f"is at revision {migrations.head_revision(cli.url)}" in result.stdout
    tables = set(inspect(session.get_bind()).get_table_names())
    assert {"cases", "case_events", "users", "teams", "topics", "alembic_version"} <= tables
    # running it again is harmless
    cli.ok("migrate")


def test_check(cli: Cli) -> None:
    before = cli("check")
    assert_clean_failure(before, (1,))
    assert "nara migrate" in before.stderr
    cli.ok("migrate")
    after = cli.ok("check")
    assert "environment: test" in after.stdout
    assert "tables:" in after.stdout
    assert "warning:     no fallback team" in after.stdout  # an empty organisation
    assert "no response promises" in after.stdout


def test_check_warns_about_routing_gaps(migrated: Cli, session: Session) -> None:
    from tests import factories

    front = factories.team(session, fallback=True)
    factories.user(session, teams=[front])
    factories.topic(session, teams=[front], slug="handled")
    factories.topic(session, teams=[], slug="orphan-topic")
    factories.team(session, slug="empty-team")
    session.commit()
    out = migrated.ok("check").stdout
    assert "no fallback team" not in out
    assert "topics no team handles (they go to the fallback team): orphan-topic" in out
    assert "teams without members: empty-team" in out


# ---- an unmigrated database ----


@pytest.mark.parametrize(
    "args",
    [
        ("demo", "--cases", "1"),
        ("user", "list"),
        ("user", "create", "a@example.test", "--name", "A", "--no-password"),
        ("token", "create", "a@example.test", "--name", "x"),
        ("team", "list"),
        ("team", "create", "x", "--name-sv", "X", "--name-en", "X"),
        ("topic", "list"),
        ("topic", "create", "x", "--name-sv", "X", "--name-en", "X"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_unmigrated_database_says_to_migrate(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert_clean_failure(result, (1, 2))
    assert "nara migrate" in result.stderr


# ---- settings ----


def test_production_refuses_the_default_secret(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARA_ENV", "production")
    monkeypatch.delenv("NARA_SECRET_KEY")
    for args in (("migrate",), ("check",), ("user", "list"), ("demo",)):
        result = cli(*args)
        assert_clean_failure(result)
        assert result.stderr.startswith(
            "error: bad configuration: NARA_SECRET_KEY must be set to a random value of at "
            "least 32 characters"
        ), result.stderr
        assert "secrets.token_urlsafe" in result.stderr
        assert "Value error" not in result.stderr
    assert not (Path.cwd() / "cli.db").exists()


def test_development_allows_the_default_secret(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARA_ENV", "development")
    monkeypatch.delenv("NARA_SECRET_KEY")
    cli.ok("migrate")
    assert "environment: development" in cli.ok("check").stdout


def test_test_environment_refuses_the_default_secret(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NARA_SECRET_KEY")
    assert_clean_failure(cli("check"))


def test_production_refuses_a_short_secret(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARA_ENV", "production")
    monkeypatch.setenv("NARA_SECRET_KEY", "too-short")
    result = cli("check")
    assert_clean_failure(result)
    assert "NARA_SECRET_KEY" in result.stderr


def test_production_with_a_real_secret_works(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARA_ENV", "production")
    monkeypatch.setenv("NARA_SECRET_KEY", "s" * 48)
    cli.ok("migrate")
    assert "environment: production" in cli.ok("check").stdout


def test_bad_setting_is_reported_by_name(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARA_PORT", "not-a-port")
    result = cli("check")
    assert_clean_failure(result)
    assert "NARA_PORT: " in result.stderr


def test_real_command_refuses_production_default_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARA_")}
    env.update(NARA_ENV="production", NARA_DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    # and no NARA_SECRET_KEY: the default one
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(NARA), "migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: bad configuration")
    assert "NARA_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "p.db").exists() or (tmp_path / "p.db").stat().st_size == 0


# ---- the demo ----


def _check_demo(session: Session, cases: int) -> None:
    now = clock.now()
    assert count(session, Team) == 5
    assert count(session, Topic) == len(content.TOPICS) == 22
    assert count(session, Case) == cases
    fallback = session.scalars(select(Team.slug).where(Team.is_fallback.is_(True))).all()
    assert fallback == ["kundservice"]
    roles = set(session.scalars(select(User.role)))
    assert roles == {"customer", "agent", "lead", "admin"}
    # every team has members and handles topics
    for team in session.scalars(select(Team)):
        assert session.scalar(select(func.count()).where(TeamMember.team_id == team.id))
        assert session.scalar(select(func.count()).where(TeamTopic.team_id == team.id))
    # personnummer: Skatteverket's test numbers, stored as 12 digits
    numbers = [n for n in session.scalars(select(Customer.personnummer)) if n is not None]
    assert numbers
    assert set(numbers) <= SKATTEVERKET_TEST_NUMBERS
    assert {"198004262385", "198108222384"} <= set(numbers)
    for number in numbers:
        assert personnummer.normalise(number) == number
    # two customers can log in to the portal
    assert session.scalar(select(func.count()).where(Customer.user_id.is_not(None))) == 2
    # every case has a timeline starting with case.opened at its opening time
    for case in session.scalars(select(Case)):
        first = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).first()
        assert first is not None and first.type == "case.opened", case.number
        assert first.created_at == case.opened_at
        assert case.opened_at <= now
        assert case.opened_at >= now - timedelta(days=183)
    opened_without_event = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(~Case.id.in_(select(CaseEvent.case_id).where(CaseEvent.type == "case.opened")))
    )
    assert opened_without_event == 0
    latest_event = session.scalar(select(func.max(CaseEvent.created_at)))
    assert latest_event is None or latest_event <= now
    assert session.scalar(select(func.count()).where(ApiToken.name == "demo-integration")) == 1


def test_demo_loads_exempelbanken(migrated: Cli, session: Session) -> None:
    result = migrated.ok("demo", "--cases", "40", "--history", "0")
    assert "Exempelbanken" in result.stdout
    assert "admin@exempelbanken.se" in result.stdout
    assert content.DEMO_PASSWORD in result.stdout
    _check_demo(session, 40)
    # the demo logins work
    assert (
        log_in(session=session, email="karin.lead@exempelbanken.se", password=content.DEMO_PASSWORD)
        is not None
    )
    assert (
        log_in(session=session, email="anna.andersson@example.com", password=content.DEMO_PASSWORD)
        is not None
    )
    session.rollback()


def test_make_demo_loads_the_default_300_cases(migrated: Cli, session: Session) -> None:
    """What ``make demo`` runs: ``nara demo --keep-existing`` on an empty database, here
    without the seeded year (``--history 0``; ``test_demo_picture`` and
    ``tests/domain/test_improvement_effects.py`` load the demo with it)."""
    migrated.ok("demo", "--keep-existing", "--history", "0")
    _check_demo(session, 300)
    now = clock.now()
    opened = sorted(session.scalars(select(Case.opened_at)))
    # spread over about six months, up to the present
    assert opened[0] < now - timedelta(days=150)
    assert opened[-1] > now - timedelta(days=14)
    months = {(moment.year, moment.month) for moment in opened}
    assert len(months) >= 6
    # numbers count up per year in opening order
    by_year: dict[int, list[int]] = {}
    for number in session.scalars(select(Case.number).order_by(Case.opened_at, Case.id)):
        prefix, year, serial = number.split("-")
        assert prefix == "NA"
        by_year.setdefault(int(year), []).append(int(serial))
    for serials in by_year.values():
        assert serials == list(range(1, len(serials) + 1))
    # a lived history: every team has cases, and most cases are closed
    assert session.scalar(select(func.count(func.distinct(Case.team_id)))) == 5
    rows = session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
    statuses = {status: n for status, n in rows}
    assert statuses.get("closed", 0) > 150
    assert set(statuses) >= {"closed", "new"}
    for case in session.scalars(select(Case).where(Case.status == "closed")):
        assert case.resolved_at is not None and case.closed_at is not None
        assert case.opened_at <= case.resolved_at <= case.closed_at <= now
    types = set(session.scalars(select(CaseEvent.type).distinct()))
    assert {"case.opened", "case.routed", "message.agent", "note.added"} <= types


def test_demo_refuses_keeps_and_forces(migrated: Cli, session: Session) -> None:
    def cases() -> list[tuple[str, str, str]]:
        session.expire_all()
        return [
            (c.number, c.subject, c.status) for c in session.scalars(select(Case).order_by(Case.id))
        ]

    migrated.ok("demo", "--cases", "6", "--seed", "7", "--history", "0")
    first = cases()
    assert len(first) == 6
    migrated.ok("team", "create", "extra", "--name-sv", "Extra", "--name-en", "Extra")
    # a second demo is refused and changes nothing
    refused = migrated("demo", "--cases", "6")
    assert_clean_failure(refused)
    assert "--force" in refused.stderr
    assert cases() == first
    assert count(session, Team) == 6
    # --keep-existing: exit 0, nothing loaded
    kept = migrated.ok("demo", "--keep-existing", "--cases", "50")
    assert "already has data" in kept.stdout
    assert cases() == first
    # --force wipes and reloads; the same seed gives the same demo
    migrated.ok("demo", "--force", "--cases", "6", "--seed", "7", "--history", "0")
    assert cases() == first
    assert count(session, Team) == 5
    assert session.scalar(select(Team).where(Team.slug == "extra")) is None
    assert count(session, User) == len(content.STAFF) + len(content.CUSTOMER_LOGINS)


def test_demo_option_validation(migrated: Cli) -> None:
    result = migrated("demo", "--cases", "-1")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ---- users ----


def test_user_create_with_password_stdin(migrated: Cli, session: Session) -> None:
    result = migrated.ok(
        "user",
        "create",
        "Ny.Agent@Example.test",
        "--name",
        "Ny Agent",
        "--role",
        "agent",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert "created agent ny.agent@example.test" in result.stdout
    user = session.scalar(select(User).where(User.email == "ny.agent@example.test"))
    assert user is not None
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in result.output
    assert log_in(session=session, email="ny.agent@example.test", password=PASSWORD) is not None
    session.rollback()


def test_user_create_joins_teams(migrated: Cli, session: Session) -> None:
    migrated.ok("team", "create", "kort", "--name-sv", "Kort", "--name-en", "Cards")
    migrated.ok("team", "create", "lan", "--name-sv", "Lån", "--name-en", "Loans")
    migrated.ok(
        "user",
        "create",
        "lead@example.test",
        "--name",
        "Lea Lead",
        "--role",
        "lead",
        "--no-password",
        "--team",
        "kort",
        "--team",
        "lan",
    )
    user = session.scalar(select(User).where(User.email == "lead@example.test"))
    assert user is not None and user.password_hash is None and user.role == "lead"
    teams = set(
        session.scalars(
            select(Team.slug)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
        )
    )
    assert teams == {"kort", "lan"}


def test_user_create_with_a_bad_role(migrated: Cli, session: Session) -> None:
    result = migrated(
        "user", "create", "x@example.test", "--name", "X", "--role", "boss", "--no-password"
    )
    assert_clean_failure(result)
    assert "role must be one of: customer, agent, lead, admin" in result.stderr
    assert "boss" in result.stderr
    assert count(session, User) == 0


def test_user_create_with_a_duplicate_email(migrated: Cli, session: Session) -> None:
    migrated.ok("user", "create", "x@example.test", "--name", "X", "--no-password")
    result = migrated("user", "create", "X@EXAMPLE.test", "--name", "X2", "--no-password")
    assert_clean_failure(result)
    assert "already exists" in result.stderr
    assert count(session, User) == 1


def test_user_create_with_a_short_password(migrated: Cli, session: Session) -> None:
    result = migrated(
        "user", "create", "x@example.test", "--name", "X", "--password-stdin", input="kort\n"
    )
    assert_clean_failure(result)
    assert "password must be at least 10 characters" in result.stderr
    assert count(session, User) == 0


def test_user_create_with_an_unknown_team_creates_nothing(migrated: Cli, session: Session) -> None:
    result = migrated(
        "user", "create", "x@example.test", "--name", "X", "--no-password", "--team", "nope"
    )
    assert_clean_failure(result)
    assert "no team with slug 'nope'" in result.stderr
    assert count(session, User) == 0


def test_user_list_set_password_and_deactivate(migrated: Cli, session: Session) -> None:
    migrated.ok(
        "user", "create", "a@example.test", "--name", "Anna A", "--role", "admin", "--no-password"
    )
    migrated.ok("user", "create", "b@example.test", "--name", "Bo B", "--no-password")
    listing = migrated.ok("user", "list").stdout
    assert "a@example.test" in listing and "b@example.test" in listing
    migrated.ok("user", "set-password", "b@example.test", "--password-stdin", input=PASSWORD + "\n")
    assert log_in(session=session, email="b@example.test", password=PASSWORD) is not None
    session.commit()
    migrated.ok("user", "deactivate", "b@example.test")
    assert "(inactive)" in migrated.ok("user", "list").stdout
    session.expire_all()
    assert log_in(session=session, email="b@example.test", password=PASSWORD) is None
    session.rollback()
    missing = migrated("user", "deactivate", "nobody@example.test")
    assert_clean_failure(missing)
    assert "no user with e-mail" in missing.stderr
    short = migrated("user", "set-password", "a@example.test", "--password-stdin", input="x\n")
    assert_clean_failure(short)


# ---- tokens ----


def test_token_create_prints_a_working_token(migrated: Cli, session: Session) -> None:
    migrated.ok(
        "user",
        "create",
        "bot@example.test",
        "--name",
        "Integration Bot",
        "--role",
        "agent",
        "--no-password",
    )
    result = migrated.ok("token", "create", "bot@example.test", "--name", "crm")
    token = result.stdout.strip()
    assert token.startswith("nara_") and "\n" not in token
    assert "store it now" in result.stderr
    assert token not in result.stderr
    # the domain accepts it
    user = authenticate_token(session=session, token=token)
    assert user is not None and user.email == "bot@example.test"
    session.rollback()
    # and so does the API, on the same database file
    engine = migrated.engine()
    try:
        with TestClient(create_app(engine)) as client:
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            assert me.json()["email"] == "bot@example.test"
            anonymous = client.get("/api/v1/me")
            assert anonymous.status_code == 401
            wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer nara_wrong"})
            assert wrong.status_code == 401
    finally:
        engine.dispose()
    # revoke it by id; then it no longer works
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "crm"))
    migrated.ok("token", "revoke", str(token_id))
    session.expire_all()
    assert authenticate_token(session=session, token=token) is None


def test_token_errors(migrated: Cli) -> None:
    result = migrated("token", "create", "ghost@example.test", "--name", "crm")
    assert_clean_failure(result)
    assert "no user with e-mail ghost@example.test" in result.stderr
    migrated.ok("user", "create", "bot@example.test", "--name", "Bot", "--no-password")
    migrated.ok("token", "create", "bot@example.test", "--name", "crm")
    again = migrated("token", "create", "bot@example.test", "--name", "crm")
    assert_clean_failure(again)
    assert "already has a token named 'crm'" in again.stderr
    missing = migrated("token", "revoke", "9999")
    assert_clean_failure(missing)
    assert "no API token with id 9999" in missing.stderr


# ---- teams and topics ----


def test_teams_and_topics(migrated: Cli, session: Session) -> None:
    assert (
        "created team kundservice"
        in migrated.ok(
            "team",
            "create",
            "kundservice",
            "--name-sv",
            "Kundservice",
            "--name-en",
            "Customer Service",
            "--fallback",
        ).stdout
    )
    migrated.ok("team", "create", "kort", "--name-sv", "Kort", "--name-en", "Cards")
    assert (
        "created topic swish"
        in migrated.ok(
            "topic", "create", "swish", "--name-sv", "Swish", "--name-en", "Swish"
        ).stdout
    )
    assert "kort handles swish" in migrated.ok("team", "add-topic", "kort", "swish").stdout
    migrated.ok("user", "create", "erik@example.test", "--name", "Erik", "--no-password")
    assert (
        "is a member of kort"
        in migrated.ok("team", "add-member", "kort", "erik@example.test").stdout
    )
    teams = migrated.ok("team", "list").stdout
    assert "kundservice" in teams and "[fallback]" in teams
    assert "(1 members)" in teams
    topics = migrated.ok("topic", "list").stdout
    assert "swish" in topics and "Swish / Swish" in topics
    # move the fallback
    assert "kort is now the fallback team" in migrated.ok("team", "fallback", "kort").stdout
    fallback = list(session.scalars(select(Team.slug).where(Team.is_fallback.is_(True))))
    assert fallback == ["kort"]
    link = session.scalar(select(TeamTopic))
    assert link is not None


def test_team_and_topic_errors(migrated: Cli) -> None:
    migrated.ok("team", "create", "kort", "--name-sv", "Kort", "--name-en", "Cards")
    migrated.ok("topic", "create", "swish", "--name-sv", "Swish", "--name-en", "Swish")
    migrated.ok(
        "user",
        "create",
        "kund@example.test",
        "--name",
        "Kund",
        "--role",
        "customer",
        "--no-password",
    )
    for args, message in (
        (("team", "create", "kort", "--name-sv", "K", "--name-en", "K"), "already exists"),
        (("team", "create", "Bad Slug", "--name-sv", "K", "--name-en", "K"), "slug must be"),
        (("topic", "create", "swish", "--name-sv", "S", "--name-en", "S"), "already exists"),
        (("team", "add-topic", "nope", "swish"), "no team with slug 'nope'"),
        (("team", "add-topic", "kort", "nope"), "no topic with slug 'nope'"),
        (("team", "add-member", "kort", "ghost@example.test"), "no user with e-mail"),
        (("team", "add-member", "kort", "kund@example.test"), "customers cannot be team"),
        (("team", "fallback", "nope"), "no team with slug"),
    ):
        result = migrated(*args)
        assert_clean_failure(result)
        assert message in result.stderr, (args, result.stderr)


# ---- the real command, end to end ----


def test_real_command_end_to_end(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARA_")}
    # the same secret as this process, so that tokens can be checked here
    env.update(NARA_ENV="test", NARA_DATABASE_URL=url, NARA_SECRET_KEY=get_settings().secret_key)

    def nara(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [str(NARA), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
            cwd=tmp_path,
        )

    unmigrated = nara("user", "list")
    assert unmigrated.returncode in (1, 2)
    assert "nara migrate" in unmigrated.stderr and "Traceback" not in unmigrated.stderr
    assert nara("migrate").returncode == 0
    created = nara(
        "user",
        "create",
        "ops@example.test",
        "--name",
        "Ops",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    bad = nara("user", "create", "x@example.test", "--name", "X", "--role", "root", "--no-password")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: role must be one of")
    assert "Traceback" not in bad.stderr
    token = nara("token", "create", "ops@example.test", "--name", "ci")
    assert token.returncode == 0, token.stderr
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            user = authenticate_token(session=s, token=token.stdout.strip())
            assert user is not None and user.email == "ops@example.test"
    finally:
        engine.dispose()


def test_demo_trains_self_service_that_answers_swedish(migrated: Cli) -> None:
    """The demo trains the engine on its example questions; the model then answers a
    Swedish question it has never seen, and says no to something that is not ours."""
    result = migrated.ok("demo", "--cases", "10", "--train", "--history", "0")
    assert "expected precision" in result.stdout
    status = migrated.ok("selfservice", "status")
    assert "model:    ss" in status.stdout
    from sqlalchemy.orm import Session

    from nara.queries.selfservice import active_predictor

    with Session(migrated.engine()) as session:
        predictor = active_predictor(session)
        assert predictor is not None
        card = predictor.predict("Hej! Mitt nya bankkort har fortfarande inte kommit i brevlådan")
        assert card.answer and card.candidates[0].label == "kort-har-inte-kommit"
        weather = predictor.predict("Vad blir det för väder i Göteborg i helgen?")
        assert not weather.answer
    # measured on the demo bank's evaluation set when trained, and again on demand
    from nara.demo.evaluation_set import EVALUATION_SET
    from nara.queries.selfservice import active_model

    evaluated = migrated.ok("selfservice", "evaluate-demo")
    assert "97 % ←" in evaluated.stdout and "held_out" in evaluated.stdout
    assert "evaluating: 223/223" in evaluated.stderr
    with Session(migrated.engine()) as session:
        row = active_model(session)
        assert row is not None
        figures = row.metrics["evaluation"]["targets"]["0.97"]
        assert figures["all"]["questions"] == len(EVALUATION_SET)
        assert figures["sv"]["questions"] + figures["en"]["questions"] == len(EVALUATION_SET)


def test_evaluate_demo_needs_a_model_and_the_demo_topics(migrated: Cli, session: Session) -> None:
    nothing = migrated("selfservice", "evaluate-demo")
    assert nothing.exit_code == 2 and "no self-service model" in nothing.stderr
    from nara.domain.actors import SYSTEM
    from nara.domain.selfservice_models import train_model
    from nara.domain.training import add_training_examples
    from tests import factories

    w = factories.world(session)
    add_training_examples(
        session=session,
        actor=SYSTEM,
        source="import",
        examples=[
            *[(f"mitt kort {i} har inte kommit", w.card_topic.slug) for i in range(8)],
            *[(f"räntan på lånet {i}", w.loan_topic.slug) for i in range(8)],
        ],
    )
    train_model(session=session, actor=SYSTEM)
    session.commit()
    other = migrated("selfservice", "evaluate-demo")
    assert other.exit_code == 2 and "does not fit this organisation's topics" in other.stderr


def test_bench_wait_prints_the_estimate_error() -> None:
    """``nara bench wait --json`` simulates a day through the real domain functions;
    a small, fast scenario here (the benchmark figures are in benchmarks/README.md)."""
    import json

    out = subprocess.run(  # noqa: S603 - our own console script
        [str(NARA), "bench", "wait", "--json", "--agents", "9", "--seed", "3"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    figures = {"cases", "median_abs_pct_error", "p90_abs_pct_error", "median_abs_error_minutes"}
    assert figures <= set(result)
    assert 0 <= result["median_abs_error_minutes"] < result["p90_wait_minutes"]
    assert result["cases"] > 300  # two days of arrivals, every case answered
    assert 0 <= result["median_abs_pct_error"] <= result["p90_abs_pct_error"]
    assert "simulating:" in out.stderr  # progress goes to stderr, stdout is only JSON
    bad = subprocess.run(  # noqa: S603 - our own console script
        [str(NARA), "bench", "wait", "--agents", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_bench_seed_adds_a_history_and_numbering_goes_on(migrated: Cli, session: Session) -> None:
    import json

    migrated.ok("demo", "--cases", "5", "--history", "0")
    result = migrated.ok("bench", "seed", "--cases", "250", "--seed", "4", "--json")
    summary = json.loads(result.stdout)  # stdout is only the JSON object
    assert summary["cases"] == 250 and summary["customers"] == 50
    assert summary["events"] > 5 * 250 and summary["cases_per_second"] > 0
    assert "seeded 250/250 cases" in result.stderr  # progress on stderr
    assert count(session, Case) == 255
    again = migrated.ok("bench", "seed", "--cases", "40")  # seeding again appends
    assert again.stdout.startswith("seeded 40 cases in ")
    numbers = session.scalars(select(Case.number)).all()
    assert len(numbers) == len(set(numbers)) == 295
    highest: dict[int, int] = {}
    for number in numbers:
        _, year, value = number.split("-")
        highest[int(year)] = max(highest.get(int(year), 0), int(value))
    counters = {c.year: c.last_value for c in session.scalars(select(CaseNumberCounter))}
    assert counters == highest and sum(highest.values()) == 295


def test_rating_link_prints_the_signed_link_of_a_resolved_case(
    migrated: Cli, session: Session
) -> None:
    migrated.ok("demo", "--cases", "30", "--history", "0")
    done = select(Case).where(Case.status.in_(("resolved", "closed")))
    resolved = session.scalar(done.order_by(Case.resolved_at.desc()))
    oldest = session.scalar(done.order_by(Case.resolved_at))
    active = session.scalar(select(Case).where(Case.status.in_(("new", "open"))))
    assert resolved is not None and oldest is not None and active is not None
    if oldest.resolved_at is not None and oldest.resolved_at < clock.now() - timedelta(days=30):
        expired = migrated("rating-link", oldest.number)
        assert expired.exit_code == 2 and "stopped working" in expired.output
    result = migrated.ok("rating-link", resolved.number, "--base-url", "https://nara.example/")
    link = result.stdout.strip()
    assert link.startswith("https://nara.example/rate/nr1.")
    assert "works until" in result.stderr
    engine = migrated.engine()
    with TestClient(create_app(engine)) as client:
        page = client.get(link.removeprefix("https://nara.example"))
    engine.dispose()
    assert page.status_code == 200 and resolved.number in page.text
    refused = migrated("rating-link", active.number)
    assert refused.exit_code == 2 and "not resolved" in refused.output
    unknown = migrated("rating-link", "NA-1999-000001")
    assert unknown.exit_code == 2 and "no case" in unknown.output


def test_bench_seed_refuses_bad_input(cli: Cli) -> None:
    unmigrated = cli("bench", "seed", "--cases", "10")
    assert_clean_failure(unmigrated)
    assert "nara migrate" in unmigrated.stderr
    cli.ok("migrate")
    empty = cli("bench", "seed", "--cases", "10")
    assert_clean_failure(empty)
    assert "nara demo" in empty.stderr
    for bad in ("0", "-3"):
        result = cli("bench", "seed", "--cases", bad)
        assert_clean_failure(result)
        assert "--cases" in result.stderr


def test_jobs_promises_records_breaches_once(migrated: Cli, session: Session) -> None:
    from nara.domain.actors import SYSTEM
    from nara.domain.cases import open_case
    from nara.domain.promises import create_policy
    from tests import factories

    factories.team(session, fallback=True)
    customer = factories.customer(session)
    with clock.frozen_at(clock.now() - timedelta(days=30)):
        create_policy(session=session, actor=SYSTEM, first_response_minutes=60,
                      resolution_minutes=600)  # fmt: skip
        number = open_case(session=session, actor=SYSTEM, message="Hjälp",
                           customer_id=customer.id).case.number  # fmt: skip
    session.commit()
    first = migrated.ok("jobs", "promises")
    assert "breaches: 2" in first.stdout  # first response and resolution, both long overdue
    again = migrated.ok("jobs", "promises")
    assert "breaches: 0" in again.stdout
    session.expire_all()
    kinds = session.scalars(select(CaseEvent.type).join(Case).where(Case.number == number)).all()
    assert kinds.count("promise.breached") == 2


def test_jobs_promises_on_an_unmigrated_database(cli: Cli) -> None:
    result = cli("jobs", "promises")
    assert result.exit_code == 1 and "nara migrate" in result.stderr


def test_jobs_runs_lists_the_run_log_as_json(migrated: Cli, session: Session) -> None:
    import json

    migrated.ok("jobs", "promises")
    migrated.ok("jobs", "run", "jobs.prune")
    runs = json.loads(migrated.ok("jobs", "runs", "--json").stdout)
    assert [r["task"] for r in runs] == ["jobs.prune", "promises.check"]
    for run in runs:
        assert {"task", "status", "started_at", "finished_at", "attempts"} <= set(run)
        assert run["status"] == "succeeded" and run["attempts"] == 1
    only = json.loads(migrated.ok("jobs", "runs", "--json", "--task", "jobs.prune").stdout)
    assert [r["task"] for r in only] == ["jobs.prune"]
    assert "promises.check" in migrated.ok("jobs", "runs").stdout


def test_jobs_commands_refuse_bad_input(migrated: Cli) -> None:
    for args, message in (
        (("jobs", "runs", "--status", "sleeping"), "no status 'sleeping'"),
        (("jobs", "runs", "--task", "nope"), "no job 'nope'"),
        (("jobs", "run", "selfservice.train"), "no periodic job 'selfservice.train'"),
        (("jobs", "retry", "999"), "no job run 999"),
        (("worker",), "needs PostgreSQL"),
    ):
        result = migrated(*args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr


def test_a_failed_run_is_retried_from_the_command_line(migrated: Cli, session: Session) -> None:
    from nara.domain.actors import SYSTEM
    from nara.domain.jobs import request_job
    from nara.jobs.runner import execute_run

    run = request_job(session=session, actor=SYSTEM, task="no.such.job")
    session.commit()

    assert execute_run(migrated.engine(), run.id)[0] == "failed"
    retried = migrated("jobs", "retry", str(run.id))
    assert retried.exit_code == 0 and f"run {run.id}: failed" in retried.stdout
    again = migrated("jobs", "retry", str(run.id))
    assert again.exit_code == 0


def test_selfservice_import_reads_the_one_csv_format(
    migrated: Cli, session: Session, tmp_path: Path
) -> None:
    from tests import factories

    w = factories.world(session)
    session.commit()
    good = tmp_path / "examples.csv"
    good.write_text(f"text,topic\nMitt kort har inte kommit,{w.card_topic.slug}\n"
                    "Vad kostar en pizza?,oos\n\n", encoding="utf-8-sig")  # fmt: skip
    assert "added 2 examples" in migrated.ok("selfservice", "import", str(good)).stdout
    for text, message in (
        ("", "empty file"),
        ("text,label\nhej,kort\n", "missing column(s) topic"),
        ("text,topic\n", "no data rows"),
        ("text,topic\nhej,\n", "line 2: empty text or category"),
        ("text,topic\nhej,nope\n", "unknown topic"),
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        result = migrated("selfservice", "import", str(bad))
        assert result.exit_code == 2 and message in result.stderr, (text, result.stderr)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00text")
    assert "not UTF-8" in migrated("selfservice", "import", str(binary)).stderr
    missing = migrated("selfservice", "import", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


# ---- serve ----


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "nara.example.se"])  # noqa: S104
def test_serve_refuses_the_development_secret_off_loopback(
    migrated: Cli, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    """NARA_ENV defaults to development: a production install that forgets it must not
    serve the network with the built-in secret."""
    import uvicorn

    monkeypatch.setenv("NARA_ENV", "development")
    monkeypatch.delenv("NARA_SECRET_KEY")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("uvicorn started"))
    result = migrated("serve", "--host", host)
    assert_clean_failure(result)
    assert result.stderr.startswith(f"error: refusing to serve on {host}: NARA_SECRET_KEY")
    monkeypatch.setenv("NARA_HOST", host)  # the setting, not only the option
    assert_clean_failure(migrated("serve"))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_serve_on_loopback_allows_the_development_secret(
    migrated: Cli, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    import uvicorn

    monkeypatch.setenv("NARA_ENV", "development")
    monkeypatch.delenv("NARA_SECRET_KEY")
    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    monkeypatch.setattr("nara.web.server.check_free", lambda host, port: None)
    migrated.ok("serve", "--host", host)
    assert started and started[0]["host"] == host
    assert started[0]["proxy_headers"] is False  # the app resolves trusted proxies itself


def test_serve_with_a_real_secret_may_listen_on_the_network(
    migrated: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    monkeypatch.setattr("nara.web.server.check_free", lambda host, port: None)
    migrated.ok("serve", "--host", "0.0.0.0")  # noqa: S104 - what is being tested
    assert started[0]["host"] == "0.0.0.0"  # noqa: S104
