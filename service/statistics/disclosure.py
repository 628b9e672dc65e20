"""Disclosure control (röjandekontroll), product.md §7, over the measures of an answer.

The figures reaching this module already carry the cell-key method's noise (cell_key):
every count is c' = c + noise (|noise| ≤ D), every share is c'₁ / c'₂, every mean and median
is moved by noise over its n. What is left to decide is what to hide, by one rule, with one
marker (the answer never says why):

- a count published as 1..min_cell_size−1 (c', not c: which a reader cannot tell apart);
- a share, mean, median or cost per participant over fewer than min_cell_size persons
  (its base, also perturbed);
- a share whose numerator or base is a hidden count: s = a′ / b′ with b′ published gives
  a′ = s·b′ (and a′ / s gives b′), so a share of a hidden count would publish it; and a
  cost per participant whose count is hidden (the cost ÷ it gives the count).

Almost nothing is hidden to protect something else. The noise makes that safe: a reader
who subtracts published counts learns a hidden count only as c′ ± D over the terms, an
interval at least 4D wide that cannot lie inside 1..k − 1 (D ≥ ⌊k / 2⌋; a hidden value may
be 0, cell_key). Where several sums together would still pin a hidden count, or narrow it
to inside 1..k − 1, or give away a hidden zero, `hidden_leaves` finds it by propagating
the reader's bounds over every identity (disclosure_relations) and repairs it: a provable
zero is published, a pinned count gets one complement, never a headline total over 2k;
where no complement can be found, every count of its measures object that may be one is
hidden (failing closed). The shares of hidden counts are hidden last, so they are no
source of bounds.
Each round also plays a reader who takes every hidden count, complements too, for one
published as 1..k − 1: right about the small complements, that reader pins counts the
bounds do not. Last, when neither shows a pin, that reader solves the linear programme of
all the identities at once (disclosure_lp; answers of up to PROGRAMME_MAX_COUNTS counts).
Their pins are repaired as any other (decisions.md §38).
tests/disclosure_audit.py plays the attacker's full linear programme to check the result.

Scopes agree because an intervention asked alone is cut from the full answer (answer.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.domain.facts import ReportingRules
from service.statistics.cell_key import max_noise
from service.statistics.disclosure_lp import pinned, tighten
from service.statistics.disclosure_relations import Identities, identities
from service.statistics.leaf_layout import MeasuredLeaves
from service.statistics.measures_format import Kind, Pointer

TOTAL_ROOT: Pointer = ("total", "measures")


def hidden_leaves(measured: MeasuredLeaves, rules: ReportingRules) -> list[int]:
    """The leaves (by number, increasing) of an answer's measures objects to hide. A hidden
    zero that the published figures give away anyway is published as 0 instead
    (measured.values is changed in place)."""
    limit = rules.min_cell_size
    if limit <= 0:
        return []
    values = measured.values
    statistics = set(measured.statistics)
    hidden = {
        n
        for n in statistics
        if values[n] is not None and measured.bases[n] < limit  # over too few persons
    }
    hidden |= {n for n, value in enumerate(values) if n not in statistics and 0 < value < limit}
    complements: set[int] = set()
    found = identities(measured, rules)
    bound = max_noise(limit)
    kept = _numerators_of_kept_shares(measured, limit, bound)
    lo, hi = _bounds(measured, hidden, complements, found, bound, limit)
    # Pins nothing may be hidden beside, not even in their measures object: only headline
    # totals that noise protects are left there (§7.4). Set aside, so that the reader's
    # programme still looks for pins elsewhere.
    accepted: set[int] = set()
    for _ in range(MAX_ROUNDS):
        unrepaired: list[int] = []
        widened = False
        zeros = _publish_provable_zeros(measured, hidden - statistics, hidden, hi)
        view = _ReaderView(measured, found, hidden - statistics, complements, bound, limit)
        pins = [n for n in view.pins(hidden, lo, hi, solve=False) if n not in accepted]
        solved = not pins and not zeros
        if solved:  # nothing the bounds show: last, the reader's programme
            pins = [n for n in view.pins(hidden, lo, hi, solve=True) if n not in accepted]
        for n in pins:
            extra = _complement(n, measured, found, hidden | kept, limit, bound)
            if extra is not None:
                hidden.add(extra)
                complements.add(extra)
                widened = True
            else:
                unrepaired.append(n)
        if unrepaired and not widened and not zeros:
            # Fail closed: nothing to hide beside the pin, so hide what may be hidden in
            # its measures object.
            behind = _scope_behind(unrepaired, measured, found, hidden | kept, limit, bound)
            hidden |= behind
            complements |= behind
            widened = bool(behind)
            if not behind:
                accepted.update(unrepaired)
                if solved:
                    break  # the programme has had its turn: nothing else it pins
                continue  # the same bounds, without these pins: the programme's turn
        if widened:  # a published count now hidden: what was derived from it is void
            lo, hi = _bounds(measured, hidden, complements, found, bound, limit)
        elif zeros:  # only narrower: carry the bounds, re-propagate from what narrowed
            for n in zeros:
                lo[n] = hi[n] = 0
            lo, hi = _propagated(found, lo, hi, from_leaves=set(zeros))
        else:
            break
    else:  # out of rounds: a pin the bounds still show is not published as it is
        _publish_provable_zeros(measured, hidden - statistics, hidden, hi)
        view = _ReaderView(measured, found, hidden - statistics, complements, bound, limit)
        left = view.pins(hidden, lo, hi, solve=True)
        hidden |= _scope_behind(left, measured, found, hidden | kept, limit, bound)
    return sorted(hidden | _statistics_of_hidden_counts(measured, hidden))


@dataclass(frozen=True, slots=True)
class _ReaderView:
    """What a reader can work out about the hidden counts of one round's answer."""

    measured: MeasuredLeaves
    found: Identities
    counts: set[int]  # the hidden counts
    complements: set[int]
    bound: int
    limit: int

    def pins(self, hidden: set[int], lo: list[int], hi: list[int], solve: bool) -> list[int]:
        """The hidden counts, in order, that the bounds `lo`, `hi` pin, or that a reader who
        guesses pins (`guessed_pins`; with `solve`, a reader who also solves the programme)."""
        guessed = self.guessed_pins(hidden, solve)
        return [n for n in sorted(self.counts) if pinned(lo[n], hi[n], self.limit) or n in guessed]

    def guessed_pins(self, hidden: set[int], solve: bool) -> set[int]:
        """The hidden counts pinned for a reader who solves the linear programme (with
        `solve`), and who takes hidden counts for ones published as 1..k − 1 (true
        0..k − 1 + D), complements too. Such a reader is right about a
        complement that small, and the attacker's audit reads an answer so. Where the
        guess contradicts the published figures, the reader sees it is wrong and drops it
        for the complements that may be largest first (a published k − 1 + 2D, then one
        less, ...). Only for finding pins: a provable zero is proved without guessing (a
        wrong guess would prove a false one)."""
        values, bound, limit = self.measured.values, self.bound, self.limit
        solve = solve and len(self.found.counts) <= PROGRAMME_MAX_COUNTS
        guessable = {n for n in self.complements if values[n] - bound <= limit - 1 + bound}
        if not guessable and not solve:
            return set()  # the round's own bounds are this reader's
        while True:
            lo, hi = _bounds(
                self.measured, hidden, self.complements - guessable, self.found, bound, limit
            )
            consistent = all(lo[n] <= hi[n] for n in self.found.counts)
            if consistent and (not solve or tighten(self.found, lo, hi, self.counts, limit)):
                return {n for n in self.counts if pinned(lo[n], hi[n], limit)}
            if not guessable:
                # Only facts the domain refuses contradict the identities (an exit dated
                # before its enrollment, in a test): the bounds say nothing more then.
                return set()
            largest = max(values[n] for n in guessable)
            guessable = {n for n in guessable if values[n] < largest}


