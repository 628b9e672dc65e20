"""Disclosure control (röjandekontroll), product.md §7, over the measures of an answer.

`suppress` says which values to hide and why; the rule names are those the answer lists:

- `min_cell_size`: a count between 1 and min_cell_size − 1 (0 is shown).
- `small_base`: a share, mean, median or cost per participant computed over fewer than
  min_cell_size persons (one computed over nobody is null anyway and not listed).
- `derived_from_suppressed`: a share, mean, median or cost per participant whose numerator,
  divisor or population is a hidden count (a share times its visible divisor is the count).
- `complementary_sex`: in a {total, female, male} cell, female + male = total; for means,
  medians and shares: where one of female/male is hidden and the total is not, the other too.
- `complementary_distribution`: a distribution column (exit reasons, age bands, education,
  municipality, support codes at enrollment, support codes before/after) with exactly one hidden cell gets its next smallest non-zero
  cell hidden, whether or not the count it sums to is visible.
- `complementary_relation`: exits = early_dropouts + completed_exits; active =
  active_at_end + exits; to_work_or_studies and to_goal = their exit reasons; youth + adult
  = completed_exits and to_work_or_studies; youth = its age bands when youth_max_age ends a band.
- `complementary_total`: each count of the association total = the sum over interventions.

Each relation is a set of published counts, one the sum of the others. Where exactly one is
hidden it can be had by subtraction, so another is hidden — the smallest non-zero visible
term (the first in document order on a tie), else the sum — until nothing changes.

Left out on purpose: anonymous_participants and activities are counts reported without
enrollments and get the primary rule only (no relation, so e.g. a hidden female count can
be had from total − male − unspecified); activities.count is a number of activities, not
of persons, and is never hidden; unique_participants is in no relation across interventions.
Relations are completed one at a time, which does not guard against solving several of them
as a system of equations (that needs an auditing solver; the product does not ask for one).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

from service.domain.codes import AGE_BANDS, WORK_OR_STUDIES, ExitReason
from service.domain.facts import ReportingRules
from service.statistics.leaf_layout import Layout, MeasuredLeaves
from service.statistics.measures_format import COLUMNS, Count, Pointer, Statistic

TOTAL_ROOT: Pointer = ("total", "measures")
# Reports of unregistered persons: primary suppression only.
OUTSIDE_RELATIONS = frozenset({"anonymous_participants", "activities"})
NOT_SUMMED_OVER_INTERVENTIONS = OUTSIDE_RELATIONS | {"unique_participants"}
# A distribution and the count its cells sum to (None: support codes, several per person).
DISTRIBUTIONS: tuple[tuple[Pointer, Pointer | None], ...] = (
    (("exits_by_reason",), ("completed_exits",)),
    (("age_band", "active"), ("active",)),
    (("age_band", "new"), ("new",)),
    (("age_band", "completed_exits"), ("completed_exits",)),
    (("education",), ("active",)),
    (("municipality",), ("active",)),
    (("support_at_enrollment",), None),
)
SUPPORT_MOMENTS = ("at_enrollment", "at_exit")
CELL_KEYS = frozenset(COLUMNS)


@dataclass(frozen=True, slots=True)
class Relation:
    """Published counts where `total` is the sum of `terms` (no total: support codes)."""

    rule: str
    terms: tuple[Pointer, ...]
    total: Pointer | None = None
    # In a distribution, one hidden cell is always completed, whatever its sum shows (§7).
    any_single_term: bool = False


def suppress(tree: Mapping[str, Any], rules: ReportingRules) -> dict[Pointer, str]:
    """The values of an answer tree to hide, each with the rule that hides it."""
    measured = MeasuredLeaves.of(measure_roots(tree))
    return {measured.pointer(n): rule for n, rule in hidden_leaves(measured, rules).items()}


def hidden_leaves(measured: MeasuredLeaves, rules: ReportingRules) -> dict[int, str]:
    """The leaves (by number) of an answer's measures objects to hide, with their rules."""
    limit = rules.min_cell_size
    if limit <= 0:
        return {}
    values = measured.values
    statistics = measured.statistics
    # Every leaf's value, then 0 for statistics: the counts, few steps per leaf.
    counts = list(values)
    for n in statistics:
        counts[n] = 0
    hidden = _primary(measured, counts, limit)
    relations = _Relations(measured, rules)
    links = _links(measured)
    cells = relations.statistic_cells()
    # Same result as completing every relation, in order, until nothing changes. But how
    # many terms of each relation are hidden, and whether its total is, is kept up to date,
    # so only a relation with exactly one hidden member is completed (for any other,
    # completing does nothing); and after the first pass only those with a member hidden
    # since are looked at.
    hidden_terms = [0] * relations.count
    hidden_total = bytearray(relations.count)
    any_single_term = relations.any_single_term
    relations.count_hidden(hidden, hidden_terms, hidden_total)
    pending: Iterable[int] = range(relations.count)
    while True:
        seen = len(hidden)
        for number in pending:
            terms = hidden_terms[number]
            if (
                terms + hidden_total[number] == 1 or (terms == 1 and any_single_term[number])
            ) and _complete(relations.relation(number), counts, hidden):
                relations.count_hidden((next(reversed(hidden)),), hidden_terms, hidden_total)
        completed = len(hidden)
        _hide_statistics(values, statistics, links, cells, hidden)
        # `hidden` only grows, in insertion order: the new keys are its tail.
        relations.count_hidden(islice(hidden, completed, None), hidden_terms, hidden_total)
        if len(hidden) == seen:
            return hidden
        changed = islice(hidden, seen, None)
        pending = sorted({number for n in changed for number in relations.memberships(n)})


