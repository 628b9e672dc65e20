"""The reader's linear programme in disclosure control (decisions.md §38): it sees what
sums together say, which bounds propagated sum by sum do not, and never past the truth."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from service.statistics import disclosure_lp
from service.statistics.disclosure import UNBOUNDED, _propagated
from service.statistics.disclosure_lp import pinned, tighten
from service.statistics.disclosure_relations import Identities

K = 5


def _identities(sums: list[tuple[int, tuple[int, ...]]], leaves: int) -> Identities:
    member_of: dict[int, list[int]] = {}
    for number, (total, terms) in enumerate(sums):
        for leaf in (total, *terms):
            member_of.setdefault(leaf, []).append(number)
    return Identities(sums, [], list(range(leaves)), member_of, [], {})


def test_three_sums_together_pin_what_each_alone_does_not() -> None:
    # x + y = y + z = x + z = 2, all three published exactly: x = y = z = 1. Each sum
    # alone only says 0..2.
    found = _identities([(0, (3, 4)), (1, (4, 5)), (2, (3, 5))], 6)
    lo, hi = [2, 2, 2, 0, 0, 0], [2, 2, 2, 6, 6, 6]
    lo, hi = _propagated(found, lo, hi)
    assert (lo[3:], hi[3:]) == ([0, 0, 0], [2, 2, 2])
    assert tighten(found, lo, hi, {3, 4, 5}, K)
    assert (lo[3:], hi[3:]) == ([1, 1, 1], [1, 1, 1])


def test_a_guess_the_published_figures_contradict_is_refused() -> None:
    # t = a + b with t published as 9..9 and both terms taken for 0..3: no table fits.
    found = _identities([(0, (1, 2))], 3)
    assert not tighten(found, [9, 0, 0], [9, 3, 3], {1, 2}, K)


def test_a_count_the_sums_leave_free_keeps_its_bounds() -> None:
    # a + b = 8 (published 6..10), each hidden 0..6: a may be 0 or 6, nothing to narrow.
    found = _identities([(0, (1, 2))], 3)
    lo, hi = [6, 0, 0], [10, 6, 6]
    assert tighten(found, lo, hi, {1, 2}, K)
    assert (lo, hi) == ([6, 0, 0], [10, 6, 6])


@settings(max_examples=150, deadline=None)
@given(seed=hs.integers(0, 10**6), leaves=hs.integers(3, 14), noise=hs.integers(0, 2))
def test_the_programme_never_narrows_past_the_truth(seed: int, leaves: int, noise: int) -> None:
    # Random sums over true counts (a total sums leaves numbered before it); each count
    # published within ±noise, or hidden: 0..k − 1 + noise when that small, else unbounded
    # (a complement). Whatever the programme narrows, the truth stays inside.
    draw = random.Random(seed)
    truth = [draw.randint(0, 6) for _ in range(leaves)]
    sums = []
    for total in range(2, leaves):
        if draw.random() < 0.6:
            terms = tuple(draw.sample(range(total), draw.randint(1, min(3, total))))
            truth[total] = sum(truth[t] for t in terms)
            sums.append((total, terms))
    found = _identities(sums, leaves)
    hidden = {n for n in range(leaves) if draw.random() < 0.5}
    lo, hi = [0] * leaves, [UNBOUNDED] * leaves
    for n, value in enumerate(truth):
        if n not in hidden:
            lo[n], hi[n] = max(0, value - noise), value + noise
        elif value <= K - 1 + noise:
            hi[n] = K - 1 + noise
    lo, hi = _propagated(found, lo, hi)
    assert tighten(found, lo, hi, hidden, K)
    for n, value in enumerate(truth):
        assert lo[n] <= value <= hi[n], (n, value, lo[n], hi[n])


@pytest.mark.parametrize("size", [1, 5])
def test_nothing_hidden_costs_no_programme(size: int) -> None:
    found = _identities([(0, (1, 2))], 3)
    lo, hi = [3, 1, 2], [3, 1, 2]
    assert tighten(found, lo, hi, set(), size)
    assert (lo, hi) == ([3, 1, 2], [3, 1, 2])


def test_a_count_the_solver_leaves_unsettled_is_taken_for_a_pin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # HiGHS may end a degenerate programme undecided: that count is repaired as a pin
    # (one value), not published on a bound nobody proved.
    def unsettled(self: object, columns: list[int], maximise: bool) -> None:
        raise disclosure_lp._Unsettled("kUnknown")

    monkeypatch.setattr(disclosure_lp._Problem, "solve", unsettled)
    found = _identities([(0, (1, 2))], 3)
    lo, hi = [6, 0, 0], [10, 6, 6]
    assert tighten(found, lo, hi, {1, 2}, K)
    assert all(pinned(lo[n], hi[n], K) for n in (1, 2))
