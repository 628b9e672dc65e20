"""The SQLAlchemy engine: durability settings for SQLite, health checks for both."""

from __future__ import annotations

import os
from typing import Any

from eventsourcing_sqlalchemy.datastore import transactions
from sqlalchemy import Engine, create_engine, event, text

# SQLite's sizes for a writer whose chunk of 1,000 events dirties about 5,000 pages (20
# MiB) of randomly keyed indexes (decisions.md §39). With the defaults (a 2 MiB page
# cache, a checkpoint whenever the WAL passes 1,000 pages, statement journals in files)
# such a chunk spilled dirty pages into the WAL before its commit, copied every page into
# a savepoint's journal file and checkpointed after every commit: an import's cost per
# event grew by half to double as the store grew to 90,000 events.
SQLITE_CACHE_KIB = 32_768  # at most, per connection; allocated as pages are used
SQLITE_CHECKPOINT_PAGES = 16_384  # a WAL of 64 MiB at 4 KiB a page
SQLITE_WAL_KEPT_BYTES = 64 * 1024 * 1024  # a WAL grown past this is cut back to it
# How long a connection waits for another's lock before it gives up (SQLITE_BUSY).
SQLITE_BUSY_TIMEOUT_MS = 30_000


# PostgreSQL's application_name of a connection: this, and the process id.
APPLICATION_NAME = "uppfoljning"


class DurabilityError(RuntimeError):
    """The database is not set up to keep acknowledged writes through a crash."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, synchronous=FULL and immediate write locks."""
    if not url.startswith("sqlite"):
        # connect_timeout: a database host that drops packets must not hang /ready and
        # every request for the kernel's TCP timeout.
        server_engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            connect_args={"connect_timeout": 5},
            hide_parameters=True,  # pseudonyms and event data stay out of logged errors
        )
        event.listen(server_engine, "do_connect", _name_connection)
        return server_engine
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,  # pseudonyms and event data stay out of logged errors
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_KEPT_BYTES}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front: a deferred read-then-write transaction could
        # fail with SQLITE_BUSY instead of waiting for the other writer. Read-only
        # transactions (read_session) begin deferred: in WAL they read a snapshot beside
        # the writer instead of queueing for its lock.
        connection.exec_driver_sql("BEGIN" if _read_only_transaction() else "BEGIN IMMEDIATE")

    return engine


def _name_connection(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
    """Name each PostgreSQL connection after the process that opened it, as
    `pg_stat_activity` shows it: which of the server's processes (a request worker, the
    projection child) a backend works for. A name given in the URL is kept."""
    params.setdefault("application_name", f"{APPLICATION_NAME} {os.getpid()}")


def _read_only_transaction() -> bool:
    """True inside the event store's transaction opened with commit=False."""
    try:
        return transactions.get().commit is False
    except LookupError:  # outside the event store's transactions: assume a writer
        return False


def verify_durability(engine: Engine) -> None:
    """Refuse to run SQLite without WAL and synchronous=FULL (product.md §10)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        journal = connection.execute(text("PRAGMA journal_mode")).scalar()
        synchronous = connection.execute(text("PRAGMA synchronous")).scalar()
    if str(journal).lower() != "wal" or synchronous != 2:
        raise DurabilityError(
            f"SQLite must run with journal_mode=WAL and synchronous=FULL, "
            f"got journal_mode={journal} synchronous={synchronous}"
        )


def database_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
