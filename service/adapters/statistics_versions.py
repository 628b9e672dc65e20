"""The statistics_versions register: a fresh token per association whenever its read models
change, written in the transaction that changes them (decisions.md §26)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.adapters.tables import statistics_versions


def renew(session: Session, association_ids: Iterable[str]) -> None:
    """Give these associations a token never used before (one upsert)."""
    token = uuid.uuid4().hex
    rows = [{"association_id": aid, "token": token} for aid in sorted(set(association_ids))]
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(statistics_versions)
    statement = statement.on_conflict_do_update(
        index_elements=[statistics_versions.c.association_id],
        set_={"token": statement.excluded.token},
    )
    session.connection().execute(statement, rows)


def token_of(session: Session, association_id: str) -> str | None:
    """The association's current token; None before its first change since the table began."""
    t = statistics_versions.c
    query = select(t.token).where(t.association_id == association_id)
    return session.execute(query).scalar()
