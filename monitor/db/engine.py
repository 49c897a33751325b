"""Connections and schema upgrades: the one place that owns the engine's lifecycle."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import CursorResult, Engine, Result, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

# Imported for its listener: every session's flush writes the audit log (monitor.db.audit).
from monitor.db import audit  # noqa: F401

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)

# How long a record-keeping write waits for another writer's lock before it is given up.
BOOKKEEPING_LOCK_WAIT_MS = 1000


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says why in one line."""


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"[database] url: cannot parse {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, future=True)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # The web threads and the poller share the file: wait for a lock rather than fail at once.
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, future=True
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # WAL lets pages read while the poller writes; NORMAL sync is safe with WAL.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # No memory-mapped reads of the database file, whatever the SQLite build's default: a
        # mapped page that the file system can no longer supply (a read-only remount, a removed
        # disk) kills the process with SIGBUS instead of returning an error. (WAL's small -shm
        # index is always mapped; `ictmon run` enables faulthandler so that leaves a traceback.)
        cursor.execute("PRAGMA mmap_size=0")
        cursor.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, future=True)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. Session.execute is typed as returning a plain Result, but
    for those statements it is a CursorResult, which carries the count."""
    return cast(CursorResult[Any], result).rowcount


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def lock_wait(session: Session, wait_ms: int) -> Iterator[None]:
    """Within the block, a write of `session` waits at most `wait_ms` for another writer's lock."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Ends with the transaction, whichever way it ends.
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait_ms)}")
    if dialect != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={before}")


@contextmanager
def bookkeeping(session: Session, what: str, *, statements: bool = False) -> Iterator[None]:
    """Changes that only keep records (when a token was last used, a sign-in's audit line), made
    to ORM objects in the block — or, with `statements`, also by statements executed in it — and
    committed at its end if the database takes them within a moment; otherwise rolled back and
    logged, never raised. A read must not fail because the database cannot be written just now
    (another writer holding the lock, a full disk, a read-only file system). The block ends
    `session`'s transaction: nothing else may be pending, and ORM objects are expired when the
    changes are given up. (Without `statements`, a block that changes nothing costs no query.)"""
    try:
        if statements:
            with lock_wait(session, BOOKKEEPING_LOCK_WAIT_MS):
                yield
                session.flush()
        else:
            yield
            if session.new or session.dirty or session.deleted:
                with lock_wait(session, BOOKKEEPING_LOCK_WAIT_MS):
                    session.flush()
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        log.warning("%s not recorded: the database cannot be written (%s)", what, reason_of(exc))


def reason_of(exc: SQLAlchemyError) -> str:
    """The driver's own one-line reason for a failed statement."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def alembic_config(engine: Engine | None):  # None: only the migration scripts are read
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), "heads")
    except OperationalError as exc:
        raise DatabaseError(f"database not reachable: {exc.orig}") from None


def check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        raise DatabaseError(
            f"database not reachable: {str(exc.orig).strip().splitlines()[0]}"
        ) from None


def is_initialised(engine: Engine) -> bool:
    check_reachable(engine)
    return inspect(engine).has_table("alembic_version")
