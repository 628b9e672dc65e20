"""Parts of an answer kept between answers (service.statistics.kept): an answer that finds
parts computed for the same fact objects equals the answer computed with nothing kept,
whatever changed in between."""

from __future__ import annotations

import weakref
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from service.domain.facts import EnrollmentFacts, Period, ReportingRules
from service.statistics import answer as answer_module
from service.statistics import definitions as st
from service.statistics import fact_tally, measure_values, unique_parts
from service.statistics.answer import AnswerInputs, build_statistics_answer
from service.statistics.kept import KeptByIdentity, forget_all
from service.statistics.unique_parts import column_sums, unique_participant_sums
from tests.statistics_inputs import INTERVENTIONS, PERIOD, answer, enrollments, inputs
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
    kept: KeptByIdentity[int] = KeptByIdentity()
    compute = Counted()
    facts = [enrollment(number=1), enrollment(number=2)]

    assert kept.get("alfa", facts, compute) == 1
    assert kept.get("alfa", list(facts), compute) == 1  # another list of the same objects
    assert kept.get("beta", facts, compute) == 2  # another slot has its own part
    assert kept.get("alfa", facts[::-1], compute) == 3  # another order is another part
    assert kept.get("alfa", [replace(f) for f in facts], compute) == 4  # equal, not the same
    assert compute.calls == 4


def test_no_slot_keeps_nothing() -> None:
    kept: KeptByIdentity[int] = KeptByIdentity()
    compute = Counted()
    facts = [enrollment(number=1)]
    assert kept.get(None, facts, compute) == 1
    assert kept.get(None, facts, compute) == 2
    assert len(kept) == 0


def test_a_slot_keeps_only_its_newest_part() -> None:
    """The version a write left behind is not kept: asked again, it is computed again."""
    kept: KeptByIdentity[int] = KeptByIdentity()
    compute = Counted()
    before, after = [enrollment(number=1)], [enrollment(number=2)]
    kept.get("alfa", before, compute)
    kept.get("alfa", after, compute)
    assert len(kept) == 1
    assert kept.get("alfa", before, compute) == 3


def test_the_least_recently_used_slots_go_first_beyond_the_objects_allowed() -> None:
    kept: KeptByIdentity[int] = KeptByIdentity(max_objects=4)
    compute = Counted()
    a, b, c = ([enrollment(number=n), enrollment(number=n + 10)] for n in range(3))
    kept.get("a", a, compute)
    kept.get("b", b, compute)
    kept.get("a", a, compute)  # a used again: b is now the oldest
    kept.get("c", c, compute)  # six objects: b goes
    assert len(kept) == 2
    assert kept.get("a", a, compute) == 1
    assert kept.get("b", b, compute) == 4  # computed again


def test_the_slots_are_bounded_in_number_too() -> None:
    kept: KeptByIdentity[int] = KeptByIdentity(max_slots=3)
    for n in range(10):
        kept.get(n, [], Counted())
    assert len(kept) == 3


def test_an_entry_weighs_what_it_says_it_keeps_alive() -> None:
    """A part that keeps more alive than its objects (a tally behind its leaf values)
    counts that against the budget; the newest stays, however much it weighs."""
    kept: KeptByIdentity[int] = KeptByIdentity(max_objects=10)
    small, large = [enrollment(number=1)], [enrollment(number=2)]
    kept.get("small", small, Counted(), weight=4)
    kept.get("large", large, Counted(), weight=8)  # 12 in all: the older one goes
    assert len(kept) == 1
    assert kept.get("large", large, Counted()) == 1  # still kept
    kept.get("huge", small, Counted(), weight=50)
    assert len(kept) == 1


def test_an_entry_holds_its_objects_so_their_ids_stay_theirs() -> None:
    """An id is reused only once its object is gone: a kept part holds its objects."""

    class Fact:
        pass

    kept: KeptByIdentity[int] = KeptByIdentity()
    fact = Fact()
    alive = weakref.ref(fact)
    kept.get("alfa", [fact], Counted())
    del fact
    assert alive() is not None
    kept.clear()
    assert alive() is None


def test_forget_all_drops_the_parts_of_every_kept() -> None:
    first: KeptByIdentity[int] = KeptByIdentity()
    second: KeptByIdentity[int] = KeptByIdentity()
    facts = [enrollment(number=1)]
    first.get("alfa", facts, Counted())
    second.get("alfa", facts, Counted())
    forget_all()
    assert len(first) == len(second) == 0


