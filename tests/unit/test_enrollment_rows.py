"""The projector's row path for the common enrollment events equals the events' own evolve."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as hs

from service.adapters.enrollment_rows import evolved_values
from service.adapters.rows import FACT_FIELDS, facts_to_values, kept_facts, rows_to_facts
from service.domain.enrollment import Enrollment
from service.domain.facts import EnrollmentFacts

codes = hs.lists(hs.sampled_from(["none", "social_assistance", "sickness_benefit", "a", "b"]))
code_sets = hs.frozensets(hs.sampled_from(["none", "social_assistance", "sickness_benefit"]))
maybe = hs.none
facts = hs.builds(
    EnrollmentFacts,
    enrollment_id=hs.uuids().map(str),
    association_id=hs.text(max_size=8),
    intervention_id=hs.text(max_size=8),
    pseudonym=hs.text(max_size=12),
    sex=hs.sampled_from(["female", "male"]),
    birth_year=hs.integers(1900, 2020),
    education=hs.text(max_size=8),
    municipality=maybe() | hs.text(max_size=4),
    enrolled_on=hs.dates(),
    support_at_enrollment=code_sets,
    months_on_public_support=maybe() | hs.integers(0, 500),
    months_without_work_or_studies=maybe() | hs.integers(0, 500),
    current_support=code_sets,
    exited_on=maybe() | hs.dates(),
    exit_reason=maybe() | hs.text(max_size=8),
    support_at_exit=maybe() | code_sets,
    progressed=maybe() | hs.booleans(),
    voided=hs.booleans(),
    support_change=maybe() | code_sets,
    exit_support_given=maybe() | code_sets,
)


def _event(cls: type, **state: Any) -> Any:
    """An event as the mapper makes one: its state, no __init__."""
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", {"originator_version": 2, **state})
    return event


def _optional(key: str, values: hs.SearchStrategy[Any]) -> hs.SearchStrategy[dict[str, Any]]:
    return hs.fixed_dictionaries({}, optional={key: values})


enrolled = hs.builds(
    lambda originator_id, aid, iid, required, optional: _event(
        Enrollment.Enrolled,
        originator_id=originator_id,
        association_id=aid,
        intervention_id=iid,
        fields={**required, **optional},
    ),
    hs.uuids(),
    hs.text(max_size=8),
    hs.text(max_size=8),
    hs.fixed_dictionaries(
        {
            "pseudonym": hs.text(max_size=12),
            "sex": hs.sampled_from(["female", "male"]),
            "birth_year": hs.integers(1900, 2020),
            "education": hs.text(max_size=8),
            "enrolled_on": hs.dates(),
            "support": codes,
        }
    ),
    hs.fixed_dictionaries(
        {},
        optional={
            "municipality": maybe() | hs.text(max_size=4),
            "months_on_public_support": maybe() | hs.integers(0, 500),
            "months_without_work_or_studies": maybe() | hs.integers(0, 500),
        },
    ),
)
support_changed = hs.builds(
    lambda support, when: _event(Enrollment.SupportChanged, support=support, changed_on=when),
    codes,
    hs.dates(),
)
exited = hs.builds(
    lambda required, optional: _event(Enrollment.Exited, exit={**required, **optional}),
    hs.fixed_dictionaries({"exited_on": hs.dates(), "reason": hs.text(max_size=8)}),
    hs.fixed_dictionaries(
        {}, optional={"support_at_exit": maybe() | codes, "progressed": maybe() | hs.booleans()}
    ),
)


@settings(max_examples=300, deadline=None)
@given(enrolled)
def test_an_enrollment_begins_with_the_values_evolve_gives(event: Any) -> None:
    assert evolved_values(event, None) == facts_to_values(event.evolve(None))


@settings(max_examples=500, deadline=None)
@given(facts, support_changed | exited)
def test_a_support_change_or_an_exit_changes_the_values_as_evolve_does(
    before: EnrollmentFacts, event: Any
) -> None:
    expected = facts_to_values(event.evolve(before))
    assert evolved_values(event, facts_to_values(before)) == expected


@settings(max_examples=200, deadline=None)
@given(facts, hs.sampled_from([Enrollment.Voided, Enrollment.ExitRetracted]))
def test_other_events_go_through_evolve(before: EnrollmentFacts, cls: type) -> None:
    event = _event(cls, why="registered in error")
    expected = facts_to_values(event.evolve(before))
    assert evolved_values(event, facts_to_values(before)) == expected


ROW = tuple(
    facts_to_values(
        EnrollmentFacts(
            "e-1", "forbund", "alfa", "person-1", "female", 1990, "upper_secondary", "2080",
            date(2023, 3, 1), frozenset({"social_assistance"}), 12, None,
            frozenset({"social_assistance"}), date(2023, 9, 1), "studies",
        )
    )
)  # fmt: skip


def test_a_row_is_decoded_once_and_a_changed_row_afresh() -> None:
    facts = rows_to_facts([ROW])[0]
    first, again = kept_facts([ROW, tuple(ROW)])
    assert first == facts and again is first  # the same (immutable) object back
    changed = list(ROW)
    changed[FACT_FIELDS.index("exit_reason")] = "work"
    (other,) = kept_facts([changed])
    assert other is not first and other.exit_reason == "work"
