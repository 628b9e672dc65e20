"""How each event changes the read models, written in bulk per batch.

Versioned tables keep one row per recorded state. Within a batch, rows are built in memory:
a row superseded inside the batch gets its `recorded_to` before it is inserted, and only a
row that was current before the batch needs an UPDATE. One SELECT, one executemany UPDATE
and one executemany INSERT per table and batch keep a rebuild fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.orm import Session

from service.adapters import statistics_versions
from service.adapters.bulk_insert import insert_rows
from service.adapters.enrollment_versions import EnrollmentVersions
from service.adapters.rows import naive_utc
from service.adapters.tables import (
    activities,
    anonymous_reports,
    association_versions,
    intervention_versions,
)
from service.domain.association import Association
from service.domain.count_reports import Activity, AnonymousParticipantsReport
from service.domain.enrollment import Enrollment
from service.domain.intervention import Intervention

Key = tuple[str, ...]


@dataclass
class _Versioned:
    """Pending versions of one bitemporal table."""

    table: Table
    key_columns: tuple[str, ...]
    current: dict[Key, dict[str, Any]] = field(default_factory=dict)
    from_db: set[Key] = field(default_factory=set)
    closes: list[dict[str, Any]] = field(default_factory=list)
    inserts: list[dict[str, Any]] = field(default_factory=list)

    def key_of(self, row: dict[str, Any]) -> Key:
        return tuple([row[c] for c in self.key_columns])

    def latest(self, session: Session, key: Key) -> dict[str, Any] | None:
        """The newest row of `key`, pending or stored; None if there is none."""
        if key not in self.current:
            conditions = [self.table.c[c] == v for c, v in zip(self.key_columns, key, strict=True)]
            query = select(self.table).where(and_(*conditions), self.table.c.recorded_to.is_(None))
            row = session.execute(query).mappings().first()
            self.current[key] = {}
            if row is not None:
                self._remember_db_row(dict(row))
        return self.current[key] or None

    def add(self, session: Session, row: dict[str, Any], recorded_at: datetime) -> None:
        """Make `row` (a fresh dict, kept and completed here) the current version from
        `recorded_at` on."""
        key = self.key_of(row)
        previous = self.latest(session, key)
        if previous:
            if key in self.from_db:
                self.closes.append(
                    {**{f"k_{c}": previous[c] for c in self.key_columns}, "ts": recorded_at}
                )
                self.from_db.discard(key)
            else:
                previous["recorded_to"] = recorded_at
        row["recorded_from"] = recorded_at
        row["recorded_to"] = None
        row.pop("row_id", None)
        self.inserts.append(row)
        self.current[key] = row

    def flush(self, session: Session) -> None:
        if self.closes:
            conditions = [self.table.c[c] == bindparam(f"k_{c}") for c in self.key_columns]
            stmt = (
                update(self.table)
                .where(and_(*conditions), self.table.c.recorded_to.is_(None))
                .values(recorded_to=bindparam("ts"))
            )
            session.connection().execute(stmt, self.closes)
        insert_rows(session.connection(), self.table, self.inserts)
        self.closes, self.inserts = [], []

    def _remember_db_row(self, row: dict[str, Any]) -> None:
        key = self.key_of(row)
        self.current[key] = row
        self.from_db.add(key)


class BatchWriter:
    """Applies a batch of domain events to the read models."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.enrollments = EnrollmentVersions(session)
        self.interventions = _Versioned(
            intervention_versions, ("association_id", "intervention_id")
        )
        self.associations = _Versioned(association_versions, ("association_id",))
        self.appends: dict[Table, list[dict[str, Any]]] = {anonymous_reports: [], activities: []}
        self.changed: set[str] = set()  # the associations whose read models this batch changes

    def preload_enrollments(self, enrollment_ids: list[str]) -> None:
        """Fetch the current facts of these enrollments in one query."""
        self.enrollments.preload(enrollment_ids)

    def apply(self, event: Any) -> None:
        """Route one domain event to its handler."""
        at = naive_utc(event.timestamp)
        if isinstance(event, Enrollment.Event):
            self.changed.add(self.enrollments.apply(event, at))
        elif isinstance(
            event, Intervention.Registered | Intervention.Closed | Intervention.FinancesRecorded
        ):
            self._intervention(event, at)
            self.changed.add(event.association_id)
        elif isinstance(event, Association.Created | Association.Changed):
            self._association(event, at)
            self.changed.add(event.slug)
        elif isinstance(event, AnonymousParticipantsReport.Reported):
            self._append(
                anonymous_reports,
                event,
                at,
                "report_id",
                ("period_start", "period_end", "female", "male", "unspecified"),
            )
        elif isinstance(event, Activity.Held):
            self._append(
                activities,
                event,
                at,
                "activity_id",
                ("held_on", "title", "participants", "female", "male"),
            )

    def flush(self) -> None:
        """Write everything the batch produced, and renew the changed associations' tokens."""
        statistics_versions.renew(self.session, self.changed)
        self.changed.clear()
        for versioned in (self.associations, self.interventions):
            versioned.flush(self.session)
        self.enrollments.flush()
        for table, rows in self.appends.items():
            insert_rows(self.session.connection(), table, rows)
            rows.clear()

    def _intervention(self, event: Any, at: datetime) -> None:
        key = (event.association_id, event.slug)
        row: dict[str, Any]
        if isinstance(event, Intervention.Registered):
            row = {
                "association_id": event.association_id, "intervention_id": event.slug,
                "name": event.name, "kind": event.kind, "starts_on": event.starts_on,
                "ends_on": event.ends_on, "closed_on": None, "finances": {},
            }  # fmt: skip
        else:
            row = dict(self.interventions.latest(self.session, key) or {})
            if isinstance(event, Intervention.Closed):
                row["closed_on"] = event.closed_on
            else:
                finances = {"budget_sek": event.budget_sek, "cost_sek": event.cost_sek}
                row["finances"] = {**row["finances"], str(event.year): finances}
        self.interventions.add(self.session, row, at)

    def _association(self, event: Any, at: datetime) -> None:
        row = {"association_id": event.slug, "name": event.name, "settings": event.settings}
        self.associations.add(self.session, row, at)

    def _append(
        self, table: Table, event: Any, at: datetime, id_column: str, fields: tuple[str, ...]
    ) -> None:
        row = {name: getattr(event, name) for name in fields}
        self.changed.add(event.association_id)
        self.appends[table].append(
            {
                id_column: str(event.originator_id),
                "association_id": event.association_id,
                "intervention_id": event.intervention_id,
                "recorded_at": at,
                **row,
            }
        )