def measure_roots(tree: Mapping[str, Any]) -> list[tuple[Pointer, Mapping[str, Any]]]:
    """Every measures object of the answer with its pointer; the association total last."""
    roots: list[tuple[Pointer, Mapping[str, Any]]] = [
        (("interventions", i, "measures"), entry["measures"])
        for i, entry in enumerate(tree["interventions"])
    ]
    return [*roots, (TOTAL_ROOT, tree["total"]["measures"])]


def relations_within(
    root: Pointer, measures: Mapping[str, Any], rules: ReportingRules
) -> list[Relation]:
    """The linear relations among the counts of one measures object."""
    relations = [
        Relation("complementary_sex", (cell[1], cell[2]), cell[0])
        for cell in _cells(measures, root, Count)
        if cell[0][len(root)] not in OUTSIDE_RELATIONS
    ]
    for cells, summed in DISTRIBUTIONS:
        codes = list(_at(measures, cells))
        for column in COLUMNS:
            terms = tuple((*root, *cells, code, column) for code in codes)
            total = None if summed is None else (*root, *summed, column)
            relations.append(Relation("complementary_distribution", terms, total, True))
    # Support before/after: the code sits above the moment, so each moment is a column.
    codes = list(_at(measures, ("support_before_after",)))
    for moment in SUPPORT_MOMENTS:
        for column in COLUMNS:
            terms = tuple((*root, "support_before_after", c, moment, column) for c in codes)
            relations.append(Relation("complementary_distribution", terms, None, True))
    for total_at, term_ats in _sums(rules):
        for column in COLUMNS:
            terms = tuple((*root, *t, column) for t in term_ats)
            relations.append(Relation("complementary_relation", terms, (*root, *total_at, column)))
    return relations


# A relation by leaf numbers: (rule, terms, total or None, any_single_term).
NumberedRelation = tuple[str, tuple[int, ...], int | None, bool]


@dataclass(frozen=True, slots=True)
class _Within:
    """The relations and statistic cells of one measures object, by its own leaf numbers."""

    relations: list[NumberedRelation]
    any_single_term: bytes
    # For each leaf, the relations it is a term of, and those it is the total of.
    terms_of: list[list[int]]
    totals_of: list[list[int]]
    statistic_cells: list[tuple[int, int, int]]

    @classmethod
    def of(cls, layout: Layout, measures: Mapping[str, Any], rules: ReportingRules) -> _Within:
        number = layout.number
        relations: list[NumberedRelation] = []
        terms_of: list[list[int]] = [[] for _ in layout.pointers]
        totals_of: list[list[int]] = [[] for _ in layout.pointers]
        for relation in relations_within((), measures, rules):
            # A member the tree does not have is never hidden: leaving it out changes nothing.
            terms = tuple(number[t] for t in relation.terms if t in number)
            total = None if relation.total is None else number.get(relation.total)
            for term in terms:
                terms_of[term].append(len(relations))
            if total is not None:
                totals_of[total].append(len(relations))
            relations.append((relation.rule, terms, total, relation.any_single_term))
        any_single_term = bytes(r[3] for r in relations)
        cells = [(number[t], number[f], number[m]) for t, f, m in _cells(measures, (), Statistic)]
        return cls(relations, any_single_term, terms_of, totals_of, cells)


@lru_cache(maxsize=64)
def _within(layout: Layout, rules: ReportingRules) -> _Within:
    """The relations of a layout under these rules. Kept between requests with the layout
    (measured_answer keeps layouts per period, rules and municipality codes): a pure
    function of the two, and both are immutable."""
    return _Within.of(layout, layout.template, rules)


