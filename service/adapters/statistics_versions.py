"""The statistics_versions register: a fresh token per association whenever its read models
change, written in the transaction that changes them (decisions.md §26); and an epoch,
renewed only when its read-model rows are removed (decisions.md §28)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.adapters.tables import statistics_versions


def renew(session: Session, association_ids: Iterable[str], *, rows_removed: bool = False) -> None:
    """Give these associations a token never used before (one upsert); and a new epoch too
    when rows of their read models were removed (or they have none yet)."""
    token = uuid.uuid4().hex
    rows = [
        {"association_id": aid, "token": token, "epoch": token}
        for aid in sorted(set(association_ids))
    ]
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(statistics_versions)
    epoch = statement.excluded.epoch
    statement = statement.on_conflict_do_update(
        index_elements=[statistics_versions.c.association_id],
        set_={
            "token": statement.excluded.token,
            "epoch": epoch if rows_removed else func.coalesce(statistics_versions.c.epoch, epoch),
        },
    )
    session.connection().execute(statement, rows)


def renew_all(session: Session) -> None:
    """A new token and epoch for every association (a rebuild empties the read models)."""
    token = uuid.uuid4().hex
    session.execute(update(statistics_versions).values(token=token, epoch=token))


def token_of(session: Session, association_id: str) -> str | None:
    """The association's current token; None before its first change since the table began."""
    t = statistics_versions.c
    query = select(t.token).where(t.association_id == association_id)
    return session.execute(query).scalar()


def epoch_of(session: Session, association_id: str) -> str | None:
    """The association's current epoch; None before its first change since migration 0009."""
    t = statistics_versions.c
    query = select(t.epoch).where(t.association_id == association_id)
    return session.execute(query).scalar()
