"""The answer's measures computed flat (fact_tally, measure_values) equal the Count trees of
measures_tree, leaf by leaf: every value and every base a statistic was computed over."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from hashlib import blake2b
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from service.domain.facts import EnrollmentFacts, FinanceRecord, ReportingRules
from service.statistics.answer import AnswerInputs, _scopes, statistics_tree
from service.statistics.cell_key import max_noise, perturbed_count, record_key, text_key
from service.statistics.disclosure import TOTAL_ROOT, measure_roots
from service.statistics.leaf_layout import MeasuredLeaves
from service.statistics.measure_values import MeasuresPlan
from service.statistics.measured_answer import measured_answer
from service.statistics.measures_format import Count, Kind, Statistic
from tests.statistics_inputs import INTERVENTIONS, PERIOD, enrollments, inputs
from tests.unit.test_statistics import enrollment

FINANCES = [FinanceRecord("alfa", 2023, 100_000, 90_000)]


def flat_and_tree(
    facts: list[EnrollmentFacts], rules: ReportingRules, **changes: Any
) -> tuple[Any, Any]:
    only = changes.pop("only_intervention", None)
    given = AnswerInputs(**(inputs(facts, rules) | {"finances": FINANCES} | changes))
    scopes = _scopes(given, only)
    flat, _ = measured_answer(scopes.facts_of, scopes.active_of, scopes.context)
    tree = MeasuredLeaves.of(measure_roots(statistics_tree(given, only)))
    return flat, tree


def assert_same_leaves(flat: MeasuredLeaves, tree: MeasuredLeaves) -> None:
    assert flat.roots == tree.roots
    assert [layout.pointers for layout in flat.layouts] == [
        layout.pointers for layout in tree.layouts
    ]
    assert flat.values == tree.values
    assert flat.bases == tree.bases
    assert flat.statistic_kinds == tree.statistic_kinds


@hs.composite
def varied_facts(draw: hs.DrawFn) -> list[EnrollmentFacts]:
    """Enrollments with many municipalities, a sex that is neither female nor male, and an
    exit without a reason: cases the disclosure scenarios do not draw."""
    facts = [draw(enrollments(number)) for number in range(draw(hs.integers(0, 60)))]
    changed = []
    for fact in facts:
        municipality = draw(hs.sampled_from([None, "2080", "2021", "2062", "1980", "0180"]))
        sex = draw(hs.sampled_from(["female", "male", "female", "male", "x"]))
        reason = fact.exit_reason if draw(hs.booleans()) else None
        changed.append(replace(fact, municipality=municipality, sex=sex, exit_reason=reason))
    return changed


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    facts=varied_facts(),
    months=hs.integers(0, 3),
    youth=hs.sampled_from([24, 27, 29, 40]),
    goals=hs.frozensets(hs.sampled_from(["work", "studies", "moved", "other"]), min_size=1),
)
def test_every_leaf_equals_the_count_tree(
    facts: list[EnrollmentFacts], months: int, youth: int, goals: frozenset[str]
) -> None:
    rules = ReportingRules(
        early_dropout_months=months, youth_max_age=youth, goal_reasons=goals, min_cell_size=0
    )
    assert_same_leaves(*flat_and_tree(facts, rules))


def test_an_association_without_interventions_has_only_its_total() -> None:
    rules = ReportingRules(min_cell_size=0)
    flat, tree = flat_and_tree([], rules, interventions=[], anonymous=[], activities=[])
    assert flat.roots == (("total", "measures"),)
    assert_same_leaves(flat, tree)


def test_a_measure_without_a_flat_definition_is_an_error() -> None:
    cell = {c: Statistic(Kind.MEAN, None, 0) for c in ("total", "female", "male")}
    with pytest.raises(ValueError, match="no flat definition"):
        MeasuresPlan.of({"active": {c: Count(0) for c in cell}, "something_new": cell})


def test_a_scope_of_one_enrollment_in_one_intervention() -> None:
    fact = enrollment(
        number=1, association_id="forbund", intervention_id="beta", enrolled_on=date(2023, 3, 1)
    )
    flat, tree = flat_and_tree([fact], ReportingRules(min_cell_size=0))
    assert_same_leaves(flat, tree)
    assert len(flat.roots) == len(INTERVENTIONS) + 1


def test_parts_kept_between_answers_follow_a_changed_enrollment() -> None:
    """An answer after a change reuses the kept parts of the unchanged enrollments (the
    same objects) and computes the changed one afresh: still the tree's leaves."""
    rules = ReportingRules(min_cell_size=0)
    facts = [
        enrollment(number=n, association_id="forbund", intervention_id=iid)
        for n, iid in enumerate(["alfa", "alfa", "beta", "gamma"] * 3)
    ]
    assert_same_leaves(*flat_and_tree(facts, rules))
    exited = replace(facts[0], exited_on=date(2023, 6, 1), exit_reason="studies")
    assert_same_leaves(*flat_and_tree([exited, *facts[1:]], rules))
    assert_same_leaves(*flat_and_tree(facts[1:], rules))


def hashed(f: EnrollmentFacts) -> int:
    """The record key as product.md §7 defines it, computed here on its own."""
    seed = f"{f.enrollment_id}\x00{f.pseudonym}".encode()
    return int.from_bytes(blake2b(seed, digest_size=4).digest(), "big")


@hs.composite
def with_facts_left_out(draw: hs.DrawFn) -> list[EnrollmentFacts]:
    """varied_facts, some of them voided, of another association or of an intervention
    the association does not list: facts no measure may count."""
    changes = [
        {},
        {},
        {"voided": True},
        {"association_id": "annat-forbund"},
        {"intervention_id": "okand-insats"},
    ]
    return [replace(f, **draw(hs.sampled_from(changes))) for f in draw(varied_facts())]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=with_facts_left_out(), k=hs.sampled_from([3, 5, 10]))
def test_unique_participants_carry_the_noise_of_exactly_their_persons(
    facts: list[EnrollmentFacts], k: int
) -> None:
    """Each column of the total's unique participants: the count of distinct active
    pseudonyms (each by its latest enrollment) with the noise of the sum of exactly their
    record keys; a sex that is neither column counts in the total alone."""
    rules = ReportingRules(min_cell_size=k)
    flat, _ = flat_and_tree(facts, rules)
    active = [
        f
        for f in facts
        if f.association_id == "forbund"
        and not f.voided
        and f.intervention_id in {i.intervention_id for i in INTERVENTIONS}
        and f.enrolled_on <= PERIOD.end
        and (f.exited_on is None or f.exited_on >= PERIOD.start)
    ]
    latest: dict[str, EnrollmentFacts] = {}
    for f in sorted(active, key=lambda f: (f.enrolled_on, f.enrollment_id)):
        latest[f.pseudonym] = f
    scope = flat.roots.index(TOTAL_ROOT)
    layout, offset = flat.layouts[scope], flat.offsets[scope]
    for column in ("total", "female", "male"):
        persons = [f for f in latest.values() if column in ("total", f.sex)]
        expected = perturbed_count(
            len(persons),
            sum(map(hashed, persons)),
            max_noise(k),
            text_key(f"unique_participants/{column}"),
        )
        assert flat.values[layout.number[("unique_participants", column)] + offset] == expected


def test_a_kept_record_key_follows_a_corrected_pseudonym() -> None:
    fact = enrollment(number=7)
    corrected = replace(fact, pseudonym="another-person")

    assert record_key(fact) == record_key(fact) == hashed(fact)
    assert record_key(corrected) == hashed(corrected) != hashed(fact)
