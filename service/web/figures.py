"""The statistics pages' figures: which measures, their Swedish names, how a value is
shown (a hidden one as "..", as in the annual export; docs/statistics.md §4), and the
charts, specified as the export's are (reporting/charts.py) and drawn by its code."""

from __future__ import annotations

from typing import Any

from service.reporting.answer import AnswerView, ReportSettings
from service.reporting.charts import CHART_NOTE, report_charts
from service.reporting.model import (
    MISSING_TEXT,
    SUPPRESSED_TEXT,
    ZERO_TEXT,
    ChartKind,
    ChartSpec,
    Series,
)
from service.reporting.tables import ReportContext

# (Swedish name, path in a measures object, unit) — the headline rows of the export's
# results table (reporting/tables.py), in its order.
FIGURE_ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Aktiva under året", ("active",), "count"),
    ("Nytillkomna under året", ("new",), "count"),
    ("Aktiva vid årets slut", ("active_at_end",), "count"),
    ("Avslut totalt", ("exits",), "count"),
    ("varav tidiga avhopp", ("early_dropouts",), "count"),
    ("Avslut exklusive tidiga avhopp", ("completed_exits",), "count"),
    ("Till arbete eller studier", ("to_work_or_studies",), "count"),
    ("Mot mål", ("to_goal",), "count"),
    ("Andel till arbete eller studier", ("share_to_work_or_studies",), "share"),
    ("Andel mot mål", ("share_to_goal",), "share"),
    ("Stegförflyttning", ("progressed",), "count"),
    ("Genomströmningstid, medel (dagar)", ("throughput_days", "mean"), "days"),
    ("Genomströmningstid, median (dagar)", ("throughput_days", "median"), "days"),
)
SEXES = ("total", "female", "male")
HIDDEN = SUPPRESSED_TEXT


def shown(value: Any, unit: str) -> str:
    """A published value as the page shows it (Swedish decimal comma), with the export's
    signs: "–" exactly zero, "." nothing to compute on (docs/decisions.md §24)."""
    if value is None:
        return MISSING_TEXT
    if value == 0:
        return ZERO_TEXT
    if unit == "share":
        return f"{value * 100:.0f} %" if isinstance(value, int | float) else str(value)
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def figure_cells(
    measures: dict[str, Any], pointer: str, suppressed: set[str]
) -> list[list[dict[str, Any]]]:
    """One row of cells per FIGURE_ROWS entry: total, female, male; each with its JSON
    pointer in the statistics answer, its raw value and its text ("..": hidden)."""
    rows = []
    for _, path, unit in FIGURE_ROWS:
        node: Any = measures
        for part in path:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        cells = []
        for sex in SEXES:
            cell_pointer = "/".join((pointer, *path, sex))
            value = node.get(sex) if isinstance(node, dict) else None
            hidden = cell_pointer in suppressed
            cells.append(
                {
                    "pointer": cell_pointer,
                    "value": value,
                    "hidden": hidden,
                    "text": HIDDEN if hidden else shown(value, unit),
                }
            )
        rows.append(cells)
    return rows


def period_charts(answer: dict[str, Any], name: str, period_text: str) -> tuple[ChartSpec, ...]:
    """The association's charts of the annual export (utfall by kön, försörjning before
    and after, the age pyramid) for the answer's period, drawn by the export's code."""
    period = answer["period"]
    year = int(period["from"][:4])
    settings = ReportSettings.from_answer(answer)
    ctx = ReportContext(
        association_name=name, year=year, previous_year=year - 1, settings=settings,
        previous_settings=settings, as_of=answer.get("as_of"), period_label=period_text,
    )  # fmt: skip
    return report_charts(ctx, AnswerView(answer).total(), "web")


def trend_rows(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per kön, one row per FIGURE_ROWS entry with the association's cell of each year's
    answer (in the order of `answers`)."""
    per_year = [
        figure_cells(a["total"]["measures"], "/total/measures", set(a["suppressed"]))
        for a in answers
    ]
    return [
        {
            "sex": sex_name,
            "rows": [
                (label, [cells[row][column] for cells in per_year])
                for row, (label, _, _) in enumerate(FIGURE_ROWS)
            ],
        }
        for column, sex_name in enumerate(("Totalt", "Kvinnor", "Män"))
    ]


TREND_SERIES = (("Aktiva", "active"), ("Nytillkomna", "new"), ("Avslut", "exits"))


def trend_chart(years: list[int], answers: list[dict[str, Any]], name: str) -> ChartSpec:
    """Aktiva, nytillkomna and avslut of the association per year (hidden ones not drawn)."""
    totals = [AnswerView(a).total() for a in answers]
    return ChartSpec(
        key="trend",
        kind=ChartKind.GROUPED_BARS,
        title=f"{name} {years[0]}–{years[-1]}: deltagare per år",
        section="web",
        categories=tuple(str(y) for y in years),
        series=tuple(
            Series(label, tuple(t.value(measure, "total") for t in totals))
            for label, measure in TREND_SERIES
        ),
        value_label="Antal",
        note=CHART_NOTE,
    )
