"""The event store: an eventsourcing Application on eventsourcing-sqlalchemy.

Alembic owns the table (CREATE_TABLE is off). The application's engine is replaced by one
from `make_engine`, so the event store, the read models and the key table share one
engine, one write lock and — inside `unit_of_work` — one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy.exc
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError as StoreIntegrityError
from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import transactions
from sqlalchemy import Engine, bindparam, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from service.adapters.audit_log import current_pending, write_pending
from service.adapters.copy_errors import UNIQUE_VIOLATION, CopyRefusedError
from service.adapters.event_decoding import EventDecoder
from service.adapters.in_list import one_of
from service.adapters.stored_events import event_rows
from service.adapters.tables import EVENTS_TABLE, events
from service.domain.errors import WriteConflictError


class DateAsISO(Transcoding):
    """Dates travel as ISO strings in stored events."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EventStore(Application[Any]):
    """Stores and retrieves the aggregates of every association."""

    name = "Uppfoljning"  # the table is "uppfoljning_events"

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Only what bootstrap passes: Settings is the single reader of os.environ.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The recorder's save; a taken id or version raises WriteConflictError."""
        with write_conflicts_translated():
            return super().save(*objs, **kwargs)


@contextmanager
def write_conflicts_translated() -> Iterator[None]:
    """The one place a database integrity error (an id, a version or a key another
    transaction took first) becomes the domain's WriteConflictError."""
    try:
        yield
    except (StoreIntegrityError, sqlalchemy.exc.IntegrityError) as error:
        raise WriteConflictError("another transaction wrote the same row first") from error
    except CopyRefusedError as error:  # a bulk insert's COPY (PostgreSQL)
        if error.sqlstate != UNIQUE_VIOLATION:
            raise
        raise WriteConflictError("another transaction wrote the same row first") from error


def open_event_store(database_url: str, engine: Engine) -> EventStore:
    """An event store on `engine` (the URL only picks the dialect-specific recorder)."""
    store = EventStore(
        env={
            "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
            "SQLALCHEMY_URL": database_url,
            "CREATE_TABLE": "n",
        }
    )
    datastore = store.factory.datastore  # type: ignore[attr-defined]
    datastore.engine.dispose()
    datastore.engine = engine
    datastore.session_maker = sessionmaker(bind=engine, autoflush=True)
    datastore._tried_init_sqlite_wal_mode = True  # make_engine sets WAL itself
    assert store.recorder.events_table_name == EVENTS_TABLE  # type: ignore[attr-defined]
    return store


@contextmanager
def unit_of_work(store: EventStore, *, audited: bool = True) -> Iterator[Session]:
    """One transaction shared by the event store and our own tables; commits on success.
    A row another transaction wrote first raises WriteConflictError.

    The outermost unit of work of a request or command carries its audit entry when one is
    pending (adapters/audit_log.py): inserted last, committed with the write or not at all.
    `audited=False` is for the service's own bookkeeping (projection, sessions, the log
    itself), which is no one's write.
    """
    datastore = store.factory.datastore  # type: ignore[attr-defined]
    pending = current_pending() if audited and transactions.get(None) is None else None
    entry = None
    with write_conflicts_translated(), datastore.transaction(commit=True) as session:
        yield session
        if pending is not None:
            entry = write_pending(session, pending)
    if pending is not None:
        pending.written = entry


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction: what fails inside is undone alone, and a row another
    transaction wrote first raises WriteConflictError."""
    with write_conflicts_translated(), session.begin_nested():
        yield


@contextmanager
def read_session(store: EventStore) -> Iterator[Session]:
    """A read-only transaction on the same engine."""
    datastore = store.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as session:
        yield session


def latest_version(store: EventStore, originator_id: UUID) -> int | None:
    """The version of the aggregate's newest stored event; None when it has none.

    One indexed read: cheaper than replaying the aggregate to learn a cached copy is current.
    """
    with read_session(store) as session:
        version = session.execute(_LATEST_VERSION, {"originator_id": originator_id}).scalar()
        return None if version is None else int(version)


# Built once: every enrollment write asks it (a statement built per call costs more than
# running it).
_LATEST_VERSION = select(func.max(events.c.originator_version)).where(
    events.c.originator_id == bindparam("originator_id")
)


def existing_ids(session: Session, originator_ids: Collection[UUID]) -> set[UUID]:
    """Those of the ids that some stored aggregate has already."""
    if not originator_ids:
        return set()
    found = session.execute(
        select(events.c.originator_id)
        .where(events.c.originator_id.in_(list(originator_ids)))
        .distinct()
    ).scalars()
    return {UUID(str(value)) for value in found}


def events_of(
    session: Session, decoder: EventDecoder, originator_ids: Collection[UUID]
) -> dict[UUID, list[Any]]:
    """The stored events of these aggregates, each one's in version order, in one query
    (an aggregate without events is left out)."""
    found: dict[UUID, list[Any]] = {}
    if not originator_ids:
        return found
    rows = session.execute(
        select(events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
        .where(one_of(session, events.c.originator_id, originator_ids))
        .order_by(events.c.originator_id, events.c.originator_version)
    )
    for row in rows:
        event = decoder.to_domain_event(*row)
        found.setdefault(event.originator_id, []).append(event)
    return found


def record_events(session: Session, store: EventStore, domain_events: Iterable[Any]) -> None:
    """Record new events (an aggregate's `collect_events()`) with one executemany insert.

    What `store.save` does, without the recorder's ORM: it adds and flushes one ORM object
    per event, which costs more than the rest of an enrollment write. The rows are the
    mapper's (`stored_events`). The caller has taken `lock_event_table` first, as the
    recorder does, before anything else it writes. An event whose aggregate id and version
    are taken raises IntegrityError, as `store.save` would.
    """
    rows = event_rows(store.mapper, domain_events)
    if rows:
        session.execute(insert(events), rows)


def lock_event_table(session: Session) -> None:
    """On PostgreSQL, the recorder's table lock, held to the end of the transaction: event
    ids then commit in the order they were given, so the projector, which reads after the
    last id it applied, never passes over one. (SQLite has one writer at a time anyway.)"""
    outermost = session.get_transaction()
    if session.get_bind().dialect.name != "postgresql" or (
        outermost is not None and session.info.get(_EVENTS_LOCKED) is outermost
    ):
        return
    session.execute(text(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE"))
    # Taken once per transaction: a command locks before its checks, and its write then
    # costs no second round trip. Remembered as the transaction it was taken in (a
    # session's next transaction must lock again), and not inside a savepoint, whose
    # rollback would release the lock.
    if not session.in_nested_transaction():
        session.info[_EVENTS_LOCKED] = session.get_transaction()


_EVENTS_LOCKED = "uppfoljning_events_locked"
