"""The Alembic migrations and the models agree, and the migrations run both ways, on
whichever backend the suite runs against (SQLite by default, PostgreSQL with
NARA_TEST_DATABASE_URL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from nara import migrate
from nara.db import make_engine, normalise_url
from nara.domain import cases as case_actions
from nara.domain import customers as customer_actions
from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM
from nara.models import Base

TABLES = set(Base.metadata.tables)


def schema_diff(engine: Engine, metadata: MetaData = Base.metadata) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": migrate.include_name}
        )
        return list(compare_metadata(context, metadata))


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own on the suite's backend, dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = make_url(normalise_url(database_url))
    name = f"nara_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def fresh_engine(fresh_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_url)
    yield engine
    engine.dispose()


def table_names(engine: Engine) -> set[str]:
    """Tables, without the hand-made search objects the models do not describe (SQLite's
    FTS5 table and its shadow tables) — those are checked on their own below."""
    names = set(inspect(engine).get_table_names())
    return {n for n in names if migrate.include_name(n, "table", {})}


def test_search_objects_come_and_go_with_the_migrations(
    fresh_url: str, fresh_engine: Engine
) -> None:
    def search_objects() -> set[str]:
        inspector = inspect(fresh_engine)
        if fresh_engine.dialect.name == "sqlite":
            return {n for n in inspector.get_table_names() if n.startswith("article_search")}
        return {i["name"] or "" for i in inspector.get_indexes("articles")} & {
            "ix_articles_fts_sv",
            "ix_articles_fts_en",
        }

    migrate.upgrade(fresh_url)
    assert search_objects()
    migrate.downgrade(fresh_url, "0002")
    assert "articles" not in inspect(fresh_engine).get_table_names()
    if fresh_engine.dialect.name == "sqlite":
        assert not search_objects()
    migrate.upgrade(fresh_url)
    assert search_objects()


def test_models_and_migrations_agree(engine: Engine) -> None:
    diff = schema_diff(engine)
    assert diff == [], f"the models and the migrations differ; run alembic revision: {diff}"


def test_the_comparison_sees_differences(engine: Engine) -> None:
    """Guard against a vacuous comparison: a changed copy of the models must differ."""
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    Table("not_migrated", changed, Column("id", Integer, primary_key=True))
    Table("topics", changed, Column("colour", String(16)), extend_existing=True)
    diff = schema_diff(engine, changed)
    # entries are tuples like ("add_table", table), or lists of column changes
    kinds = {entry[0] if isinstance(entry, tuple) else entry[0][0] for entry in diff}
    assert kinds >= {"add_table", "add_column"}


def test_suite_database_is_at_head(engine: Engine, database_url: str) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    assert table_names(engine) >= TABLES


def test_migration_history_is_linear_and_described(database_url: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(database_url))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions
    assert revisions[-1].down_revision is None  # one base
    for revision in revisions:
        assert revision.doc and len(revision.doc.split()) >= 3, revision.revision
        name = Path(revision.path).name
        assert name.startswith(f"{revision.revision}_") or name == f"{revision.revision}.py"


def test_upgrade_on_an_empty_database(fresh_url: str, fresh_engine: Engine) -> None:
    assert table_names(fresh_engine) == set()
    assert migrate.current_revision(fresh_engine) is None
    migrate.upgrade(fresh_url)
    assert migrate.current_revision(fresh_engine) == migrate.head_revision(fresh_url)
    assert table_names(fresh_engine) == TABLES | {"alembic_version"}
    assert schema_diff(fresh_engine) == []


def test_downgrade_to_base_and_upgrade_again(fresh_url: str, fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_url)
    migrate.downgrade(fresh_url, "base")
    assert table_names(fresh_engine) - {"alembic_version"} == set()
    assert migrate.current_revision(fresh_engine) is None
    migrate.upgrade(fresh_url, "head")
    assert migrate.current_revision(fresh_engine) == migrate.head_revision(fresh_url)
    assert schema_diff(fresh_engine) == []
    # and the re-created schema takes real writes
    with Session(fresh_engine) as session:
        team = team_actions.create_team(
            session=session,
            actor=SYSTEM,
            slug="kundservice",
            name_sv="Kundservice",
            name_en="Customer Service",
            is_fallback=True,
        )
        customer = customer_actions.create_customer(
            session=session, actor=SYSTEM, name="Anna", personnummer="198004262385"
        )
        case = case_actions.open_case(
            session=session, actor=SYSTEM, message="Hej", customer_id=customer.id
        ).case
        session.commit()
        assert case.team_id == team.id
        assert case.number.endswith("-000001")


def test_each_revision_steps_up_and_down(fresh_url: str, fresh_engine: Engine) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(fresh_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(fresh_url, revision)
        assert migrate.current_revision(fresh_engine) == revision
    for revision in reversed(revisions):
        assert migrate.current_revision(fresh_engine) == revision
        migrate.downgrade(fresh_url, "-1")
    assert migrate.current_revision(fresh_engine) is None


def test_upgrade_is_idempotent(fresh_url: str, fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_url)
    migrate.upgrade(fresh_url)
    assert migrate.current_revision(fresh_engine) == migrate.head_revision(fresh_url)
    assert schema_diff(fresh_engine) == []
