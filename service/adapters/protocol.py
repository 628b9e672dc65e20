"""The accountability protocol: what gallring and erasure did, never whom it was about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.adapters.rows import naive_utc
from service.adapters.tables import accountability_protocol


def record(
    session: Session,
    *,
    association_id: str,
    kind: str,
    rule: str,
    counts: dict[str, int],
    recorded_at: datetime,
    operator: str,
) -> None:
    """Append one protocol entry (in the caller's transaction)."""
    session.execute(
        insert(accountability_protocol).values(
            association_id=association_id, kind=kind, rule=rule, counts=counts,
            recorded_at=naive_utc(recorded_at), operator=operator,
        )
    )  # fmt: skip


def entries(session: Session, association_id: str) -> list[dict[str, Any]]:
    """The association's protocol, oldest first."""
    t = accountability_protocol
    rows = session.execute(
        select(t.c.id, t.c.kind, t.c.rule, t.c.counts, t.c.recorded_at, t.c.operator)
        .where(t.c.association_id == association_id)
        .order_by(t.c.id)
    ).mappings()
    return [dict(row) for row in rows]
