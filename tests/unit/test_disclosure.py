"""Disclosure control (product.md §7): which values are hidden, and that none can be recovered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from service.domain.codes import Education, ExitReason, Support
from service.domain.facts import (
    ActivityRecord,
    AnonymousParticipantsReport,
    EnrollmentFacts,
    InterventionInfo,
    Period,
    ReportingRules,
)
from service.statistics.answer import build_statistics_answer, statistics_tree
from service.statistics.disclosure import suppress
from service.statistics.measures_format import (
    Count,
    Kind,
    Statistic,
    json_pointer,
    leaves,
    render,
)
from tests import reference_disclosure

RULES = ReportingRules(min_cell_size=5)


def cell(total: int, female: int, male: int) -> dict[str, Count]:
    return {"total": Count(total), "female": Count(female), "male": Count(male)}


def answer_tree(*interventions: dict[str, Any], total: dict[str, Any]) -> dict[str, Any]:
    return {
        "interventions": [{"measures": m} for m in interventions],
        "total": {"measures": total},
    }


def hidden_in_total(measures: dict[str, Any], rules: ReportingRules = RULES) -> dict[str, str]:
    """Suppress an association with no interventions; pointers below its measures."""
    hidden = suppress(answer_tree(total=measures), rules)
    return {"/".join(map(str, at[2:])): rule for at, rule in hidden.items()}


class TestPrimarySuppression:
    def test_a_count_below_the_minimum_is_hidden(self) -> None:
        hidden = hidden_in_total({"active": cell(3, 3, 0)})
        assert hidden == {"active/total": "min_cell_size", "active/female": "min_cell_size"}

    def test_zero_and_the_minimum_itself_are_shown(self) -> None:
        assert hidden_in_total({"active": cell(5, 5, 0)}) == {}

    def test_a_minimum_of_zero_turns_control_off(self) -> None:
        assert hidden_in_total({"active": cell(2, 1, 1)}, ReportingRules(min_cell_size=0)) == {}

    def test_a_mean_over_fewer_persons_is_hidden(self) -> None:
        mean = Statistic(Kind.MEAN, 400.0, 4)
        hidden = hidden_in_total({"throughput": {"total": mean, "female": mean, "male": mean}})
        assert set(hidden.values()) == {"small_base"}

    def test_a_statistic_over_nobody_is_null_but_not_listed(self) -> None:
        empty = Statistic(Kind.MEAN, None, 0)
        assert (
            hidden_in_total({"throughput": {"total": empty, "female": empty, "male": empty}}) == {}
        )


class TestDerivedStatistics:
    def test_a_share_of_a_hidden_count_is_hidden_even_over_many(self) -> None:
        share = Statistic(Kind.SHARE, 0.2, 10, (("to_goal", "total"),))
        hidden = hidden_in_total({"to_goal": cell(2, 2, 0), "share_to_goal": share})
        assert hidden["share_to_goal"] == "derived_from_suppressed"


class TestComplementarySex:
    def test_the_other_sex_is_hidden_when_the_total_is_shown(self) -> None:
        hidden = hidden_in_total({"active": cell(13, 3, 10)})
        assert hidden == {"active/female": "min_cell_size", "active/male": "complementary_sex"}

    def test_the_other_sexs_mean_is_hidden_when_the_total_mean_is_shown(self) -> None:
        means = {
            "total": Statistic(Kind.MEAN, 10.0, 13),
            "female": Statistic(Kind.MEAN, 12.0, 3),
            "male": Statistic(Kind.MEAN, 9.4, 10),
        }
        hidden = hidden_in_total({"throughput": means})
        assert hidden == {"throughput/female": "small_base", "throughput/male": "complementary_sex"}


class TestComplementaryDistribution:
    def test_the_next_smallest_non_zero_reason_is_hidden_too(self) -> None:
        reasons = {r.value: cell(0, 0, 0) for r in ExitReason}
        reasons |= {"work": cell(6, 6, 0), "studies": cell(2, 2, 0), "moved": cell(8, 8, 0)}
        measures = {"completed_exits": cell(16, 16, 0), "exits_by_reason": reasons}
        hidden = hidden_in_total(measures)
        assert hidden["exits_by_reason/studies/female"] == "min_cell_size"
        assert hidden["exits_by_reason/work/female"] == "complementary_distribution"
        assert "exits_by_reason/moved/female" not in hidden

    def test_support_codes_are_completed_though_they_sum_to_nothing(self) -> None:
        codes = {s.value: cell(0, 0, 0) for s in Support} | {"unknown": cell(0, 0, 0)}
        codes |= {"social_assistance": cell(9, 9, 0), "other": cell(1, 1, 0)}
        hidden = hidden_in_total({"support_at_enrollment": codes})
        assert hidden["support_at_enrollment/social_assistance/female"] == (
            "complementary_distribution"
        )

    def test_support_before_after_is_completed_per_moment(self) -> None:
        codes = [s.value for s in Support] + ["unknown"]
        moments = {
            code: {"at_enrollment": cell(0, 0, 0), "at_exit": cell(0, 0, 0)} for code in codes
        }
        moments["social_assistance"] = {"at_enrollment": cell(7, 7, 0), "at_exit": cell(2, 2, 0)}
        moments["none"] = {"at_enrollment": cell(0, 0, 0), "at_exit": cell(6, 6, 0)}
        hidden = hidden_in_total({"support_before_after": moments})
        assert hidden["support_before_after/social_assistance/at_exit/female"] == "min_cell_size"
        assert hidden["support_before_after/none/at_exit/female"] == "complementary_distribution"
        assert "support_before_after/social_assistance/at_enrollment/female" not in hidden


class TestComplementaryRelations:
    def test_exits_are_early_dropouts_plus_completed_exits(self) -> None:
        measures = {
            "exits": cell(12, 12, 0),
            "early_dropouts": cell(2, 2, 0),
            "completed_exits": cell(10, 10, 0),
        }
        hidden = hidden_in_total(measures)
        assert hidden["completed_exits/female"] == "complementary_relation"
        assert hidden["completed_exits/total"] == "complementary_relation"

    def test_the_association_total_is_the_sum_of_its_interventions(self) -> None:
        tree = answer_tree(
            {"active": cell(3, 3, 0)},
            {"active": cell(7, 7, 0)},
            {"active": cell(20, 20, 0)},
            total={"active": cell(30, 30, 0)},
        )
        hidden = suppress(tree, RULES)
        assert hidden[("interventions", 1, "measures", "active", "female")] == (
            "complementary_total"
        )
        assert ("interventions", 2, "measures", "active", "female") not in hidden

    def test_a_sum_left_as_the_only_other_non_zero_member_is_hidden(self) -> None:
        # The female count is hidden across interventions; male = 0 would give it away.
        tree = answer_tree(
            {"active": cell(3, 3, 0)},
            {"active": cell(10, 10, 0)},
            total={"active": cell(13, 13, 0)},
        )
        hidden = suppress(tree, RULES)
        assert ("interventions", 1, "measures", "active", "total") in hidden


class TestReportsOfUnregisteredPersons:
    def test_anonymous_participants_get_the_primary_rule_only(self) -> None:
        anonymous = {"female": Count(3), "male": Count(10), "unspecified": Count(0)}
        hidden = hidden_in_total({"anonymous_participants": anonymous | {"total": Count(13)}})
        assert hidden == {"anonymous_participants/female": "min_cell_size"}

    def test_the_number_of_activities_is_never_hidden(self) -> None:
        activities = {"count": 2, "participants": {"af": Count(2), "total": Count(2)}}
        hidden = hidden_in_total({"activities": activities})
        assert "activities/count" not in hidden


# --- Property: nothing hidden can be recovered by subtraction ---------------------------

PERIOD = Period.year(2023)
COLUMNS = ("total", "female", "male")
COUNT_MEASURES = (
    "active", "new", "active_at_end", "exits", "early_dropouts", "completed_exits",
    "exits_by_reason", "to_work_or_studies", "to_goal", "progressed", "support_at_enrollment",
    "support_before_after", "age_band", "to_work_or_studies_by_age", "education",
    "municipality", "unique_participants",
)  # fmt: skip
DISTRIBUTIONS = (
    (("exits_by_reason",), ("completed_exits",)),
    (("age_band", "active"), ("active",)),
    (("age_band", "new"), ("new",)),
    (("age_band", "completed_exits"), ("completed_exits",)),
    (("education",), ("active",)),
    (("municipality",), ("active",)),
    (("support_at_enrollment",), None),
)
INTERVENTIONS = [
    InterventionInfo(name, name.title(), "individual", date(2020, 1, 1))
    for name in ("alfa", "beta", "gamma")
]


@hs.composite
def enrollments(draw: hs.DrawFn, number: int) -> EnrollmentFacts:
    enrolled_on = date(2022, 1, 1) + timedelta(days=draw(hs.integers(0, 729)))
    days = draw(hs.none() | hs.integers(0, 500))
    exited_on = None if days is None else enrolled_on + timedelta(days=days)
    support = draw(hs.frozensets(hs.sampled_from([s.value for s in Support][1:]), max_size=2))
    return EnrollmentFacts(
        enrollment_id=f"e{number}",
        association_id="forbund",
        intervention_id=draw(hs.sampled_from(INTERVENTIONS)).intervention_id,
        pseudonym=f"person-{draw(hs.integers(0, 30)):04d}",
        sex=draw(hs.sampled_from(["female", "male"])),
        birth_year=enrolled_on.year - draw(hs.integers(15, 67)),
        education=draw(hs.sampled_from(list(Education))).value,
        municipality=draw(hs.sampled_from([None, "2080", "2021"])),
        enrolled_on=enrolled_on,
        support_at_enrollment=support,
        months_on_public_support=draw(hs.none() | hs.integers(0, 120)),
        months_without_work_or_studies=None,
        current_support=support,
        exited_on=exited_on,
        exit_reason=draw(hs.sampled_from(list(ExitReason))).value if exited_on else None,
        progressed=draw(hs.none() | hs.booleans()),
    )


@hs.composite
def scenarios(draw: hs.DrawFn) -> tuple[list[EnrollmentFacts], ReportingRules]:
    size = draw(hs.integers(0, 45))
    facts = [draw(enrollments(number)) for number in range(size)]
    rules = ReportingRules(
        early_dropout_months=draw(hs.integers(0, 3)),
        youth_max_age=draw(hs.sampled_from([24, 27, 29])),
        min_cell_size=draw(hs.integers(0, 6)),
    )
    return facts, rules


def inputs(facts: list[EnrollmentFacts], rules: ReportingRules) -> dict[str, Any]:
    return {
        "association_id": "forbund",
        "period": PERIOD,
        "rules": rules,
        "interventions": INTERVENTIONS,
        "facts": facts,
        "anonymous": [AnonymousParticipantsReport("alfa", PERIOD.start, PERIOD.end, 3, 7, 1)],
        "activities": [ActivityRecord("beta", date(2023, 5, 1), "Forum", {"af": 2, "kommun": 9})],
    }


def answer(facts: list[EnrollmentFacts], rules: ReportingRules) -> dict[str, Any]:
    return build_statistics_answer(**inputs(facts, rules), as_of=None)


def get(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def count_leaves(tree: Any, at: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if isinstance(tree, dict):
        for key, child in tree.items():
            yield from count_leaves(child, (*at, key))
    else:
        yield at


def parse_pointer(pointer: str) -> tuple[Any, ...]:
    """A JSON pointer of the answer as a path; the index of an intervention is an int."""
    parts: list[Any] = pointer[1:].split("/")
    if parts[0] == "interventions":
        parts[1] = int(parts[1])
    return tuple(parts)


def scopes(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    parts = [("interventions", i, "measures") for i in range(len(result["interventions"]))]
    return [*parts, ("total", "measures")]


def relations(result: dict[str, Any]) -> Iterator[list[tuple[Any, ...]]]:
    """Every linear relation among published counts: the sum first, then its terms."""
    for scope in scopes(result):
        measures = get(result, scope)
        for name in COUNT_MEASURES:
            for leaf in count_leaves(measures.get(name, {}), (*scope, name)):
                if leaf[-1] == "total":
                    yield [leaf, (*leaf[:-1], "female"), (*leaf[:-1], "male")]
        for cells, summed in DISTRIBUTIONS:
            for column in COLUMNS:
                terms = [(*scope, *cells, code, column) for code in get(measures, cells)]
                if summed is not None:
                    yield [(*scope, *summed, column), *terms]
        for column in COLUMNS:
            yield [
                (*scope, name, column) for name in ("exits", "early_dropouts", "completed_exits")
            ]
    parts = scopes(result)[:-1]
    for name in COUNT_MEASURES[:-1]:
        for leaf in count_leaves(result["total"]["measures"][name], ()):
            yield [("total", "measures", name, *leaf), *((*p, name, *leaf) for p in parts)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_nothing_hidden_can_be_recovered_by_subtraction(
    scenario: tuple[list[EnrollmentFacts], ReportingRules],
) -> None:
    facts, rules = scenario
    shown = answer(facts, rules)
    truth = answer(facts, replace(rules, min_cell_size=0))
    hidden = {parse_pointer(entry["pointer"]) for entry in shown["suppressed"]}
    for relation in relations(shown):
        assert sum(member in hidden for member in relation) != 1, relation
    for scope in scopes(shown):
        for column in COLUMNS:
            codes = get(shown, (*scope, "support_at_enrollment"))
            columns = [[(*scope, "support_at_enrollment", code, column) for code in codes]]
            columns += [
                [(*scope, "support_before_after", code, moment, column) for code in codes]
                for moment in ("at_enrollment", "at_exit")
            ]
            for cells in columns:
                # Without a sum, a lone hidden cell is completed unless no other is non-zero.
                if sum(c in hidden for c in cells) == 1:
                    assert not any(get(shown, c) for c in cells if c not in hidden)
    for scope in scopes(shown):
        for name in (*COUNT_MEASURES, "anonymous_participants", "activities"):
            for leaf in count_leaves(get(shown, scope).get(name, {}), (*scope, name)):
                value = get(shown, leaf)
                if leaf[-1] == "count":
                    continue
                assert (leaf in hidden) == (value is None)
                assert value is None or value == 0 or value >= rules.min_cell_size
                assert value is None or value == get(truth, leaf)
    if rules.min_cell_size == 0:
        assert shown == truth


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_a_visible_share_has_its_count_and_divisor_visible(
    scenario: tuple[list[EnrollmentFacts], ReportingRules],
) -> None:
    facts, rules = scenario
    shown = answer(facts, rules)
    for scope in scopes(shown):
        measures = get(shown, scope)
        for column in COLUMNS:
            if measures["share_to_goal"][column] is not None and rules.min_cell_size:
                assert measures["to_goal"][column] is not None
                assert measures["completed_exits"][column] >= rules.min_cell_size


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), hs.sampled_from([None, "alfa", "gamma"]))
def test_the_same_values_are_hidden_as_by_the_reference(
    scenario: tuple[list[EnrollmentFacts], ReportingRules], only: str | None
) -> None:
    """Leaf numbering only makes disclosure control faster: it hides what the pointer-by-
    pointer reading of §7 hides, with the same rules, in the same order."""
    facts, rules = scenario
    given_inputs = inputs(facts, rules) | {"only_intervention": only}
    tree = statistics_tree(**given_inputs)
    expected = reference_disclosure.suppress(tree, rules)
    assert list(suppress(tree, rules).items()) == list(expected.items())
    shown = build_statistics_answer(**given_inputs, as_of=None)
    assert shown["suppressed"] == [
        {"pointer": json_pointer(at), "rule": expected[at]}
        for at, _ in leaves(tree)
        if at in expected
    ]
    rendered = render(tree, expected)
    assert shown["interventions"] == rendered["interventions"]
    assert shown["total"] == rendered["total"]
