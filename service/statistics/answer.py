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
  participants of the whole answer (sorted), then "unknown"; so all objects have the same
  keys. With disclosure control only the codes whose count in the total, with its noise,
  is at least min_cell_size are listed (such a total may still be hidden, as a complement),
  the others counted together under
  "other", which is always listed: a key never tells that someone of a small kommun took
  part (docs/decisions.md §42).
- `support_before_after` lists the support codes and "unknown" (an empty set), like
  `support_at_enrollment`.
- Facts of another association, voided ones and those of unlisted interventions are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from operator import attrgetter
from typing import Any

from service.domain.codes import OTHER_MUNICIPALITY, InterventionKind
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
from service.statistics import definitions as st
from service.statistics.cell_key import max_noise, perturbed_count, record_key
from service.statistics.disclosure import TOTAL_ROOT, hidden_leaves
from service.statistics.kept import KeptByIdentity
from service.statistics.leaf_layout import MeasuredLeaves
from service.statistics.measured_answer import measured_answer
from service.statistics.measures_format import COLUMNS, filled, rounded_value
from service.statistics.measures_tree import Context, measures_for


@dataclass(frozen=True, slots=True)
class AnswerInputs:
    """Everything an answer is computed from: the association's facts read for the period
    (facts of other associations and voided ones may be among them; they are skipped)."""

    association_id: str
    period: Period
    rules: ReportingRules
    interventions: Sequence[InterventionInfo]
    facts: Sequence[EnrollmentFacts]
    as_of: datetime | None = None
    anonymous: Sequence[AnonymousParticipantsReport] = ()
    activities: Sequence[ActivityRecord] = ()
    finances: Sequence[FinanceRecord] = ()


@dataclass(frozen=True, slots=True)
class _Scopes:
    """What an answer is computed over: its interventions, their facts, the context."""

    chosen: list[InterventionInfo]
    facts_of: dict[str, list[EnrollmentFacts]]
    # Each intervention's facts active in the period (st.active of facts_of's, in order).
    active_of: dict[str, list[EnrollmentFacts]]
    context: Context


def build_statistics_answer(
    inputs: AnswerInputs, only_intervention: str | None = None
) -> dict[str, Any]:
    """The statistics answer of product.md §8, with disclosure control applied; its
    measures computed flat (measured_answer), equal to those of statistics_tree."""
    if only_intervention is None or inputs.rules.min_cell_size <= 0:
        return _computed_answer(inputs, only_intervention)
    # One intervention shows what the full answer shows for it (product.md §7.2).
    full = _computed_answer(inputs, None)
    if only_intervention not in [entry["intervention"] for entry in full["interventions"]]:
        return _computed_answer(inputs, only_intervention)  # nothing of it in the period
    return _one_of(full, _unique_alone(inputs, only_intervention), only_intervention)


def _computed_answer(inputs: AnswerInputs, only_intervention: str | None) -> dict[str, Any]:
    """The answer over the chosen interventions, disclosure control applied to it alone."""
    scopes = _scopes(inputs, only_intervention)
    measured, skeletons = measured_answer(
        scopes.facts_of, scopes.active_of, scopes.context, _slot(inputs, only_intervention)
    )
    hidden = hidden_leaves(measured, inputs.rules)
    values = iter(_published(measured, hidden))
    interventions_shown = [
        {**_heading(info), "measures": filled(skeleton, values)}
        for info, skeleton in zip(scopes.chosen, skeletons[:-1], strict=True)
    ]
    period, as_of = inputs.period, inputs.as_of
    return {
        "association": inputs.association_id,
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "as_of": as_of.isoformat() if as_of is not None else None,
        "settings": settings(inputs.rules),
        "disclosure": disclosure_method(inputs.rules),
        "interventions": interventions_shown,
        "total": {"measures": filled(skeletons[-1], values)},
        # Leaf numbers follow document order, as the list does; one marker, no reason.
        "suppressed": [pointer for _, pointer in measured.json_pointers(hidden)],
    }


def statistics_tree(inputs: AnswerInputs, only_intervention: str | None = None) -> dict[str, Any]:
    """The answer's interventions and total with their measures as Count and Statistic
    leaves, before disclosure control: the definition the answer's values are held to."""
    scopes = _scopes(inputs, only_intervention)
    facts_of, context = scopes.facts_of, scopes.context
    everyone = [f for group in facts_of.values() for f in group]
    return {
        "interventions": [
            {
                **_heading(i),
                "measures": measures_for(facts_of[i.intervention_id], context, [i.intervention_id]),
            }
            for i in scopes.chosen
        ],
        "total": {"measures": measures_for(everyone, context, list(facts_of), total=True)},
    }


