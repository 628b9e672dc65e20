"""The annual export as a Word document: plain tables that paste cleanly, notes and charts."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.styles.style import BaseStyle
from docx.table import Table as WordTable
from docx.table import _Cell

from service.reporting.model import AnnualReport, Row, RowStyle, Table
from service.reporting.render.charts import render_chart
from service.reporting.render.layout import header_spans, stable_package

TEXT_WIDTH_CM = 17.0
# Paragraph styles of table cells: regular and, for tables of more than 7 figures, smaller.
TABLE_STYLES = {"Tabelltext": Pt(9), "Tabelltext liten": Pt(8)}


def render_docx(report: AnnualReport) -> bytes:
    """The report as .docx bytes."""
    document = Document()
    _set_up(document, report)
    document.add_heading(report.title, level=0)
    for line in report.introduction:
        document.add_paragraph(line)
    for number, section in enumerate(report.sections):
        heading = document.add_heading(section, level=1)
        heading.paragraph_format.page_break_before = number > 0
        for table in (t for t in report.tables if t.section == section):
            _add_table(document, table)
        for chart in (c for c in report.charts if c.section == section):
            document.add_picture(io.BytesIO(render_chart(chart)), width=Cm(16))
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_package(buffer.getvalue(), report.generated_as_of)


def _set_up(document: DocumentType, report: AnnualReport) -> None:
    """A4, 2 cm margins, Calibri 10 pt in Swedish; fixed document properties."""
    page = document.sections[0]
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = Cm(2)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "sv-SE")
    normal.element.get_or_add_rPr().append(language)
    for name, size in TABLE_STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = size
        style.paragraph_format.space_after = Pt(0)
    properties = document.core_properties
    properties.title = report.title
    properties.author = properties.last_modified_by = "Uppföljning"
    properties.language = "sv-SE"


def _add_table(document: DocumentType, table: Table) -> None:
    title = document.add_paragraph()
    title.add_run(table.title).bold = True
    title.paragraph_format.keep_with_next = True
    title.paragraph_format.space_before = Pt(12)
    header_rows = 2 if table.has_groups else 1
    word = document.add_table(rows=header_rows + len(table.rows), cols=len(table.columns) + 1)
    word.style = document.styles["Table Grid"]
    word.alignment = WD_TABLE_ALIGNMENT.LEFT
    size = document.styles["Tabelltext liten" if len(table.columns) > 7 else "Tabelltext"]
    _write_header(word, table, header_rows, size)
    for row, word_row in zip(table.rows, word.rows[header_rows:], strict=True):
        _write_row(word_row.cells, row, size)
    _set_widths(word, table)
    for note in table.footnotes:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(note.display).font.size = Pt(8)


def _write_header(word: WordTable, table: Table, header_rows: int, size: BaseStyle) -> None:
    """Group headings over their columns; ungrouped columns span both header rows."""
    top, bottom = word.rows[0].cells, word.rows[header_rows - 1].cells
    stub = top[0].merge(bottom[0]) if header_rows == 2 else top[0]
    _set_text(stub, table.stub_header, size, bold=True)
    for span in header_spans(table.columns):
        first, last = span.first + 1, span.first + span.count
        if header_rows == 2 and span.group:
            group = top[first].merge(top[last]) if span.count > 1 else top[first]
            _set_text(group, span.group, size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for index in range(first, last + 1):
            column = table.columns[index - 1]
            cell = bottom[index]
            if header_rows == 2 and not span.group:
                cell = top[index].merge(bottom[index])
            _set_text(cell, column.label, size, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    for row in word.rows[:header_rows]:
        marker = OxmlElement("w:tblHeader")  # repeat the header on each page
        row._tr.get_or_add_trPr().append(marker)
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM


def _write_row(cells: tuple[_Cell, ...], row: Row, size: BaseStyle) -> None:
    bold = row.style is not RowStyle.DATA
    _set_text(cells[0], row.display_label, size, bold=bold, indent=row.level)
    for cell, value in zip(cells[1:], row.values, strict=True):
        _set_text(cell, value.text(), size, bold=bold, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _set_text(
    cell: _Cell,
    text: str,
    style: BaseStyle,
    *,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT,
    indent: int = 0,
) -> None:
    paragraph = cell.paragraphs[0]
    paragraph._p.style = style.style_id  # by id: python-docx's name lookup is slow per cell
    if align != WD_ALIGN_PARAGRAPH.LEFT:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.left_indent = Cm(0.3 * indent)
    run = paragraph.add_run(text)
    if bold:
        run.bold = True


def _column_weight(table: Table, index: int) -> int:
    """How wide a figure column must be: its longest (bold) header word or figure, at least 7."""
    column = table.columns[index]
    spans = {span.first: span for span in header_spans(table.columns) if span.count == 1}
    words = column.label.split() + (column.group.split() if index in spans else [])
    figures = [row.values[index].text() for row in table.rows]
    return max([7, *(len(w) + 1 for w in words), *(len(f) for f in figures)])


def _set_widths(word: WordTable, table: Table) -> None:
    """Fixed column widths: the label column wide, figures by need; Word and LibreOffice."""
    stub = 5.0 if len(table.columns) <= 7 else 4.0
    weights = [_column_weight(table, i) for i in range(len(table.columns))]
    rest = (TEXT_WIDTH_CM - stub) / sum(weights)
    widths = [Cm(stub)] + [Cm(rest * w) for w in weights]
    word.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    word._tbl.tblPr.append(layout)
    for column, width in zip(word.columns, widths, strict=True):
        column.width = width
    for row in word.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
