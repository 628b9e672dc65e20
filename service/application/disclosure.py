"""Disclosure control (röjandekontroll), product.md §7, over the measures of an answer.

The figures reaching this module already carry the cell-key method's noise (cell_key):
every count is c' = c + noise (|noise| ≤ D), every share is c'₁ / c'₂, every mean and median
is moved by noise over its n. What is left to decide is what to hide, by one rule, with one
marker (the answer never says why):

- a count published as 1..min_cell_size−1 (c', not c: which a reader cannot tell apart);
- a share, mean, median or cost per participant over fewer than min_cell_size persons
  (its base, also perturbed).

Nothing is hidden to protect something else (no complementary suppression). That is safe
because of the noise: a reader who subtracts published counts learns a hidden count only as
c' ± D summed over the terms, an interval at least 2D wide that contains 0 or reaches
min_cell_size (D = ⌈(k − 1) / 2⌉), and hidden values include true zeros (cell_key); and it
is useful, because a headline figure over many persons is never hidden for a detail. The
audit in tests/disclosure_audit.py plays the attacker's linear programme over every
published figure and identity of an answer to check it.

Scopes are consistent by construction: a figure depends only on the persons it counts, so
an intervention asked alone shows exactly what the full answer shows for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.application.leaf_layout import MeasuredLeaves
from service.application.measures_format import Pointer
from service.domain.facts import ReportingRules

TOTAL_ROOT: Pointer = ("total", "measures")


def hidden_leaves(measured: MeasuredLeaves, rules: ReportingRules) -> list[int]:
    """The leaves (by number, increasing) of an answer's measures objects to hide."""
    limit = rules.min_cell_size
    if limit <= 0:
        return []
    values, bases = measured.values, measured.bases
    statistics = set(measured.statistics)
    hidden = []
    for n, value in enumerate(values):
        if n in statistics:
            if value is not None and bases[n] < limit:
                hidden.append(n)
        elif 0 < value < limit:
            hidden.append(n)
    return hidden


def measure_roots(tree: Mapping[str, Any]) -> list[tuple[Pointer, Mapping[str, Any]]]:
    """Every measures object of an answer tree with its pointer; the association total last."""
    roots: list[tuple[Pointer, Mapping[str, Any]]] = [
        (("interventions", i, "measures"), entry["measures"])
        for i, entry in enumerate(tree["interventions"])
    ]
    return [*roots, (TOTAL_ROOT, tree["total"]["measures"])]
