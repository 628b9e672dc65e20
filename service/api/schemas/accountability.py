"""The audit log and the accountability protocol, as the association admin reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel


def _utc(moment: datetime) -> datetime:
    """Stored naive UTC, answered with its offset (RFC 3339)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class AuditEntryPublic(BaseModel):
    """One audited request or command: who, what, where, when and its status."""

    id: int
    recorded_at: UtcDateTime
    key_id: str | None
    key_name: str | None
    role: str
    association_id: str | None
    action: str
    intervention_id: str | None
    period_from: date | None
    period_to: date | None
    status: int


class AuditPage(BaseModel):
    """One page of entries, oldest first; a page shorter than page_size is the last."""

    page: int
    page_size: int
    entries: list[AuditEntryPublic]


class ProtocolEntry(BaseModel):
    """A gallring or an erasure: the rule, the counts, when and by whom; never whom about."""

    id: int
    kind: str
    rule: str
    counts: dict[str, Any]
    recorded_at: UtcDateTime
    operator: str
