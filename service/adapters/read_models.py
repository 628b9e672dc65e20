"""Queries over the read models, current or as of a past instant."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.adapters import period_facts
from service.adapters.rows import FACT_FIELDS, kept_facts, naive_utc
from service.adapters.tables import (
    activities,
    anonymous_reports,
    association_versions,
    enrollment_versions,
    intervention_versions,
)
from service.domain.facts import (
    ActivityRecord,
    AnonymousParticipantsReport,
    EnrollmentFacts,
    FinanceRecord,
    InterventionInfo,
    Period,
)


def _valid_at(table: Table, as_of: datetime | None) -> ColumnElement[bool]:
    """Rows current now, or current at `as_of`."""
    if as_of is None:
        return table.c.recorded_to.is_(None)
    moment = naive_utc(as_of)
    return and_(
        table.c.recorded_from <= moment,
        or_(table.c.recorded_to.is_(None), table.c.recorded_to > moment),
    )


def association_row(
    session: Session, association_id: str, as_of: datetime | None = None
) -> dict[str, Any] | None:
    """Name and settings of the association (None if it did not exist then)."""
    t = association_versions
    row = (
        session.execute(
            select(t.c.name, t.c.settings).where(
                t.c.association_id == association_id, _valid_at(t, as_of)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def intervention_rows(
    session: Session, association_id: str, as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """The association's interventions, ordered by id."""
    t = intervention_versions
    rows = session.execute(
        select(t)
        .where(t.c.association_id == association_id, _valid_at(t, as_of))
        .order_by(t.c.intervention_id)
    ).mappings()
    return [dict(r) for r in rows]


def intervention_infos(rows: list[dict[str, Any]]) -> list[InterventionInfo]:
    """Statistics' view of intervention rows; closing ends an intervention's span."""
    infos = []
    for r in rows:
        ends = [d for d in (r["ends_on"], r["closed_on"]) if d is not None]
        infos.append(
            InterventionInfo(
                r["intervention_id"],
                r["name"],
                r["kind"],
                r["starts_on"],
                min(ends) if ends else None,
            )
        )
    return infos


def finance_records(rows: list[dict[str, Any]]) -> list[FinanceRecord]:
    """The recorded finances of intervention rows."""
    return [
        FinanceRecord(r["intervention_id"], int(year), v["budget_sek"], v["cost_sek"])
        for r in rows
        for year, v in sorted(r["finances"].items())
    ]


def enrollment_facts(
    session: Session, association_id: str, period: Period, as_of: datetime | None = None
) -> list[EnrollmentFacts]:
    """Non-voided enrollments active at some point of the period (current ones kept per
    process and brought up to date from the rows written since: period_facts)."""
    t = enrollment_versions
    query = select(*(t.c[name] for name in FACT_FIELDS)).where(
        t.c.association_id == association_id,
        _valid_at(t, as_of),
        t.c.voided.is_(False),
        t.c.enrolled_on <= period.end,
        or_(t.c.exited_on.is_(None), t.c.exited_on >= period.start),
    )

    def read_all() -> list[EnrollmentFacts]:
        return kept_facts(session.execute(query).all())

    if as_of is not None:
        return read_all()
    return period_facts.current_facts(session, association_id, period, read_all)


def anonymous_reports_in(
    session: Session, association_id: str, period: Period, as_of: datetime | None = None
) -> list[AnonymousParticipantsReport]:
    """Reports whose period ends within `period`."""
    t = anonymous_reports
    query = select(t).where(
        t.c.association_id == association_id, t.c.period_end.between(period.start, period.end)
    )
    if as_of is not None:
        query = query.where(t.c.recorded_at <= naive_utc(as_of))
    return [
        AnonymousParticipantsReport(
            r["intervention_id"],
            r["period_start"],
            r["period_end"],
            r["female"],
            r["male"],
            r["unspecified"],
        )
        for r in session.execute(query.order_by(t.c.period_end, t.c.report_id)).mappings()
    ]


def activities_in(
    session: Session, association_id: str, period: Period, as_of: datetime | None = None
) -> list[ActivityRecord]:
    """Structural activities held within `period`."""
    t = activities
    query = select(t).where(
        t.c.association_id == association_id, t.c.held_on.between(period.start, period.end)
    )
    if as_of is not None:
        query = query.where(t.c.recorded_at <= naive_utc(as_of))
    return [
        ActivityRecord(
            r["intervention_id"],
            r["held_on"],
            r["title"],
            dict(r["participants"]),
            r["female"],
            r["male"],
        )
        for r in session.execute(query.order_by(t.c.held_on, t.c.activity_id)).mappings()
    ]


def intervention_enrollments(
    session: Session, association_id: str, intervention_id: str, status: str
) -> list[dict[str, Any]]:
    """A coach's list: current enrollments of one intervention (voided ones excluded)."""
    t = enrollment_versions
    query = select(t).where(
        t.c.association_id == association_id, t.c.intervention_id == intervention_id,
        t.c.recorded_to.is_(None), t.c.voided.is_(False),
    ).order_by(t.c.enrolled_on, t.c.enrollment_id)  # fmt: skip
    if status == "open":
        query = query.where(t.c.exited_on.is_(None))
    elif status == "exited":
        query = query.where(t.c.exited_on.is_not(None))
    return [dict(r) for r in session.execute(query).mappings()]


def first_data_date(
    session: Session, association_id: str, as_of: datetime | None = None
) -> date | None:
    """The first day the association has data for: its earliest enrollment, anonymous
    report or structural activity (None when it has none); the annual export shows years
    before it as "uppgift saknas", not as zeros."""
    e, a, r = enrollment_versions, activities, anonymous_reports
    firsts = [
        session.execute(
            select(func.min(e.c.enrolled_on)).where(
                e.c.association_id == association_id, _valid_at(e, as_of), e.c.voided.is_(False)
            )
        ).scalar(),
        session.execute(
            select(func.min(a.c.held_on)).where(
                a.c.association_id == association_id, *_recorded_by(a, as_of)
            )
        ).scalar(),
        session.execute(
            select(func.min(r.c.period_start)).where(
                r.c.association_id == association_id, *_recorded_by(r, as_of)
            )
        ).scalar(),
    ]
    dates = [d for d in firsts if d is not None]
    return min(dates) if dates else None


def _recorded_by(table: Table, as_of: datetime | None) -> list[ColumnElement[bool]]:
    return [] if as_of is None else [table.c.recorded_at <= naive_utc(as_of)]