class _Relations:
    """The relations of an answer by leaf numbers, in the order they are completed: those
    within each measures object, object by object, then those across objects.

    An answer has thousands, most of which are never completed, and its measures objects
    share a few shapes; so a relation is decoded from its shape when it is completed, not
    built for every object up front.
    """

    def __init__(self, measured: MeasuredLeaves, rules: ReportingRules) -> None:
        self.measured = measured
        self.within: list[_Within] = []
        self.starts: list[int] = []
        count = 0
        for layout in measured.layouts:
            within = _within(layout, rules)
            self.within.append(within)
            self.starts.append(count)
            count += len(within.relations)
        # Across: one relation per summed count of the total, in its document order.
        self.total_scope = measured.roots.index(TOTAL_ROOT)
        total = measured.layouts[self.total_scope]
        self.summed = [
            n
            for n, at in enumerate(total.pointers)
            if total.kinds[n] is Count and at[0] not in NOT_SUMMED_OVER_INTERVENTIONS
        ]
        across_of = {total.pointers[n]: k for k, n in enumerate(self.summed)}
        # For each measures object, leaf → its relation across (None: in none).
        shared: dict[Layout, list[int | None]] = {}
        self.across: list[list[int | None]] = []
        for scope, layout in enumerate(measured.layouts):
            if scope == self.total_scope:
                self.across.append([across_of.get(at) for at in layout.pointers])
                continue
            if layout not in shared:
                shared[layout] = [across_of.get(at) for at in layout.pointers]
            self.across.append(shared[layout])
        self.across_start = count
        self.count = count + len(self.summed)
        self.any_single_term = b"".join(w.any_single_term for w in self.within) + bytes(
            len(self.summed)
        )

    def relation(self, number: int) -> NumberedRelation:
        """Relation `number`, by the answer's leaf numbers."""
        measured = self.measured
        if number >= self.across_start:
            at_total = self.summed[number - self.across_start]
            at = measured.layouts[self.total_scope].pointers[at_total]
            terms = tuple(
                layout.number[at] + offset
                for scope, (layout, offset) in enumerate(
                    zip(measured.layouts, measured.offsets, strict=True)
                )
                if scope != self.total_scope and at in layout.number
            )
            total_at = at_total + measured.offsets[self.total_scope]
            return ("complementary_total", terms, total_at, False)
        scope = bisect_right(self.starts, number) - 1
        rule, terms, total, any_single_term = self.within[scope].relations[
            number - self.starts[scope]
        ]
        offset = measured.offsets[scope]
        return (
            rule,
            tuple(t + offset for t in terms),
            None if total is None else total + offset,
            any_single_term,
        )

    def memberships(self, leaf: int) -> list[int]:
        """The relations a leaf is a member of."""
        scope = self.measured.scope_of(leaf)
        local = leaf - self.measured.offsets[scope]
        start, within = self.starts[scope], self.within[scope]
        found = [start + k for k in (*within.terms_of[local], *within.totals_of[local])]
        across = self.across[scope][local]
        if across is not None:
            found.append(self.across_start + across)
        return found

    def count_hidden(
        self, leaves: Iterable[int], hidden_terms: list[int], hidden_total: bytearray
    ) -> None:
        """Count newly hidden leaves in the relations they are members of: per relation, how
        many of its terms are hidden and whether its total is."""
        offsets, starts, within, across = (
            self.measured.offsets, self.starts, self.within, self.across
        )  # fmt: skip
        total_scope, across_start = self.total_scope, self.across_start
        for leaf in leaves:
            scope = bisect_right(offsets, leaf) - 1
            local = leaf - offsets[scope]
            start, relations = starts[scope], within[scope]
            for k in relations.terms_of[local]:
                hidden_terms[start + k] += 1
            for k in relations.totals_of[local]:
                hidden_total[start + k] = 1
            k_across = across[scope][local]
            if k_across is None:
                continue
            if scope == total_scope:
                hidden_total[across_start + k_across] = 1
            else:
                hidden_terms[across_start + k_across] += 1

    def statistic_cells(self) -> list[tuple[int, int, int]]:
        """The (total, female, male) leaves of every cell of statistics, object by object."""
        return [
            (t + offset, f + offset, m + offset)
            for within, offset in zip(self.within, self.measured.offsets, strict=True)
            for t, f, m in within.statistic_cells
        ]


def _links(measured: MeasuredLeaves) -> dict[int, tuple[int, ...]]:
    """The leaves (counts) each statistic would give away, by number."""
    links: dict[int, tuple[int, ...]] = {}
    for layout, offset in zip(measured.layouts, measured.offsets, strict=True):
        for n, reveals in zip(layout.statistics, layout.reveals, strict=True):
            links[offset + n] = tuple(r + offset for r in reveals)
    return links


