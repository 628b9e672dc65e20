"""The annual export as one self-contained, printable HTML page; every text is escaped."""

from __future__ import annotations

import base64
from html import escape

from service.reporting.model import AnnualReport, ChartSpec, Row, RowStyle, Table
from service.reporting.render.charts import render_chart
from service.reporting.render.layout import header_spans

STYLE = """
@page { size: A4; margin: 15mm; }
body { font-family: "Calibri", "Carlito", "DejaVu Sans", Arial, sans-serif; font-size: 10pt;
       color: #1a1a1a; max-width: 190mm; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 18pt; margin-bottom: .3em; }
h2 { font-size: 14pt; border-bottom: 1px solid #999; padding-bottom: .15em; margin-top: 2em; }
p.intro { max-width: 44em; }
section.table { margin: 1.4em 0 1.8em; break-inside: avoid; page-break-inside: avoid; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.wide { font-size: 8.5pt; }
table.wide thead th { font-size: 8pt; }
caption { text-align: left; font-weight: bold; padding-bottom: .4em; caption-side: top; }
th, td { border: 1px solid #b5b5b5; padding: 2px 5px; vertical-align: bottom; }
thead th { background: #eeeeee; font-weight: bold; font-size: 9pt; }
thead th.group { text-align: center; }
th.num, td.num { text-align: right; }
td.num { white-space: nowrap; }
th.stub, td.stub { text-align: left; }
tr.section td { font-weight: bold; background: #f7f7f7; }
tr.total td { font-weight: bold; }
td.level-1 { padding-left: 1.4em; }
ol.notes { list-style: none; padding: 0; margin: .4em 0 0; font-size: 8pt; color: #333; }
ol.notes li { margin: .1em 0; }
figure.chart { margin: 1.5em 0; break-inside: avoid; page-break-inside: avoid; }
figure.chart img { width: 100%; max-width: 170mm; height: auto; }
div.opening { break-inside: avoid; page-break-inside: avoid; }
@media print {
  body { margin: 0; max-width: none; }
  /* A heading never ends a page: it opens a block with its first table (div.opening),
     kept together where it fits, and never forces a page of its own. */
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 1.2em; }
  caption { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
}
"""


def render_html(report: AnnualReport) -> bytes:
    """The report as a UTF-8 HTML page with its charts inlined as data: URIs."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(report.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(report.title)}</h1>",
        *(f'<p class="intro">{escape(line)}</p>' for line in report.introduction),
    ]
    numbers = {table.key: number for number, table in enumerate(report.tables, start=1)}
    for section in report.sections:
        blocks = [_table(t, numbers[t.key]) for t in report.tables if t.section == section]
        blocks += [_chart(c) for c in report.charts if c.section == section]
        heading = f"<h2>{escape(section)}</h2>"
        first = blocks[0] if blocks else ""
        parts.append(f'<div class="opening">\n{heading}\n{first}\n</div>')
        parts += blocks[1:]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")


def _table(table: Table, number: int) -> str:
    rows = "\n".join(_row(row) for row in table.rows)
    notes = "".join(f"<li>{escape(note.display)}</li>" for note in table.footnotes)
    wide = ' class="wide"' if len(table.columns) > 8 else ""
    return (
        f'<section class="table" id="{escape(table.key)}">\n<table{wide}>\n'
        f"<caption>Tabell {number}: {escape(table.title)}</caption>\n<thead>\n{_head(table)}</thead>\n"
        f"<tbody>\n{rows}\n</tbody>\n</table>\n"
        f'<ol class="notes">{notes}</ol>\n</section>'
    )


def _head(table: Table) -> str:
    stub = escape(table.stub_header)
    if not table.has_groups:
        labels = "".join(
            f'<th class="num" scope="col">{escape(c.label)}</th>' for c in table.columns
        )
        return f'<tr><th class="stub" scope="col">{stub}</th>{labels}</tr>\n'
    top = [f'<th class="stub" rowspan="2" scope="col">{stub}</th>']
    bottom = []
    for span in header_spans(table.columns):
        column = table.columns[span.first]
        if not span.group:
            top.append(f'<th class="num" rowspan="2" scope="col">{escape(column.label)}</th>')
            continue
        top.append(
            f'<th class="group" colspan="{span.count}" scope="colgroup">{escape(span.group)}</th>'
        )
        columns = table.columns[span.first : span.first + span.count]
        bottom += [f'<th class="num" scope="col">{escape(c.label)}</th>' for c in columns]
    return f"<tr>{''.join(top)}</tr>\n<tr>{''.join(bottom)}</tr>\n"


def _row(row: Row) -> str:
    css = {RowStyle.SECTION: ' class="section"', RowStyle.TOTAL: ' class="total"'}
    stub = f'<td class="stub level-{row.level}">{escape(row.display_label)}</td>'
    values = "".join(f'<td class="num">{escape(v.text())}</td>' for v in row.values)
    return f"<tr{css.get(row.style, '')}>{stub}{values}</tr>"


def _chart(chart: ChartSpec) -> str:
    data = base64.b64encode(render_chart(chart)).decode("ascii")
    return (
        f'<figure class="chart" id="{escape(chart.key)}">'
        f'<img src="data:image/png;base64,{data}" alt="{escape(chart.title)}"></figure>'
    )
