"""The read-model projection: exactly-once, in batches, tracked in the same transaction.

Each batch reads the next notifications after the tracked position, writes the read-model
rows and the new position in one transaction. Concurrent projectors (several server
processes, the CLI) serialise on the tracking row, so every event is applied exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from service.adapters.event_decoding import EventDecoder
from service.adapters.eventstore import EventStore, read_session, unit_of_work
from service.adapters.projection_handlers import BatchWriter
from service.adapters.tables import events, projection_tracking
from service.gc_pause import cyclic_gc_paused

PROJECTION_NAME = "read_models"


class Projector:
    """Keeps every read model caught up with the event store."""

    def __init__(self, store: EventStore, batch_size: int = 5000) -> None:
        self.store = store
        self.batch_size = batch_size
        self.decoder = EventDecoder(store.mapper)

    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Apply every event not yet projected; returns how many were applied."""
        if self.lag() == 0:  # a cheap read spares a write lock when nothing is new
            return 0
        applied = 0
        while True:
            count = self._apply_one_batch()
            applied += count
            if on_batch is not None and count:
                on_batch(count)
            if count < self.batch_size:
                return applied

    def lag(self) -> int:
        """How many recorded events the read models have not applied yet."""
        with read_session(self.store) as session:
            return self.lag_in(session)

    def lag_in(self, session: Session) -> int:
        """The lag as seen by a read transaction already open."""
        newest = session.execute(select(func.max(events.c.id))).scalar() or 0
        return newest - _position(session, lock=False)

    def _apply_one_batch(self) -> int:
        # A batch is thousands of small acyclic objects: the cyclic GC would only rescan them.
        with cyclic_gc_paused(), unit_of_work(self.store, audited=False) as session:
            position = _position(session, lock=True)
            rows = _rows_after(session, position, self.batch_size)
            if not rows:
                return 0
            writer = BatchWriter(session)
            writer.preload_enrollments(_enrollments_begun_before(rows))
            decode = self.decoder.to_domain_event
            for _, originator_id, version, topic, state in rows:
                writer.apply(decode(originator_id, version, topic, state))
            writer.flush()
            session.execute(
                update(projection_tracking)
                .where(projection_tracking.c.name == PROJECTION_NAME)
                .values(position=rows[-1].id)
            )
            return len(rows)


def _enrollments_begun_before(rows: list[Row[Any]]) -> list[str]:
    """The enrollments with events in these rows that began before them: only they can
    have a stored row (an enrollment begins with version 1, and versions come in order)."""
    begun_here, begun_before = set(), set()
    for _, originator_id, version, topic, _ in rows:
        if ":Enrollment." in topic:
            if version == 1:
                begun_here.add(originator_id)
            elif originator_id not in begun_here:
                begun_before.add(originator_id)
    return [str(originator_id) for originator_id in begun_before]


def _rows_after(session: Session, position: int, limit: int) -> list[Row[Any]]:
    """The next `limit` stored events: the recorder's notification query, in Core."""
    e = events.c
    query = (
        select(e.id, e.originator_id, e.originator_version, e.topic, e.state)
        .where(e.id > position)
        .order_by(e.id)
        .limit(limit)
    )
    return list(session.execute(query).all())  # one fetchall, not a fetchone per row


def _position(session: Session, *, lock: bool) -> int:
    query: Any = select(projection_tracking.c.position).where(
        projection_tracking.c.name == PROJECTION_NAME
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return int(session.execute(query).scalar_one())


def reset_position(session: Session) -> None:
    """Start the projection over from the first event (rebuild)."""
    session.execute(
        update(projection_tracking)
        .where(projection_tracking.c.name == PROJECTION_NAME)
        .values(position=0)
    )