def _publish_provable_zeros(
    measured: MeasuredLeaves, counts: set[int], hidden: set[int], hi: list[int]
) -> list[int]:
    """The hidden `counts` the reader can prove are 0, published as 0 (nothing to hide):
    taken out of `hidden`, set in measured.values, and returned in increasing order."""
    zeros = [n for n in sorted(counts) if hi[n] <= 0]
    for n in zeros:
        measured.values[n] = 0
        hidden.discard(n)
    return zeros


def _bounds(
    measured: MeasuredLeaves,
    hidden: set[int],
    complements: set[int],
    found: Identities,
    bound: int,
    limit: int,
) -> tuple[list[int], list[int]]:
    """The reader's bounds of every count, from scratch: what is published, narrowed by
    every identity (no share is published beside a hidden count of it)."""
    lo, hi = reader_bounds(measured.values, hidden, complements, found, bound, limit)
    return _propagated(found, lo, hi)


MAX_ROUNDS = 12
# The reader's linear programme is solved for answers of at most this many counts: the
# small förbund where small counts are many (the audit sweep's answers have up to 2,307).
# A cold answer of 6 insatser (1,795 counts) costs 0.2 s more with it; one of 20 insatser
# (5,379) would cost 1.2 s more, and is left to the bounds and the guess (decisions.md §38).
PROGRAMME_MAX_COUNTS = 2500
UNBOUNDED = 10**12
HEADLINE = frozenset({"active", "new", "exits", "completed_exits", "to_work_or_studies", "to_goal"})


