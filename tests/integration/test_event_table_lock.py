"""The event table's lock (eventstore.lock_event_table) is taken in every transaction that
writes events on PostgreSQL: ids then commit in order, which the projection relies on."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.adapters.database import make_engine
from service.adapters.eventstore import lock_event_table
from service.adapters.tables import EVENTS_TABLE

HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND mode = 'ExclusiveLock'"
    " AND relation = CAST(:table AS regclass) AND pid = pg_backend_pid()"
)


def test_a_session_locks_the_event_table_again_in_its_next_transaction(
    postgres_url: str,
) -> None:
    """Taken once per transaction, not once per session: a session's second transaction
    would otherwise write events without the lock."""
    engine = make_engine(postgres_url)
    try:
        with Session(engine) as session:
            for _ in range(2):
                with session.begin():
                    lock_event_table(session)
                    lock_event_table(session)  # the second call costs no statement
                    assert session.execute(HELD, {"table": EVENTS_TABLE}).scalar() == 1
    finally:
        engine.dispose()
