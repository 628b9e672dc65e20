"""The identities among the counts of an answer (product.md §6), as a reader would use them.

Disclosure control checks, before it publishes, what a reader can work out about a hidden
count from the published ones; these are the sums and orders the reader knows:

- in every {total, female, male} cell: total = female + male;
- reports of unregistered persons: total = female + male + unspecified, and activities'
  participants: total = af + fk + region + kommun + other;
- each distribution sums to its base (exit reasons, age bands, education, municipality);
- exits = early_dropouts + completed_exits; active = active_at_end + exits;
  to_work_or_studies and to_goal = their exit reasons; youth + adult = completed_exits and
  = to_work_or_studies; youth = its age bands when youth_max_age ends a band;
- across scopes: each count of the total = the sum over the interventions (not unique
  participants);
- orders: new ≤ active, progressed ≤ completed_exits, a support code ≤ its base, unique
  participants ≤ active, youth or adult to work/studies ≤ their completed exits;
- inequalities of sums (decisions.md §35): every person has a support code (`unknown` where
  none was given), so the base ≤ the sum of its codes; `none` and `unknown` exclude every
  other code, so none + unknown + any other code ≤ the base.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.domain.codes import AGE_BANDS, WORK_OR_STUDIES, ExitReason
from service.domain.facts import ReportingRules
from service.statistics.leaf_layout import Layout, MeasuredLeaves
from service.statistics.measures_format import COLUMNS, Count, Pointer

TOTAL_ROOT: Pointer = ("total", "measures")
REPORTED = {
    "anonymous_participants": ("female", "male", "unspecified"),
}
ORGANISATIONS = ("af", "fk", "region", "kommun", "other")
# A distribution and the count its cells sum to.
DISTRIBUTIONS: tuple[tuple[Pointer, Pointer], ...] = (
    (("exits_by_reason",), ("completed_exits",)),
    (("age_band", "active"), ("active",)),
    (("age_band", "new"), ("new",)),
    (("age_band", "completed_exits"), ("completed_exits",)),
    (("education",), ("active",)),
    (("municipality",), ("active",)),
)
BY_AGE = "to_work_or_studies_by_age"
NOT_SUMMED = frozenset({"unique_participants"})


@dataclass(frozen=True, slots=True)
class Identities:
    """The identities of an answer by leaf numbers: sums (total, terms) and orders (a ≤ b)."""

    sums: list[tuple[int, tuple[int, ...]]]
    orders: list[tuple[int, int]]
    counts: list[int]  # the count leaves
    member_of: dict[int, list[int]]  # leaf → the sums it is the total or a term of
    # Σ smaller ≤ Σ larger, and leaf → the inequalities it is in
    inequalities: list[tuple[tuple[int, ...], tuple[int, ...]]]
    in_inequality: dict[int, list[int]]


def identities(measured: MeasuredLeaves, rules: ReportingRules) -> Identities:
    """Every identity among the counts of an answer, numbered (shared: read only)."""
    return _identities(measured.layouts, measured.offsets, measured.roots, rules)


# A pure function of the answer's shape (layouts compare by identity, and the cache holds
# them), the same for every answer of a period and its insatser: 5 ms of a cold answer of
# a 20-insats förbund.
@lru_cache(maxsize=32)
def _identities(
    layouts: tuple[Layout, ...],
    offsets: tuple[int, ...],
    roots: tuple[Pointer, ...],
    rules: ReportingRules,
) -> Identities:
    sums: list[tuple[int, tuple[int, ...]]] = []
    orders: list[tuple[int, int]] = []
    inequalities: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    counts: list[int] = []
    for layout, offset in zip(layouts, offsets, strict=True):
        within = _within(layout, rules)
        sums += [(t + offset, tuple(x + offset for x in terms)) for t, terms in within[0]]
        orders += [(a + offset, b + offset) for a, b in within[1]]
        inequalities += [
            (tuple(x + offset for x in small), tuple(x + offset for x in large))
            for small, large in within[2]
        ]
        counts += [n + offset for n, kind in enumerate(layout.kinds) if kind is Count]
    total_scope = roots.index(TOTAL_ROOT)
    total_layout = layouts[total_scope]
    others = [s for s in range(len(layouts)) if s != total_scope]
    for n, at in enumerate(total_layout.pointers):
        if total_layout.kinds[n] is not Count or at[0] in NOT_SUMMED:
            continue
        terms = tuple(layouts[s].number[at] + offsets[s] for s in others if at in layouts[s].number)
        sums.append((n + offsets[total_scope], terms))
    member_of: dict[int, list[int]] = {}
    for number, (total, terms) in enumerate(sums):
        for leaf in (total, *terms):
            member_of.setdefault(leaf, []).append(number)
    in_inequality: dict[int, list[int]] = {}
    for number, (small, large) in enumerate(inequalities):
        for leaf in {*small, *large}:
            in_inequality.setdefault(leaf, []).append(number)
    return Identities(sums, orders, counts, member_of, inequalities, in_inequality)


@lru_cache(maxsize=64)
def _within(
    layout: Layout, rules: ReportingRules
) -> tuple[
    list[tuple[int, tuple[int, ...]]],
    list[tuple[int, int]],
    list[tuple[tuple[int, ...], tuple[int, ...]]],
]:
    """The sums, orders and inequalities within one measures object (a pure function of
    both)."""
    number = layout.number
    sums = []
    for total, terms in _sums_by_pointer(layout.template, rules):
        if total in number and all(t in number for t in terms):
            sums.append((number[total], tuple(number[t] for t in terms)))
    orders = [
        (number[a], number[b])
        for a, b in _orders_by_pointer(layout.template)
        if a in number and b in number
    ]
    inequalities = [
        (tuple(number[a] for a in small), tuple(number[b] for b in large))
        for small, large in _inequalities_by_pointer(layout.template)
        if all(p in number for p in (*small, *large))
    ]
    return sums, orders, inequalities


def _sums_by_pointer(
    measures: Mapping[str, Any], rules: ReportingRules
) -> list[tuple[Pointer, list[Pointer]]]:
    found: list[tuple[Pointer, list[Pointer]]] = []
    for cell in _cells(measures, ()):
        found.append(((*cell, "total"), [(*cell, "female"), (*cell, "male")]))
    for name, parts in REPORTED.items():
        if name in measures:
            found.append(((name, "total"), [(name, p) for p in parts]))
    if "activities" in measures:
        found.append(
            (
                ("activities", "participants", "total"),
                [("activities", "participants", o) for o in ORGANISATIONS],
            )
        )
    for cells, summed in DISTRIBUTIONS:
        codes = list(_at(measures, cells))
        for column in COLUMNS:
            found.append(((*summed, column), [(*cells, code, column) for code in codes]))
    for total, terms in _relations(rules):
        for column in COLUMNS:
            found.append(((*total, column), [(*t, column) for t in terms]))
    return found


def _orders_by_pointer(measures: Mapping[str, Any]) -> list[tuple[Pointer, Pointer]]:
    found: list[tuple[Pointer, Pointer]] = []
    for column in COLUMNS:
        found.append((("new", column), ("active", column)))
        found.append((("progressed", column), ("completed_exits", column)))
        for group in ("youth", "adult"):
            found.append(
                (
                    (BY_AGE, group, "to_work_or_studies", column),
                    (BY_AGE, group, "completed_exits", column),
                )
            )
        for code in _at(measures, ("support_at_enrollment",)):
            found.append((("support_at_enrollment", code, column), ("active", column)))
        for code in _at(measures, ("support_before_after",)):
            for moment in ("at_enrollment", "at_exit"):
                found.append(
                    (("support_before_after", code, moment, column), ("completed_exits", column))
                )
        found.append((("unique_participants", column), ("active", column)))
    return found


# Support codes by where they sit: (path before the code, path after it, their base).
SUPPORT_CELLS: tuple[tuple[Pointer, Pointer, Pointer], ...] = (
    (("support_at_enrollment",), (), ("active",)),
    (("support_before_after",), ("at_enrollment",), ("completed_exits",)),
    (("support_before_after",), ("at_exit",), ("completed_exits",)),
)
EXCLUSIVE_CODES = ("none", "unknown")


def _inequalities_by_pointer(
    measures: Mapping[str, Any],
) -> list[tuple[list[Pointer], list[Pointer]]]:
    """Σ smaller ≤ Σ larger among the support codes and their base, in each column."""
    found: list[tuple[list[Pointer], list[Pointer]]] = []
    for before, after, base in SUPPORT_CELLS:
        codes = list(_at(measures, before))
        exclusive = [c for c in EXCLUSIVE_CODES if c in codes]
        others = [c for c in codes if c not in EXCLUSIVE_CODES]
        for column in COLUMNS:
            cell = {code: (*before, code, *after, column) for code in codes}
            whole = (*base, column)
            if "unknown" in codes:
                found.append(([whole], list(cell.values())))
            if exclusive:
                for code in others:
                    found.append(([*(cell[c] for c in exclusive), cell[code]], [whole]))
            if len(exclusive) == 2:
                found.append(([cell[c] for c in exclusive], [whole]))
    return found


def _relations(rules: ReportingRules) -> list[tuple[Pointer, list[Pointer]]]:
    """Count = sum of counts, within one measures object (cell paths, without the column)."""
    goals = rules.goal_reasons_sorted()
    sums: list[tuple[Pointer, list[Pointer]]] = [
        (("exits",), [("early_dropouts",), ("completed_exits",)]),
        (("active",), [("active_at_end",), ("exits",)]),
        (
            ("to_work_or_studies",),
            [("exits_by_reason", r.value) for r in ExitReason if r in WORK_OR_STUDIES],
        ),
        (("to_goal",), [("exits_by_reason", r) for r in goals]),
        (("completed_exits",), [(BY_AGE, g, "completed_exits") for g in ("youth", "adult")]),
        (("to_work_or_studies",), [(BY_AGE, g, "to_work_or_studies") for g in ("youth", "adult")]),
    ]
    if any(high == rules.youth_max_age for _, _, high in AGE_BANDS):
        young = [label for label, _, high in AGE_BANDS if high <= rules.youth_max_age]
        youth = (BY_AGE, "youth", "completed_exits")
        sums.append((youth, [("age_band", "completed_exits", band) for band in young]))
    return [(total, terms) for total, terms in sums if terms]


def _cells(tree: Any, at: Pointer) -> list[Pointer]:
    """The paths of every {total, female, male} cell of counts in a tree (not reports)."""
    found: list[Pointer] = []
    if not isinstance(tree, dict):
        return found
    if set(tree) == set(COLUMNS) and all(isinstance(v, Count) for v in tree.values()):
        return [at]
    for key, child in tree.items():
        if isinstance(child, dict) and key not in REPORTED and key != "activities":
            found += _cells(child, (*at, key))
    return found


def _at(tree: Mapping[str, Any], path: Pointer) -> Mapping[str, Any]:
    """The subtree at a path of keys; empty where the tree has none."""
    node: Any = tree
    for key in path:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return node
