"""An answer's measures objects computed flat: leaf values numbered across the answer.

Each enrollment's contribution is found once (fact_tally), each scope tallied, and the
values written into the leaf order of the scope's shape (measure_values); the shapes'
layouts come from the Count tree of a scope without enrollments (measures_tree), so the
leaves are where the tree definition puts them.

The plans are kept between requests (`_plans`, a bounded LRU cache): they are a pure
function of the immutable values they are keyed by (period, rules, municipality codes) and
hold no figures, only where figures go; so a kept plan is the plan that would be built.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from service.domain.facts import EnrollmentFacts, Period, ReportingRules
from service.statistics.cell_key import max_noise
from service.statistics.disclosure import TOTAL_ROOT
from service.statistics.fact_tally import Contributor, Tally, merged
from service.statistics.kept import slot_in
from service.statistics.leaf_layout import Layout, MeasuredLeaves
from service.statistics.measure_values import MeasuresPlan, leaf_values
from service.statistics.measures_format import Pointer
from service.statistics.measures_tree import Context, measures_for, untallied_measures
from service.statistics.unique_parts import unique_participant_sums


def measured_answer(
    facts_of: Mapping[str, Sequence[EnrollmentFacts]],
    active_of: Mapping[str, list[EnrollmentFacts]],
    context: Context,
    kept_as: Hashable = None,
) -> tuple[MeasuredLeaves, list[dict[str, Any]]]:
    """The leaves of the measures objects of the interventions (in the order of `facts_of`)
    and of the total; and for each object the tree its values are filled into: its shape,
    with the untallied measures (which hold more than leaves) as computed. `active_of`:
    each intervention's facts active in the period, as `st.active` gives them. With
    `kept_as` (the answer's own: its association, period, as_of and intervention asked
    alone), each intervention's parts are kept in the slot (kept_as, its id) while its
    facts are the same objects (kept)."""
    period, rules = context.period, context.rules
    noise = max_noise(rules.min_cell_size)
    for_total, for_intervention, contributor = _plans(period, rules, tuple(context.municipalities))
    plans = {True: for_total, False: for_intervention}
    layouts: list[Layout] = []
    values: list[Any] = []
    bases: list[int] = []
    skeletons: list[dict[str, Any]] = []
    slots = {iid: slot_in(kept_as, iid) for iid in facts_of}
    tallies = [contributor.tally(facts, slots[iid]) for iid, facts in facts_of.items()]
    active_in_order = {iid: active_of[iid] for iid in facts_of}
    # The total's enrollments are the interventions' one after the other: so are its
    # tally (merged) and its active enrollments.
    scopes: list[tuple[list[str], list[EnrollmentFacts], Tally, bool, Hashable]] = [
        ([iid], active, counted, False, slots[iid])
        for iid, active, counted in zip(facts_of, active_in_order.values(), tallies, strict=True)
    ]
    everyone = [f for active in active_in_order.values() for f in active]
    # The total changes with every write: nothing of it is kept, but its unique
    # participants are summed from the interventions' kept parts.
    unique = unique_participant_sums(active_in_order, kept_as)
    scopes.append((list(facts_of), everyone, merged(tallies), True, None))
    for ids, active, counted, total, slot in scopes:
        plan = plans[total]
        trees = untallied_measures(
            active, ids, context, total=total, max_noise=noise, unique=unique if total else None
        )
        scope_values, scope_bases = leaf_values(plan, counted, trees, noise, slot)
        values += scope_values
        bases += scope_bases
        layouts.append(plan.layout)
        skeletons.append({**plan.layout.template, **trees})
    roots: list[Pointer] = [("interventions", i, "measures") for i in range(len(facts_of))]
    roots.append(TOTAL_ROOT)
    return MeasuredLeaves.of_values(roots, layouts, values, bases), skeletons


@lru_cache(maxsize=32)
def _plans(
    period: Period, rules: ReportingRules, municipalities: tuple[str, ...]
) -> tuple[MeasuresPlan, MeasuresPlan, Contributor]:
    """The plans of the total and of an intervention, from the trees of scopes without
    enrollments; the total's has every cell an intervention's has (and unique participants),
    so its cell index serves both."""
    context = Context(period, rules, municipalities, (), (), (), frozenset())
    for_total = MeasuresPlan.of(measures_for((), context, (), total=True))
    template = measures_for((), context, (), total=False)
    plan = MeasuresPlan.of(template, for_total.index)
    return for_total, plan, Contributor(period, rules, for_total.index)
