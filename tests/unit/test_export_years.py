"""The years of an annual export: future refused, running year preliminary, no data missing;
every export stamped in Swedish time (product.md §9)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service.reporting.model import Status
from service.reporting.report import build_annual_report
from service.reporting.text import swedish_instant
from service.reporting.years import ExportYears, FutureYearError
from tests.fixtures_answers import ASSOCIATION_NAME, YEAR, answers

NOW = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)


def build(**kwargs):
    now, before = answers()
    return build_annual_report(
        association_name=ASSOCIATION_NAME,
        year=YEAR,
        current=now,
        previous=before,
        generated_as_of=None,
        **kwargs,
    )


def test_a_year_not_begun_is_refused_with_a_swedish_message():
    with pytest.raises(FutureYearError) as raised:
        ExportYears.checked(2026, None, NOW, date(2020, 1, 1))
    assert "Året 2026 har inte börjat" in raised.value.swedish
    assert raised.value.field == "year"


def test_new_year_in_stockholm_is_the_new_year_though_utc_is_still_the_old():
    eve = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2026 in Sweden
    years = ExportYears.checked(2026, None, eve, date(2020, 1, 1))
    assert years.preliminary and years.stamp.year == 2026


def test_as_of_decides_the_running_year():
    as_of = datetime(2024, 3, 1, tzinfo=UTC)
    with pytest.raises(FutureYearError):
        ExportYears.checked(2025, as_of, NOW, date(2020, 1, 1))
    assert ExportYears.checked(2024, as_of, NOW, date(2020, 1, 1)).preliminary
    assert not ExportYears.checked(2023, as_of, NOW, date(2020, 1, 1)).preliminary


@pytest.mark.parametrize(
    ("first", "available"),
    [(date(2022, 12, 31), True), (date(2023, 1, 1), False), (None, False)],
)
def test_the_comparison_year_needs_data_before_its_end(first, available):
    assert ExportYears.checked(2023, None, NOW, first).previous_available is available


def test_stockholm_time_is_printed_not_utc():
    assert swedish_instant("2024-12-31T23:45:00+00:00") == "1 januari 2025 kl. 00:45"
    assert swedish_instant("2024-07-01T10:00:00Z") == "1 juli 2024 kl. 12:00"
    assert swedish_instant("2024-07-01T10:00:00") == "1 juli 2024 kl. 12:00"  # naive is UTC
    assert swedish_instant("2024-07-01") == "1 juli 2024"


def test_without_data_the_comparison_year_and_change_are_missing_not_zero():
    report = build(previous_available=False)
    for table in report.tables:
        columns = [i for i, c in enumerate(table.columns) if c.group == str(report.previous_year)]
        for row in table.rows:
            if row.label == f"Totalt {report.previous_year}" or row.label.startswith("Förändring"):
                assert all(v.status is Status.MISSING for v in row.values), (table.key, row)
            for index in columns:
                assert row.values[index].status in (Status.MISSING, Status.BLANK), table.key
    notes = " ".join(n.text for n in report.tables[0].footnotes)
    assert f"inga uppgifter för {report.previous_year}" in notes
    assert "uppgift saknas" in notes


def test_the_running_year_is_marked_preliminary_in_title_and_notes():
    report = build(preliminary=True, stamp="2023-06-01T12:00:00+02:00")
    assert report.title.endswith("(preliminära uppgifter)")
    assert all(
        any(n.text.startswith("Preliminära uppgifter") for n in t.footnotes) for t in report.tables
    )
    assert any("1 juni 2023 kl. 12:00" in line for line in report.introduction)
    assert not any("reliminär" in n.text for n in build().tables[0].footnotes)


def test_overview_splits_exits_goal_and_times_by_sex_with_share_of_women():
    report = build()
    keys = {t.key: t for t in report.tables}
    participants, goal, times = keys["overview"], keys["overview.goal"], keys["overview.time"]
    groups = {c.group.rstrip("¹²³⁴⁵⁶⁷⁸⁹") for t in (participants, goal, times) for c in t.columns}
    assert {"Aktiva under året", "Avslut exkl. tidiga avhopp", "Avslut mot mål"} <= groups
    for table in (participants, goal, times):
        assert [c.label for c in table.columns[:3]] == ["Totalt", "Kvinnor", "Män"]
    assert "Andel kvinnor" in [c.label for c in participants.columns]
    total = next(r for r in participants.rows if r.label == f"Totalt {YEAR}")
    active, women, share = total.values[0], total.values[1], total.values[3]
    assert share.number == pytest.approx(women.number / active.number, abs=1e-4)
