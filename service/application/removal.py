"""Gallring and erasure (product.md §12): event-level data removed from the event store and
every read model and register, one aggregate per transaction, after the association's
published annual answers of the years touched are stored (so its exports stay as they
were), with a protocol entry that says what was done and never whom it was about.

A crash between two aggregates leaves each of them whole or gone; running the command
again finishes the work (the answers already stored are kept, not recomputed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy.orm import Session

from service.adapters import protocol, removal, statistics_versions
from service.adapters.eventstore import EventStore, read_session, unit_of_work
from service.adapters.projection import Projector
from service.application.queries import Queries
from service.domain.association import RETENTION
from service.domain.facts import Period


@dataclass
class RemovalReport:
    """What one gallring or erasure of one association removed (or would remove)."""

    association_id: str
    rule: str
    enrollments: list[str] = field(default_factory=list)
    count_reports: list[str] = field(default_factory=list)
    years: set[int] = field(default_factory=set)
    events: int = 0
    read_model_rows: int = 0
    stored_years: int = 0

    def counts(self) -> dict[str, int]:
        """The protocol's counts: how many, never which."""
        return {
            "enrollments": len(self.enrollments),
            "count_reports": len(self.count_reports),
            "events": self.events,
            "read_model_rows": self.read_model_rows,
            "stored_annual_answers": self.stored_years,
        }


def cutoff_date(today: date, years: int) -> date:
    """`years` years before `today` (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


class Removal:
    """Gallring and erasure for the operator's command line."""

    def __init__(
        self, store: EventStore, projector: Projector, queries: Queries, today: Callable[[], date]
    ) -> None:
        self.store = store
        self.projector = projector
        self.queries = queries
        self.today = today

    def plan_erasure(self, association_id: str, pseudonym: str) -> RemovalReport:
        """The enrollments of one pseudonym in one association."""
        self.projector.catch_up()
        report = RemovalReport(association_id, "erasure of one person's enrollments")
        with read_session(self.store) as session:
            report.enrollments = removal.enrollments_of(session, association_id, pseudonym)
            report.years = self._years(session, report.enrollments)
        return report

    def plan_gallring(self) -> list[RemovalReport]:
        """For every association with a retention setting: what has passed it."""
        self.projector.catch_up()
        plans = []
        today = self.today()
        with read_session(self.store) as session:
            for aid, settings in sorted(removal.associations_settings(session).items()):
                years = settings.get(RETENTION)
                if years is None:
                    continue
                cutoff = cutoff_date(today, int(years))
                report = RemovalReport(
                    aid, f"{RETENTION}={years}: ended before {cutoff.isoformat()}"
                )
                report.enrollments = removal.enrollments_ended_before(session, aid, cutoff)
                reports = removal.count_reports_ended_before(session, aid, cutoff)
                report.count_reports = [report_id for report_id, _ in reports]
                report.years = self._years(session, report.enrollments)
                report.years |= {year for _, year in reports}
                plans.append(report)
        return plans

    def carry_out(self, report: RemovalReport, *, kind: str, operator: str) -> RemovalReport:
        """Store the published years, remove aggregate by aggregate, write the protocol."""
        report.stored_years = self._store_published(report.association_id, report.years)
        for aggregate_id in (*report.enrollments, *report.count_reports):
            with unit_of_work(self.store) as session:
                removal.hold_writers_and_projector(session)
                counts = removal.remove_aggregate(session, aggregate_id)
                statistics_versions.renew(session, [report.association_id], rows_removed=True)
            report.events += counts["events"]
            report.read_model_rows += counts["read_model_rows"]
        with unit_of_work(self.store) as session:
            protocol.record(
                session, association_id=report.association_id, kind=kind, rule=report.rule,
                counts=report.counts(), recorded_at=datetime.now(UTC), operator=operator,
            )  # fmt: skip
        return report

    def reclaim_space(self) -> None:
        """Removed rows gone from the database file's bytes (SQLite)."""
        removal.reclaim_space(self.store.factory.datastore.engine)  # type: ignore[attr-defined]

    def _years(self, session: Session, enrollment_ids: Iterable[str]) -> set[int]:
        this_year = self.today().year
        years: set[int] = set()
        for enrollment_id in enrollment_ids:
            years |= removal.years_of_enrollment(session, enrollment_id, this_year)
        return years

    def _store_published(self, association_id: str, years: set[int]) -> int:
        """Keep the answer of each ended year touched (and not yet kept): what its annual
        export was computed from, and the next year's export shows beside its own."""
        this_year = self.today().year
        with read_session(self.store) as session:
            kept = removal.stored_years(session, association_id)
        due = sorted(y for y in years if y < this_year and y not in kept and y >= 2000)
        for year in due:
            answer = self.queries.statistics_unchecked(association_id, Period.year(year))
            with unit_of_work(self.store) as session:
                removal.store_answer(
                    session, association_id, year, to_json(answer).decode(), datetime.now(UTC)
                )
        return len(due)


def published_answer(store: EventStore, association_id: str, year: int) -> dict[str, Any] | None:
    """The year's answer as stored before gallring or erasure touched it, if it was."""
    with read_session(store) as session:
        return removal.stored_answer(session, association_id, year)
