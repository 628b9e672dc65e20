"""The audit log and the accountability protocol, as the association admin reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field


def _utc(moment: datetime) -> datetime:
    """Stored naive UTC, answered with its offset (RFC 3339)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class AuditEntryPublic(BaseModel):
    """One audited request or command: who, what, where, when and its status."""

    id: int = Field(description="The entry's number, increasing")
    recorded_at: UtcDateTime = Field(description="When it was recorded (UTC, with offset)")
    key_id: str | None = Field(description="The API key's id, or null for a CLI command")
    key_name: str | None = Field(description="The API key's name, or null for a CLI command")
    role: str = Field(description="The key's role, or `operator` for a CLI command")
    association_id: str | None = Field(description="The association acted on, or null")
    action: str = Field(
        description="What was done: the HTTP method and route pattern, or the CLI command"
    )
    intervention_id: str | None = Field(description="The intervention asked about, or null")
    period_from: date | None = Field(description="First day of the period asked about, or null")
    period_to: date | None = Field(description="Last day of the period asked about, or null")
    status: int = Field(description="The HTTP status answered, or the command's exit status")


class AuditPage(BaseModel):
    """One page of entries, oldest first; a page shorter than page_size is the last."""

    page: int = Field(description="The page number, from 1")
    page_size: int = Field(description="Entries per page")
    entries: list[AuditEntryPublic] = Field(description="The page's entries, oldest first")


class ProtocolEntry(BaseModel):
    """A gallring or an erasure: the rule, the counts, when and by whom; never whom about."""

    id: int = Field(description="The entry's number, increasing")
    kind: str = Field(description="`gallring` or `erasure`")
    rule: str = Field(
        description="The rule applied, e.g. the retention setting or the erasure request"
    )
    counts: dict[str, Any] = Field(
        description="How many enrollments, count reports, events and read-model rows were removed; never which"
    )
    recorded_at: UtcDateTime = Field(description="When it was carried out (UTC, with offset)")
    operator: str = Field(description="Who carried it out (the operator's user name)")
