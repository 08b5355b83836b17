"""Engine and session factory. SQLite by default, PostgreSQL (psycopg 3) in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from nara.config import Settings, get_settings

_engines: dict[str, Engine] = {}


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for both."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_before_savepoint(conn: Connection, _name: str) -> None:
    """pysqlite only emits BEGIN before DML, so a SAVEPOINT can start the transaction;
    SQLite then treats it as the outermost one and its RELEASE commits everything, and
    a later rollback of the outer transaction undoes nothing. Begin a real transaction
    first so that savepoints nest inside it. IMMEDIATE: a savepoint is taken to write,
    and a transaction that has read first and then writes after another connection has
    committed fails at once ("database is locked") instead of waiting its turn."""
    driver = conn.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


WROTE = "nara.wrote"


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: object) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_write(session: Session) -> None:
    session.info.pop(WROTE, None)


SENT_CHANGE = "nara.sent_change"


@event.listens_for(Engine, "before_cursor_execute")
def _note_change(
    conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    """Mark the connection's transaction as one that sent something besides a SELECT
    (a write, a savepoint, a lock of its own): see :func:`end_request`."""
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[SENT_CHANGE] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(conn: Connection) -> None:
    conn.info.pop(SENT_CHANGE, None)


def end_request(session: Session) -> None:
    """End a request's session. A transaction that only read ends with COMMIT instead of
    ROLLBACK: the same one round trip, but psycopg forgets every prepared statement of
    the connection on a ROLLBACK, so a connection that mostly serves reads would never
    reuse a prepared statement and PostgreSQL would plan each statement anew (planning
    took several times longer than running the case page's statements). Anything else
    (pending or flushed changes, any statement besides a SELECT) is rolled back, as
    closing the session always did."""
    try:
        only_read = (
            session.in_transaction()
            and not has_writes(session)
            and not session.connection().info.get(SENT_CHANGE)
        )
        if only_read:
            try:
                session.commit()
            except SQLAlchemyError:  # a transaction the database has already failed
                session.rollback()
    finally:
        session.close()


def has_writes(session: Session) -> bool:
    """Whether the session's transaction holds changes, pending or already flushed: a
    request that only read can end without a COMMIT round trip."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(WROTE))


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
    else:
        settings = get_settings()
        # psycopg's default (prepare from the sixth run) unless the settings say no.
        prepare = {} if settings.database_prepared_statements else {"prepare_threshold": None}
        engine = create_engine(
            url,
            connect_args=prepare,
            pool_pre_ping=settings.database_pre_ping,
            pool_size=10,
            max_overflow=20,
            pool_recycle=3600,
        )
        event.listen(engine, "connect", _postgres_utc)
    return engine


def _postgres_utc(dbapi_connection: Any, _record: Any) -> None:
    """Times come back in UTC (psycopg then gives them ``datetime.UTC``, which
    :func:`nara.clock.ensure_utc` takes as it is instead of converting every time column of
    every row from the server's zone). Nothing in Nära's SQL depends on the session's
    zone; committed, so a later rollback does not undo it."""
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    url = normalise_url(settings.database_url)
    engine = _engines.get(url)
    if engine is None:
        engine = make_engine(url)
        _engines[url] = engine
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def database_status(engine: Engine | None = None) -> dict[str, str]:
    engine = engine or get_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "backend": engine.dialect.name}
    except Exception as exc:  # the health check reports any failure, never raises
        return {
            "status": "unavailable",
            "backend": engine.dialect.name,
            "error": type(exc).__name__,
        }


# The reference data's tokens are renewed by every session's flushes (listeners on
# Session, registered on import).
import nara.reference_cache  # noqa: E402, F401
