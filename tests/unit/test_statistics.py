"""The measures of product.md §6, one behaviour at a time, over small hand-built facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import ClassVar

import pytest

from service.domain.calendar import add_months
from service.domain.facts import (
    ActivityRecord,
    AnonymousParticipantsReport,
    EnrollmentFacts,
    FinanceRecord,
    Period,
)
from service.statistics import definitions as st
from service.statistics.measures_format import (
    Count,
    Kind,
    Pointer,
    Statistic,
    aggregate,
    counts,
    render,
    rounded,
    share,
)

YEAR = Period.year(2023)


def enrollment(
    enrolled_on: date = date(2023, 3, 1),
    exited_on: date | None = None,
    reason: str | None = None,
    *,
    sex: str = "female",
    number: int = 1,
    **changes: object,
) -> EnrollmentFacts:
    """A realistic enrollment of intervention `team`; exit reason defaults to work."""
    facts = EnrollmentFacts(
        enrollment_id=f"e{number}",
        association_id="forbund",
        intervention_id="team",
        pseudonym=f"person-{number:04d}",
        sex=sex,
        birth_year=1990,
        education="upper_secondary",
        municipality="2080",
        enrolled_on=enrolled_on,
        support_at_enrollment=frozenset({"social_assistance"}),
        months_on_public_support=24,
        months_without_work_or_studies=36,
        current_support=frozenset({"social_assistance"}),
        exited_on=exited_on,
        exit_reason=(reason or "work") if exited_on else None,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def ids(selection: list[EnrollmentFacts]) -> list[str]:
    return [f.enrollment_id for f in selection]


class TestAddMonths:
    def test_keeps_the_day_of_month(self) -> None:
        assert add_months(date(2023, 3, 15), 2) == date(2023, 5, 15)

    def test_clamps_to_the_end_of_a_shorter_month(self) -> None:
        assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)

    def test_clamps_to_the_leap_day_in_a_leap_year(self) -> None:
        assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)

    def test_from_a_leap_day_a_year_on_is_the_end_of_february(self) -> None:
        assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)

    def test_crosses_the_year_end(self) -> None:
        assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)

    def test_a_thirtieth_becomes_the_end_of_february(self) -> None:
        assert add_months(date(2022, 11, 30), 3) == date(2023, 2, 28)

    def test_zero_months_is_the_same_day(self) -> None:
        assert add_months(date(2023, 5, 31), 0) == date(2023, 5, 31)


class TestCountable:
    def test_voided_enrollments_never_count(self) -> None:
        kept = enrollment(number=1)
        assert st.countable([kept, enrollment(number=2, voided=True)]) == [kept]


class TestActive:
    def test_an_open_enrollment_from_before_the_period_is_active(self) -> None:
        assert ids(st.active([enrollment(date(2021, 5, 1))], YEAR)) == ["e1"]

    def test_an_exit_on_the_first_day_still_counts_as_active(self) -> None:
        facts = [enrollment(date(2022, 5, 1), date(2023, 1, 1))]
        assert ids(st.active(facts, YEAR)) == ["e1"]

    def test_an_exit_before_the_period_is_not_active(self) -> None:
        assert st.active([enrollment(date(2022, 5, 1), date(2022, 12, 31))], YEAR) == []

    def test_an_enrollment_on_the_last_day_is_active(self) -> None:
        assert ids(st.active([enrollment(date(2023, 12, 31))], YEAR)) == ["e1"]

    def test_an_enrollment_after_the_period_is_not_active(self) -> None:
        assert st.active([enrollment(date(2024, 1, 1))], YEAR) == []


class TestNew:
    def test_counts_enrollments_on_both_boundaries(self) -> None:
        facts = [
            enrollment(date(2023, 1, 1), number=1),
            enrollment(date(2023, 12, 31), number=2),
            enrollment(date(2022, 12, 31), number=3),
        ]
        assert ids(st.new(facts, YEAR)) == ["e1", "e2"]


class TestActiveAtEnd:
    def test_an_exit_on_the_last_day_is_not_active_at_the_end(self) -> None:
        assert st.active_at_end([enrollment(date(2023, 2, 1), date(2023, 12, 31))], YEAR) == []

    def test_an_exit_after_the_period_is_active_at_the_end(self) -> None:
        facts = [enrollment(date(2023, 2, 1), date(2024, 1, 1))]
        assert ids(st.active_at_end(facts, YEAR)) == ["e1"]


class TestExits:
    def test_counts_exits_within_the_period_inclusive(self) -> None:
        facts = [
            enrollment(date(2022, 1, 1), date(2023, 1, 1), number=1),
            enrollment(date(2022, 1, 1), date(2023, 12, 31), number=2),
            enrollment(date(2022, 1, 1), date(2022, 12, 31), number=3),
            enrollment(date(2022, 1, 1), number=4),
        ]
        assert ids(st.exits(facts, YEAR)) == ["e1", "e2"]


class TestEarlyDropouts:
    def test_exit_before_the_window_ends_is_early(self) -> None:
        facts = [enrollment(date(2023, 3, 15), date(2023, 5, 14))]
        assert ids(st.early_dropouts(facts, YEAR, 2)) == ["e1"]

    def test_exit_on_the_same_day_of_month_is_not_early(self) -> None:
        assert st.early_dropouts([enrollment(date(2023, 3, 15), date(2023, 5, 15))], YEAR, 2) == []

    def test_exit_on_the_clamped_day_is_not_early(self) -> None:
        assert st.early_dropouts([enrollment(date(2022, 12, 31), date(2023, 2, 28))], YEAR, 2) == []

    def test_exit_the_day_before_the_clamped_day_is_early(self) -> None:
        facts = [enrollment(date(2022, 12, 31), date(2023, 2, 27))]
        assert ids(st.early_dropouts(facts, YEAR, 2)) == ["e1"]

    def test_exit_to_work_counts_as_early_whatever_the_reason(self) -> None:
        facts = [enrollment(date(2023, 3, 1), date(2023, 3, 20), "work")]
        assert ids(st.early_dropouts(facts, YEAR, 2)) == ["e1"]

    def test_zero_months_means_no_early_dropouts(self) -> None:
        assert st.early_dropouts([enrollment(date(2023, 3, 1), date(2023, 3, 1))], YEAR, 0) == []


class TestCompletedExits:
    def test_are_the_exits_without_the_early_dropouts(self) -> None:
        facts = [
            enrollment(date(2023, 1, 10), date(2023, 2, 1), number=1),
            enrollment(date(2022, 1, 10), date(2023, 2, 1), number=2),
        ]
        assert ids(st.completed_exits(facts, YEAR, 2)) == ["e2"]


class TestOutcomes:
    completed: ClassVar = [
        enrollment(date(2022, 1, 1), date(2023, 6, 1), "work", number=1),
        enrollment(date(2022, 1, 1), date(2023, 6, 1), "studies", number=2),
        enrollment(date(2022, 1, 1), date(2023, 6, 1), "job_seeking", number=3),
        enrollment(date(2022, 1, 1), date(2023, 6, 1), "moved", number=4),
    ]

    def test_exits_by_reason_lists_every_reason_in_code_order(self) -> None:
        groups = st.exits_by_reason(self.completed)
        assert list(groups)[:3] == ["work", "subsidised_work", "studies"]
        assert len(groups) == 11
        assert groups["subsidised_work"] == []
        assert ids(groups["moved"]) == ["e4"]

    def test_to_work_or_studies_is_work_subsidised_work_or_studies(self) -> None:
        assert ids(st.to_work_or_studies(self.completed)) == ["e1", "e2"]

    def test_to_goal_follows_the_associations_goal_reasons(self) -> None:
        assert ids(st.to_goal(self.completed, {"work", "job_seeking"})) == ["e1", "e3"]

    def test_progressed_counts_only_a_yes(self) -> None:
        facts = [
            enrollment(progressed=True, number=1),
            enrollment(progressed=False, number=2),
            enrollment(progressed=None, number=3),
        ]
        assert ids(st.progressed(facts)) == ["e1"]
        assert ids(st.with_progressed_value(facts)) == ["e1", "e2"]


class TestDurations:
    def test_throughput_is_the_days_from_enrollment_to_exit(self) -> None:
        assert st.throughput_days(enrollment(date(2023, 1, 1), date(2023, 3, 1))) == 59

    def test_throughput_of_an_open_enrollment_is_none(self) -> None:
        assert st.throughput_days(enrollment()) is None

    def test_median_of_an_even_count_is_the_mean_of_the_middle_two(self) -> None:
        assert st.median([1, 2, 3, 10]) == 2.5

    def test_mean_and_median_of_nothing_are_none(self) -> None:
        assert st.mean([]) is None
        assert st.median([]) is None

    def test_months_before_are_averaged_over_those_who_have_them(self) -> None:
        facts = [
            enrollment(number=1, months_on_public_support=10),
            enrollment(number=2, months_on_public_support=None),
            enrollment(number=3, months_on_public_support=21),
        ]
        cell = aggregate(Kind.MEAN, facts, st.months_on_public_support_before, ("new",))
        assert cell["total"] == Statistic(Kind.MEAN, 15.5, 2, (("new", "total"),))


class TestSupport:
    def test_an_empty_support_set_counts_as_unknown(self) -> None:
        groups = st.support_at_enrollment([enrollment(support_at_enrollment=frozenset())])
        assert ids(groups["unknown"]) == ["e1"]
        assert list(groups)[-1] == "unknown"

    def test_a_person_counts_under_each_of_their_codes(self) -> None:
        both = frozenset({"sickness_benefit", "social_assistance"})
        groups = st.support_at_enrollment([enrollment(support_at_enrollment=both)])
        assert ids(groups["sickness_benefit"]) == ids(groups["social_assistance"]) == ["e1"]

    def test_support_at_exit_falls_back_on_the_last_known_support(self) -> None:
        fact = enrollment(support_at_exit=None, current_support=frozenset({"none"}))
        assert st.support_at_exit(fact) == frozenset({"none"})

    def test_before_and_after_compares_enrollment_with_exit(self) -> None:
        fact = enrollment(date(2022, 1, 1), date(2023, 6, 1), support_at_exit=frozenset({"none"}))
        table = st.support_before_after([fact])
        assert ids(table["social_assistance"]["at_enrollment"]) == ["e1"]
        assert table["social_assistance"]["at_exit"] == []
        assert ids(table["none"]["at_exit"]) == ["e1"]


class TestAge:
    def test_age_is_the_year_of_enrollment_minus_the_birth_year(self) -> None:
        assert enrollment(date(2023, 1, 1), birth_year=2000).age_at_enrollment == 23

    def test_fifteen_year_olds_count_in_the_first_band(self) -> None:
        groups = st.age_bands([enrollment(date(2023, 1, 1), birth_year=2008)])
        assert ids(groups["16-19"]) == ["e1"]

    def test_every_band_is_listed_and_the_oldest_are_sixty_plus(self) -> None:
        groups = st.age_bands([enrollment(date(2023, 1, 1), birth_year=1956)])
        assert list(groups) == ["16-19", "20-24", "25-29", "30-39", "40-49", "50-59", "60+"]
        assert ids(groups["60+"]) == ["e1"]

    def test_the_youth_max_age_itself_is_youth(self) -> None:
        facts = [
            enrollment(date(2023, 1, 1), birth_year=1994, number=1),
            enrollment(date(2023, 1, 1), birth_year=1993, number=2),
        ]
        groups = st.by_age_group(facts, 29)
        assert ids(groups["youth"]) == ["e1"]
        assert ids(groups["adult"]) == ["e2"]


class TestEducationAndMunicipality:
    def test_education_lists_every_level(self) -> None:
        groups = st.education([enrollment(education="compulsory")])
        assert list(groups)[-1] == "unknown"
        assert ids(groups["compulsory"]) == ["e1"]

    def test_municipality_codes_are_those_present_sorted_then_unknown(self) -> None:
        assert st.listed_municipalities({"2080", "1980"}) == ["1980", "2080", "unknown"]

    def test_a_kommun_not_listed_counts_under_other_when_other_is_listed(self) -> None:
        facts = [
            enrollment(enrollment_id="e1", municipality="2080"),
            enrollment(enrollment_id="e2", municipality="1980"),
        ]
        groups = st.municipality(facts, ["2080", "other", "unknown"])
        assert [ids(groups[k]) for k in ("2080", "other", "unknown")] == [["e1"], ["e2"], []]
        # Without `other` among the keys (no disclosure control) it is in no group.
        assert "1980" not in st.municipality(facts, ["2080", "unknown"])

    def test_a_missing_municipality_counts_as_unknown(self) -> None:
        groups = st.municipality([enrollment(municipality=None)], ["2080", "unknown"])
        assert ids(groups["unknown"]) == ["e1"]
        assert groups["2080"] == []


class TestUniqueParticipants:
    def test_a_person_in_two_enrollments_counts_once_by_the_latest(self) -> None:
        first = enrollment(date(2022, 1, 1), number=1, sex="female")
        second = replace(
            enrollment(date(2023, 2, 1), number=2, sex="male"), pseudonym=first.pseudonym
        )
        assert ids(st.unique_participants([second, first])) == ["e2"]


class TestReports:
    def test_anonymous_counts_whose_period_ends_within_are_summed(self) -> None:
        reports = [
            AnonymousParticipantsReport("team", date(2022, 10, 1), date(2023, 1, 31), 2, 1, 0),
            AnonymousParticipantsReport("team", date(2023, 11, 1), date(2024, 1, 31), 9, 9, 9),
            AnonymousParticipantsReport("team", date(2023, 3, 1), date(2023, 3, 31), 1, 0, 4),
        ]
        assert st.anonymous_participants(reports, YEAR) == {
            "female": 3,
            "male": 1,
            "unspecified": 4,
            "total": 8,
        }

    def test_activities_held_within_are_counted_with_their_participants(self) -> None:
        records = [
            ActivityRecord("forum", date(2023, 4, 1), "Forum", {"af": 3, "kommun": 7}),
            ActivityRecord("forum", date(2024, 1, 1), "Later", {"af": 50}),
        ]
        held, participants = st.activities(records, YEAR)
        assert held == 1
        assert participants == {
            "af": 3,
            "fk": 0,
            "region": 0,
            "kommun": 7,
            "other": 0,
            "total": 10,
        }


class TestCostPerParticipant:
    finances: ClassVar = [
        FinanceRecord("team", 2023, 1_000_000, 900_000),
        FinanceRecord("team", 2022, 1_000_000, 500_000),
        FinanceRecord("other", 2023, None, None),
    ]

    def test_is_the_years_cost_over_the_active_participants(self) -> None:
        costs = st.recorded_costs(self.finances, ["team"], YEAR)
        assert costs == {"team": 900_000}
        assert st.cost_per_participant(costs["team"], 40) == 22_500

    def test_needs_the_period_to_be_that_calendar_year(self) -> None:
        half = Period(date(2023, 1, 1), date(2023, 6, 30))
        assert st.recorded_costs(self.finances, ["team"], half) == {}

    def test_needs_a_recorded_cost(self) -> None:
        assert st.recorded_costs(self.finances, ["other"], YEAR) == {}

    def test_is_none_without_participants(self) -> None:
        assert st.cost_per_participant(900_000, 0) is None


class TestCells:
    def test_a_count_cell_splits_by_sex(self) -> None:
        facts = [enrollment(sex="female", number=1), enrollment(sex="male", number=2)]
        assert counts(facts) == {"total": Count(2), "female": Count(1), "male": Count(1)}

    def test_a_share_over_nobody_is_none(self) -> None:
        cell = share([], [enrollment(sex="female")], [("to_goal",)])
        assert cell["female"].value == 0.0
        assert cell["male"].value is None
        assert cell["male"].base == 0

    @pytest.mark.parametrize(
        ("kind", "value", "shown"),
        [
            (Kind.SHARE, 2 / 3, 0.6667),
            # Ties round half up, as the export and a reader's calculator do.
            (Kind.MEAN, 412.25, 412.3),
            (Kind.MEAN, 285.25, 285.3),
            (Kind.MEAN, 3 / 20, 0.2),
            (Kind.SHARE, 1 / 32, 0.0313),
            (Kind.MEAN, 380.16, 380.2),
            (Kind.AMOUNT, 22_500.5, 22_501),
            (Kind.MEDIAN, 401.0, 401),
            (Kind.MEDIAN, 400.5, 400.5),
            (Kind.AMOUNT, 22_500.4, 22_500),
        ],
    )
    def test_rounding_happens_only_at_output(self, kind: Kind, value: float, shown: float) -> None:
        assert rounded(Statistic(kind, value, 10)) == shown

    def test_a_median_that_is_whole_is_shown_as_an_int(self) -> None:
        assert isinstance(rounded(Statistic(Kind.MEDIAN, 401.0, 10)), int)

    def test_render_shows_hidden_values_as_null(self) -> None:
        tree = {"active": {"total": Count(9), "female": Count(3), "male": Count(6)}}
        hidden: dict[Pointer, str] = {("active", "female"): "min_cell_size"}
        assert render(tree, hidden) == {"active": {"total": 9, "female": None, "male": 6}}