def reader_bounds(
    values: Sequence[Any],
    hidden: set[int],
    complements: set[int],
    found: Identities,
    bound: int,
    limit: int,
) -> tuple[list[int], list[int]]:
    """What a reader knows of every count before reasoning: its least and greatest true
    value, from what is published (within ±bound of the truth; 0 exactly) or hidden (0 up to
    limit − 1 + bound; a complement unbounded)."""
    lo = [0] * len(values)
    hi = [UNBOUNDED] * len(values)
    for n in found.counts:
        if n in complements:
            continue
        if n in hidden:
            hi[n] = limit - 1 + bound
        elif values[n] == 0:
            hi[n] = 0
        else:
            lo[n], hi[n] = max(1, values[n] - bound), values[n] + bound
    return lo, hi


def _propagated(
    found: Identities, lo: list[int], hi: list[int], from_leaves: set[int] | None = None
) -> tuple[list[int], list[int]]:
    """Bounds narrowed by every identity, until nothing narrows (the linear programme's
    bounds, sum by sum); with `from_leaves`, bounds already propagated of which only these
    leaves narrowed since: the sums they are in first, then whatever narrows after them
    (narrowing only, so the same bounds as propagating everything again). Bounds that
    cross stop it: they hold a wrong guess (_ReaderView.guessed_pins)."""
    if from_leaves is None:
        pending = set(range(len(found.sums)))
        unequal = set(range(len(found.inequalities)))
    else:
        pending = {m for n in from_leaves for m in found.member_of.get(n, ())}
        unequal = {m for n in from_leaves for m in found.in_inequality.get(n, ())}
    for _ in range(50):
        if not pending and not unequal:
            break
        touched: set[int] = set()
        for number in sorted(pending):
            total, terms = found.sums[number]
            touched |= _narrow_sum(total, terms, lo, hi)
        for number in sorted(unequal):
            smaller, larger = found.inequalities[number]
            touched |= _narrow_inequality(smaller, larger, lo, hi)
        for small, large in found.orders:
            if hi[small] > hi[large]:
                hi[small] = hi[large]
                touched.add(small)
            if lo[large] < lo[small]:
                lo[large] = lo[small]
                touched.add(large)
        if any(lo[n] > hi[n] for n in touched):
            break  # a wrong guess: the bounds would only cross further
        pending = {m for n in touched for m in found.member_of.get(n, ())}
        unequal = {m for n in touched for m in found.in_inequality.get(n, ())}
    return lo, hi


# A share gives its counts back (a′ = s·b′); a cost per participant gives its count back
# to whoever knows the cost (cost ÷ it). A mean or median says nothing of its n.
GIVE_COUNTS_BACK = frozenset({Kind.SHARE, Kind.AMOUNT})


def _statistics_of_hidden_counts(measured: MeasuredLeaves, hidden: set[int]) -> set[int]:
    """The published shares whose numerator or base is hidden, and the costs per
    participant whose count is. (A share taken as a bound instead would need its rounding
    as an interval, and the attacker's programme found pins that it allowed, decisions.md
    §34.)"""
    values = measured.values
    found: set[int] = set()
    for layout, offset in zip(measured.layouts, measured.offsets, strict=True):
        for n, kind, reveals in zip(
            layout.statistics, layout.statistic_kinds, layout.reveals, strict=True
        ):
            if (
                kind in GIVE_COUNTS_BACK
                and values[n + offset] is not None
                and any(r + offset in hidden for r in reveals)
            ):
                found.add(n + offset)
    return found


