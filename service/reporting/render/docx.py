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
CHART_WIDTH_CM = 16.0  # the width charts are drawn at (render/charts.py), so 1:1 in print
# Paragraph styles of table cells: regular and, for tables of more than 7 figures, smaller.
TABLE_STYLES = {"Tabelltext": Pt(9), "Tabelltext liten": Pt(8), "Tabellnot": Pt(7.5)}
CELL_MARGIN_CM = 0.1  # left and right, inside each cell
# A safe upper bound of Calibri's (and Carlito's) advance width per character, in em:
# a column at least this wide for its longest word never breaks inside that word.
EM_PER_CHAR = {False: 0.52, True: 0.56}  # regular, bold
STUB_MAX_CM = 8.0
LONG_TABLE_ROWS = 30


def render_docx(report: AnnualReport) -> bytes:
    """The report as .docx bytes."""
    document = Document()
    _set_up(document, report)
    document.add_heading(report.title, level=0)
    for line in report.introduction:
        document.add_paragraph(line)
    numbers = {table.key: number for number, table in enumerate(report.tables, start=1)}
    for number, section in enumerate(report.sections):
        heading = document.add_heading(section, level=1)
        heading.paragraph_format.page_break_before = number > 0
        heading.paragraph_format.space_before = Pt(0 if number > 0 else 12)  # page top
        heading.paragraph_format.keep_with_next = True
        for table in (t for t in report.tables if t.section == section):
            _add_table(document, table, numbers[table.key])
        for chart in (c for c in report.charts if c.section == section):
            picture = document.add_paragraph()
            picture.paragraph_format.keep_together = True
            picture.add_run().add_picture(io.BytesIO(render_chart(chart)), width=Cm(CHART_WIDTH_CM))
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
        style.paragraph_format.line_spacing = 1.0
    properties = document.core_properties
    properties.title = report.title
    properties.author = properties.last_modified_by = "Uppföljning"
    properties.language = "sv-SE"


def is_small(table: Table) -> bool:
    """Wide or long tables are set in 8 pt, so they and their notes fit one page."""
    return len(table.columns) > 7 or len(table.rows) > LONG_TABLE_ROWS


def _add_caption(document: DocumentType, table: Table, number: int) -> None:
    """'Tabell N: titel' in Word's Caption style with a SEQ field, so Word's table list
    (Infoga tabellförteckning) finds it; kept with the table."""
    caption = document.add_paragraph(style=document.styles["Caption"])
    caption.add_run("Tabell ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), r" SEQ Tabell \* ARABIC ")
    run = OxmlElement("w:r")
    number_text = OxmlElement("w:t")
    number_text.text = str(number)
    run.append(number_text)
    field.append(run)
    caption._p.append(field)
    caption.add_run(f": {table.title}")
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(10)
    caption.paragraph_format.space_after = Pt(4)


def _add_table(document: DocumentType, table: Table, number: int) -> None:
    _add_caption(document, table, number)
    header_rows = 2 if table.has_groups else 1
    word = document.add_table(rows=header_rows + len(table.rows), cols=len(table.columns) + 1)
    word.style = document.styles["Table Grid"]
    word.alignment = WD_TABLE_ALIGNMENT.LEFT
    size = document.styles["Tabelltext liten" if is_small(table) else "Tabelltext"]
    _write_header(word, table, header_rows, size)
    for row, word_row in zip(table.rows, word.rows[header_rows:], strict=True):
        _write_row(word_row.cells, row, size)
    _set_widths(word, table, size.font.size.pt)
    _keep_together(word)
    for index, note in enumerate(table.footnotes, start=1):
        paragraph = document.add_paragraph(style=document.styles["Tabellnot"])
        # The notes stay with their table: each keeps with the next but the last.
        paragraph.paragraph_format.keep_with_next = index < len(table.footnotes)
        paragraph.paragraph_format.keep_together = True
        paragraph.add_run(note.display)


def _keep_together(word: WordTable) -> None:
    """Rows never split across pages, and the table keeps with its first footnote."""
    for row in word.rows:
        row._tr.get_or_add_trPr().insert(0, OxmlElement("w:cantSplit"))  # before tblHeader
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


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


def text_width_cm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """An upper bound of the width of `text` set in Calibri/Carlito at `size_pt`."""
    return len(text) * EM_PER_CHAR[bold] * size_pt * 2.54 / 72


def _longest_word(texts: list[str], size_pt: float, *, bold: bool) -> float:
    words = [word for text in texts for word in text.split()]
    return max([text_width_cm(w, size_pt, bold=bold) for w in words] + [0.0])


def column_minimums(table: Table, size_pt: float) -> list[float]:
    """The narrowest each figure column may be: its longest header word (bold) and its
    widest figure fit on one line, with the cell's margins."""
    single = {span.first for span in header_spans(table.columns) if span.count == 1}
    minimums = []
    for index, column in enumerate(table.columns):
        headers = [column.label] + ([column.group] if index in single else [])
        figures = [row.values[index].text() for row in table.rows]
        widest = max(
            _longest_word(headers, size_pt, bold=True),
            max(text_width_cm(f, size_pt, bold=True) for f in figures) if figures else 0.0,
        )
        minimums.append(widest + 2 * CELL_MARGIN_CM + 0.05)
    return minimums


def _stub_widths(table: Table, size_pt: float) -> tuple[float, float]:
    """The stub column's least width (its longest word) and its preferred (longest label)."""
    labels = [table.stub_header, *(r.display_label for r in table.rows)]
    indent = max([0.3 * r.level for r in table.rows] + [0.0])
    least = _longest_word(labels, size_pt, bold=True) + indent + 2 * CELL_MARGIN_CM + 0.05
    longest = max(text_width_cm(label, size_pt, bold=True) for label in labels)
    return least, min(max(least, longest + indent + 2 * CELL_MARGIN_CM), STUB_MAX_CM)


def column_widths(table: Table, size_pt: float) -> list[float]:
    """Widths in cm, stub first: every column at least its minimum; the stub then gets
    room for its labels (up to STUB_MAX_CM) and the figures share what is left."""
    minimums = column_minimums(table, size_pt)
    least, preferred = _stub_widths(table, size_pt)
    spare = TEXT_WIDTH_CM - sum(minimums) - least
    if spare <= 0:
        return [least, *minimums]  # wider than the page: still no word is broken
    stub = least + min(spare * 0.85, preferred - least)
    spare = TEXT_WIDTH_CM - sum(minimums) - stub
    total = sum(minimums)
    return [stub, *(m + spare * m / total for m in minimums)]


def _set_widths(word: WordTable, table: Table, size_pt: float) -> None:
    """Fixed column widths, narrow cell margins; Word and LibreOffice."""
    widths = [Cm(w) for w in column_widths(table, size_pt)]
    word.autofit = False
    properties = word._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(round(CELL_MARGIN_CM / 2.54 * 1440)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.insert_element_before(
        margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"
    )
    for column, width in zip(word.columns, widths, strict=True):
        column.width = width
    for row in word.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
