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
from service.adapters.tables import enrollment_versions, events, projection_tracking
from service.domain.association import Association
from service.domain.enrollment import Enrollment
from service.gc_pause import cyclic_gc_paused

PROJECTION_NAME = "read_models"
# How many waiting events a read looks through to see whether they are its association's;
# beyond that it catches up (the projection process keeps the wait far shorter).
PEEK_LIMIT = 500
# Events a batch applies: a rebuild's and a read's catch-up, and PostgreSQL's projection.
DEFAULT_BATCH_SIZE = 5000


class Projector:
    """Keeps every read model caught up with the event store."""

    def __init__(self, store: EventStore, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
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

    def newest_event_id(self) -> int:
        """The id of the newest recorded event (0 before the first): when it moves, some
        writer is recording events."""
        with read_session(self.store) as session:
            return _newest_id(session)

    def waiting_for(self, session: Session, association_id: str) -> bool:
        """Whether events not yet projected (as this read transaction sees them) may change
        the read models of `association_id`: False only when there are none, or each is
        known to be another association's (read from the event; an enrollment's later
        events from its first, waiting or projected). Unknown, or too many: True."""
        rows = _rows_after(session, _position(session, lock=False), PEEK_LIMIT + 1)
        if len(rows) > PEEK_LIMIT:
            return True
        decode = self.decoder.to_domain_event
        of_enrollment: dict[str, str] = {}
        looked_up: set[str] = set()
        for _, originator_id, version, topic, state in rows:
            event = decode(originator_id, version, topic, state)
            owner = _association_of(event)
            if isinstance(event, Enrollment.Event):
                key = str(originator_id)
                owner = owner or of_enrollment.get(key)
                if owner is None:
                    looked_up.add(key)
                    continue
                of_enrollment[key] = owner
            if owner is None or owner == association_id:
                return True
        if looked_up:
            query = (
                select(enrollment_versions.c.enrollment_id, enrollment_versions.c.association_id)
                .where(enrollment_versions.c.enrollment_id.in_(looked_up))
                .distinct()
            )
            found = {str(eid): str(owner) for eid, owner in session.execute(query)}
            return set(found) != looked_up or association_id in found.values()
        return False

    def lag_in(self, session: Session) -> int:
        """The lag as seen by a read transaction already open."""
        return _newest_id(session) - _position(session, lock=False)

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


def _association_of(event: Any) -> str | None:
    """The association an event names (an enrollment's later events name none)."""
    if isinstance(event, Association.Created | Association.Changed):
        return str(event.slug)
    owner = getattr(event, "association_id", None)
    return None if owner is None else str(owner)


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


def _newest_id(session: Session) -> int:
    """The id of the newest stored event, 0 before the first."""
    return session.execute(select(func.max(events.c.id))).scalar() or 0


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
