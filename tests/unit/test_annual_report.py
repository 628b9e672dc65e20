"""The annual report model: figures from the statistics answers, markers, notes, structure."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from service.domain.facts import EnrollmentFacts, InterventionInfo, Period, ReportingRules
from service.reporting.model import (
    AnnualReport,
    Row,
    Status,
    Table,
    Unit,
    Value,
)
from service.reporting.report import build_annual_report
from service.statistics.answer import AnswerInputs, build_statistics_answer
from tests.fixtures_answers import (
    ASSOCIATION_NAME,
    GENERATED_AS_OF,
    PREVIOUS_YEAR,
    YEAR,
    answers,
)

AVESTA = "samverkansteam-avesta"


def build(current: dict[str, Any] | None = None, previous: dict[str, Any] | None = None):
    """The fixture report, optionally from changed answers."""
    now, before = answers()
    return build_annual_report(
        association_name=ASSOCIATION_NAME,
        year=YEAR,
        current=current or now,
        previous=previous or before,
        generated_as_of=GENERATED_AS_OF,
    )


def table(report: AnnualReport, key: str) -> Table:
    return next(t for t in report.tables if t.key == key)


def row(found: Table, label: str) -> Row:
    return next(r for r in found.rows if r.label == label)


def measures(answer: dict[str, Any], intervention: str) -> dict[str, Any]:
    return next(i for i in answer["interventions"] if i["intervention"] == intervention)["measures"]


def numbers(values: tuple[Value, ...]) -> list[Any]:
    return [v.number for v in values]


@pytest.fixture(scope="module")
def report() -> AnnualReport:
    return build()


@pytest.fixture(scope="module")
def fixture_answers() -> tuple[dict[str, Any], dict[str, Any]]:
    return answers()


class TestStructure:
    def test_overview_comes_first_then_each_scope_then_association_tables(self, report):
        keys = [t.key for t in report.tables]
        assert keys[:3] == ["overview", "overview.goal", "overview.time"]
        assert keys[3] == "total.results"
        assert f"{AVESTA}.results" in keys
        assert keys[-2:] == ["association.anonymous", "association.structural"]

    def test_every_individual_intervention_and_the_total_get_the_same_tables(self, report):
        kinds = [
            "results",
            "support",
            "support-before-after",
            "youth",
            "age",
            "education",
            "municipality",
        ]
        for scope in ("total", AVESTA, "kraften-hedemora"):
            assert [t.key for t in report.tables if t.key.startswith(f"{scope}.")] == [
                f"{scope}.{kind}" for kind in kinds
            ]

    def test_structural_intervention_gets_no_participant_tables(self, report):
        assert not any(t.key.startswith("sip-samordnare.") for t in report.tables)

    def test_every_row_has_one_value_per_column(self, report):
        for found in report.tables:
            for line in found.rows:
                assert len(line.values) == len(found.columns), (found.key, line.label)

    def test_titles_name_the_year_and_the_scope(self, report):
        results = table(report, f"{AVESTA}.results")
        assert (
            results.title == f"Resultat {YEAR} jämfört med {PREVIOUS_YEAR} – Samverkansteam Avesta"
        )

    def test_charts_are_the_three_of_the_association_then_outcome_per_intervention(self, report):
        keys = [c.key for c in report.charts]
        assert keys[:3] == ["outcome-by-sex", "support-before-after", "age-pyramid"]
        assert all(ASSOCIATION_NAME in c.title and str(YEAR) in c.title for c in report.charts[:3])
        scopes = [t.section for t in report.tables if t.key.endswith(".results")][1:]
        assert [c.section for c in report.charts[3:-1]] == scopes
        assert all(k.startswith("outcome-by-sex.") for k in keys[3:-1])

    def test_genomstromningstid_per_insats_is_charted_in_the_overview(self, report):
        chart = report.charts[-1]
        assert (chart.key, chart.section) == ("throughput-by-intervention", "Översikt")
        times = table(report, "overview.time")
        # The chart's bars are the Översikt table's figures: insatser by kvinnor, män, totalt.
        by_name = {r.label: r.values[:3] for r in times.rows}
        assert chart.categories == ("Samverkansteam Avesta", "Samverkansteam Kraften Hedemora")
        for index, name in enumerate(chart.categories):
            female, male, total = (s.values[index] for s in chart.series)
            assert (total, female, male) == by_name[name]

    def test_no_throughput_chart_for_a_single_insats(self):
        now, before = answers()
        for answer in (now, before):
            answer["interventions"] = answer["interventions"][:1]
        keys = [c.key for c in build(now, before).charts]
        assert "throughput-by-intervention" not in keys

    def test_a_chart_axis_names_no_base_its_measures_do_not_share(self, report):
        outcome = report.charts[0]
        assert outcome.value_label == "Andel (%)"
        assert "Stegförflyttning: andel av avslut" in outcome.note

    def test_no_structural_table_without_structural_interventions_or_activities(self):
        now, before = answers()
        for answer in (now, before):
            answer["interventions"] = [
                i for i in answer["interventions"] if i["kind"] != "structural"
            ]
            del answer["total"]["measures"]["activities"]
        keys = [t.key for t in build(now, before).tables]
        assert "association.structural" not in keys


class TestResultTable:
    def test_counts_of_both_years_equal_the_answers_and_the_change_is_their_difference(
        self, report, fixture_answers
    ):
        now, before = (measures(a, AVESTA)["active"] for a in fixture_answers)
        values = row(table(report, f"{AVESTA}.results"), "Aktiva under året").values
        expected = [
            now["total"],
            now["female"],
            now["male"],
            before["total"],
            before["female"],
            before["male"],
            now["total"] - before["total"],
        ]
        assert numbers(values) == expected
        assert values[-1].signed

    def test_exit_reasons_are_listed_in_code_order_with_swedish_names(self, report):
        results = table(report, f"{AVESTA}.results")
        labels = [r.label for r in results.rows]
        start = labels.index("Avslut per avslutsorsak") + 1
        assert labels[start : start + 3] == ["Arbete", "Subventionerad anställning", "Studier"]
        assert labels[start + 10] == "Annat"

    def test_small_count_is_shown_as_below_min_cell_size(self, report):
        values = row(table(report, f"{AVESTA}.results"), "varav tidiga avhopp").values
        assert values[0].status is Status.SUPPRESSED
        assert values[0].text() == ".."

    def test_change_is_hidden_when_either_year_is_hidden(self, report):
        values = row(table(report, f"{AVESTA}.results"), "varav tidiga avhopp").values
        assert values[-1].text() == ".."

    def test_complementary_suppressed_count_is_not_claimed_to_be_small(
        self, report, fixture_answers
    ):
        hidden = {s["pointer"]: s["rule"] for s in fixture_answers[0]["suppressed"]}
        assert hidden["/interventions/0/measures/to_goal/female"] == "complementary"
        values = row(table(report, f"{AVESTA}.results"), "Mot mål").values
        assert (values[1].text(), values[2].text()) == ("..", "..")

    def test_suppressed_mean_is_hidden_with_a_dash_and_star(self, report):
        values = row(
            table(report, f"{AVESTA}.results"), "Genomströmningstid mot mål, medel (mån)"
        ).values
        assert values[2].status is Status.SUPPRESSED
        assert values[2].text() == ".."

    def test_throughput_is_shown_in_months_of_30_4375_days_with_one_decimal(
        self, report, fixture_answers
    ):
        days = measures(fixture_answers[0], AVESTA)["throughput_days"]["mean"]["total"]
        value = row(table(report, f"{AVESTA}.results"), "Genomströmningstid, medel (mån)").values[0]
        assert value.unit is Unit.MONTHS
        assert value.number == round(days / 30.4375, 1)

    def test_time_on_public_support_is_shown_in_years(self, report, fixture_answers):
        months = measures(fixture_answers[0], AVESTA)["months_on_public_support_before"]
        label = "Tid med offentlig försörjning före start, avslut mot mål (år)"
        value = row(table(report, f"{AVESTA}.results"), label).values[0]
        assert value.number == round(months["to_goal"]["total"] / 12, 1)

    def test_shares_keep_the_fraction_and_change_in_percentage_points(
        self, report, fixture_answers
    ):
        now, before = (measures(a, AVESTA)["share_to_goal"]["total"] for a in fixture_answers)
        values = row(table(report, f"{AVESTA}.results"), "Andel mot mål").values
        assert values[0].number == now
        assert values[0].text(plain=True) == f"{round(now * 100)} %"
        assert values[-1].unit is Unit.POINTS
        assert values[-1].number == round(now * 100) - round(before * 100)

    def test_only_the_association_counts_unique_persons(self, report):
        assert row(table(report, "total.results"), "Unika personer").values[0].number == 107
        assert "Unika personer" not in [r.label for r in table(report, f"{AVESTA}.results").rows]

    def test_cost_per_participant_appears_where_a_cost_is_recorded(self, report):
        cost = row(table(report, f"{AVESTA}.results"), "Kostnad per deltagare (kr)").values
        assert cost[0].number == round(2_430_000 / 58)
        assert cost[0].text(plain=True) == "41897 kr"
        assert "Kostnad per deltagare (kr)" not in [
            r.label for r in table(report, "kraften-hedemora.results").rows
        ]


class TestOverview:
    def test_one_row_per_individual_intervention_then_both_years_totals_and_change(self, report):
        labels = [r.label for r in table(report, "overview").rows]
        assert labels == [
            "Samverkansteam Avesta",
            "Samverkansteam Kraften Hedemora",
            f"Totalt {YEAR}",
            f"Totalt {PREVIOUS_YEAR}",
            f"Förändring {PREVIOUS_YEAR}–{YEAR}",
        ]

    def test_intervention_rows_add_up_to_the_total(self, report):
        rows = table(report, "overview").rows
        assert rows[0].values[0].number + rows[1].values[0].number == rows[2].values[0].number


class TestBreakdowns:
    def test_age_table_totals_are_the_active_new_and_completed_cells(self, report, fixture_answers):
        found = table(report, f"{AVESTA}.age")
        m = measures(fixture_answers[0], AVESTA)
        total = row(found, "Totalt").values
        assert [total[0].number, total[3].number, total[6].number] == [
            m["active"]["total"],
            m["new"]["total"],
            m["completed_exits"]["total"],
        ]

    def test_support_shares_are_counts_over_active(self, report, fixture_answers):
        m = measures(fixture_answers[0], AVESTA)
        value = row(table(report, f"{AVESTA}.support"), "Försörjningsstöd").values
        expected = m["support_at_enrollment"]["social_assistance"]["total"] / m["active"]["total"]
        assert value[3].number == round(expected, 4)

    def test_share_of_a_hidden_count_is_hidden(self, report):
        values = row(table(report, f"{AVESTA}.support-before-after"), "Sjukpenning").values
        assert values[0].text() == ".."
        assert values[3].text() == ".."

    def test_youth_table_uses_the_youth_age_setting(self, report):
        labels = [r.label for r in table(report, f"{AVESTA}.youth").rows]
        assert "Unga, 15–29 år" in labels and "Vuxna, 30 år och äldre" in labels

    def test_municipality_names_are_used_when_given(self):
        now, before = answers()
        named = build_annual_report(
            association_name=ASSOCIATION_NAME,
            year=YEAR,
            current=now,
            previous=before,
            generated_as_of=None,
            municipality_names={"2084": "Avesta"},
        )
        labels = [r.label for r in table(named, f"{AVESTA}.municipality").rows]
        assert "Avesta (2084)" in labels and "Kommunkod 2083" in labels


class TestFootnotes:
    def notes(self, found: Table) -> str:
        return "\n".join(n.text for n in found.footnotes)

    def test_early_dropout_window_comes_from_the_settings(self):
        now, before = answers()
        now["settings"] = {**now["settings"], "early_dropout_months": 3}
        text = self.notes(table(build(now, before), "total.results"))
        assert "inom 3 kalendermånader" in text
        assert "2022 är beräknat med andra inställningar: tidiga avhopp inom 2 månader" in text

    def test_goal_reasons_are_spelled_out(self, report):
        text = self.notes(table(report, "total.results"))
        assert (
            "Mot mål: avslut med avslutsorsak arbete, subventionerad anställning, studier, "
            "arbetssökande hos Arbetsförmedlingen eller annan arbetslivsinriktad "
            "rehabilitering"
        ) in text

    def test_every_table_states_the_disclosure_rule_and_its_source(self, report):
        for found in report.tables:
            text = self.notes(found)
            assert "±2" in text and "15 februari 2024 kl. 09:00" in text
            hidden = any(v.status is Status.SUPPRESSED for r in found.rows for v in r.values)
            assert ("Antal under 5" in text and "visas som .." in text) is hidden, found.key

    def test_procentenheter_only_under_tables_with_shares(self, report):
        for found in report.tables:
            shares = any(v.unit is Unit.POINTS for r in found.rows for v in r.values)
            assert ("procentenheter" in self.notes(found)) is shares, found.key

    def test_row_markers_point_at_numbered_notes(self, report):
        found = table(report, "total.results")
        markers = {n.marker for n in found.footnotes if n.marker}
        used = {m for r in found.rows for m in r.notes}
        assert used == markers
        assert row(found, "varav tidiga avhopp").display_label.endswith("³")

    def test_the_minimum_cell_size_setting_shows_in_markers_and_notes(self):
        now, before = answers()
        now["settings"] = {**now["settings"], "min_cell_size": 10}
        changed = build(now, before)
        assert "Antal under 10" in self.notes(table(changed, f"{AVESTA}.results"))
        values = row(table(changed, f"{AVESTA}.results"), "varav tidiga avhopp").values
        assert values[0].text() == ".."

    def test_a_value_without_data_is_a_dot_explained_in_the_legend(self):
        now, before = answers()
        before["interventions"] = before["interventions"][1:]  # Avesta is new this year
        found = table(build(now, before), f"{AVESTA}.results")
        previous = row(found, "Aktiva under året").values[3]
        assert previous.status is Status.MISSING and previous.text() == "."
        legend = [n.text for n in found.footnotes if "Teckenförklaring:" in n.text]
        assert len(legend) == 1 and ". uppgift saknas" in legend[0]

    def test_no_missing_sign_in_the_legend_where_nothing_is_missing(self, report):
        notes = " ".join(n.text for n in table(report, "overview").footnotes)
        assert ". uppgift saknas" not in notes


class TestValueText:
    @pytest.mark.parametrize(
        ("value", "plain", "rich"),
        [
            (Value(0.125, Unit.SHARE), "13 %", "13\u00a0%"),
            (Value(-3, signed=True), "-3", "\u22123"),
            (Value(4, Unit.POINTS, signed=True), "+4 p.e.", "+4\u00a0p.e."),
            (Value(13.55, Unit.MONTHS), "13,6", "13,6"),
            (Value(41897, Unit.SEK), "41897 kr", "41\u00a0897\u00a0kr"),
            (Value(None, status=Status.SUPPRESSED, threshold=5), "..", ".."),
            (Value(None, Unit.SHARE, Status.SUPPRESSED), "..", ".."),
            (Value(None, Unit.MONTHS, Status.MISSING), ".", "."),
            (Value(0), "–", "–"),  # SCB: exactly zero
            (Value(0.004, Unit.SHARE), "0 %", "0\u00a0%"),  # rounds to zero
        ],
    )
    def test_swedish_text(self, value, plain, rich):
        assert value.text(plain=True) == plain
        assert value.text() == rich


class TestInputs:
    def test_report_does_not_change_the_answers(self):
        now, before = answers()
        kept = copy.deepcopy((now, before))
        build(now, before)
        assert (now, before) == kept

    def test_accepts_answers_made_by_the_statistics_module(self):
        years, made = real_report()
        active = row(table(made, "team.results"), "Aktiva under året").values
        published = years[YEAR]["interventions"][0]["measures"]["active"]
        columns = ("total", "female", "male")
        expected = [".." if published[c] is None else str(published[c]) for c in columns]
        assert [v.text() for v in active[:3]] == expected
        assert ".." in expected

    def test_kommuner_not_listed_are_other_kommuner_before_unknown(self):
        # With disclosure control the statistics list a kommun only at a published count;
        # the others are `other`, which the table names and puts before "Uppgift saknas".
        years, made = real_report(municipality_names={"1883": "Laxå"})
        assert "other" in years[YEAR]["total"]["measures"]["municipality"]
        labels = [r.label for r in table(made, "team.municipality").rows]
        assert labels[-2:] == ["Övriga kommuner", "Uppgift saknas"]
        assert set(labels[:-2]) <= {"Aktiva under året", "Laxå (1883)"}


def real_report(**options: Any) -> tuple[dict[int, dict[str, Any]], AnnualReport]:
    """The statistics module's answers of both years, and the report made of them."""
    years = {y: real_answer(y) for y in (PREVIOUS_YEAR, YEAR)}
    made = build_annual_report(
        association_name="Finsam Test",
        year=YEAR,
        current=years[YEAR],
        previous=years[PREVIOUS_YEAR],
        generated_as_of=None,
        **options,
    )
    return years, made


