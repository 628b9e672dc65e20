"""The Intervention aggregate (insats) and its yearly finances."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from service.domain.codes import InterventionKind
from service.domain.errors import ConflictError, InvalidValueError
from service.domain.rules import require_code


class Intervention(Aggregate):
    """A funded team or project of one association."""

    association_id: str
    slug: str
    name: str
    kind: str
    starts_on: date
    ends_on: date | None
    closed_on: date | None
    finances: dict[str, dict[str, int | None]]

    class Registered(Aggregate.Created):
        """InterventionRegistered."""

        association_id: str
        slug: str
        name: str
        kind: str
        starts_on: date
        ends_on: date | None
        recorded_by: str

    class Closed(Aggregate.Event):
        """InterventionClosed."""

        association_id: str
        slug: str
        closed_on: date
        recorded_by: str

        def apply(self, aggregate: Intervention) -> None:
            aggregate.closed_on = self.closed_on

    class FinancesRecorded(Aggregate.Event):
        """Budget and cost of one calendar year."""

        association_id: str
        slug: str
        year: int
        budget_sek: int | None
        cost_sek: int | None
        recorded_by: str

        def apply(self, aggregate: Intervention) -> None:
            aggregate.finances[str(self.year)] = {
                "budget_sek": self.budget_sek,
                "cost_sek": self.cost_sek,
            }

    def __init__(
        self, association_id: str, slug: str, name: str, kind: str, starts_on: date,
        ends_on: date | None,
    ) -> None:  # fmt: skip
        self.association_id = association_id
        self.slug = slug
        self.name = name
        self.kind = kind
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.closed_on = None
        self.finances = {}

    @classmethod
    def register(cls, id: Any, *, recorded_by: str, **fields: Any) -> Intervention:
        """Register a new intervention."""
        require_code("kind", fields["kind"], InterventionKind)
        if fields.get("ends_on") is not None and fields["ends_on"] < fields["starts_on"]:
            raise InvalidValueError("ends_on", "ends_on is before starts_on")
        return cls._create(cls.Registered, id=id, recorded_by=recorded_by, **fields)

    def same_registration(self, fields: dict[str, Any]) -> bool:
        """True when `fields` would register exactly this intervention (idempotent replay)."""
        return all(getattr(self, k) == v for k, v in fields.items())

    def close(self, closed_on: date, *, recorded_by: str) -> None:
        """No new enrollments after closed_on."""
        if self.closed_on is not None:
            raise ConflictError("the intervention is already closed")
        if closed_on < self.starts_on:
            raise InvalidValueError("closed_on", "closed_on is before starts_on")
        self.trigger_event(
            self.Closed,
            association_id=self.association_id,
            slug=self.slug,
            closed_on=closed_on,
            recorded_by=recorded_by,
        )

    def record_finances(
        self, year: int, budget_sek: int | None, cost_sek: int | None, *, recorded_by: str
    ) -> bool:
        """Set a year's budget and cost; False when nothing changed."""
        wanted = {"budget_sek": budget_sek, "cost_sek": cost_sek}
        if self.finances.get(str(year)) == wanted:
            return False
        self.trigger_event(
            self.FinancesRecorded,
            association_id=self.association_id,
            slug=self.slug,
            year=year,
            recorded_by=recorded_by,
            **wanted,
        )
        return True

    def require_open_for_enrollment(self, enrolled_on: date) -> None:
        """Participants enroll in open, individual interventions only."""
        if self.kind != InterventionKind.INDIVIDUAL:
            raise InvalidValueError(
                "intervention_id", "participants enroll only in individual interventions"
            )
        self.require_running_on(enrolled_on, "enrolled_on")

    @property
    def last_day(self) -> date | None:
        """The last day it runs: its planned end or its closing, whichever comes first."""
        return min((d for d in (self.ends_on, self.closed_on) if d is not None), default=None)

    def require_running_on(self, day: date, field: str) -> None:
        """Nothing happens in an intervention before it starts or after it ends or closes."""
        if day < self.starts_on or (self.last_day is not None and day > self.last_day):
            raise InvalidValueError(field, f"the intervention is not open on {day.isoformat()}")

    def require_running_during(self, first: date, last: date) -> None:
        """A reported period shares at least one day with the intervention.

        It may begin before the start or end after the end (a quarter the intervention
        started or stopped in), but a count wholly outside it belongs to no insats.
        """
        if last < self.starts_on:
            raise InvalidValueError(
                "to", f"the period ends before the intervention starts ({self.starts_on})"
            )
        if self.last_day is not None and first > self.last_day:
            raise InvalidValueError(
                "from", f"the period starts after the intervention ended ({self.last_day})"
            )
