"""The event store: an eventsourcing Application on eventsourcing-sqlalchemy.

Alembic owns the table (CREATE_TABLE is off). The application's engine is replaced by one
from `make_engine`, so the event store, the read models and the key table share one
engine, one write lock and — inside `unit_of_work` — one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import Environment
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.adapters.tables import EVENTS_TABLE


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
def unit_of_work(store: EventStore) -> Iterator[Session]:
    """One transaction shared by the event store and our own tables; commits on success."""
    datastore = store.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as session:
        yield session


@contextmanager
def read_session(store: EventStore) -> Iterator[Session]:
    """A read-only transaction on the same engine."""
    datastore = store.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as session:
        yield session
