"""The audit trail and the accountability protocol, as the service uses them (§12).

Entries are written by the edges (api/audit.py for requests, cli/ for commands); the
association admin reads its own association's log and protocol here.
"""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from typing import Any

from service.adapters import audit_log, protocol
from service.adapters.audit_log import AuditEntry
from service.adapters.eventstore import EventStore, read_session, unit_of_work
from service.application.access import require_association
from service.domain.codes import Role
from service.domain.principal import Principal

OPERATOR_ROLE = "operator"


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
        with unit_of_work(self.store) as session:
            if entry.key_id is not None and entry.key_name is None:
                if entry.key_id not in self._names:
                    self._names[entry.key_id] = audit_log.key_name(session, entry.key_id)
                entry = AuditEntry(**{**entry.__dict__, "key_name": self._names[entry.key_id]})
            audit_log.record(session, entry)

    def record_command(
        self,
        command: str,
        *,
        association_id: str | None = None,
        status: int = 0,
        period: tuple[date, date] | None = None,
    ) -> None:
        """An entry for an operator's command (`status` is its exit code)."""
        self.record(
            AuditEntry(
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
        )

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