KEPT_KINDS = (answer_module._KEPT_FACTS, fact_tally._TALLIES, measure_values._TALLIED,
              unique_parts._PARTS)  # fmt: skip


def test_answers_after_writes_keep_one_part_per_intervention() -> None:
    """Answering the same facts again keeps nothing new, and after a write the changed
    intervention's part replaces its old one; the total is never kept."""
    forget_all()
    rules = ReportingRules(min_cell_size=3)
    facts = [
        enrollment(number=n, association_id="forbund", intervention_id=iid)
        for n, iid in enumerate(["alfa", "beta"] * 3)
    ]
    answer(facts, rules)
    sizes = [len(kind) for kind in KEPT_KINDS]
    answer(facts, rules)
    written = [*facts[:-1], replace(facts[-1], exited_on=date(2023, 6, 1), exit_reason="work")]
    answer(written, rules)
    assert [len(kind) for kind in KEPT_KINDS] == sizes
    assert sizes[0] == 2  # alfa and beta


def test_the_same_facts_under_other_settings_are_computed_under_them() -> None:
    """A settings change reaches the answer with no write: the same fact objects, other
    rules. Nothing kept under the old rules may be served (found in review)."""
    facts = [
        enrollment(date(2023, 3, 1), date(2023, 5, 1), number=n, intervention_id="alfa")
        for n in range(6)
    ]
    rules = [ReportingRules(min_cell_size=0, early_dropout_months=m) for m in (1, 6)]
    fresh = []
    for settled in rules:
        forget_all()
        fresh.append(answer(facts, settled))
    assert fresh[0] != fresh[1]
    forget_all()
    assert [answer(facts, settled) for settled in rules] == fresh


def test_an_answer_as_of_an_instant_keeps_nothing() -> None:
    """Its facts are read afresh for that instant: kept, they would only push the
    current answers' parts out."""
    forget_all()
    facts = [
        enrollment(number=n, association_id="forbund", intervention_id="alfa") for n in range(4)
    ]
    rules = ReportingRules(min_cell_size=3)
    answer(facts, rules, as_of=datetime(2024, 1, 1, tzinfo=UTC))
    assert [len(kind) for kind in KEPT_KINDS] == [0, 0, 0, 0]
    answer(facts, rules)
    assert all(len(kind) > 0 for kind in KEPT_KINDS)


def test_the_same_facts_for_another_period_or_association_are_computed_for_it() -> None:
    """A kept part is the part of its association and period (its slot)."""
    facts = [
        enrollment(number=n, association_id="forbund", intervention_id="alfa") for n in range(4)
    ]
    facts.append(replace(facts[0], enrollment_id="e9", association_id="another"))
    rules = ReportingRules(min_cell_size=0)

    def of(association: str, period: Period) -> dict[str, Any]:
        given = {**inputs(facts, rules, period), "association_id": association}
        return build_statistics_answer(AnswerInputs(**given))

    asked = [(a, p) for a in ("forbund", "another") for p in (PERIOD, Period.year(2022))]
    fresh = {}
    for key in asked:
        forget_all()
        fresh[key] = of(*key)
    forget_all()
    assert {key: of(*key) for key in asked} == fresh


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
    sums = unique_participant_sums({"alfa": alfa, "beta": beta}, kept_as="forbund")
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
    asked=hs.lists(hs.sampled_from([None, "alfa", "beta"]), min_size=1, max_size=3),
)
def test_an_answer_from_kept_parts_equals_one_computed_afresh(
    data: hs.DataObject, before: list[EnrollmentFacts], k: int, asked: list[str | None]
) -> None:
    """Answers (of the association, and of single interventions) for facts, then for what
    writes made of them, then for the first facts again: each equals the answer computed
    with nothing kept."""
    rules = ReportingRules(min_cell_size=k)
    after = data.draw(changed_facts(before))
    sequence = [(facts, only) for facts in (before, after, before) for only in asked]
    fresh = []
    for facts, only in sequence:
        forget_all()
        fresh.append(answer(facts, rules, only_intervention=only))
    forget_all()
    assert [answer(facts, rules, only_intervention=only) for facts, only in sequence] == fresh
