"""A reader's bounds of hidden counts by linear programming (product.md §7, decisions.md §38).

Propagating bounds sum by sum (disclosure._propagated) sees what each identity says alone
and what follows step by step; a reader who solves the linear programme of all of them at
once can see more: chains of sums across scopes that pin a count no single step does.
`tighten` narrows the bounds of hidden counts to the programme's own: for each, its
least and greatest value over every table of counts that satisfies the known bounds and
every identity (disclosure_relations). The attacker's audit (tests/disclosure_audit.py)
solves the same kind of programme from its own reading of product.md.

HiGHS solves it (highspy, imported when first needed: 60 ms a process that never solves),
in one instance per answer and round, each solve starting from the last one's basis. Solutions that push all the counts at once down, then up, show most
of them free (seen at two values, one of them 0 or k or more); only the rest get a
programme each.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from functools import cache
from typing import Any

import numpy as np

from service.statistics.disclosure_relations import Identities

# Bounds at or above this are no bound (disclosure.UNBOUNDED).
_NO_BOUND = 10**11
# The solver's values are floats: an integer count within this of a bound is at it.
_TOLERANCE = 1e-6
# HiGHS's option simplex_strategy: 1 the dual simplex (serial), 4 the primal.
_DUAL_SIMPLEX, _PRIMAL_SIMPLEX = 1, 4


def pinned(lo: int, hi: int, limit: int) -> bool:
    """Whether a reader's bounds of a hidden count give it away: one value, or inside
    1..k − 1 (k = limit)."""
    return lo == hi or (lo >= 1 and hi <= limit - 1)


def tighten(
    found: Identities, lo: list[int], hi: list[int], hidden: Collection[int], limit: int
) -> bool:
    """Narrow lo[n]..hi[n] of the `hidden` counts, in place, where the programme shows a
    pin; False when no table of counts satisfies the bounds (they hold a wrong guess). A
    count HiGHS leaves unsettled (twice: warm, then from scratch) is given one value, so
    that it is taken for a pin and repaired: failing toward hiding, the same way for the
    same answer every time."""
    counts = set(found.counts)
    targets = [n for n in sorted(hidden) if n in counts and not pinned(lo[n], hi[n], limit)]
    if not targets:
        return True
    problem = _Problem(found, lo, hi)
    columns = [problem.column[n] for n in targets]
    seen_lo = np.full(problem.size, math.inf)
    seen_hi = np.full(problem.size, -math.inf)

    def seen(x: np.ndarray | None) -> None:
        if x is not None:
            np.minimum(seen_lo, x, out=seen_lo)
            np.maximum(seen_hi, x, out=seen_hi)

    # Solutions that push all the counts not yet seen free at once, down then up, show
    # most of them free; only the rest get a programme each.
    left = columns
    try:
        while left:
            seen(problem.solve(left, maximise=False))
            seen(problem.solve(left, maximise=True))
            still = [c for c in left if not _free(seen_lo[c], seen_hi[c], limit)]
            if len(still) == len(left):
                break
            left = still
    except _Infeasible:
        return False
    except _Unsettled:
        pass  # each count not seen free gets its own programmes below
    for n, column in zip(targets, columns, strict=True):
        if _free(seen_lo[column], seen_hi[column], limit):
            continue
        try:
            least = problem.solve([column], maximise=False)
            seen(least)
            if _free(seen_lo[column], seen_hi[column], limit):
                continue
            most = problem.solve([column], maximise=True)
            seen(most)
        except (_Unsettled, _Infeasible):
            lo[n] = hi[n]
            continue
        if least is not None:
            lo[n] = max(lo[n], math.ceil(least[column] - _TOLERANCE))
        if most is not None:
            hi[n] = min(hi[n], math.floor(most[column] + _TOLERANCE))
    return True


def _free(least: float, most: float, limit: int) -> bool:
    """Whether values seen in solutions already show that a count is no pin."""
    if least > most:  # none seen yet
        return False
    low, high = math.ceil(least - _TOLERANCE), math.floor(most + _TOLERANCE)
    return high > low and (low <= 0 or high >= limit)


class _Infeasible(Exception):
    """No table of counts satisfies the programme."""


class _Unsettled(Exception):
    """HiGHS ended a solve neither optimal, unbounded nor infeasible."""


@cache
def _highspy() -> Any:
    import highspy

    return highspy


# A row of the programme: (leaf, factor) pairs whose sum is 0 (a sum) or at most 0.
Row = tuple[tuple[int, float], ...]


class _Problem:
    """The programme over the answer's counts (their bounds and every identity), in one
    HiGHS instance: each solve after the first starts from the last one's basis."""

    def __init__(self, found: Identities, lo: list[int], hi: list[int]) -> None:
        highspy = _highspy()
        leaves = list(found.counts)
        self.column = {leaf: c for c, leaf in enumerate(leaves)}
        self.size = len(leaves)
        equal: list[Row] = [
            ((total, 1.0), *((t, -1.0) for t in terms)) for total, terms in found.sums
        ]
        at_most: list[Row] = [((small, 1.0), (large, -1.0)) for small, large in found.orders]
        at_most += [
            (*((a, 1.0) for a in smaller), *((b, -1.0) for b in larger))
            for smaller, larger in found.inequalities
        ]
        lp = highspy.HighsLp()
        lp.num_col_ = self.size
        lp.num_row_ = len(equal) + len(at_most)
        lp.col_cost_ = np.zeros(self.size)
        lp.col_lower_ = np.array([lo[n] for n in leaves], dtype=float)
        lp.col_upper_ = np.array(
            [highspy.kHighsInf if hi[n] >= _NO_BOUND else hi[n] for n in leaves], dtype=float
        )
        lp.row_lower_ = np.array([0.0] * len(equal) + [-highspy.kHighsInf] * len(at_most))
        lp.row_upper_ = np.zeros(lp.num_row_)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = self.size
        lp.a_matrix_.num_row_ = lp.num_row_
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = self._rows(equal + at_most)
        # highspy's `Highs` calls into HiGHS in its constructor, before output can be turned
        # off, and HiGHS prints its banner to standard out then: the plain class it wraps
        # (in highspy's __all__, not in its type stubs; highspy is pinned for it).
        self.highs = highspy._Highs()
        self.highs.setOptionValue("output_flag", False)
        if self.highs.passModel(lp) != highspy.HighsStatus.kOk:
            raise RuntimeError("disclosure control's programme was refused by HiGHS")
        self.objective: list[int] = []

    def _rows(self, rows: list[Row]) -> tuple[Any, Any, Any]:
        starts, indices, values = [0], [], []  # type: tuple[list[int], list[int], list[float]]
        for row in rows:
            merged: dict[int, float] = {}
            for leaf, factor in row:
                merged[self.column[leaf]] = merged.get(self.column[leaf], 0.0) + factor
            indices += merged
            values += merged.values()
            starts.append(len(indices))
        return np.array(starts), np.array(indices), np.array(values, dtype=float)

    def solve(self, columns: list[int], maximise: bool) -> np.ndarray | None:
        """A solution that minimises or maximises the sum of these columns; None when that
        is unbounded."""
        highspy, highs = _highspy(), self.highs
        if self.objective:
            highs.changeColsCost(len(self.objective), self.objective, [0.0] * len(self.objective))
        highs.changeColsCost(len(columns), columns, [1.0] * len(columns))
        self.objective = columns
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        highs.changeObjectiveSense(sense)
        status = self._run()
        if status == highspy.HighsModelStatus.kOptimal:
            return np.asarray(highs.getSolution().col_value)
        if status == highspy.HighsModelStatus.kUnbounded:
            return None
        if status == highspy.HighsModelStatus.kInfeasible:
            raise _Infeasible
        raise _Unsettled(status)

    def _run(self) -> Any:
        """Solve, warm from the last basis with the primal simplex (only the objective
        changed since: the basis stays feasible; the dual simplex would start over, 20–50×
        slower on an answer of 20 insatser); once more from scratch with the dual simplex
        if HiGHS leaves it unsettled, as it may on a degenerate programme."""
        highspy, highs = _highspy(), self.highs
        highs.run()
        status = highs.getModelStatus()
        settled = (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kInfeasible,
        )
        if status not in settled:
            highs.clearSolver()
            highs.setOptionValue("simplex_strategy", _DUAL_SIMPLEX)
            highs.run()
            status = highs.getModelStatus()
        highs.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        return status
