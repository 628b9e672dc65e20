"""Charts of the annual export as PNG, drawn with matplotlib's Agg backend (no GUI, no pyplot).

Drawn at the size they are printed (16 × 9.6 cm) at 300 dpi, so they are sharp on paper
(python-docx cannot embed SVG). One font family with the text: Carlito, metric-compatible
with Calibri (Debian's fonts-crosextra-carlito), falling back to DejaVu Sans (shipped with
matplotlib) where Carlito is not installed. Output is deterministic on one machine: no
timestamps or software tag in the PNG metadata, fixed fonts and sizes.
"""

from __future__ import annotations

import functools
import io
import textwrap

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from service.reporting.model import ChartKind, ChartSpec, Unit, Value

COLOURS = {
    "Kvinnor": "#b2457a",
    "Män": "#2a7a8c",
    "Totalt": "#7d7d7d",
    "Vid inskrivning": "#9fb7cc",
    "Vid avslut": "#2f5f8a",
}
FALLBACK_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")
DPI = 300
WIDTH_CM, HEIGHT_CM = 16.0, 9.6  # as printed: docx inserts them 16 cm wide
FONT = "Carlito"  # metric-compatible with Calibri, the documents' font
FALLBACK_FONT = "DejaVu Sans"  # ships with matplotlib; has å, ä, ö and the minus sign


@functools.cache
def chart_font() -> str:
    """Carlito when installed, else DejaVu Sans (without matplotlib's not-found warning)."""
    try:
        font_manager.findfont(font_manager.FontProperties(family=FONT), fallback_to_default=False)
    except ValueError:
        return FALLBACK_FONT
    return FONT


@functools.lru_cache(maxsize=64)  # specs are immutable and drawing is deterministic
def render_chart(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes, 300 dpi at its printed size."""
    return _drawn(spec, "png")


@functools.lru_cache(maxsize=64)
def render_chart_svg(spec: ChartSpec) -> bytes:
    """The same chart as SVG for the web pages: text kept as text (the page's font,
    readable when zoomed), no date in it and fixed element ids, so it is deterministic."""
    return _drawn(spec, "svg")


def _drawn(spec: ChartSpec, fmt: str) -> bytes:
    with matplotlib.rc_context(
        {
            "font.family": chart_font(),
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.fonttype": "none",
            "svg.hashsalt": "uppfoljning",
        }
    ):
        figure = Figure(figsize=(WIDTH_CM / 2.54, HEIGHT_CM / 2.54), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        {
            ChartKind.GROUPED_BARS: _grouped_bars,
            ChartKind.HORIZONTAL_BARS: _horizontal_bars,
            ChartKind.PYRAMID: _pyramid,
        }[spec.kind](axes, spec)
        figure.suptitle(spec.title, x=0.01, y=0.98, ha="left", fontsize=10)
        lines = textwrap.wrap(spec.note, 150) if spec.note else []
        if lines:
            figure.text(0.01, 0.01, "\n".join(lines), fontsize=7, color="#555555")
        figure.tight_layout(rect=(0, 0.02 + 0.035 * len(lines), 1, 0.94 if spec.title else 0.99))
        buffer = io.BytesIO()
        metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _plotted(value: Value) -> float:
    """The number drawn: percent for shares; 0 (no bar) for a hidden or missing value."""
    number = value.display_number()
    return float(number) if number is not None else 0.0


def _label(value: Value) -> str:
    """The text by a bar: the figure, or why there is no bar."""
    return value.text()


def _colour(name: str, index: int) -> str:
    return COLOURS.get(name, FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)])


def _grouped_bars(axes: Axes, spec: ChartSpec) -> None:
    count = len(spec.series)
    width = 0.8 / count
    for index, series in enumerate(spec.series):
        positions = [c + (index - (count - 1) / 2) * width for c in range(len(spec.categories))]
        heights = [_plotted(v) for v in series.values]
        colour = _colour(series.name, index)
        bars = axes.bar(positions, heights, width * 0.92, label=series.name, color=colour)
        axes.bar_label(bars, labels=[_label(v) for v in series.values], padding=2, fontsize=8)
    # Long insats names wrap under their bars instead of running into each other.
    axes.set_xticks(range(len(spec.categories)), [textwrap.fill(c, 20) for c in spec.categories])
    is_share = any(v.unit is Unit.SHARE for s in spec.series for v in s.values)
    if is_share:
        axes.set_ylim(0, 110)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:.0f} %"))
    else:  # whole numbers, with room above the bars for the legend
        tallest = max([_plotted(v) for s in spec.series for v in s.values] + [1.0])
        axes.set_ylim(0, tallest * 1.3)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(spec.value_label)
    axes.legend(frameon=False, ncols=count, loc="upper right")


def _annotate(axes: Axes, positions: list[float], values: tuple[Value, ...], side: int) -> None:
    """Write each figure at the end of its horizontal bar, outwards from zero."""
    offset = 3 * side
    for position, value in zip(positions, values, strict=True):
        axes.annotate(
            _label(value),
            (side * _plotted(value), position),
            xytext=(offset, 0),
            textcoords="offset points",
            va="center",
            ha="left" if side > 0 else "right",
            fontsize=8,
        )


def _horizontal_bars(axes: Axes, spec: ChartSpec) -> None:
    count = len(spec.series)
    height = 0.8 / count
    rows = range(len(spec.categories))
    for index, series in enumerate(spec.series):
        positions = [r + (index - (count - 1) / 2) * height for r in rows]
        widths = [_plotted(v) for v in series.values]
        colour = _colour(series.name, index)
        axes.barh(positions, widths, height * 0.92, label=series.name, color=colour)
        _annotate(axes, positions, series.values, 1)
    axes.set_yticks(list(rows), [textwrap.fill(c, 30) for c in spec.categories])
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(spec.value_label)
    axes.margins(x=0.12)
    axes.legend(frameon=False, loc="lower right")


def _pyramid(axes: Axes, spec: ChartSpec) -> None:
    rows = [float(r) for r in range(len(spec.categories))]
    for index, series in enumerate(spec.series[:2]):
        side = -1 if index == 0 else 1
        widths = [side * _plotted(v) for v in series.values]
        axes.barh(rows, widths, 0.8, label=series.name, color=_colour(series.name, index))
        _annotate(axes, rows, series.values, side)
    axes.set_yticks(rows, spec.categories)
    axes.axvline(0, color="#333333", linewidth=0.8)
    limit = max([abs(_plotted(v)) for s in spec.series for v in s.values] + [1]) * 1.25
    axes.set_xlim(-limit, limit)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{abs(x):.0f}"))
    axes.set_xlabel(spec.value_label)
    axes.legend(frameon=False, loc="lower right")
