"""The audit trail and the accountability protocol, as the service uses them (§12).

Entries are written by the edges (api/audit.py for requests, cli/ for commands): a write's
entry in the write's own transaction (`pending`), any other in a transaction of its own
(`record`). The association admin reads its own association's log and protocol here.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from service.adapters import audit_log, protocol
from service.adapters.audit_log import AuditEntry, PendingEntry, pending_entry
from service.adapters.eventstore import EventStore, read_session, unit_of_work
from service.application.access import require_association
from service.domain.codes import Role
from service.domain.principal import Principal

OPERATOR_ROLE = "operator"


@dataclass
class CommandOutcome:
    """What a command reports as its exit code (0 unless it says otherwise)."""

    status: int = 0


def operator_name() -> str:
    """Who runs a command on the server: the operating-system account."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no such user in the container's passwd
        return "operator"


class AuditTrail:
    """Writes entries and answers the admin's questions about them."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._names: dict[str, str | None] = {}  # key id → name (a key is never renamed)

    def record(self, entry: AuditEntry) -> None:
        """Append `entry` in a transaction of its own; raises when it cannot be written."""
        with unit_of_work(self.store, audited=False) as session:
            audit_log.record(session, self.named(session, entry))

    def named(self, session: Session, entry: AuditEntry) -> AuditEntry:
        """`entry` with its key's name (looked up once per key)."""
        if entry.key_id is None or entry.key_name is not None:
            return entry
        if entry.key_id not in self._names:
            self._names[entry.key_id] = audit_log.key_name(session, entry.key_id)
        return replace(entry, key_name=self._names[entry.key_id])

    @contextmanager
    def pending(self, make: Callable[[], AuditEntry | None]) -> Iterator[PendingEntry]:
        """While the block runs, the first write transaction that commits carries the entry
        `make` gives (as success answers; None when none is due). The caller writes any
        other outcome's entry with `record` (docs/decisions.md §22)."""

        def in_transaction(session: Session) -> AuditEntry | None:
            entry = make()
            return None if entry is None else self.named(session, entry)

        with pending_entry(PendingEntry(in_transaction)) as pending:
            yield pending

    @contextmanager
    def command(
        self,
        command: str,
        *,
        association_id: str | None = None,
        period: tuple[date, date] | None = None,
    ) -> Iterator[CommandOutcome]:
        """Audit an operator's command run in the block: its entry (status 0) goes with its
        first write transaction; a command that wrote nothing, or ends with another exit
        code (set on the outcome, or 1 when it raises), gets an entry of its own with it."""
        outcome = CommandOutcome()

        def entry() -> AuditEntry:
            return self._command_entry(command, association_id, 0, period)

        with self.pending(entry) as pending:
            try:
                yield outcome
            except BaseException as error:
                outcome.status = _exit_code(error)
                raise
            finally:
                written = pending.written
                if written is None or written.status != outcome.status:
                    self.record_command(
                        command, association_id=association_id, status=outcome.status,
                        period=period,
                    )  # fmt: skip

    def record_command(
        self,
        command: str,
        *,
        association_id: str | None = None,
        status: int = 0,
        period: tuple[date, date] | None = None,
    ) -> None:
        """An entry for an operator's command (`status` is its exit code), on its own."""
        self.record(self._command_entry(command, association_id, status, period))

    def _command_entry(
        self,
        command: str,
        association_id: str | None,
        status: int,
        period: tuple[date, date] | None,
    ) -> AuditEntry:
        return AuditEntry(
            recorded_at=datetime.now(UTC),
            key_id=None,
            key_name=operator_name(),
            role=OPERATOR_ROLE,
            association_id=association_id,
            action=command,
            intervention_id=None,
            period_from=period[0] if period else None,
            period_to=period[1] if period else None,
            status=status,
        )

    def older_than(self, cutoff: datetime) -> int:
        """How many entries were recorded before `cutoff` (gallring's dry run)."""
        with read_session(self.store) as session:
            return audit_log.count_older_than(session, cutoff)

    def remove_older_than(self, cutoff: datetime) -> int:
        """The log's own retention: its only deletion; how many entries went."""
        with unit_of_work(self.store) as session:
            return audit_log.remove_older_than(session, cutoff)

    def log(
        self,
        principal: Principal,
        association_id: str,
        *,
        start: datetime | None,
        end: datetime | None,
        key_id: str | None,
        action: str | None,
        page: int,
    ) -> list[dict[str, Any]]:
        """One page of the association's log, for its admin (404 for anyone else's)."""
        require_association(principal, association_id, write=False, roles=(Role.ASSOCIATION_ADMIN,))
        with read_session(self.store) as session:
            return audit_log.entries(
                session, association_id=association_id, start=start, end=end,
                key_id=key_id, action=action, page=page,
            )  # fmt: skip

    def protocol(self, principal: Principal, association_id: str) -> list[dict[str, Any]]:
        """The association's gallringsprotokoll and erasure records, for its admin."""
        require_association(principal, association_id, write=False, roles=(Role.ASSOCIATION_ADMIN,))
        with read_session(self.store) as session:
            return protocol.entries(session, association_id)

    def export(
        self, association_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[dict[str, Any]]:
        """Every entry (of one association when given): the operator's export."""
        with read_session(self.store) as session:
            return audit_log.entries(session, association_id=association_id, start=start, end=end)


def _exit_code(error: BaseException) -> int:
    """The exit code a command ends with when `error` leaves it (typer.Exit has its own)."""
    code = getattr(error, "exit_code", None)
    return code if isinstance(code, int) else 1
