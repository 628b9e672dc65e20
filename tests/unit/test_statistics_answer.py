"""The statistics answer of product.md §8: its shape, its listing and its sums."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from service.domain.errors import NotFoundError
from service.domain.facts import (
    EnrollmentFacts,
    FinanceRecord,
    InterventionInfo,
    Period,
    ReportingRules,
)
from service.statistics.answer import AnswerInputs, build_statistics_answer
from tests.unit.test_statistics import enrollment

YEAR = Period.year(2023)
OPEN = ReportingRules(min_cell_size=0)
TEAMS = [
    InterventionInfo("beta", "Beta", "individual", date(2020, 1, 1)),
    InterventionInfo("alfa", "Alfa", "individual", date(2020, 1, 1)),
    InterventionInfo("forum", "Forum", "structural", date(2020, 1, 1)),
    InterventionInfo("closed", "Closed", "individual", date(2019, 1, 1), date(2021, 12, 31)),
]
MEASURES = [
    "active", "new", "active_at_end", "exits", "early_dropouts", "completed_exits",
    "exits_by_reason", "to_work_or_studies", "to_goal", "share_to_work_or_studies",
    "share_to_goal", "share_to_work_or_studies_of_all_exits", "share_to_goal_of_all_exits",
    "progressed", "share_progressed", "throughput_days", "throughput_days_to_goal",
    "months_on_public_support_before", "months_without_work_or_studies_before",
    "support_at_enrollment", "support_before_after", "age_band", "to_work_or_studies_by_age",
    "education", "municipality", "anonymous_participants", "activities", "cost_per_participant",
]  # fmt: skip


def member(team: str, number: int, **changes: Any) -> EnrollmentFacts:
    """An enrollment of a team; odd numbers are men, every third one has left."""
    left = {"exited_on": date(2023, 9, 1), "exit_reason": "work"}
    exited: dict[str, Any] = left if number % 3 == 0 else {}
    fields: dict[str, Any] = {
        "enrolled_on": date(2022, 6, 1),
        "sex": "male" if number % 2 else "female",
    }
    return enrollment(number=number, intervention_id=team, **(fields | exited | changes))


def answer(facts: list[EnrollmentFacts], rules: ReportingRules = OPEN, **kw: Any) -> dict[str, Any]:
    only = kw.pop("only_intervention", None)
    inputs = AnswerInputs("forbund", YEAR, rules, TEAMS, facts, **kw)
    return build_statistics_answer(inputs, only)


def count_cells(tree: Any) -> list[dict[str, Any]]:
    if not isinstance(tree, dict):
        return []
    if set(tree) == {"total", "female", "male"}:
        return [tree]
    return [cell for child in tree.values() for cell in count_cells(child)]


FACTS = [member("alfa", n) for n in range(12)] + [member("beta", n) for n in range(12, 19)]


class TestHeader:
    def test_names_the_association_the_period_and_the_settings(self) -> None:
        as_of = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
        result = build_statistics_answer(
            AnswerInputs("forbund", YEAR, ReportingRules(), TEAMS, [], as_of=as_of)
        )
        assert result["association"] == "forbund"
        assert result["period"] == {"from": "2023-01-01", "to": "2023-12-31"}
        assert result["as_of"] == "2024-02-01T12:00:00+00:00"
        assert result["settings"] == {
            "early_dropout_months": 2,
            "goal_reasons": [
                "work",
                "subsidised_work",
                "studies",
                "job_seeking",
                "vocational_rehab",
            ],
            "youth_max_age": 29,
            "min_cell_size": 5,
        }


class TestListing:
    def test_lists_the_interventions_open_in_the_period_by_id(self) -> None:
        listed = [i["intervention"] for i in answer(FACTS)["interventions"]]
        assert listed == ["alfa", "beta", "forum"]

    def test_gives_each_its_name_and_kind(self) -> None:
        first = answer(FACTS)["interventions"][0]
        assert (first["name"], first["kind"]) == ("Alfa", "individual")

    def test_a_closed_intervention_with_participants_still_active_is_listed(self) -> None:
        facts = [member("closed", 1, enrolled_on=date(2021, 5, 1))]
        assert "closed" in [i["intervention"] for i in answer(facts)["interventions"]]

    def test_one_intervention_alone_makes_the_total_too(self) -> None:
        result = answer(FACTS, only_intervention="beta")
        assert [i["intervention"] for i in result["interventions"]] == ["beta"]
        assert result["total"]["measures"]["active"] == {"total": 7, "female": 4, "male": 3}

    def test_an_unknown_intervention_is_not_found(self) -> None:
        with pytest.raises(NotFoundError):
            answer(FACTS, only_intervention="nowhere")


class TestMeasures:
    def test_every_measure_is_there_in_the_order_of_the_specification(self) -> None:
        result = answer(FACTS)
        assert list(result["interventions"][0]["measures"]) == MEASURES
        assert list(result["total"]["measures"]) == [*MEASURES, "unique_participants"]

    def test_voided_enrollments_and_other_associations_do_not_count(self) -> None:
        facts = [*FACTS, member("alfa", 50, voided=True), member("alfa", 51, association_id="x")]
        assert answer(facts)["total"]["measures"]["active"]["total"] == 19

    def test_female_and_male_add_up_to_the_total_in_every_count(self) -> None:
        measures = answer(FACTS)["total"]["measures"]
        for name in ("active", "exits_by_reason", "support_before_after", "age_band", "education"):
            for cell in count_cells(measures[name]):
                assert cell["female"] + cell["male"] == cell["total"]

    def test_the_association_total_is_the_sum_of_its_interventions(self) -> None:
        result = answer(FACTS)
        total = result["total"]["measures"]
        parts = [i["measures"] for i in result["interventions"]]
        for name in ("active", "completed_exits", "exits_by_reason", "age_band", "municipality"):
            summed = [count_cells(p[name]) for p in parts]
            for index, cell in enumerate(count_cells(total[name])):
                assert cell["total"] == sum(cells[index]["total"] for cells in summed)

    def test_a_person_in_two_interventions_is_one_unique_participant(self) -> None:
        twice = [member("alfa", 1), member("beta", 2, pseudonym=member("alfa", 1).pseudonym)]
        measures = answer(twice)["total"]["measures"]
        assert measures["active"]["total"] == 2
        assert measures["unique_participants"]["total"] == 1

    def test_the_total_cost_per_participant_counts_only_the_interventions_with_a_cost(
        self,
    ) -> None:
        finances = [FinanceRecord("alfa", 2023, None, 120_000), FinanceRecord("forum", 2023, 1, 5)]
        result = answer(FACTS, finances=finances)
        assert result["interventions"][0]["measures"]["cost_per_participant"] == 10_000
        assert result["interventions"][1]["measures"]["cost_per_participant"] is None
        # beta's participants have no recorded cost: they do not dilute alfa's.
        assert result["total"]["measures"]["cost_per_participant"] == 10_000


class TestDisclosure:
    def test_suppressed_values_are_null_and_listed_without_a_reason(self) -> None:
        result = answer(FACTS, ReportingRules())
        beta = result["interventions"][1]["measures"]
        assert beta["exits"]["total"] is None
        assert "/interventions/1/measures/exits/total" in result["suppressed"]

    def test_every_listed_pointer_points_at_a_null(self) -> None:
        result = answer(FACTS, ReportingRules())
        for entry in result["suppressed"]:
            node: Any = result
            for part in entry[1:].split("/"):
                node = node[int(part)] if isinstance(node, list) else node[part]
            assert node is None
