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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from service.domain.codes import WORK_OR_STUDIES, Sex, age_band
from service.domain.facts import EnrollmentFacts, Period, ReportingRules
from service.statistics import definitions as st
from service.statistics.cell_key import record_key
from service.statistics.kept import KeptByIdentity

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
BANDED = ("active", "new", "completed_exits")


class Contribution(NamedTuple):
    """One enrollment's part of the measures: the cells it counts in, and its values."""

    column: str | None  # "female" or "male" (None: counted in the total column only)
    cells: tuple[int, ...]
    values: tuple[tuple[CellKey, int], ...]
    key: int = 0  # the record key (cell_key): what this person adds to each cell's key


class CellNumbers:
    """The numbers of the cells an enrollment can count in, by measure and code: looked up
    once per answer, not once per enrollment and cell. A code no grouping lists (an
    unknown education, an exit without a reason) counts NOWHERE, which no leaf reads."""

    def __init__(self, index: CellIndex) -> None:
        self.active = index[("active",)]
        self.new = index[("new",)]
        self.active_at_end = index[("active_at_end",)]
        self.exits = index[("exits",)]
        self.early_dropouts = index[("early_dropouts",)]
        self.completed_exits = index[("completed_exits",)]
        self.to_work_or_studies = index[("to_work_or_studies",)]
        self.to_goal = index[("to_goal",)]
        self.progressed = index[("progressed",)]
        self.with_progressed_value = index[WITH_PROGRESSED_VALUE]
        self.band = {whom: _by_code(index, ("age_band", whom)) for whom in BANDED}
        self.education = _by_code(index, ("education",))
        self.municipality = _by_code(index, ("municipality",))
        self.support = _by_code(index, ("support_at_enrollment",))
        self.reason = _by_code(index, ("exits_by_reason",))
        self.support_before = _by_code(index, ("support_before_after",), "at_enrollment")
        self.support_after = _by_code(index, ("support_before_after",), "at_exit")
        self.by_age = {
            group: {c: index[(BY_AGE, group, c)] for c in ("completed_exits", "to_work_or_studies")}
            for group in ("youth", "adult")
        }


def _by_code(index: CellIndex, measure: CellKey, moment: str | None = None) -> dict[str, int]:
    """The numbers of the cells (*measure, code) or (*measure, code, moment), by code."""
    width, after = len(measure), (moment,) if moment else ()
    return {
        key[width]: number
        for key, number in index.items()
        if len(key) == width + 1 + len(after)
        and key[:width] == measure
        and key[width + 1 :] == after
    }


def contribution(
    fact: EnrollmentFacts, period: Period, rules: ReportingRules, numbers: CellNumbers
) -> Contribution:
    """The cells (by number) an enrollment is counted in and the values it brings, as
    measures_tree.measures_for defines them."""
    cells: list[int] = []
    values: list[tuple[CellKey, int]] = []
    band = None
    support = st.support_codes(fact.support_at_enrollment)
    if st.is_active(fact, period):
        band = age_band(fact.age_at_enrollment)
        municipality = st.municipality_key(fact.municipality, numbers.municipality)
        cells += [numbers.active, numbers.band["active"][band]]
        cells.append(numbers.education.get(fact.education, NOWHERE))
        cells.append(numbers.municipality.get(municipality, NOWHERE))
        cells += [numbers.support.get(code, NOWHERE) for code in support]
    if st.is_active_at_end(fact, period):
        cells.append(numbers.active_at_end)
    if st.is_new(fact, period):
        band = band or age_band(fact.age_at_enrollment)
        cells += [numbers.new, numbers.band["new"][band]]
        values += _before(fact, "new")
    if st.is_exit(fact, period):
        cells.append(numbers.exits)
        if st.is_early_dropout(fact, rules.early_dropout_months):
            cells.append(numbers.early_dropouts)
        else:
            band = band or age_band(fact.age_at_enrollment)
            _completed(fact, rules, numbers, band, support, cells, values)
    column = fact.sex if fact.sex in (FEMALE, MALE) else None
    return Contribution(column, tuple(cells), tuple(values), record_key(fact))


# Contributions found in this process, by the ids of the facts and of the Contributor;
# an entry holds both, so neither id can be reused while it is kept.
_KEPT: dict[tuple[int, int], tuple[EnrollmentFacts, Contributor, Contribution]] = {}
_KEPT_MAX = 1 << 15  # as many as rows.kept_facts keeps; emptied when full
# Each scope's tally, in its slot (kept).
_TALLIES: KeptByIdentity[Tally] = KeptByIdentity()


class Contributor:
    """`contribution` for one period, rules and cell numbers, kept per process by the
    facts' identity: the read models give an unchanged row's facts back as the same
    (immutable) object, so an answer after a write finds again the parts of all but the
    changed enrollments. Equal by identity: one per plan (measured_answer keeps them)."""

    def __init__(self, period: Period, rules: ReportingRules, index: CellIndex) -> None:
        self.period, self.rules, self.numbers = period, rules, CellNumbers(index)

    def tally(self, facts: Sequence[EnrollmentFacts], slot: Hashable = None) -> Tally:
        """The tally of the facts' contributions; with a slot (kept), kept while the same
        facts are asked again: after a write, the scopes it did not touch."""
        # This Contributor among the objects: its period, rules and cell numbers too.
        return _TALLIES.get(slot, (self, *facts), lambda: tally(list(map(self, facts))))

    def __call__(self, fact: EnrollmentFacts) -> Contribution:
        key = (id(fact), id(self))
        entry = _KEPT.get(key)
        if entry is not None and entry[0] is fact and entry[1] is self:
            return entry[2]
        found = contribution(fact, self.period, self.rules, self.numbers)
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        _KEPT[key] = (fact, self, found)
        return found