def _scopes(inputs: AnswerInputs, only_intervention: str | None) -> _Scopes:
    """The listed interventions with their countable facts, and the answer's context."""
    period = inputs.period
    of_intervention = _facts_by_intervention(inputs)
    busy = {iid for iid, found in of_intervention.items() if found.active}
    chosen = _chosen(
        inputs.interventions, busy, inputs.anonymous, inputs.activities, period, only_intervention
    )
    ids = [i.intervention_id for i in chosen]
    listed = [of_intervention.get(iid, _NO_FACTS) for iid in ids]
    facts_of = {iid: found.counted for iid, found in zip(ids, listed, strict=True)}
    active_of = {iid: found.active for iid, found in zip(ids, listed, strict=True)}
    individual = frozenset(
        i.intervention_id for i in chosen if i.kind == InterventionKind.INDIVIDUAL
    )
    codes = _shown_municipalities([found.municipalities for found in listed], inputs.rules)
    context = Context(
        period, inputs.rules, codes, inputs.anonymous, inputs.activities, inputs.finances,
        individual,
    )  # fmt: skip
    return _Scopes(chosen, facts_of, active_of, context)


@dataclass(frozen=True, slots=True)
class _InterventionFacts:
    """One intervention's facts that count (not voided, of the association), those of them
    active in the period, and the municipality codes these give. Kept between answers
    while its facts are the same objects (kept); no kept list is ever changed."""

    counted: list[EnrollmentFacts]
    active: list[EnrollmentFacts]
    municipalities: dict[str, tuple[int, int]]  # code → (active enrollments, record keys' sum)


_NO_FACTS = _InterventionFacts([], [], {})
_KEPT_FACTS: KeptByIdentity[_InterventionFacts] = KeptByIdentity()
_INTERVENTION_OF = attrgetter("intervention_id")


def _facts_by_intervention(inputs: AnswerInputs) -> dict[str, _InterventionFacts]:
    """Each intervention's facts, from one pass over them and the parts kept for the
    interventions whose facts are the same objects as in an earlier answer."""
    aid, period = inputs.association_id, inputs.period
    return {
        iid: _KEPT_FACTS.get(
            _slot(inputs, iid), group, partial(_intervention_facts, group, aid, period)
        )
        for iid, group in st.grouped_by(inputs.facts, _INTERVENTION_OF).items()
    }


def _slot(inputs: AnswerInputs, *more: str | None) -> tuple[str | date | None, ...] | None:
    """Where an answer's parts are kept (kept): its association and period, and more. An
    `as_of` answer keeps nothing: its facts are read afresh, never asked again as such,
    and would only push the current answers' parts out."""
    if inputs.as_of is not None:
        return None
    return (inputs.association_id, inputs.period.start, inputs.period.end, *more)


def _intervention_facts(
    facts: Sequence[EnrollmentFacts], association_id: str, period: Period
) -> _InterventionFacts:
    counted = [f for f in st.countable(facts) if f.association_id == association_id]
    active = st.active(counted, period)
    municipalities: dict[str, tuple[int, int]] = {}
    for fact in active:
        if fact.municipality:
            count, keys = municipalities.get(fact.municipality, (0, 0))
            municipalities[fact.municipality] = (count + 1, keys + record_key(fact))
    return _InterventionFacts(counted, active, municipalities)


def _shown_municipalities(
    of_interventions: Sequence[dict[str, tuple[int, int]]], rules: ReportingRules
) -> list[str]:
    """The municipality keys of the answer (see the module's docstring): with disclosure
    control, the codes whose count in the total, with the noise that cell gets (the same
    cell key), is at least min_cell_size; then `other` and `unknown`."""
    size = rules.min_cell_size
    if size <= 0:
        return st.listed_municipalities(set().union(*of_interventions))
    totals: dict[str, tuple[int, int]] = {}
    for counts in of_interventions:
        for code, (count, keys) in counts.items():
            before = totals.get(code, (0, 0))
            totals[code] = (before[0] + count, before[1] + keys)
    bound = max_noise(size)
    shown = [c for c, (n, keys) in totals.items() if perturbed_count(n, keys, bound) >= size]
    return [*sorted(shown), OTHER_MUNICIPALITY, st.UNKNOWN_MUNICIPALITY]


@dataclass(frozen=True, slots=True)
class _Unique:
    """The unique participants of one intervention's answer computed alone (its total's
    cells as that answer would publish them, None where it would hide them), and the keys
    of that total's measures object in order."""

    published: dict[str, int | None]
    keys: list[str]


