"""A measures object's leaf values, filled from a tally straight into leaf order.

A `MeasuresPlan` says, once per shape of measures object, which leaf numbers each count
cell, share and mean or median goes to; `leaf_values` then fills a scope's values and bases
from its `Tally` without building Count trees. Measures that are not about enrollments'
cells (reports of unregistered persons, activities, the cost per participant, unique
participants) stay small trees, built by `measures_tree.untallied_measures` and copied
into their leaves.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import partial
from types import MappingProxyType
from typing import Any

from service.statistics import definitions as st
from service.statistics.cell_key import perturbed_count, perturbed_statistic, text_key
from service.statistics.fact_tally import (
    BEFORE,
    THROUGHPUT,
    THROUGHPUT_TO_GOAL,
    WITH_PROGRESSED_VALUE,
    CellIndex,
    CellKey,
    Tally,
)
from service.statistics.kept import KeptByIdentity, slot_in
from service.statistics.leaf_layout import Layout, flatten
from service.statistics.measures_format import COLUMNS, Count, Kind, Statistic

FEMALE, MALE = COLUMNS[1:]

# Measures built as small trees, not from the tally.
FROM_TREES = frozenset(
    {"anonymous_participants", "activities", "cost_per_participant", "unique_participants"}
)
# A share cell: (numerator, divisor); the divisor is its base (measures_tree._outcomes).
SHARES: dict[CellKey, tuple[CellKey, CellKey]] = {
    ("share_to_work_or_studies",): (("to_work_or_studies",), ("completed_exits",)),
    ("share_to_goal",): (("to_goal",), ("completed_exits",)),
    ("share_to_work_or_studies_of_all_exits",): (("to_work_or_studies",), ("exits",)),
    ("share_to_goal_of_all_exits",): (("to_goal",), ("exits",)),
    ("share_progressed",): (("progressed",), WITH_PROGRESSED_VALUE),
}
# A cell of means or medians: (kind, the values it is over) (measures_tree._durations).
AGGREGATES: dict[CellKey, tuple[Kind, CellKey]] = {
    (*THROUGHPUT, "mean"): (Kind.MEAN, THROUGHPUT),
    (*THROUGHPUT, "median"): (Kind.MEDIAN, THROUGHPUT),
    (*THROUGHPUT_TO_GOAL, "mean"): (Kind.MEAN, THROUGHPUT_TO_GOAL),
    (*THROUGHPUT_TO_GOAL, "median"): (Kind.MEDIAN, THROUGHPUT_TO_GOAL),
    **{(name, whom): (Kind.MEAN, (name, whom)) for name in BEFORE for whom in ("to_goal", "new")},
}
# How far noise moves a mean or median over one person (cell_key): a month for durations
# in days, three months for months on support before the start.
NOISE_SCALES: dict[CellKey, float] = {
    THROUGHPUT: 30.0,
    THROUGHPUT_TO_GOAL: 30.0,
    **{(name, whom): 3.0 for name in BEFORE for whom in ("to_goal", "new")},
}
# Read-only: it is shared by every answer without values for a mean or median.
_NO_VALUES: Mapping[str, Sequence[int]] = MappingProxyType({column: () for column in COLUMNS})


@dataclass(frozen=True, slots=True, eq=False)
class MeasuresPlan:
    """Where the values of one shape of measures object go, by leaf number."""

    layout: Layout
    # The numbers of the count cells, shared by every plan of an answer (fact_tally).
    index: CellIndex
    # Each entry ends with the cell's total, female and male leaves: counts by cell
    # number; shares by the numbers of their numerator and divisor; aggregates by kind
    # and the values they are over.
    counts: tuple[tuple[int, int, int, int], ...]
    shares: tuple[tuple[int, int, int, int, int], ...]
    aggregates: tuple[tuple[Kind, CellKey, int, int, int], ...]
    # The leaves (start, stop) of each measure built as a tree.
    spans: Mapping[str, tuple[int, int]]
    # Per leaf, a key of its place (its pointer): which zero cells are shown as hidden.
    places: tuple[int, ...] = ()

    @classmethod
    def of(cls, template: Mapping[str, Any], index: CellIndex | None = None) -> MeasuresPlan:
        """The plan of a measures object's shape; every leaf must have a place in it. Without
        an index, its count cells are numbered here (give the plan with the most cells)."""
        layout = Layout.of(template)
        cells: dict[CellKey, dict[str, int]] = {}
        spans: dict[str, tuple[int, int]] = {}
        for n, at in enumerate(layout.pointers):
            name = str(at[0])
            if name in FROM_TREES:
                start, _ = spans.get(name, (n, n))
                spans[name] = (start, n + 1)
            else:
                cells.setdefault(tuple(map(str, at[:-1])), {})[str(at[-1])] = n
        leaves = {key: tuple(columns[c] for c in COLUMNS) for key, columns in cells.items()}
        fills = {key: _fill_of(key, layout.kinds[t]) for key, (t, _, _) in leaves.items()}
        if index is None:
            counted = [key for key, fill in fills.items() if fill is _Fill.COUNT]
            index = {key: n for n, key in enumerate([*counted, WITH_PROGRESSED_VALUE])}
        return cls(
            layout,
            index,
            tuple((index[k], *at) for k, at in leaves.items() if fills[k] is _Fill.COUNT),  # type: ignore[misc]
            tuple(
                (index[SHARES[k][0]], index[SHARES[k][1]], *at)  # type: ignore[misc]
                for k, at in leaves.items()
                if fills[k] is _Fill.SHARE
            ),
            tuple(
                (*AGGREGATES[k], *at)  # type: ignore[misc]
                for k, at in leaves.items()
                if fills[k] is _Fill.AGGREGATE
            ),
            spans,
            tuple(text_key(pointer) for pointer in layout.json_pointers),
        )


class _Fill(Enum):
    """How a plan fills a cell."""

    COUNT = "count"  # counted in the tally
    SHARE = "share"  # one count over another (SHARES)
    AGGREGATE = "aggregate"  # a mean or a median of values (AGGREGATES says which)


def _fill_of(key: CellKey, leaf: type) -> _Fill:
    """How a plan fills the cell at `key`; a cell no definition covers is an error, not a
    silent zero."""
    if leaf is Count:
        return _Fill.COUNT
    if leaf is Statistic and key in SHARES:
        return _Fill.SHARE
    if leaf is Statistic and key in AGGREGATES:
        return _Fill.AGGREGATE
    raise ValueError(f"no flat definition of the measure at {key}")


def leaf_values(
    plan: MeasuresPlan,
    tally: Tally,
    trees: Mapping[str, Any],
    max_noise: int = 0,
    slot: Hashable = None,
) -> tuple[list[Any], list[int]]:
    """A measures object's leaf values and bases (0 for counts), in its leaf order; the
    measures of FROM_TREES are taken from `trees`. With max_noise > 0, every count, share
    base, mean and median carries its cell key's noise (cell_key). With a slot, the
    tallied values are kept there while the plan and the tally are the same (kept)."""
    kept_values, kept_bases = _TALLIED.get(
        slot_in(slot, max_noise),
        (plan, tally),
        partial(_tallied_values, plan, tally, max_noise),
        weight=tally.enrollments,  # it keeps the tally alive
    )
    values, bases = list(kept_values), list(kept_bases)  # the kept lists stay as they are
    for name, tree in trees.items():
        start, stop = plan.spans[name]
        leaves_of_tree = flatten(tree)[1]
        if len(leaves_of_tree) != stop - start:
            raise ValueError(f"{name} has {len(leaves_of_tree)} leaves, its shape {stop - start}")
        values[start:stop] = [leaf.value for leaf in leaves_of_tree]
        bases[start:stop] = [getattr(leaf, "base", 0) for leaf in leaves_of_tree]
    return values, bases


# The tallied values of the scopes of a few answers: an answer after a write finds those of
# the interventions it did not change (their tallies are the same objects, fact_tally).
_TALLIED: KeptByIdentity[tuple[tuple[Any, ...], tuple[int, ...]]] = KeptByIdentity()


def _tallied_values(
    plan: MeasuresPlan, tally: Tally, max_noise: int
) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """leaf_values without the measures of FROM_TREES (zeros in their places)."""
    size = len(plan.layout.pointers)
    values: list[Any] = [0] * size
    bases = [0] * size
    female, male, neither = tally.counts[FEMALE], tally.counts[MALE], tally.counts[None]
    for cell, t, f, m in plan.counts:
        values[f], values[m] = female[cell], male[cell]
        values[t] = values[f] + values[m] + neither[cell]
        if max_noise:
            for n, column in ((t, COLUMNS[0]), (f, FEMALE), (m, MALE)):
                key = tally.key(column, cell)
                values[n] = perturbed_count(values[n], key, max_noise, plan.places[n])

    def count(column: str, cell: int) -> int:
        value = tally.count(column, cell)
        return perturbed_count(value, tally.key(column, cell), max_noise) if max_noise else value

    for numerator, divisor, *leaves in plan.shares:
        for n, column in zip(leaves, COLUMNS, strict=True):
            whole = count(column, divisor)
            values[n] = count(column, numerator) / whole if whole else None
            bases[n] = whole
    for kind, over, *leaves in plan.aggregates:
        columns = tally.values.get(over, _NO_VALUES)
        for n, column in zip(leaves, COLUMNS, strict=True):
            chosen = columns[column]
            values[n] = _aggregated(kind, chosen)
            bases[n] = len(chosen)
            if max_noise and chosen:
                key = tally.value_keys[over][column]
                bases[n] = perturbed_count(len(chosen), key, max_noise)
                values[n] = perturbed_statistic(values[n], len(chosen), key, NOISE_SCALES[over])
    return tuple(values), tuple(bases)


def _aggregated(kind: Kind, values: Sequence[int]) -> float | None:
    """A mean or a median, as measures_format.aggregate computes it."""
    return st.mean(values) if kind is Kind.MEAN else st.median(values)
