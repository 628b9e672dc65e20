"""The format-neutral model of the annual export (product.md §9): tables, values, charts.

Exporters render this model; none of them computes a figure. Every value carries its
number, its unit and whether it is shown, hidden by disclosure control or missing, so a
spreadsheet can keep real numbers while text formats show the same figures in Swedish.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any


class Unit(StrEnum):
    """What a number measures, which decides its rounding and format."""

    COUNT = "count"
    SHARE = "share"  # a fraction 0..1, shown as a whole percent
    POINTS = "percentage_points"  # a change of a share, in whole procentenheter
    MONTHS = "months"
    YEARS = "years"
    SEK = "sek"


class Status(StrEnum):
    """Whether a value is shown, and if not, why."""

    SHOWN = "shown"
    SMALL_COUNT = "suppressed_small_count"  # no longer made: every hidden value is SUPPRESSED
    SUPPRESSED = "suppressed"  # hidden by disclosure control: ".."
    MISSING = "missing"  # nothing to compute on (a share of zero exits, a year before data): "."
    BLANK = "blank"  # the cell does not apply


class RowStyle(StrEnum):
    """How a row is set: a heading inside the table, a figure, or a total."""

    SECTION = "section"
    DATA = "data"
    TOTAL = "total"


class ChartKind(StrEnum):
    """The chart shapes the export draws."""

    GROUPED_BARS = "grouped_bars"
    HORIZONTAL_BARS = "horizontal_bars"
    PYRAMID = "pyramid"


# SCB's teckenförklaring (docs/decisions.md §24): ".." a value not shown, "–" zero (exactly
# nobody), "." uppgift saknas; a value that only rounds to zero prints 0.
SUPPRESSED_TEXT = ".."
ZERO_TEXT = "–"
MISSING_TEXT = "."
MINUS = "\u2212"
NBSP = "\u00a0"
DECIMALS = {Unit.COUNT: 0, Unit.SHARE: 0, Unit.POINTS: 0, Unit.MONTHS: 1, Unit.YEARS: 1}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def round_half_up(number: float, decimals: int = 0) -> float:
    """Round as a reader expects (2.5 -> 3), not to even; -0.0 becomes 0."""
    exponent = Decimal(1).scaleb(-decimals)
    rounded = float(Decimal(str(number)).quantize(exponent, rounding=ROUND_HALF_UP))
    return rounded + 0.0


def superscript(marker: str) -> str:
    """A footnote marker as it is set after a label: '1' -> '¹'; '*' stays."""
    return marker.translate(_SUPERSCRIPTS)


@dataclass(frozen=True, slots=True)
class Value:
    """One figure of a table: a number with its unit, or the reason it is not shown."""

    number: float | int | None
    unit: Unit = Unit.COUNT
    status: Status = Status.SHOWN
    signed: bool = False  # a change: shown with + or −
    threshold: int = 0  # min_cell_size, for "<5"

    @property
    def shown(self) -> bool:
        """True when the value has a number to show."""
        return self.status is Status.SHOWN and self.number is not None

    def display_number(self) -> float | int | None:
        """The number as shown: percent for shares, rounded to the unit's decimals."""
        if not self.shown:
            return None
        assert self.number is not None
        if self.unit is Unit.SHARE:
            return int(round_half_up(self.number * 100))
        decimals = DECIMALS.get(self.unit, 0)
        rounded = round_half_up(self.number, decimals)
        return int(rounded) if decimals == 0 else rounded

    @property
    def zero(self) -> bool:
        """True for a shown value that is exactly zero (not one that rounds to zero)."""
        return self.shown and self.number == 0

    def text(self, *, plain: bool = False) -> str:
        """Swedish text: '42 %', '25,2', '1 234 kr', '..', '–', '.'; plain for CSV."""
        if self.status is Status.BLANK:
            return ""
        if self.status in (Status.SMALL_COUNT, Status.SUPPRESSED):
            return SUPPRESSED_TEXT
        number = self.display_number()
        if number is None:
            return MISSING_TEXT
        if self.zero:
            return ZERO_TEXT
        return _format_number(number, self.unit, self.signed, plain)