def _narrow_sum(total: int, terms: tuple[int, ...], lo: list[int], hi: list[int]) -> set[int]:
    """Narrow the bounds of a sum and its terms by each other; the leaves that changed."""
    changed: set[int] = set()
    sum_lo = sum(lo[t] for t in terms)
    sum_hi = sum(hi[t] for t in terms)
    if sum_lo > lo[total]:
        lo[total] = sum_lo
        changed.add(total)
    if sum_hi < hi[total]:
        hi[total] = sum_hi
        changed.add(total)
    for t in terms:
        least = lo[total] - (sum_hi - hi[t])
        most = hi[total] - (sum_lo - lo[t])
        if least > lo[t]:
            lo[t] = least
            changed.add(t)
        if most < hi[t]:
            hi[t] = most
            changed.add(t)
    return changed


# Headline shares (§7.4): over 2k persons or more in the total column, never hidden to
# protect another figure, so their numerators are never complements.
KEPT_SHARES = frozenset({("share_to_work_or_studies", "total"), ("share_to_goal", "total")})


def _numerators_of_kept_shares(measured: MeasuredLeaves, limit: int, bound: int) -> set[int]:
    """The numerators of the headline shares whose base may be 2k or more (published 2k − D
    or more, as for a headline total): hiding one as a complement would hide its share (its
    numerator hidden) or leave it in the share."""
    values = measured.values
    found: set[int] = set()
    for layout, offset in zip(measured.layouts, measured.offsets, strict=True):
        for n, reveals in zip(layout.statistics, layout.reveals, strict=True):
            if layout.pointers[n] not in KEPT_SHARES:
                continue
            if values[reveals[1] + offset] >= 2 * limit - bound:
                found.add(reveals[0] + offset)
    return found


def _scope_behind(
    pins: list[int],
    measured: MeasuredLeaves,
    found: Identities,
    hidden: set[int],
    limit: int,
    bound: int,
) -> set[int]:
    """Every count of the measures objects of `pins` that may be a complement."""
    scopes = {measured.scope_of(n) for n in pins}
    return {
        m
        for m in found.counts
        if measured.scope_of(m) in scopes and _may_complement(m, measured, hidden, limit, bound)
    }


def _narrow_inequality(
    smaller: tuple[int, ...], larger: tuple[int, ...], lo: list[int], hi: list[int]
) -> set[int]:
    """Narrow the bounds of Σ smaller ≤ Σ larger; the leaves that changed."""
    changed: set[int] = set()
    least_smaller = sum(lo[a] for a in smaller)
    most_larger = sum(hi[b] for b in larger)
    for a in smaller:
        most = most_larger - (least_smaller - lo[a])
        if most < hi[a]:
            hi[a] = most
            changed.add(a)
    for b in larger:
        least = least_smaller - (most_larger - hi[b])
        if least > lo[b]:
            lo[b] = least
            changed.add(b)
    return changed


def _complement(
    n: int, measured: MeasuredLeaves, found: Identities, hidden: set[int], limit: int, bound: int
) -> int | None:
    """A published count to hide beside `n`: a member of a sum with it, the cheapest to lose
    (a detail first, then a total, then a headline figure; the smallest first)."""
    candidates = set()
    for number in found.member_of.get(n, ()):
        total, terms = found.sums[number]
        candidates |= {total, *terms}

    options = [
        m for m in candidates if m != n and _may_complement(m, measured, hidden, limit, bound)
    ]
    return min(options, key=lambda m: _cost(measured, m)) if options else None


def _cost(measured: MeasuredLeaves, m: int) -> tuple[int, int]:
    """A detail (a reason, a band, a code) first, then its total, then a headline figure's
    split by kön, then a headline total; the smallest first."""
    at = measured.pointer(m)
    headline = len(at) >= 2 and at[-2] in HEADLINE
    column_total = at[-1] == "total"
    return (2 * headline + column_total, measured.values[m])


def _may_complement(
    m: int, measured: MeasuredLeaves, hidden: set[int], limit: int, bound: int
) -> bool:
    """A published count above zero, and never a headline total that may be over 2k persons
    (§7.4): noise protects it then."""
    value = measured.values[m]
    if m in hidden or value <= 0:
        return False
    return not (_cost(measured, m)[0] == 3 and value >= 2 * limit - bound)


def measure_roots(tree: Mapping[str, Any]) -> list[tuple[Pointer, Mapping[str, Any]]]:
    """Every measures object of an answer tree with its pointer; the association total last."""
    roots: list[tuple[Pointer, Mapping[str, Any]]] = [
        (("interventions", i, "measures"), entry["measures"])
        for i, entry in enumerate(tree["interventions"])
    ]
    return [*roots, (TOTAL_ROOT, tree["total"]["measures"])]