def _unique_alone(inputs: AnswerInputs, intervention: str) -> _Unique:
    """What an answer for the intervention alone would publish of its unique participants:
    its leaves and disclosure control, without building the answer around them."""
    scopes = _scopes(inputs, intervention)
    measured, skeletons = measured_answer(
        scopes.facts_of, scopes.active_of, scopes.context, _slot(inputs, intervention)
    )
    hidden = set(hidden_leaves(measured, inputs.rules))  # may publish a provable zero as 0
    scope = measured.roots.index(TOTAL_ROOT)
    layout, offset = measured.layouts[scope], measured.offsets[scope]
    published: dict[str, int | None] = {}
    for column in COLUMNS:
        n = layout.number[("unique_participants", column)] + offset
        published[column] = None if n in hidden else measured.values[n]
    return _Unique(published, list(skeletons[-1]))


def _one_of(full: dict[str, Any], alone: _Unique, intervention: str) -> dict[str, Any]:
    """The answer for one intervention (listed in the full answer), cut from the full
    answer: its measures and hidden places as the full answer has them, and a total equal
    to them (with its own unique participants, hidden with its active count)."""
    ids = [entry["intervention"] for entry in full["interventions"]]
    position = ids.index(intervention)
    entry = full["interventions"][position]
    prefix = f"/interventions/{position}/measures"
    hidden = {p[len(prefix) :] for p in full["suppressed"] if p.startswith(prefix + "/")}
    measures = entry["measures"]
    unique = dict(alone.published)
    for column in unique:
        place = f"/unique_participants/{column}"
        if measures["active"][column] == 0:
            unique[column] = 0  # nobody active: nobody unique, as the reader knows
        elif f"/active/{column}" in hidden or alone.published[column] is None:
            unique[column] = None
            hidden.add(place)
    total = {key: (unique if key == "unique_participants" else measures[key]) for key in alone.keys}
    shown = {**entry, "measures": measures}
    suppressed = [f"/interventions/0/measures{p}" for p in _in_order(measures, hidden)]
    suppressed += [f"/total/measures{p}" for p in _in_order(total, hidden)]
    return {
        **full,
        "interventions": [shown],
        "total": {"measures": total},
        "suppressed": suppressed,
    }


def _in_order(tree: Any, hidden: set[str], at: str = "") -> list[str]:
    """The pointers of `hidden` found in a tree, in document order."""
    if isinstance(tree, dict):
        return [p for key, child in tree.items() for p in _in_order(child, hidden, f"{at}/{key}")]
    return [at] if at in hidden else []


def _heading(info: InterventionInfo) -> dict[str, Any]:
    """What the answer says of an intervention before its measures."""
    return {"intervention": info.intervention_id, "name": info.name, "kind": info.kind}


def _published(measured: MeasuredLeaves, hidden: Iterable[int]) -> list[Any]:
    """The measures objects' leaves in document order, as published: a count as it is, a
    statistic rounded, None where hidden."""
    values = list(measured.values)
    for n, kind in zip(measured.statistics, measured.statistic_kinds, strict=True):
        values[n] = rounded_value(kind, values[n])
    for n in hidden:
        values[n] = None
    return values


def disclosure_method(rules: ReportingRules) -> dict[str, Any]:
    """How the answer's figures were protected (product.md §7; docs/statistics.md)."""
    if rules.min_cell_size <= 0:
        return {"method": "none", "max_noise": 0, "min_cell_size": 0}
    return {
        "method": "cell_key",
        "max_noise": max_noise(rules.min_cell_size),
        "min_cell_size": rules.min_cell_size,
    }


def settings(rules: ReportingRules) -> dict[str, Any]:
    """The reporting rules the answer was computed with."""
    return {
        "early_dropout_months": rules.early_dropout_months,
        "goal_reasons": rules.goal_reasons_sorted(),
        "youth_max_age": rules.youth_max_age,
        "min_cell_size": rules.min_cell_size,
    }


def _chosen(
    interventions: Sequence[InterventionInfo],
    busy: set[str],
    anonymous: Sequence[AnonymousParticipantsReport],
    activities: Sequence[ActivityRecord],
    period: Period,
    only: str | None,
) -> list[InterventionInfo]:
    """The interventions the answer lists (those with enrollments active in the period,
    `busy`, among them), ordered by id."""
    if only is not None:
        chosen = [i for i in interventions if i.intervention_id == only]
        if not chosen:
            raise NotFoundError(f"no intervention {only!r}")
        return chosen[:1]
    busy = busy | {
        r.intervention_id for r in anonymous if period.start <= r.period_end <= period.end
    }
    busy |= {a.intervention_id for a in activities if period.start <= a.held_on <= period.end}
    listed = [i for i in interventions if _overlaps(i, period) or i.intervention_id in busy]
    return sorted(listed, key=lambda i: i.intervention_id)


def _overlaps(info: InterventionInfo, period: Period) -> bool:
    """True when the intervention's own span overlaps the period."""
    return info.starts_on <= period.end and (info.ends_on is None or info.ends_on >= period.start)
