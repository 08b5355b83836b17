"""Running Alembic from Nära: ``nara migrate`` and the tests use these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from nara.db import normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


# Objects that the migrations create by hand and the models do not describe: the SQLite
# FTS5 table (and its shadow tables), PostgreSQL's expression indexes for search, the
# expression indexes of the pull order (migration 0023) and the job queue's own schema
# (procrastinate, PostgreSQL only).
UNMODELLED_PREFIXES = ("article_search", "ix_articles_fts_", "ix_cases_pull_", "procrastinate_")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For autogenerate and compare_metadata: skip the hand-made search objects."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
