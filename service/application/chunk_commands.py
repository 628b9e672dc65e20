"""A batch chunk's enrollment commands, written together at the chunk's end (issue 21).

A chunk of a batch import (`events:batch`, `python -m service import`) runs the very
commands of `EnrollmentCommands` — the same checks, aggregate methods, idempotency and
register rules — on its enrollments and registers held in memory: the stored events of
every enrollment it names and the register rows it needs, read in a few queries. Each
command meets the state the chunk's earlier commands left, as it would had each written
its rows at once; what it would write is kept, and the whole chunk is written with one
statement per table when the block of `chunk_commands` ends, in one savepoint. Nothing
is written before that, so a chunk the caller gives up on leaves nothing behind.

The writers' lock is taken before the first read (PostgreSQL; SQLite's writer holds its
lock from BEGIN), so nothing the chunk read can change before it is written: a single
POST that loaded an enrollment before the chunk and writes after it meets a newer
version and answers 409, as it would against any other writer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from service.adapters.bulk_insert import insert_rows
from service.adapters.chunk_registers import ChunkRegisters
from service.adapters.event_decoding import EventDecoder
from service.adapters.eventstore import (
    events_of,
    lock_event_table,
    savepoint,
    unit_of_work,
)
from service.adapters.stored_events import event_rows
from service.adapters.tables import events
from service.application.enrollments import EnrollmentCommands, EnrollRequest
from service.domain.errors import DomainError, WriteConflictError


def replayed(history: Sequence[Any]) -> Any:
    """The aggregate of these events: what the repository's `project_aggregate` does,
    without its isinstance check against a runtime Protocol, which costs more than the
    replay itself."""
    aggregate = None
    for event in history:
        aggregate = event.mutate(aggregate)
    return aggregate


class ChunkCommands(EnrollmentCommands):
    """`EnrollmentCommands` whose reads and writes stay in memory until `flush`."""

    def __init__(self, commands: EnrollmentCommands, session: Session) -> None:
        # The chunk holds the writers' lock: an association's settings and an intervention
        # read once stay current to its end.
        super().__init__(
            commands.store,
            commands.today,
            commands.pseudonym_key,
            cache(commands.settings_of),
            cache(commands.intervention),
        )
        self.session = session
        self.decoder = EventDecoder(commands.store.mapper)
        self.registers = ChunkRegisters(session)
        self.history: dict[UUID, list[Any]] = {}  # each known aggregate's events, new ones too
        self.aggregates: dict[UUID, Any] = {}  # built from `history` when first loaded
        self.new_events: list[Any] = []

    def preload(
        self,
        association_id: str,
        creations: Sequence[EnrollRequest],
        aggregate_ids: Collection[UUID],
        event_keys: Collection[str],
    ) -> None:
        """Read in bulk what the chunk's commands will ask for: the events of these
        aggregates, the register rows of the new enrollments' pseudonyms and of these
        enrollments, and these event keys. Only a shortcut: what is not read here is read
        when it is needed."""
        places = []
        for request in creations:
            try:
                pseudonym = self._pseudonymous(association_id, request.body)["pseudonym"]
            except DomainError:
                continue  # the command will refuse it
            places.append((association_id, request.intervention_id, pseudonym))
        self._read_history(aggregate_ids)
        # Only a stored enrollment can be registered: both are written together (were one
        # ever registered without its events, the chunk's insert would fail, and its items
        # be applied one by one).
        stored = [str(i) for i in aggregate_ids if self.history[i]]
        self.registers.unregistered(str(i) for i in aggregate_ids if not self.history[i])
        self.registers.preload(places, stored, [(association_id, k) for k in event_keys])

    def _read_history(self, aggregate_ids: Collection[UUID]) -> None:
        wanted = [i for i in aggregate_ids if i not in self.history]
        stored = events_of(self.session, self.decoder, wanted)
        for aggregate_id in wanted:
            self.history[aggregate_id] = stored.get(aggregate_id, [])

    def _history(self, aggregate_id: UUID) -> list[Any]:
        if aggregate_id not in self.history:
            self._read_history([aggregate_id])
        return self.history[aggregate_id]

    def _stored(self, aggregate_id: UUID) -> object | None:
        history = self._history(aggregate_id)
        if not history:
            return None
        aggregate = self.aggregates.get(aggregate_id)
        # Rebuilt when a command changed it but its write was refused (a newer version).
        if aggregate is None or aggregate.version != history[-1].originator_version:
            aggregate = replayed(history)
            self.aggregates[aggregate_id] = aggregate
        return aggregate

    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        yield  # the chunk's own, locked at its start

    def _record(
        self,
        domain_events: Sequence[Any],
        claim: dict[str, str] | None,
        release: str | None,
        key: dict[str, str] | None,
    ) -> None:
        # What `_write` does in the database, checked in the same order: the registers
        # first, then each event's version; nothing is kept unless everything passes.
        keep = self.registers.change(release, claim, key)
        newest: dict[UUID, int] = {}
        for event in domain_events:
            history = self._history(event.originator_id)
            last = newest.get(event.originator_id, history[-1].originator_version if history else 0)
            if event.originator_version <= last:
                raise WriteConflictError("the aggregate has this version already")
            newest[event.originator_id] = event.originator_version
        keep()
        for event in domain_events:
            self.history[event.originator_id].append(event)
            self.new_events.append(event)

    def flush(self) -> None:
        """Write what the chunk's commands kept: the registers' changes and the events,
        in the order they were made."""
        self.registers.flush()
        insert_rows(
            self.session.connection(), events, event_rows(self.store.mapper, self.new_events)
        )
        self.new_events = []


@contextmanager
def chunk_commands(commands: EnrollmentCommands) -> Iterator[ChunkCommands]:
    """Commands whose writes are made, all together, when the block ends without an error
    (in a savepoint of the caller's transaction: `EnrollmentCommands.one_transaction`).
    An error leaves nothing written; a row another writer took raises WriteConflictError."""
    with unit_of_work(commands.store) as session, savepoint(session):
        lock_event_table(session)  # before the first read: see the module's docstring
        chunk = ChunkCommands(commands, session)
        yield chunk
        chunk.flush()
