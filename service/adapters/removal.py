"""Removing event-level data for gallring and erasure (product.md §12): the events of one
aggregate from the event store and every row derived from them, deleted (not flagged), in
the caller's transaction; and, on SQLite, the freed pages overwritten and the WAL emptied.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Engine, delete, func, insert, select, text
from sqlalchemy.orm import Session

from service.adapters.projection import PROJECTION_NAME
from service.adapters.rows import naive_utc
from service.adapters.tables import (
    activities,
    anonymous_reports,
    association_versions,
    enrollment_versions,
    event_keys,
    events,
    open_enrollments,
    projection_tracking,
    stored_annual_answers,
)


def hold_writers_and_projector(session: Session) -> None:
    """Keep writers and the projector out until the transaction ends: on PostgreSQL the
    event table's lock (as every writer takes it) and the projection's position row (as
    the projector takes it); SQLite has one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {events.name} IN EXCLUSIVE MODE"))
        session.execute(
            select(projection_tracking.c.position)
            .where(projection_tracking.c.name == PROJECTION_NAME)
            .with_for_update()
        )


def enrollments_of(session: Session, association_id: str, pseudonym: str) -> list[str]:
    """Every enrollment that has held `pseudonym` in the association, in any version."""
    t = enrollment_versions.c
    query = (
        select(t.enrollment_id)
        .where(t.association_id == association_id, t.pseudonym == pseudonym)
        .distinct()
        .order_by(t.enrollment_id)
    )
    return [str(value) for value in session.execute(query).scalars()]


def enrollments_ended_before(session: Session, association_id: str, cutoff: date) -> list[str]:
    """The enrollments whose current version exited before `cutoff`."""
    t = enrollment_versions.c
    query = (
        select(t.enrollment_id)
        .where(
            t.association_id == association_id,
            t.recorded_to.is_(None),
            t.exited_on.is_not(None),
            t.exited_on < cutoff,
        )
        .order_by(t.enrollment_id)
    )
    return [str(value) for value in session.execute(query).scalars()]


def count_reports_ended_before(
    session: Session, association_id: str, cutoff: date
) -> list[tuple[str, int]]:
    """Anonymous-participant reports and activities of the association wholly before
    `cutoff`, as (id, year): the year whose figures they counted in."""
    a, b = anonymous_reports.c, activities.c
    reports = session.execute(
        select(a.report_id, a.period_end).where(
            a.association_id == association_id, a.period_end < cutoff
        )
    ).all()
    held = session.execute(
        select(b.activity_id, b.held_on).where(
            b.association_id == association_id, b.held_on < cutoff
        )
    ).all()
    return [(str(i), day.year) for i, day in [*reports, *held]]


def years_of_enrollment(session: Session, enrollment_id: str, this_year: int) -> set[int]:
    """The calendar years an enrollment counted in, in any of its versions."""
    t = enrollment_versions.c
    first, last_exit = session.execute(
        select(func.min(t.enrolled_on), func.max(t.exited_on)).where(
            t.enrollment_id == enrollment_id
        )
    ).one()
    if first is None:
        return set()
    current_exit = session.execute(
        select(t.exited_on).where(t.enrollment_id == enrollment_id, t.recorded_to.is_(None))
    ).scalar()
    last = this_year if current_exit is None else max(current_exit.year, last_exit.year)
    return set(range(first.year, max(first.year, last) + 1))


def associations_settings(session: Session) -> dict[str, dict[str, Any]]:
    """Every association's current settings."""
    t = association_versions.c
    rows = session.execute(select(t.association_id, t.settings).where(t.recorded_to.is_(None)))
    return {aid: dict(settings) for aid, settings in rows}


def remove_aggregate(session: Session, aggregate_id: str) -> dict[str, int]:
    """Delete one aggregate's events and every row derived from them; the counts."""
    counts = {
        "events": _deleted(
            session, delete(events).where(events.c.originator_id == UUID(aggregate_id))
        ),
        "read_model_rows": 0,
    }
    for table, column in (
        (enrollment_versions, enrollment_versions.c.enrollment_id),
        (open_enrollments, open_enrollments.c.enrollment_id),
        (event_keys, event_keys.c.enrollment_id),
        (anonymous_reports, anonymous_reports.c.report_id),
        (activities, activities.c.activity_id),
    ):
        counts["read_model_rows"] += _deleted(session, delete(table).where(column == aggregate_id))
    return counts


def _deleted(session: Session, statement: Any) -> int:
    return int(cast(CursorResult[Any], session.execute(statement)).rowcount)


def stored_years(session: Session, association_id: str) -> set[int]:
    """The years whose published answer is stored."""
    t = stored_annual_answers.c
    query = select(t.year).where(t.association_id == association_id)
    return set(session.execute(query).scalars())


def store_answer(
    session: Session, association_id: str, year: int, answer: str, at: datetime
) -> None:
    """Keep a year's published answer (JSON text), once."""
    session.execute(
        insert(stored_annual_answers).values(
            association_id=association_id, year=year, answer=answer, stored_at=naive_utc(at)
        )
    )


def stored_answer(session: Session, association_id: str, year: int) -> dict[str, Any] | None:
    """A year's stored published answer, if one was stored."""
    t = stored_annual_answers.c
    text_ = session.execute(
        select(t.answer).where(t.association_id == association_id, t.year == year)
    ).scalar()
    return None if text_ is None else dict(json.loads(text_))


def reclaim_space(engine: Engine) -> None:
    """On SQLite, rebuild the file without the freed pages and empty the WAL, so that
    deleted rows are gone from the bytes on disk; PostgreSQL's deleted rows are left to
    (auto)vacuum, and its own files are not searched (docs/operations.md)."""
    if engine.dialect.name != "sqlite":
        return
    # On the driver's connection: SQLAlchemy's would begin a transaction (database.py's
    # BEGIN IMMEDIATE), inside which SQLite refuses to vacuum.
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        # VACUUM builds its copy of the whole file in temporary storage, which database.py
        # keeps in memory for statement journals: a large store would not fit.
        temp_store = cursor.execute("PRAGMA temp_store").fetchone()[0]
        cursor.execute("PRAGMA temp_store=FILE")
        try:
            cursor.execute("VACUUM")
        finally:  # the connection goes back to the pool as it came
            cursor.execute(f"PRAGMA temp_store={int(temp_store)}")
        # The vacuumed file is in the WAL until a checkpoint copies it over the old one. A
        # reader still in a snapshot after the busy timeout keeps the checkpoint from
        # finishing, and the old pages stay: said, not passed over (the removal itself is
        # committed).
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    if busy:
        raise SpaceNotReclaimedError(
            "another connection was reading: the removed rows may remain in the database "
            "file and its WAL until a checkpoint completes; run `python -m service gallra` "
            "again when nothing else runs"
        )


class SpaceNotReclaimedError(RuntimeError):
    """The WAL could not be emptied after a removal (a reader held it)."""
