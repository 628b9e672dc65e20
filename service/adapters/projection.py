"""The read-model projection: exactly-once, in batches, tracked in the same transaction.

Each batch reads the next notifications after the tracked position, writes the read-model
rows and the new position in one transaction. Concurrent projectors (several server
processes, the CLI) serialise on the tracking row, so every event is applied exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import Notification
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.adapters.eventstore import EventStore, read_session, unit_of_work
from service.adapters.projection_handlers import BatchWriter
from service.adapters.tables import events, projection_tracking

PROJECTION_NAME = "read_models"


class Projector:
    """Keeps every read model caught up with the event store."""

    def __init__(self, store: EventStore, batch_size: int = 1000) -> None:
        self.store = store
        self.batch_size = batch_size

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
        with unit_of_work(self.store) as session:
            position = _position(session, lock=True)
            notifications = _notifications_after(session, position, self.batch_size)
            if not notifications:
                return 0
            writer = BatchWriter(session)
            writer.preload_enrollments(
                [str(n.originator_id) for n in notifications if ":Enrollment." in n.topic]
            )
            for notification in notifications:
                writer.apply(self.store.mapper.to_domain_event(notification))
            writer.flush()
            session.execute(
                update(projection_tracking)
                .where(projection_tracking.c.name == PROJECTION_NAME)
                .values(position=notifications[-1].id)
            )
            return len(notifications)


def _notifications_after(session: Session, position: int, limit: int) -> list[Notification]:
    """The next `limit` notifications: the recorder's query in Core, without ORM objects."""
    e = events.c
    rows = session.execute(
        select(e.id, e.originator_id, e.originator_version, e.topic, e.state)
        .where(e.id > position)
        .order_by(e.id)
        .limit(limit)
    )
    return [
        Notification(id=i, originator_id=o, originator_version=v, topic=t, state=s)
        for i, o, v, t, s in rows
    ]


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
