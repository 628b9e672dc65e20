"""The statistics answer of product.md §8: every measure of §6, per intervention and in total.

Choices the specification leaves open:
- Listed are the interventions whose span (starts_on..ends_on) overlaps the period, and also
  any other that has enrollments active in it, anonymous reports or activities in it (so no
  participant falls out of the total), ordered by id.
- With `only_intervention`, only that intervention is listed (whether or not it overlaps
  the period) and "total" is computed from it alone; an unknown id is a NotFoundError.
- The association total is computed over the enrollments of the listed interventions, so
  each of its counts is the sum over the interventions; means and medians are pooled.
- Its cost per participant is the summed recorded cost of the listed individual
  interventions for the year / the active participants of those with a recorded cost.
- `municipality` lists, in every measures object, the codes present among the active
  participants of the whole answer (sorted), then "unknown"; so all objects have the same keys.
- `support_before_after` lists the support codes and "unknown" (an empty set), like
  `support_at_enrollment`.
- Facts of another association, voided ones and those of unlisted interventions are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from service.application import statistics as st
from service.application.disclosure import hidden_leaves, measure_roots
from service.application.leaf_layout import MeasuredLeaves
from service.application.measures_format import (
    Kind,
    Statistic,
    aggregate,
    counts,
    filled,
    mean_and_median,
    plain_counts,
    rounded,
    share,
)
from service.domain.codes import InterventionKind
from service.domain.errors import NotFoundError
from service.domain.facts import (
    ActivityRecord,
    AnonymousParticipantsReport,
    EnrollmentFacts,
    FinanceRecord,
    InterventionInfo,
    Period,
    ReportingRules,
)

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


def build_statistics_answer(
    *,
    association_id: str,
    period: Period,
    as_of: datetime | None,
    rules: ReportingRules,
    interventions: Sequence[InterventionInfo],
    facts: Sequence[EnrollmentFacts],
    anonymous: Sequence[AnonymousParticipantsReport] = (),
    activities: Sequence[ActivityRecord] = (),
    finances: Sequence[FinanceRecord] = (),
    only_intervention: str | None = None,
) -> dict[str, Any]:
    """The statistics answer of product.md §8, with disclosure control applied."""
    tree = statistics_tree(
        association_id=association_id, period=period, rules=rules, interventions=interventions,
        facts=facts, anonymous=anonymous, activities=activities, finances=finances,
        only_intervention=only_intervention,
    )  # fmt: skip
    return _rendered(association_id, period, as_of, rules, tree)


def statistics_tree(
    *,
    association_id: str,
    period: Period,
    rules: ReportingRules,
    interventions: Sequence[InterventionInfo],
    facts: Sequence[EnrollmentFacts],
    anonymous: Sequence[AnonymousParticipantsReport] = (),
    activities: Sequence[ActivityRecord] = (),
    finances: Sequence[FinanceRecord] = (),
    only_intervention: str | None = None,
) -> dict[str, Any]:
    """The answer's interventions and total with their measures as Count and Statistic
    leaves, before disclosure control."""
    counted = [f for f in st.countable(facts) if f.association_id == association_id]
    chosen = _chosen(interventions, counted, anonymous, activities, period, only_intervention)
    facts_of: dict[str, list[EnrollmentFacts]] = {i.intervention_id: [] for i in chosen}
    for f in counted:
        group = facts_of.get(f.intervention_id)
        if group is not None:
            group.append(f)
    everyone = [f for group in facts_of.values() for f in group]
    individual = frozenset(
        i.intervention_id for i in chosen if i.kind == InterventionKind.INDIVIDUAL
    )
    municipalities = st.municipality_codes(st.active(everyone, period))
    context = Context(period, rules, municipalities, anonymous, activities, finances, individual)
    return {
        "interventions": [_entry(i, facts_of[i.intervention_id], context) for i in chosen],
        "total": {"measures": measures_for(everyone, context, list(facts_of), total=True)},
    }


def _rendered(
    association_id: str,
    period: Period,
    as_of: datetime | None,
    rules: ReportingRules,
    tree: dict[str, Any],
) -> dict[str, Any]:
    """The answer as JSON-ready values, with disclosure control applied to the tree."""
    measured = MeasuredLeaves.of(measure_roots(tree))
    hidden = hidden_leaves(measured, rules)
    values = iter(_published(measured, hidden))
    interventions = [
        {**entry, "measures": filled(entry["measures"], values)} for entry in tree["interventions"]
    ]
    total = {"measures": filled(tree["total"]["measures"], values)}
    return {
        "association": association_id,
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "as_of": as_of.isoformat() if as_of is not None else None,
        "settings": settings(rules),
        "interventions": interventions,
        "total": total,
        # Leaf numbers follow document order, as the list does.
        "suppressed": [
            {"pointer": pointer, "rule": hidden[n]}
            for n, pointer in measured.json_pointers(sorted(hidden))
        ],
    }


def _published(measured: MeasuredLeaves, hidden: Iterable[int]) -> list[Any]:
    """The measures objects' leaves in document order, as published: a count as it is, a
    statistic rounded, None where hidden. (The same as measures_format.published leaf by
    leaf, in fewer steps: statistics are a fifth of the leaves.)"""
    leaves = measured.leaves
    values = list(map(attrgetter("value"), leaves))
    for n in measured.statistics:
        values[n] = rounded(leaves[n])  # type: ignore[arg-type]
    for n in hidden:
        values[n] = None
    return values


def settings(rules: ReportingRules) -> dict[str, Any]:
    """The reporting rules the answer was computed with."""
    return {
        "early_dropout_months": rules.early_dropout_months,
        "goal_reasons": rules.goal_reasons_sorted(),
        "youth_max_age": rules.youth_max_age,
        "min_cell_size": rules.min_cell_size,
    }


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
        **_reports(active, scope, context),
    }
    if total:
        measures["unique_participants"] = counts(st.unique_participants(active))
    return measures


def _entry(info: InterventionInfo, facts: Facts, context: Context) -> dict[str, Any]:
    """One intervention of the answer."""
    return {
        "intervention": info.intervention_id,
        "name": info.name,
        "kind": info.kind,
        "measures": measures_for(facts, context, [info.intervention_id]),
    }


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


def _reports(active: Facts, scope: Sequence[str], c: Context) -> dict[str, Any]:
    """Anonymous participants, structural activities and the cost per participant."""
    ids = frozenset(scope)
    anonymous = [r for r in c.anonymous if r.intervention_id in ids]
    held, by_organisation = st.activities(
        [a for a in c.activities if a.intervention_id in ids], c.period
    )
    costs = st.recorded_costs(c.finances, ids & c.individual, c.period)
    # Only participants of interventions with a recorded cost share it: an intervention
    # without one would otherwise pull the total's cost per participant down.
    paid_for = [f for f in active if f.intervention_id in costs]
    cost = sum(costs.values()) if costs else None
    return {
        "anonymous_participants": plain_counts(st.anonymous_participants(anonymous, c.period)),
        "activities": {"count": held, "participants": plain_counts(by_organisation)},
        "cost_per_participant": Statistic(
            Kind.AMOUNT,
            st.cost_per_participant(cost, len(paid_for)),
            len(paid_for),
            (("active", "total"),),
        ),
    }


def _chosen(
    interventions: Sequence[InterventionInfo],
    facts: Facts,
    anonymous: Sequence[AnonymousParticipantsReport],
    activities: Sequence[ActivityRecord],
    period: Period,
    only: str | None,
) -> list[InterventionInfo]:
    """The interventions the answer lists, ordered by id."""
    if only is not None:
        chosen = [i for i in interventions if i.intervention_id == only]
        if not chosen:
            raise NotFoundError(f"no intervention {only!r}")
        return chosen[:1]
    busy = {f.intervention_id for f in st.active(facts, period)}
    busy |= {r.intervention_id for r in anonymous if period.start <= r.period_end <= period.end}
    busy |= {a.intervention_id for a in activities if period.start <= a.held_on <= period.end}
    listed = [i for i in interventions if _overlaps(i, period) or i.intervention_id in busy]
    return sorted(listed, key=lambda i: i.intervention_id)


def _overlaps(info: InterventionInfo, period: Period) -> bool:
    """True when the intervention's own span overlaps the period."""
    return info.starts_on <= period.end and (info.ends_on is None or info.ends_on >= period.start)
