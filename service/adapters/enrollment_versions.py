"""The enrollment_versions rows of one projection batch, kept as plain value lists.

An enrollment's newest values stay in memory across the batch and each event evolves them
(`enrollment_rows.evolved_values`, equal to the events' own `evolve`). Each new version is
a list in a fixed column order, closed in place when a later event of the batch supersedes
it; only a version that was current before the batch needs an UPDATE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from service.adapters.bulk_insert import insert_values
from service.adapters.enrollment_rows import Values, evolved_values
from service.adapters.rows import FACT_FIELDS
from service.adapters.tables import enrollment_versions
from service.domain.enrollment import Enrollment

COLUMNS = ("version", *FACT_FIELDS, "recorded_from", "recorded_to")
_RECORDED_TO = len(COLUMNS) - 1
_ASSOCIATION = FACT_FIELDS.index("association_id")


class EnrollmentVersions:
    """New versions of enrollments, written with one UPDATE and one INSERT per batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.newest: dict[str, Values] = {}  # the newest FACT_FIELDS values per enrollment
        self.looked_up: set[str] = set()  # enrollments whose stored row was asked for
        self.stored_current: set[str] = set()  # their current row is stored and still open
        self.pending: dict[str, list[Any]] = {}  # the newest row this batch will insert
        self.closes: list[dict[str, Any]] = []
        self.inserts: list[list[Any]] = []

    def preload(self, enrollment_ids: Iterable[str]) -> None:
        """Read the current facts of these enrollments in one query."""
        wanted = [e for e in set(enrollment_ids) if e not in self.looked_up]
        if not wanted:
            return
        t = enrollment_versions
        query = select(*(t.c[name] for name in FACT_FIELDS)).where(
            t.c.enrollment_id.in_(wanted), t.c.recorded_to.is_(None)
        )
        for row in self.session.execute(query):
            self.newest[row.enrollment_id] = list(row)
            self.stored_current.add(row.enrollment_id)
        self.looked_up.update(wanted)

    def apply(self, event: Enrollment.Event, at: datetime) -> str:
        """Add the version this event makes, current from `at` on; the enrollment's
        association."""
        enrollment_id = str(event.originator_id)
        previous = self.newest.get(enrollment_id)
        if previous is None and event.originator_version > 1:  # it began before this batch
            self.preload([enrollment_id])  # unless the batch's preload asked already
            previous = self.newest.get(enrollment_id)
        values = evolved_values(event, previous)
        self.newest[enrollment_id] = values
        row = [event.originator_version, *values, at, None]
        superseded = self.pending.get(enrollment_id)
        if superseded is not None:
            superseded[_RECORDED_TO] = at
        elif enrollment_id in self.stored_current:
            self.closes.append({"k_enrollment_id": enrollment_id, "ts": at})
            self.stored_current.discard(enrollment_id)
        self.pending[enrollment_id] = row
        self.inserts.append(row)
        return str(values[_ASSOCIATION])

    def flush(self) -> None:
        """Close the stored versions that were superseded, then insert the new ones."""
        connection = self.session.connection()
        if self.closes:
            t = enrollment_versions
            stmt = (
                update(t)
                .where(t.c.enrollment_id == bindparam("k_enrollment_id"), t.c.recorded_to.is_(None))
                .values(recorded_to=bindparam("ts"))
            )
            connection.execute(stmt, self.closes)
        insert_values(connection, enrollment_versions, COLUMNS, self.inserts)  # type: ignore[arg-type]
        self.closes, self.inserts, self.pending = [], [], {}