TEAM = InterventionInfo("team", "Team", "individual", date(2020, 1, 1))


def people_of_laxa(count: int, exits: int, exited_on: date) -> list[EnrollmentFacts]:
    """`count` people of Laxå (1883) enrolled in 2022; the first `exits` left on `exited_on`."""
    return [
        EnrollmentFacts(
            enrollment_id=f"e{i}",
            association_id="a",
            intervention_id="team",
            pseudonym=f"person-{i}",
            sex="female" if i % 2 else "male",
            birth_year=1990,
            education="compulsory",
            municipality="1883",
            enrolled_on=date(2022, 3, 1 + i),
            support_at_enrollment=frozenset({"social_assistance"}),
            months_on_public_support=12,
            months_without_work_or_studies=None,
            current_support=frozenset({"social_assistance"}),
            exited_on=exited_on if i < exits else None,
            exit_reason="work" if i < exits else None,
        )
        for i in range(count)
    ]


def answer_of(people: list[EnrollmentFacts], year: int) -> dict[str, Any]:
    """The statistics module's answer for these people of TEAM."""
    return build_statistics_answer(
        AnswerInputs("a", Period.year(year), ReportingRules(), [TEAM], people)
    )


def real_answer(year: int) -> dict[str, Any]:
    """A statistics answer from service.statistics.answer, for six people."""
    return answer_of(people_of_laxa(6, 2, date(2023, 5, 1)), year)


def test_a_kommun_folded_into_other_in_one_year_is_hidden_not_nobody():
    # The review's case: nine from Laxå in 2022, six of them leave that December; the
    # three left in 2023 are counted under `other`. The row of Laxå shows 2023 as hidden
    # (".."), not as "–" (nobody), and its share and change are not computed.
    people = people_of_laxa(9, 6, date(2022, 12, 1))
    years = {y: answer_of(people, y) for y in (2022, 2023)}
    assert "1883" in years[2022]["total"]["measures"]["municipality"]
    assert "1883" not in years[2023]["total"]["measures"]["municipality"]
    made = build_annual_report(
        association_name="Finsam Test", year=2023, current=years[2023],
        previous=years[2022], generated_as_of=None, municipality_names={"1883": "Laxå"},
    )  # fmt: skip
    laxa = row(table(made, "team.municipality"), "Laxå (1883)").values
    assert [v.text() for v in laxa[:4]] == ["..", "..", "..", ".."]
    assert laxa[-1].text() == ".."  # the change