def _format_number(number: float | int, unit: Unit, signed: bool, plain: bool) -> str:
    """Swedish digits: decimal comma, space as thousands separator, true minus sign."""
    space = " " if plain else NBSP
    decimals = DECIMALS.get(unit, 0)
    digits = f"{abs(number):,.{decimals}f}".replace(",", space if not plain else "")
    digits = digits.replace(".", ",")
    sign = ("-" if plain else MINUS) if number < 0 else ("+" if signed and number > 0 else "")
    suffix = {Unit.SHARE: f"{space}%", Unit.POINTS: f"{space}p.e.", Unit.SEK: f"{space}kr"}
    return f"{sign}{digits}{suffix.get(unit, '')}"


BLANK = Value(None, status=Status.BLANK)


@dataclass(frozen=True, slots=True)
class Column:
    """A value column: its label and the group above it (a year, 'Förändring')."""

    label: str
    group: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    """A labelled row of values, aligned with the table's columns."""

    label: str
    values: tuple[Value, ...] = ()
    notes: tuple[str, ...] = ()
    level: int = 0
    style: RowStyle = RowStyle.DATA

    @property
    def display_label(self) -> str:
        """The label with its footnote markers, e.g. 'varav tidiga avhopp¹'."""
        return self.label + "".join(superscript(n) for n in self.notes)


@dataclass(frozen=True, slots=True)
class Footnote:
    """A note under a table; numbered notes are referenced from row labels."""

    marker: str
    text: str

    @property
    def display(self) -> str:
        """The note as printed under a table."""
        return f"{superscript(self.marker)} {self.text}" if self.marker else self.text


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the export, self-contained so it can be pasted alone."""

    key: str
    title: str
    section: str
    short_name: str
    stub_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    footnotes: tuple[Footnote, ...] = ()

    @property
    def has_groups(self) -> bool:
        """True when the columns carry group headings (years, 'Förändring')."""
        return any(c.group for c in self.columns)


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a chart: a name and a value per category."""

    name: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """What a chart shows; exporters draw it with charts.render_chart."""

    key: str
    kind: ChartKind
    title: str
    section: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_label: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class AnnualReport:
    """The annual export of one association and year, ready for any exporter."""

    association_name: str
    year: int
    previous_year: int
    title: str
    introduction: tuple[str, ...]
    tables: tuple[Table, ...]
    charts: tuple[ChartSpec, ...] = ()
    generated_as_of: str | None = None
    stamp: str | None = None  # the instant the figures stand at, Europe/Stockholm
    preliminary: bool = False  # the running year

    @property
    def sections(self) -> tuple[str, ...]:
        """Section headings in order of first appearance among tables and charts."""
        titles = [t.section for t in self.tables] + [c.section for c in self.charts]
        return tuple(dict.fromkeys(titles))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole report; each value with its Swedish text."""
        data = asdict(self)
        data["tables"] = [_table_dict(t) for t in self.tables]
        data["charts"] = [
            {
                **asdict(c),
                "series": [
                    {"name": s.name, "values": [_value_dict(v) for v in s.values]} for s in c.series
                ],
            }
            for c in self.charts
        ]
        data["sections"] = list(self.sections)
        return data


def _value_dict(value: Value) -> dict[str, Any]:
    """A value as JSON: the number, its unit, whether shown, and the text the tables show."""
    return {
        "number": value.number,
        "unit": value.unit.value,
        "status": value.status.value,
        "text": value.text(plain=True),
    }


def _table_dict(table: Table) -> dict[str, Any]:
    data = asdict(table)
    data["rows"] = [
        {
            "label": r.label,
            "notes": list(r.notes),
            "level": r.level,
            "style": r.style.value,
            "values": [_value_dict(v) for v in r.values],
        }
        for r in table.rows
    ]
    return data