def _completed(
    fact: EnrollmentFacts,
    rules: ReportingRules,
    numbers: CellNumbers,
    band: str,
    support: frozenset[str],
    cells: list[int],
    values: list[tuple[CellKey, int]],
) -> None:
    """What a completed exit (an exit that is no early dropout) adds."""
    reason = fact.exit_reason
    by_age = numbers.by_age["youth" if fact.age_at_enrollment <= rules.youth_max_age else "adult"]
    cells += [numbers.completed_exits, numbers.band["completed_exits"][band]]
    cells += [by_age["completed_exits"], numbers.reason.get(str(reason), NOWHERE)]
    cells += [numbers.support_before.get(code, NOWHERE) for code in support]
    at_exit = st.support_codes(st.support_at_exit(fact))
    cells += [numbers.support_after.get(code, NOWHERE) for code in at_exit]
    days = st.throughput_days(fact)
    if days is not None:
        values.append((THROUGHPUT, days))
    if reason in WORK_OR_STUDIES:
        cells += [numbers.to_work_or_studies, by_age["to_work_or_studies"]]
    if reason in rules.goal_reasons:
        cells.append(numbers.to_goal)
        if days is not None:
            values.append((THROUGHPUT_TO_GOAL, days))
        values += _before(fact, "to_goal")
    if fact.progressed is True:
        cells.append(numbers.progressed)
    if fact.progressed is not None:
        cells.append(numbers.with_progressed_value)


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
    # The cell keys (sums of record keys) of the same cells and value lists.
    keys: dict[str | None, Counter[int]]
    value_keys: dict[CellKey, dict[str, int]]
    enrollments: int  # how many were tallied (what keeping it costs, kept)

    def count(self, column: str, cell: int) -> int:
        """A cell's count in a column (total, female or male)."""
        if column == TOTAL:
            return sum(by_sex[cell] for by_sex in self.counts.values())
        return self.counts[column][cell]

    def key(self, column: str, cell: int) -> int:
        """A cell's key in a column."""
        if column == TOTAL:
            return sum(by_sex[cell] for by_sex in self.keys.values())
        return self.keys[column][cell]


def tally(contributions: Sequence[Contribution]) -> Tally:
    """The counts and values of the enrollments of one scope, in one pass over them.

    Enrollments with the same cells and column are grouped first (their number and the
    sum of their record keys), so each distinct set of cells is walked once: the sums
    are the same, and a year has far fewer distinct sets than enrollments."""
    groups: dict[str | None, dict[tuple[int, ...], list[int]]] = {FEMALE: {}, MALE: {}, None: {}}
    values: dict[CellKey, dict[str, list[int]]] = defaultdict(
        lambda: {TOTAL: [], FEMALE: [], MALE: []}
    )
    value_keys: dict[CellKey, dict[str, int]] = defaultdict(lambda: {TOTAL: 0, FEMALE: 0, MALE: 0})
    for column, cells, given, record in contributions:
        of_column = groups[column]
        group = of_column.get(cells)
        if group is None:
            of_column[cells] = [1, record]
        else:
            group[0] += 1
            group[1] += record
        for key, value in given:
            columns = values[key]
            columns[TOTAL].append(value)
            value_keys[key][TOTAL] += record
            if column is not None:
                columns[column].append(value)
                value_keys[key][column] += record
    counts: dict[str | None, Counter[int]] = {}
    keys: dict[str | None, Counter[int]] = {}
    for column, of_column in groups.items():
        counted: Counter[int] = Counter()
        summed: Counter[int] = Counter()
        counts[column], keys[column] = counted, summed
        for cells, (number, records) in of_column.items():
            for cell in cells:
                counted[cell] += number
                summed[cell] += records
    return Tally(counts, dict(values), keys, dict(value_keys), len(contributions))


def merged(tallies: Sequence[Tally]) -> Tally:
    """The tally of the scopes' enrollments together, in their order: what `tally` gives
    for their contributions one scope after the other (sums are sums; the value lists
    are concatenated in the same order)."""
    counts: dict[str | None, Counter[int]] = {FEMALE: Counter(), MALE: Counter(), None: Counter()}
    keys: dict[str | None, Counter[int]] = {FEMALE: Counter(), MALE: Counter(), None: Counter()}
    values: dict[CellKey, dict[str, list[int]]] = defaultdict(
        lambda: {TOTAL: [], FEMALE: [], MALE: []}
    )
    value_keys: dict[CellKey, dict[str, int]] = defaultdict(lambda: {TOTAL: 0, FEMALE: 0, MALE: 0})
    for part in tallies:
        for column in counts:
            counts[column].update(part.counts[column])
            keys[column].update(part.keys[column])
        for key, columns in part.values.items():
            into, sums = values[key], value_keys[key]
            for column, listed in columns.items():
                into[column] += listed
                sums[column] += part.value_keys[key][column]
    return Tally(counts, dict(values), keys, dict(value_keys), sum(t.enrollments for t in tallies))
