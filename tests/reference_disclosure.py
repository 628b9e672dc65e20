"""Disclosure control as service/application/disclosure.py had it before leaf numbering.

Kept verbatim (commit 1f876fe) as a reference: the faster implementation must hide exactly
the same values, with the same rules (tests/unit/test_disclosure_reference.py). It is the
straightforward reading of product.md §7: every relation by pointers, completed in order
until nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.domain.codes import AGE_BANDS, WORK_OR_STUDIES, ExitReason
from service.domain.facts import ReportingRules
from service.statistics.measures_format import COLUMNS, Count, Pointer, Statistic, leaves

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
    limit = rules.min_cell_size
    if limit <= 0:
        return {}
    roots = measure_roots(tree)
    counts: dict[Pointer, int] = {}
    statistics: dict[Pointer, Statistic] = {}
    links: dict[Pointer, tuple[Pointer, ...]] = {}
    for root, measures in roots:
        for at, leaf in leaves(measures, root):
            if isinstance(leaf, Count):
                counts[at] = leaf.value
            else:
                statistics[at] = leaf
                links[at] = tuple((*root, *r) for r in leaf.reveals)
    hidden = _primary(counts, statistics, limit)
    relations = [r for root, m in roots for r in relations_within(root, m, rules)]
    relations += relations_across(roots)
    statistic_cells = [cell for root, m in roots for cell in _cells(m, root, Statistic)]
    # Same result as completing every relation, in order, until nothing changes — but after
    # the first pass only the relations with a member hidden since are looked at again
    # (a relation none of whose members changed would do what it did last time: nothing).
    member_of: dict[Pointer, list[int]] = {}
    for number, relation in enumerate(relations):
        total = () if relation.total is None else (relation.total,)
        for member in (*relation.terms, *total):
            member_of.setdefault(member, []).append(number)
    pending: Iterable[int] = range(len(relations))
    while True:
        seen = len(hidden)
        for number in pending:
            _complete(relations[number], counts, hidden)
        _hide_statistics(statistics, links, statistic_cells, hidden)
        # `hidden` only grows, in insertion order: the new keys are its tail.
        changed = list(hidden)[seen:]
        if not changed:
            return hidden
        pending = sorted({n for at in changed for n in member_of.get(at, ())})


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


def relations_across(roots: Sequence[tuple[Pointer, Mapping[str, Any]]]) -> list[Relation]:
    """Each count of the association total = the sum of that count over the interventions."""
    parts = [root for root, _ in roots if root != TOTAL_ROOT]
    total = next(m for root, m in roots if root == TOTAL_ROOT)
    return [
        Relation("complementary_total", tuple((*r, *at) for r in parts), (*TOTAL_ROOT, *at))
        for at, leaf in leaves(total)
        if isinstance(leaf, Count) and at[0] not in NOT_SUMMED_OVER_INTERVENTIONS
    ]


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


def _primary(
    counts: Mapping[Pointer, int], statistics: Mapping[Pointer, Statistic], limit: int
) -> dict[Pointer, str]:
    """Small counts, and statistics over few persons."""
    hidden = {at: "min_cell_size" for at, value in counts.items() if 0 < value < limit}
    for at, statistic in statistics.items():
        if statistic.value is not None and statistic.base < limit:
            hidden[at] = "small_base"
    return hidden


def _complete(
    relation: Relation, counts: Mapping[Pointer, int], hidden: dict[Pointer, str]
) -> None:
    """Hide another member of a relation that has exactly one hidden member."""
    hidden_terms = sum(t in hidden for t in relation.terms)
    total_hidden = relation.total is not None and relation.total in hidden
    single = hidden_terms + total_hidden == 1
    if not (single or (relation.any_single_term and hidden_terms == 1)):
        return
    visible = [t for t in relation.terms if t not in hidden and counts.get(t, 0) > 0]
    if visible:
        hidden[min(visible, key=lambda t: counts[t])] = relation.rule
    elif relation.total is not None and not total_hidden and counts.get(relation.total, 0) > 0:
        hidden[relation.total] = relation.rule


def _hide_statistics(
    statistics: Mapping[Pointer, Statistic],
    links: Mapping[Pointer, tuple[Pointer, ...]],
    cells: Sequence[tuple[Pointer, Pointer, Pointer]],
    hidden: dict[Pointer, str],
) -> None:
    """Hide statistics that give away hidden counts, then complete their sex cells."""
    for at, statistic in statistics.items():
        visible = at not in hidden and statistic.value is not None
        if visible and any(link in hidden for link in links[at]):
            hidden[at] = "derived_from_suppressed"
    for total, female, male in cells:
        if total in hidden or (female in hidden) == (male in hidden):
            continue
        other = male if female in hidden else female
        if statistics[other].value is not None:
            hidden[other] = "complementary_sex"


def _cells(
    tree: Any, at: Pointer, kind: type[Count] | type[Statistic]
) -> Iterator[tuple[Pointer, Pointer, Pointer]]:
    """The (total, female, male) pointers of every cell of `kind` leaves in a tree."""
    if not isinstance(tree, dict):
        return
    if tree.keys() == CELL_KEYS and all(isinstance(v, kind) for v in tree.values()):
        yield (*at, COLUMNS[0]), (*at, COLUMNS[1]), (*at, COLUMNS[2])
        return
    for key, child in tree.items():
        yield from _cells(child, (*at, key), kind)


def _at(tree: Mapping[str, Any], path: Pointer) -> Mapping[str, Any]:
    """The subtree at a path of keys; empty where the tree has none."""
    node: Any = tree
    for key in path:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return node
