"""The reader's bounds of an answer's counts, narrowed by its identities (disclosure.py).

A sum `total = t₁ + … + tₙ` narrows its total to [Σ lo, Σ hi] and each term t to
[lo(total) − Σ hi(others), hi(total) − Σ lo(others)]; an order a ≤ b narrows hi(a) to hi(b)
and lo(b) to lo(a). Each step keeps every value the identities allow, so repeating the steps
until none narrows reaches the greatest bounds within the start that every identity allows:
one fixpoint, whichever steps are taken first and however many at once (decisions.md §33).

Here every step of a pass is taken at once, as array operations over all sums and orders,
and the passes repeat until nothing narrows: the bounds the reader's linear programme gives
sum by sum, several times faster than narrowing one sum after another in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

# A cap, never met by an answer: the passes needed grow with the depth of the identities
# (cell, measure, intervention, total), not with the counts.
MAX_PASSES = 1000
_INT64_SAFE = 2**62


@dataclass(frozen=True, slots=True)
class Propagation:
    """The identities of an answer as index arrays: one per shape of answer, kept with them."""

    totals: NDArray[np.int64]  # the total of each sum that has terms
    starts: NDArray[np.int64]  # where each of those sums' terms start in `term_leaf`
    term_leaf: NDArray[np.int64]  # every term of every such sum, sum by sum
    term_sum: NDArray[np.int64]  # the sum each term belongs to
    zero_totals: NDArray[np.int64]  # the totals of sums without terms: 0
    small: NDArray[np.int64]  # orders: small ≤ large
    large: NDArray[np.int64]

    @classmethod
    def of(
        cls, sums: Sequence[tuple[int, tuple[int, ...]]], orders: Sequence[tuple[int, int]]
    ) -> Propagation:
        with_terms = [(total, terms) for total, terms in sums if terms]
        lengths = np.array([len(terms) for _, terms in with_terms], dtype=np.int64)
        return cls(
            totals=_indexes(total for total, _ in with_terms),
            starts=np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64),
            term_leaf=_indexes(leaf for _, terms in with_terms for leaf in terms),
            term_sum=np.repeat(np.arange(len(with_terms), dtype=np.int64), lengths),
            zero_totals=_indexes(total for total, terms in sums if not terms),
            small=_indexes(small for small, _ in orders),
            large=_indexes(large for _, large in orders),
        )

    def narrowed(self, lo: list[int], hi: list[int]) -> tuple[list[int], list[int]]:
        """The bounds (lo[n] ≤ count n ≤ hi[n]) narrowed by every identity to the fixpoint."""
        # Sums of bounds stay far below 2**63 unless an answer had millions of terms; then
        # Python's integers, slowly, rather than an overflow.
        widest = max(max(hi, default=0), -min(lo, default=0))
        exact = widest * (len(self.term_leaf) + 1) < _INT64_SAFE
        kind = np.int64 if exact else object
        least, most = np.array(lo, dtype=kind), np.array(hi, dtype=kind)
        for _ in range(MAX_PASSES):
            new_least, new_most = self._pass(least, most)
            if np.array_equal(new_least, least) and np.array_equal(new_most, most):
                break
            least, most = new_least, new_most
        return least.tolist(), most.tolist()

    def _pass(self, lo: NDArray[Any], hi: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """Every sum's and every order's narrowing of these bounds, taken together."""
        new_lo, new_hi = lo.copy(), hi.copy()
        if len(self.totals):
            terms_lo = np.add.reduceat(lo[self.term_leaf], self.starts)
            terms_hi = np.add.reduceat(hi[self.term_leaf], self.starts)
            total_lo = np.maximum(lo[self.totals], terms_lo)
            total_hi = np.minimum(hi[self.totals], terms_hi)
            np.maximum.at(new_lo, self.totals, total_lo)
            np.minimum.at(new_hi, self.totals, total_hi)
            leaf, of = self.term_leaf, self.term_sum
            # A term is at least what its total needs beyond the others' most, and at most
            # what its total allows beyond the others' least.
            np.maximum.at(new_lo, leaf, total_lo[of] - (terms_hi[of] - hi[leaf]))
            np.minimum.at(new_hi, leaf, total_hi[of] - (terms_lo[of] - lo[leaf]))
        np.maximum.at(new_lo, self.zero_totals, 0)
        np.minimum.at(new_hi, self.zero_totals, 0)
        np.minimum.at(new_hi, self.small, new_hi[self.large])
        np.maximum.at(new_lo, self.large, new_lo[self.small])
        return new_lo, new_hi


def _indexes(values: object) -> NDArray[np.int64]:
    return np.fromiter(values, dtype=np.int64)  # type: ignore[call-overload]