def _sums(rules: ReportingRules) -> list[tuple[Pointer, list[Pointer]]]:
    """Count = sum of counts, within one measures object (cell paths, without the column)."""
    by_age = "to_work_or_studies_by_age"
    goals = rules.goal_reasons_sorted()
    sums: list[tuple[Pointer, list[Pointer]]] = [
        (("exits",), [("early_dropouts",), ("completed_exits",)]),
        (("active",), [("active_at_end",), ("exits",)]),
        (
            ("to_work_or_studies",),
            [("exits_by_reason", r.value) for r in ExitReason if r in WORK_OR_STUDIES],
        ),
        (("to_goal",), [("exits_by_reason", r) for r in goals]),
        (("completed_exits",), [(by_age, g, "completed_exits") for g in ("youth", "adult")]),
        (("to_work_or_studies",), [(by_age, g, "to_work_or_studies") for g in ("youth", "adult")]),
    ]
    if any(high == rules.youth_max_age for _, _, high in AGE_BANDS):
        young = [label for label, _, high in AGE_BANDS if high <= rules.youth_max_age]
        youth = (by_age, "youth", "completed_exits")
        sums.append((youth, [("age_band", "completed_exits", band) for band in young]))
    return [(total, terms) for total, terms in sums if terms]


def _primary(measured: MeasuredLeaves, counts: Sequence[int], limit: int) -> dict[int, str]:
    """Small counts, and statistics over few persons."""
    hidden = {n: "min_cell_size" for n, value in enumerate(counts) if 0 < value < limit}
    values, bases = measured.values, measured.bases
    for n in measured.statistics:
        if values[n] is not None and bases[n] < limit:
            hidden[n] = "small_base"
    return hidden


def _complete(relation: NumberedRelation, counts: Sequence[int], hidden: dict[int, str]) -> bool:
    """Hide another member of a relation that has exactly one hidden member; True if so."""
    rule, terms, total, any_single_term = relation
    hidden_terms = 0
    for t in terms:
        if t in hidden:
            hidden_terms += 1
    total_hidden = total is not None and total in hidden
    single = hidden_terms + total_hidden == 1
    if not (single or (any_single_term and hidden_terms == 1)):
        return False
    # The smallest non-zero visible term, the first on a tie; else the sum.
    smallest = None
    for t in terms:
        if t not in hidden and counts[t] > 0 and (smallest is None or counts[t] < counts[smallest]):
            smallest = t
    if smallest is not None:
        hidden[smallest] = rule
        return True
    if total is not None and not total_hidden and counts[total] > 0:
        hidden[total] = rule
        return True
    return False


def _hide_statistics(
    values: Sequence[Any],
    statistics: Sequence[int],
    links: Mapping[int, tuple[int, ...]],
    cells: Sequence[tuple[int, int, int]],
    hidden: dict[int, str],
) -> None:
    """Hide statistics that give away hidden counts, then complete their sex cells."""
    for n in statistics:
        if n in hidden or values[n] is None:
            continue
        if any(link in hidden for link in links[n]):
            hidden[n] = "derived_from_suppressed"
    for total, female, male in cells:
        if total in hidden or (female in hidden) == (male in hidden):
            continue
        other = male if female in hidden else female
        if values[other] is not None:
            hidden[other] = "complementary_sex"


def _cells(
    tree: Any, at: Pointer, kind: type[Count] | type[Statistic]
) -> list[tuple[Pointer, Pointer, Pointer]]:
    """The (total, female, male) pointers of every cell of `kind` leaves in a tree."""
    found: list[tuple[Pointer, Pointer, Pointer]] = []
    _find_cells(tree, at, kind, found)
    return found


def _find_cells(
    tree: Any,
    at: Pointer,
    kind: type[Count] | type[Statistic],
    found: list[tuple[Pointer, Pointer, Pointer]],
) -> None:
    if not isinstance(tree, dict):
        return
    if tree.keys() == CELL_KEYS and all(isinstance(v, kind) for v in tree.values()):
        found.append(((*at, COLUMNS[0]), (*at, COLUMNS[1]), (*at, COLUMNS[2])))
        return
    for key, child in tree.items():
        if isinstance(child, dict):  # only dicts hold cells: no call for leaves
            _find_cells(child, (*at, key), kind, found)


def _at(tree: Mapping[str, Any], path: Pointer) -> Mapping[str, Any]:
    """The subtree at a path of keys; empty where the tree has none."""
    node: Any = tree
    for key in path:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return node
