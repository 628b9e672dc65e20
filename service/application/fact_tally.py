"""What each enrollment adds to the measures of §6, and those parts tallied per scope.

`measures_tree.measures_for` reads §6 as selections and groupings of enrollments, built
into Count trees. That is the definition (the tests hold this module to it), but it walks
the enrollments once per selection and group, twice (for its intervention and for the
total). Here each enrollment is looked at once: the count cells it is in (keyed by the
cell's path in a measures object, without the column) and the values it brings to means
and medians. A scope's counts are then a `Counter` over its enrollments' cells, which are
numbered (an int hashes faster than a path) by the cell index of the answer's layout.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import NamedTuple

from service.application import statistics as st
from service.domain.codes import WORK_OR_STUDIES, Sex, age_band
from service.domain.facts import EnrollmentFacts, Period, ReportingRules

CellKey = tuple[str, ...]
# The number of each count cell (and of each count no leaf shows) of the answer's layout.
CellIndex = Mapping[CellKey, int]
NOWHERE = -1
TOTAL, FEMALE, MALE = "total", Sex.FEMALE.value, Sex.MALE.value

# The base of share_progressed: completed exits with a progressed value (not published).
WITH_PROGRESSED_VALUE: CellKey = ("with_progressed_value",)
# The values means and medians are over (keyed like the cells they are published in).
THROUGHPUT: CellKey = ("throughput_days",)
THROUGHPUT_TO_GOAL: CellKey = ("throughput_days_to_goal",)
BEFORE = ("months_on_public_support_before", "months_without_work_or_studies_before")
BY_AGE = "to_work_or_studies_by_age"


class Contribution(NamedTuple):
    """One enrollment's part of the measures: the cells it counts in, and its values."""

    column: str | None  # "female" or "male" (None: counted in the total column only)
    cells: list[int]
    values: list[tuple[CellKey, int]]


def contribution(
    fact: EnrollmentFacts, period: Period, rules: ReportingRules, index: CellIndex
) -> Contribution:
    """The cells (by number) an enrollment is counted in and the values it brings, as
    measures_tree.measures_for defines them; a cell the index lacks (a code no grouping
    lists) is numbered NOWHERE, which no leaf reads."""
    cells: list[CellKey] = []
    values: list[tuple[CellKey, int]] = []
    band = None
    support = st.support_codes(fact.support_at_enrollment)
    if st.is_active(fact, period):
        band = age_band(fact.age_at_enrollment)
        municipality = fact.municipality or st.UNKNOWN_MUNICIPALITY
        cells += [("active",), ("age_band", "active", band), ("education", fact.education)]
        cells.append(("municipality", municipality))
        cells += [("support_at_enrollment", code) for code in support]
    if st.is_active_at_end(fact, period):
        cells.append(("active_at_end",))
    if st.is_new(fact, period):
        band = band or age_band(fact.age_at_enrollment)
        cells += [("new",), ("age_band", "new", band)]
        values += _before(fact, "new")
    if st.is_exit(fact, period):
        cells.append(("exits",))
        if st.is_early_dropout(fact, rules.early_dropout_months):
            cells.append(("early_dropouts",))
        else:
            band = band or age_band(fact.age_at_enrollment)
            _completed(fact, rules, band, support, cells, values)
    numbers = list(map(index.get, cells, repeat(NOWHERE)))
    return Contribution(fact.sex if fact.sex in (FEMALE, MALE) else None, numbers, values)


def _completed(
    fact: EnrollmentFacts,
    rules: ReportingRules,
    band: str,
    support: frozenset[str],
    cells: list[CellKey],
    values: list[tuple[CellKey, int]],
) -> None:
    """What a completed exit (an exit that is no early dropout) adds."""
    reason = fact.exit_reason
    group = "youth" if fact.age_at_enrollment <= rules.youth_max_age else "adult"
    cells += [("completed_exits",), ("age_band", "completed_exits", band)]
    cells += [(BY_AGE, group, "completed_exits"), ("exits_by_reason", str(reason))]
    cells += [("support_before_after", code, "at_enrollment") for code in support]
    cells += [
        ("support_before_after", code, "at_exit")
        for code in st.support_codes(st.support_at_exit(fact))
    ]
    days = st.throughput_days(fact)
    if days is not None:
        values.append((THROUGHPUT, days))
    if reason in WORK_OR_STUDIES:
        cells += [("to_work_or_studies",), (BY_AGE, group, "to_work_or_studies")]
    if reason in rules.goal_reasons:
        cells.append(("to_goal",))
        if days is not None:
            values.append((THROUGHPUT_TO_GOAL, days))
        values += _before(fact, "to_goal")
    if fact.progressed is True:
        cells.append(("progressed",))
    if fact.progressed is not None:
        cells.append(WITH_PROGRESSED_VALUE)


def _before(fact: EnrollmentFacts, population: str) -> list[tuple[CellKey, int]]:
    """The months before enrollment, where given, for means over `population`."""
    given = (
        (BEFORE[0], st.months_on_public_support_before(fact)),
        (BEFORE[1], st.months_without_work_or_studies_before(fact)),
    )
    return [((name, population), months) for name, months in given if months is not None]


@dataclass(frozen=True, slots=True)
class Tally:
    """A scope's counts per cell number and sex (None: neither female nor male), and its
    values per column."""

    counts: dict[str | None, Counter[int]]
    values: dict[CellKey, dict[str, list[int]]]

    def count(self, column: str, cell: int) -> int:
        """A cell's count in a column (total, female or male)."""
        if column == TOTAL:
            return sum(by_sex[cell] for by_sex in self.counts.values())
        return self.counts[column][cell]


def tally(contributions: Sequence[Contribution]) -> Tally:
    """The counts and values of the enrollments of one scope, in one pass over them."""
    cells_by_sex: dict[str | None, list[list[int]]] = {FEMALE: [], MALE: [], None: []}
    values: dict[CellKey, dict[str, list[int]]] = defaultdict(
        lambda: {TOTAL: [], FEMALE: [], MALE: []}
    )
    for column, cells, given in contributions:
        cells_by_sex[column].append(cells)
        for key, value in given:
            columns = values[key]
            columns[TOTAL].append(value)
            if column is not None:
                columns[column].append(value)
    counts = {column: Counter(chain.from_iterable(lists)) for column, lists in cells_by_sex.items()}
    return Tally(counts, values)
