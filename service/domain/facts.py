"""The current facts of an enrollment and of the count reports: what statistics read.

One `EnrollmentFacts` is the state of one enrollment after all its events (corrections
applied). The projection stores one row of these per enrollment and recorded instant, and
the measures of product.md §6 are pure functions over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from service.domain.codes import DEFAULT_GOAL_REASONS, ExitReason
from service.domain.errors import InvalidValueError


@dataclass(frozen=True, slots=True)
class EnrollmentFacts:
    """One enrollment's current state, as statistics see it."""

    enrollment_id: str
    association_id: str
    intervention_id: str
    pseudonym: str
    sex: str
    birth_year: int
    education: str
    municipality: str | None
    enrolled_on: date
    support_at_enrollment: frozenset[str]
    months_on_public_support: int | None
    months_without_work_or_studies: int | None
    current_support: frozenset[str]
    exited_on: date | None = None
    exit_reason: str | None = None
    # Explicit support at exit, or the last known support when the exit gave none.
    support_at_exit: frozenset[str] | None = None
    progressed: bool | None = None
    voided: bool = False
    # What the events said, kept so corrections can re-derive the two fields above them.
    support_change: frozenset[str] | None = None
    exit_support_given: frozenset[str] | None = None

    @property
    def age_at_enrollment(self) -> int:
        """Age as product.md §6 defines it: year(enrolled_on) − birth_year."""
        return self.enrolled_on.year - self.birth_year


@dataclass(frozen=True, slots=True)
class ReportingRules:
    """The association settings that shape the measures (product.md §6, §7); their
    defaults are written here only (DEFAULT_SETTINGS and ReportSettings read them)."""

    early_dropout_months: int = 2
    goal_reasons: frozenset[str] = field(
        default_factory=lambda: frozenset(r.value for r in DEFAULT_GOAL_REASONS)
    )
    youth_max_age: int = 29
    min_cell_size: int = 5

    def goal_reasons_sorted(self) -> list[str]:
        """Goal reasons in the order of the code list, for stable output."""
        return [r.value for r in ExitReason if r.value in self.goal_reasons]


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive date range [start, end]."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year as a period."""
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def checked(cls, start: date, end: date) -> Period:
        """The period from `start` to `end`; 422 on `to` when it ends before it starts
        (the one wording of that rule, for statistics and count reports alike)."""
        if end < start:
            raise InvalidValueError("to", "'to' is before 'from'")
        return cls(start, end)

    @property
    def is_calendar_year(self) -> bool:
        """True when the period is exactly one calendar year."""
        return self.start == date(self.start.year, 1, 1) and self.end == date(
            self.start.year, 12, 31
        )


@dataclass(frozen=True, slots=True)
class InterventionInfo:
    """What statistics need to know of an intervention."""

    intervention_id: str
    name: str
    kind: str
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class AnonymousParticipantsReport:
    """Counts of unregistered participants of an intervention over a period."""

    intervention_id: str
    period_start: date
    period_end: date
    female: int
    male: int
    unspecified: int


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """A structural activity (utbildning, forum, konferens) and who came."""

    intervention_id: str
    held_on: date
    title: str
    participants: dict[str, int]  # by Organisation code
    female: int | None = None
    male: int | None = None


@dataclass(frozen=True, slots=True)
class FinanceRecord:
    """An intervention's budget and cost for one calendar year, in SEK."""

    intervention_id: str
    year: int
    budget_sek: int | None
    cost_sek: int | None
