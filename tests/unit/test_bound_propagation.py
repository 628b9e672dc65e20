"""The reader's bounds narrowed by the identities (statistics/bound_propagation.py), against
a plain one-sum-at-a-time propagation written here; and disclosure control's answers with
either (decisions.md §33)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from service.domain.facts import EnrollmentFacts
from service.statistics import bound_propagation
from service.statistics.bound_propagation import Propagation
from service.statistics.disclosure import UNBOUNDED
from tests.statistics_inputs import answer
from tests.unit.test_disclosure import RULES, facts_lists

Sums = list[tuple[int, tuple[int, ...]]]
Orders = list[tuple[int, int]]


def one_sum_at_a_time(
    sums: Sums, orders: Orders, lo: list[int], hi: list[int]
) -> tuple[list[int], list[int]]:
    """The reader's reasoning as a person would do it: take each sum and each order in
    turn, narrow what it allows, and go round again until nothing narrows."""
    lo, hi = list(lo), list(hi)
    changed = True
    while changed:
        changed = False
        for total, terms in sums:
            least, most = sum(lo[t] for t in terms), sum(hi[t] for t in terms)
            if least > lo[total] or most < hi[total]:
                lo[total], hi[total] = max(lo[total], least), min(hi[total], most)
                changed = True
            for t in terms:
                others_most = sum(hi[o] for o in terms) - hi[t]
                others_least = sum(lo[o] for o in terms) - lo[t]
                if lo[total] - others_most > lo[t] or hi[total] - others_least < hi[t]:
                    lo[t] = max(lo[t], lo[total] - others_most)
                    hi[t] = min(hi[t], hi[total] - others_least)
                    changed = True
        for small, large in orders:
            if hi[small] > hi[large] or lo[large] < lo[small]:
                hi[small], lo[large] = min(hi[small], hi[large]), max(lo[large], lo[small])
                changed = True
    return lo, hi


@hs.composite
def systems(draw: hs.DrawFn) -> tuple[Sums, Orders, list[int], list[int], list[int]]:
    """Counts with true values, sums and orders that the truth obeys (a count may be the
    total of two sums, as an answer's are), and a reader's start: each count published
    within a noise, hidden (0 up to a limit, or unbounded), or known to be zero."""
    truth = draw(hs.lists(hs.integers(0, 40), min_size=1, max_size=12))
    sums: Sums = []
    for _ in range(draw(hs.integers(0, 10))):
        terms = tuple(draw(hs.lists(hs.sampled_from(range(len(truth))), max_size=5, unique=True)))
        truth.append(sum(truth[t] for t in terms))
        sums.append((len(truth) - 1, terms))
        if terms and draw(hs.booleans()):  # the same total split another way
            split = draw(hs.integers(0, truth[-1]))
            truth += [split, truth[-1] - split]
            sums.append((len(truth) - 3, (len(truth) - 2, len(truth) - 1)))
    pairs = [(a, b) for a in range(len(truth)) for b in range(len(truth)) if a != b]
    orders = [
        (a, b)
        for a, b in draw(hs.lists(hs.sampled_from(pairs), max_size=6) if pairs else hs.just([]))
        if truth[a] <= truth[b]
    ]
    lo, hi = [], []
    for value in truth:
        noise = draw(hs.integers(0, 3))
        start = draw(hs.sampled_from(["published", "hidden", "complement", "zero"]))
        if start == "published":
            lo.append(max(0, value - noise))
            hi.append(value + draw(hs.integers(0, 3)))
        elif start == "hidden":
            lo.append(0)
            hi.append(value + noise)
        else:  # a complement, or a zero not known to be one
            lo.append(0)
            hi.append(0 if start == "zero" and value == 0 else UNBOUNDED)
    return sums, orders, truth, lo, hi


@settings(max_examples=400, deadline=None)
@given(system=systems())
def test_the_bounds_are_those_of_narrowing_one_sum_at_a_time(system: Any) -> None:
    sums, orders, truth, lo, hi = system
    narrowed = Propagation.of(sums, orders).narrowed(lo, hi)
    assert narrowed == one_sum_at_a_time(sums, orders, lo, hi)
    least, most = narrowed
    assert all(a <= value <= b for a, value, b in zip(least, truth, most, strict=True))
    assert all(type(v) is int for v in least + most)  # not numpy's integers


def test_a_published_total_and_term_pin_the_other_term() -> None:
    # 20 = a + b with a published as 6 exactly: b is 14, and b ≤ the total holds; a sum
    # without terms is 0.
    sums: Sums = [(0, (1, 2)), (3, ())]
    lo, hi = [20, 6, 0, 0], [20, 6, UNBOUNDED, UNBOUNDED]
    assert Propagation.of(sums, [(2, 0)]).narrowed(lo, hi) == ([20, 6, 14, 0], [20, 6, 14, 0])


def test_bounds_too_wide_for_64_bits_are_narrowed_exactly() -> None:
    huge = 2**70
    sums: Sums = [(0, (1, 2)), (3, (0, 1))]
    lo, hi = [0, 5, 0, 0], [huge, 5, huge + 3, huge]
    assert Propagation.of(sums, []).narrowed(lo, hi) == one_sum_at_a_time(sums, [], lo, hi)


def test_the_passes_stop_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each pass carries a chain's bound one step further: with two passes allowed, two
    # steps, and the bounds stay where the last pass left them.
    sums: Sums = [(n, (n + 1,)) for n in range(5)]
    lo, hi = [0] * 5 + [7], [UNBOUNDED] * 6
    monkeypatch.setattr(bound_propagation, "MAX_PASSES", 2)
    least, _ = Propagation.of(sums, []).narrowed(lo, hi)
    assert least == [0, 0, 0, 7, 7, 7]


def identities_of(propagation: Propagation) -> tuple[Sums, Orders]:
    """The sums and orders that `Propagation.of` made these arrays of."""
    ends = [*propagation.starts[1:].tolist(), len(propagation.term_leaf)]
    terms = propagation.term_leaf.tolist()
    sums: Sums = [
        (total, tuple(terms[start:end]))
        for total, start, end in zip(
            propagation.totals.tolist(), propagation.starts.tolist(), ends, strict=True
        )
    ]
    sums += [(total, ()) for total in propagation.zero_totals.tolist()]
    orders = list(zip(propagation.small.tolist(), propagation.large.tolist(), strict=True))
    return sums, orders


def by_hand(propagation: Propagation, lo: list[int], hi: list[int]) -> tuple[list[int], list[int]]:
    return one_sum_at_a_time(*identities_of(propagation), lo, hi)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_lists)
def test_disclosure_control_answers_alike_with_either_propagation(
    facts: list[EnrollmentFacts],
) -> None:
    with_arrays = answer(facts, RULES)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(Propagation, "narrowed", by_hand)
        assert answer(facts, RULES) == with_arrays
