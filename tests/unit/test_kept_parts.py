"""Parts of an answer kept between answers (service.statistics.kept): an answer that finds
parts computed for the same fact objects equals the answer computed with nothing kept,
whatever changed in between."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from service.domain.facts import EnrollmentFacts, ReportingRules
from service.statistics import definitions as st
from service.statistics.kept import KeptByIdentity, forget_all
from service.statistics.unique_parts import column_sums, unique_participant_sums
from tests.statistics_inputs import INTERVENTIONS, answer, enrollments
from tests.unit.test_measured_answer import with_facts_left_out
from tests.unit.test_statistics import enrollment


class Counted:
    """A compute function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_the_same_objects_find_the_kept_part_and_equal_ones_do_not() -> None:
    kept: KeptByIdentity[int] = KeptByIdentity(8)
    compute = Counted()
    facts = [enrollment(number=1), enrollment(number=2)]

    assert kept.get(facts, compute) == 1
    assert kept.get(list(facts), compute) == 1  # another list of the same objects
    assert kept.get(facts[::-1], compute) == 2  # another order is another part
    assert kept.get([replace(f) for f in facts], compute) == 3  # equal, not the same
    assert kept.get(facts, compute, extra="2024") == 4  # what else it depends on
    assert compute.calls == 4


def test_the_least_recently_used_part_goes_first() -> None:
    kept: KeptByIdentity[int] = KeptByIdentity(2)
    compute = Counted()
    a, b, c = ([enrollment(number=n)] for n in range(3))
    kept.get(a, compute)
    kept.get(b, compute)
    kept.get(a, compute)  # a used again: b is now the oldest
    kept.get(c, compute)
    assert len(kept) == 2
    assert kept.get(a, compute) == 1
    assert kept.get(b, compute) == 4  # computed again


def test_forget_all_drops_the_parts_of_every_kept() -> None:
    first: KeptByIdentity[int] = KeptByIdentity(4)
    second: KeptByIdentity[int] = KeptByIdentity(4)
    facts = [enrollment(number=1)]
    first.get(facts, Counted())
    second.get(facts, Counted())
    forget_all()
    assert len(first) == len(second) == 0


def test_unique_participants_across_interventions_count_each_person_once() -> None:
    """A person in two interventions is counted once, by the later enrollment, as the
    definition over all the facts at once counts them."""
    alfa = [
        enrollment(number=1, intervention_id="alfa", pseudonym="p1", sex="female",
                   enrolled_on=date(2023, 2, 1)),
        enrollment(number=2, intervention_id="alfa", pseudonym="p2", sex="male"),
    ]  # fmt: skip
    beta = [
        enrollment(number=3, intervention_id="beta", pseudonym="p1", sex="male",
                   enrolled_on=date(2023, 5, 1)),
    ]  # fmt: skip
    sums = unique_participant_sums([alfa, beta])
    assert sums == column_sums(st.unique_participants([*alfa, *beta]))
    assert sums.counts == {"total": 2, "female": 0, "male": 2}


@hs.composite
def changed_facts(draw: hs.DrawFn, before: list[EnrollmentFacts]) -> list[EnrollmentFacts]:
    """What a write or a few could make of `before`: most facts the same objects, some
    changed (an exit, another intervention, pseudonym or sex, voided), some gone, some new."""
    after = []
    for fact in before:
        action = draw(hs.sampled_from(["same"] * 6 + ["changed", "gone"]))
        if action == "same":
            after.append(fact)
        elif action == "changed":
            change = draw(
                hs.sampled_from(
                    [
                        {"exited_on": fact.enrolled_on + timedelta(days=40), "exit_reason": "work"},
                        {"intervention_id": draw(hs.sampled_from(INTERVENTIONS)).intervention_id},
                        {"pseudonym": f"person-{draw(hs.integers(0, 30)):04d}"},
                        {"sex": draw(hs.sampled_from(["female", "male", "x"]))},
                        {"voided": True},
                    ]
                )
            )
            after.append(replace(fact, **change))
    after += [draw(enrollments(1000 + n)) for n in range(draw(hs.integers(0, 4)))]
    return after


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=hs.data(),
    before=with_facts_left_out(),
    k=hs.sampled_from([0, 3, 5]),
    only=hs.sampled_from([None, "alfa", "beta"]),
)
def test_an_answer_from_kept_parts_equals_one_computed_afresh(
    data: hs.DataObject, before: list[EnrollmentFacts], k: int, only: str | None
) -> None:
    """Answers for facts, then for what writes made of them, then for the first facts
    again (their parts still kept): each equals the answer with nothing kept."""
    rules = ReportingRules(min_cell_size=k)
    after = data.draw(changed_facts(before))

    def kept_and_fresh(facts: list[EnrollmentFacts]) -> tuple[Any, Any]:
        kept = answer(facts, rules, only_intervention=only)
        forget_all()
        return kept, answer(facts, rules, only_intervention=only)

    answer(before, rules, only_intervention=only)  # its parts kept
    kept, fresh = kept_and_fresh(after)
    assert kept == fresh
    answer(after, rules, only_intervention=only)
    kept, fresh = kept_and_fresh(before)
    assert kept == fresh
