"""Test set-up.

The suite runs against SQLite by default and against PostgreSQL when
``NARA_TEST_DATABASE_URL`` points at one (CI does both). A fresh database is created and
migrated with Alembic once per run; every test then runs inside a transaction that is
rolled back at the end (``db``), so tests never see each other's data. Tests that need
real commits from several connections (concurrency) use ``committed_engine`` and clean
up after themselves.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

os.environ.setdefault("NARA_ENV", "test")
os.environ.setdefault("NARA_SECRET_KEY", "test-secret-not-for-production-0123456789")
# The follow-up counts today afresh for every request (tests change data within a second).
os.environ.setdefault("NARA_FOLLOWUP_LIVE_SECONDS", "0")

from nara import migrate
from nara.config import reset_settings
from nara.db import make_engine, normalise_url
from nara.demo.loader import wipe
from nara.web.app import create_app
from nara.web.deps import get_db
from tests.openapi_check import check_response

TEST_URL = os.environ.get("NARA_TEST_DATABASE_URL", "")


def _create_postgres_database(base_url: str) -> tuple[str, str]:
    url = make_url(normalise_url(base_url))
    name = f"nara_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(base_url: str, name: str) -> None:
    admin = create_engine(make_url(normalise_url(base_url)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if TEST_URL.startswith(("postgres", "postgresql")):
        url, name = _create_postgres_database(TEST_URL)
        yield url
        _drop_postgres_database(TEST_URL, name)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "nara-test.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    os.environ["NARA_DATABASE_URL"] = database_url
    reset_settings()
    migrate.upgrade(database_url)
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; commits in the
    code under test only release savepoints."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def committed_engine(engine: Engine) -> Iterator[Engine]:
    """The real database with real commits; every row is deleted afterwards."""
    yield engine
    with Session(engine) as session:
        wipe(session)
        session.commit()


@pytest.fixture
def app(engine: Engine, db: Session) -> Iterator[object]:
    application = create_app(engine)

    def _db() -> Iterator[Session]:
        # Like the real get_db: a failed request's writes are rolled back (to the
        # test's savepoint), the session stays usable for the rest of the test.
        try:
            yield db
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides[get_db] = _db
    yield application


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters live in process memory; every test starts with none."""
    from nara.web import ratelimit

    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        # Every API response must be one the OpenAPI document declares.
        c.event_hooks["response"].append(check_response(app))  # type: ignore[arg-type]
        yield c
