"""The register of client event ids: one key names one enrollment's event per association."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters.bulk_insert import insert_rows
from service.adapters.insert_if_absent import insert_if_absent
from service.adapters.tables import event_keys
from service.domain.errors import IdempotencyConflictError


def claim(session: Session, association_id: str, key: str, enrollment_id: str) -> None:
    """Register the key for the enrollment, or raise if another enrollment has it."""
    t = event_keys
    if insert_if_absent(
        session, t, association_id=association_id, key=key, enrollment_id=enrollment_id
    ):
        return
    holder = session.execute(
        select(t.c.enrollment_id).where(t.c.association_id == association_id, t.c.key == key)
    ).scalar()
    if holder != enrollment_id:
        raise used_before(key)


def used_before(key: str) -> IdempotencyConflictError:
    """The error of a key that names an event of another enrollment."""
    return IdempotencyConflictError(
        f"idempotency key {key!r} was used before, on another enrollment"
    )


def claim_new(session: Session, rows: list[dict[str, str]]) -> None:
    """Register many keys known to be free (one executemany, or COPY on PostgreSQL; see
    `open_enrollments.claim_new`)."""
    insert_rows(session.connection(), event_keys, rows)
