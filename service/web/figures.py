"""The statistics page's figures: which measures, their Swedish names, and how a value is
shown (a hidden one as "..", as in the annual export; docs/statistics.md §4)."""

from __future__ import annotations

from typing import Any

from service.reporting.model import MISSING_TEXT, SUPPRESSED_TEXT, ZERO_TEXT

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
