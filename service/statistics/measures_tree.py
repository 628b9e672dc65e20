"""The measures of product.md §6 for one scope, as a tree of Count and Statistic leaves.

This is the definition the answer is held to: one short function per group of measures,
each a selection or grouping from `definitions` counted by sex. The answer itself is
computed by `fact_tally` and `measure_values`, which evaluate the same definitions in one
pass per enrollment; the tests require both to give the same leaves. The tree of a scope
with no enrollments is also the template the answer's leaf layout is taken from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.domain.facts import (
    ActivityRecord,
    AnonymousParticipantsReport,
    EnrollmentFacts,
    FinanceRecord,
    Period,
    ReportingRules,
)
from service.statistics import definitions as st
from service.statistics.cell_key import perturbed_count, record_key, text_key
from service.statistics.measures_format import (
    COLUMNS,
    Count,
    Kind,
    Statistic,
    aggregate,
    count_of,
    counts,
    mean_and_median,
    plain_counts,
    share,
)
from service.statistics.unique_parts import ColumnSums, column_sums

Facts = Sequence[EnrollmentFacts]


@dataclass(frozen=True, slots=True)
class Context:
    """What every measures object of one answer is computed with."""

    period: Period
    rules: ReportingRules
    municipalities: Sequence[str]
    anonymous: Sequence[AnonymousParticipantsReport]
    activities: Sequence[ActivityRecord]
    finances: Sequence[FinanceRecord]
    # Only individual interventions' costs count towards a cost per participant.
    individual: frozenset[str]


def measures_for(
    facts: Facts, context: Context, scope: Sequence[str], *, total: bool = False
) -> dict[str, Any]:
    """Every measure of §6 over the enrollments of the interventions in scope, in §6 order."""
    period, rules = context.period, context.rules
    active = st.active(facts, period)
    new = st.new(facts, period)
    completed = st.completed_exits(facts, period, rules.early_dropout_months)
    to_goal = st.to_goal(completed, rules.goal_reasons)
    measures = {
        **_flow(facts, active, new, completed, context),
        **_outcomes(facts, completed, to_goal, context),
        **_durations(completed, to_goal, new),
        **_composition(active, new, completed, context),
        **untallied_measures(active, scope, context, total=total),
    }
    return measures


def _flow(facts: Facts, active: Facts, new: Facts, completed: Facts, c: Context) -> dict[str, Any]:
    """Who was there, who came and who left."""
    return {
        "active": counts(active),
        "new": counts(new),
        "active_at_end": counts(st.active_at_end(facts, c.period)),
        "exits": counts(st.exits(facts, c.period)),
        "early_dropouts": counts(st.early_dropouts(facts, c.period, c.rules.early_dropout_months)),
        "completed_exits": counts(completed),
        "exits_by_reason": counts(st.exits_by_reason(completed)),
    }


def _outcomes(facts: Facts, completed: Facts, to_goal: Facts, c: Context) -> dict[str, Any]:
    """Where those who completed went, as counts and shares."""
    exits = st.exits(facts, c.period)
    to_work = st.to_work_or_studies(completed)
    progressed = st.progressed(completed)
    work, goal = ("to_work_or_studies",), ("to_goal",)
    return {
        "to_work_or_studies": counts(to_work),
        "to_goal": counts(to_goal),
        "share_to_work_or_studies": share(to_work, completed, [work, ("completed_exits",)]),
        "share_to_goal": share(to_goal, completed, [goal, ("completed_exits",)]),
        "share_to_work_or_studies_of_all_exits": share(to_work, exits, [work, ("exits",)]),
        "share_to_goal_of_all_exits": share(to_goal, exits, [goal, ("exits",)]),
        "progressed": counts(progressed),
        "share_progressed": share(
            progressed, st.with_progressed_value(completed), [("progressed",)]
        ),
    }


def _durations(completed: Facts, to_goal: Facts, new: Facts) -> dict[str, Any]:
    """How long it took, and how long they had been without work or on support before."""
    goal, came = ("to_goal",), ("new",)
    before: dict[str, Any] = {}
    for name, value_of in (
        ("months_on_public_support_before", st.months_on_public_support_before),
        ("months_without_work_or_studies_before", st.months_without_work_or_studies_before),
    ):
        before[name] = {
            "to_goal": aggregate(Kind.MEAN, to_goal, value_of, goal),
            "new": aggregate(Kind.MEAN, new, value_of, came),
        }
    return {
        "throughput_days": mean_and_median(completed, st.throughput_days, ("completed_exits",)),
        "throughput_days_to_goal": mean_and_median(to_goal, st.throughput_days, goal),
        **before,
    }


def _composition(active: Facts, new: Facts, completed: Facts, c: Context) -> dict[str, Any]:
    """Who they were: support, age, education and municipality."""
    by_age = {
        group: {"completed_exits": chosen, "to_work_or_studies": st.to_work_or_studies(chosen)}
        for group, chosen in st.by_age_group(completed, c.rules.youth_max_age).items()
    }
    return {
        "support_at_enrollment": counts(st.support_at_enrollment(active)),
        "support_before_after": counts(st.support_before_after(completed)),
        "age_band": counts(
            {
                "active": st.age_bands(active),
                "new": st.age_bands(new),
                "completed_exits": st.age_bands(completed),
            }
        ),
        "to_work_or_studies_by_age": counts(by_age),
        "education": counts(st.education(active)),
        "municipality": counts(st.municipality(active, c.municipalities)),
    }


def untallied_measures(
    active: Facts,
    scope: Sequence[str],
    c: Context,
    *,
    total: bool,
    max_noise: int = 0,
    unique: ColumnSums | None = None,
) -> dict[str, Any]:
    """The measures that are not counts of enrollments by cell (fact_tally): anonymous
    participants, structural activities, the cost per participant and, in the association
    total, unique participants (from `unique` when given: their sums over `active`, as
    unique_parts keeps them). With max_noise > 0 their counts carry cell-key noise."""
    ids = frozenset(scope)
    anonymous = [r for r in c.anonymous if r.intervention_id in ids]
    in_period = [r for r in anonymous if c.period.start <= r.period_end <= c.period.end]
    held_records = [
        a
        for a in c.activities
        if a.intervention_id in ids and c.period.start <= a.held_on <= c.period.end
    ]
    held, by_organisation = st.activities(held_records, c.period)
    costs = st.recorded_costs(c.finances, ids & c.individual, c.period)
    # Only participants of interventions with a recorded cost share it: an intervention
    # without one would otherwise pull the total's cost per participant down.
    paid_for = [f for f in active if f.intervention_id in costs] if costs else []
    cost = sum(costs.values()) if costs else None
    paying = len(paid_for)
    anonymous_counts = st.anonymous_participants(anonymous, c.period)
    if max_noise:
        paying = perturbed_count(paying, sum(map(record_key, paid_for)), max_noise)
        anonymous_counts = _reported(anonymous_counts, in_period, "anonymous", max_noise)
        by_organisation = _reported(by_organisation, held_records, "activities", max_noise)
    measures = {
        "anonymous_participants": plain_counts(anonymous_counts),
        "activities": {"count": held, "participants": plain_counts(by_organisation)},
        "cost_per_participant": Statistic(
            Kind.AMOUNT, st.cost_per_participant(cost, paying), paying, (("active", "total"),)
        ),
    }
    if total:
        persons = unique if unique is not None else column_sums(st.unique_participants(active))
        measures["unique_participants"] = _unique_counts(persons, max_noise)
    return measures


def _reported(
    values: dict[str, int], reports: Sequence[Any], name: str, bound: int
) -> dict[str, int]:
    """Reported counts with cell-key noise; a report's key is drawn from what it says."""
    return {
        column: perturbed_count(
            value,
            sum(text_key(f"{name}|{column}|{report!r}") for report in reports),
            bound,
            text_key(f"{name}/{column}"),
        )
        for column, value in values.items()
    }


def _unique_counts(persons: ColumnSums, bound: int) -> dict[str, Count]:
    """Unique participants' count cells; with bound > 0 with the noise of each column's
    cell key (the sum of its persons' record keys)."""
    return {
        column: count_of(
            perturbed_count(
                persons.counts[column],
                persons.keys[column],
                bound,
                text_key(f"unique_participants/{column}"),
            )
            if bound
            else persons.counts[column]
        )
        for column in COLUMNS
    }
