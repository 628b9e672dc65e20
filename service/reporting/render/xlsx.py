"""The annual export as an Excel workbook: one sheet per table, real numbers, a chart sheet."""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.reporting.model import ZERO_TEXT, AnnualReport, RowStyle, Table, Unit, Value
from service.reporting.render.charts import render_chart
from service.reporting.render.layout import header_spans, sheet_names, stable_package
from service.reporting.render.spreadsheet_text import only_text_cells

FORMATS = {
    Unit.COUNT: "#,##0",
    Unit.SHARE: "0 %",
    Unit.POINTS: '0" p.e."',
    Unit.MONTHS: "0.0",
    Unit.YEARS: "0.0",
    Unit.SEK: '#,##0" kr"',
}
FONT = "Calibri"  # named on every styled cell: LibreOffice shows Carlito, not a serif
REGULAR = Font(name=FONT, size=11)
BOLD = Font(name=FONT, size=11, bold=True)
NOTE_FONT = Font(name=FONT, size=9, italic=True)
TITLE_FONT = Font(name=FONT, size=12, bold=True)
RULE = Border(bottom=Side(style="thin"))
TITLE_ROW, HEADER_ROW = 1, 3
CHART_ROWS = 22  # rows a 9.6 cm high chart covers at 0.53 cm a row, plus a gap
CHART_WIDTH_PX = 605  # 16 cm at Excel's 96 px per inch: the printed size
PORTRAIT_WIDTH = 100  # character widths that fit an A4 portrait page at a readable scale


def render_xlsx(report: AnnualReport) -> bytes:
    """The report as .xlsx bytes."""
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = "Om rapporten"
    names = sheet_names(report.tables)
    _write_about(about, report, names)
    for name, table in zip(names, report.tables, strict=True):
        _write_table(workbook.create_sheet(name), table)
    if report.charts:
        _write_charts(workbook.create_sheet("Diagram"), report)
    for sheet in workbook.worksheets:
        _print_setup(sheet)
    workbook.properties.title = report.title
    workbook.properties.creator = "Uppföljning"
    only_text_cells(workbook)  # a name like "=HYPERLINK(…)" is text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return stable_package(buffer.getvalue(), report.generated_as_of)


def number_format(value: Value) -> str:
    """Excel number format of a value; changes get an explicit sign. An exact zero shows
    as SCB's "–" and stays the number 0 (sums and formulas still see it)."""
    base = FORMATS[value.unit]
    sign = "+" if value.signed else ""
    return f'{sign}{base};-{base};"{ZERO_TEXT}"'


def _write_about(sheet: Worksheet, report: AnnualReport, names: list[str]) -> None:
    sheet["A1"] = report.title
    sheet["A1"].font = Font(name=FONT, bold=True, size=14)
    row = 3
    for line in report.introduction:
        sheet.cell(row, 1, line)
        sheet.merge_cells(start_row=row, end_row=row, start_column=1, end_column=2)
        sheet.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 15 * max(1, math.ceil(len(line) / 120))
        row += 1
    sheet.cell(row + 1, 1, "Flikar").font = BOLD
    for offset, (name, table) in enumerate(zip(names, report.tables, strict=True), start=2):
        sheet.cell(row + offset, 1, name)
        sheet.cell(row + offset, 2, table.title)
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            if cell.font != BOLD:
                cell.font = REGULAR
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100


def _write_table(sheet: Worksheet, table: Table) -> None:
    sheet["A1"] = table.title
    sheet["A1"].font = TITLE_FONT
    first_data_row = _write_header(sheet, table)
    for offset, row in enumerate(table.rows):
        number = first_data_row + offset
        label = sheet.cell(number, 1, row.display_label)
        label.alignment = Alignment(indent=row.level * 2)
        bold = row.style is not RowStyle.DATA
        label.font = BOLD if bold else REGULAR
        for column, value in enumerate(row.values, start=2):
            _write_value(sheet, number, column, value, bold)
    _set_widths(sheet, table)
    _write_footnotes(sheet, table, first_data_row + len(table.rows) + 1)
    sheet.freeze_panes = sheet.cell(first_data_row, 2)
    sheet.print_title_rows = f"{HEADER_ROW}:{first_data_row - 1}"


def _print_setup(sheet: Worksheet) -> None:
    """A4, fit to one page wide; landscape where the used columns are wider than portrait."""
    width = sum(_width(sheet, c) for c in range(1, (sheet.max_column or 1) + 1))
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if width > PORTRAIT_WIDTH else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = False
    sheet.oddFooter.center.text = "&A – sida &P av &N"


def _write_header(sheet: Worksheet, table: Table) -> int:
    """Group row and label row (or one label row); returns the first data row."""
    grouped = table.has_groups
    last = HEADER_ROW + (1 if grouped else 0)
    sheet.cell(HEADER_ROW, 1, table.stub_header).font = BOLD
    if grouped:
        sheet.merge_cells(start_row=HEADER_ROW, end_row=last, start_column=1, end_column=1)
        for span in header_spans(table.columns):
            first, end = span.first + 2, span.first + span.count + 1
            if span.group:
                sheet.cell(HEADER_ROW, first, span.group)
            if span.group and span.count > 1:
                sheet.merge_cells(
                    start_row=HEADER_ROW, end_row=HEADER_ROW, start_column=first, end_column=end
                )
    for index, column in enumerate(table.columns, start=2):
        header_row = last if column.group or not grouped else HEADER_ROW
        sheet.cell(header_row, index, column.label)
        if grouped and not column.group:
            sheet.merge_cells(
                start_row=HEADER_ROW, end_row=last, start_column=index, end_column=index
            )
    for row in range(HEADER_ROW, last + 1):
        for position in range(1, len(table.columns) + 2):
            cell = sheet.cell(row, position)
            cell.font = BOLD
            horizontal = "left" if position == 1 else "center"
            cell.alignment = Alignment(horizontal=horizontal, vertical="bottom", wrap_text=True)
            if row == last:
                cell.border = RULE
    return last + 1


def _write_value(sheet: Worksheet, row: int, column: int, value: Value, bold: bool) -> None:
    cell = sheet.cell(row, column)
    if value.shown:
        cell.value = value.number
        cell.number_format = number_format(value)
    else:
        cell.value = value.text() or None
    cell.alignment = Alignment(horizontal="right")
    if bold:
        cell.font = BOLD


def _write_footnotes(sheet: Worksheet, table: Table, start: int) -> None:
    """Notes under the table, each wrapped across the table's width."""
    last_column = len(table.columns) + 1
    width = sum(_width(sheet, c) for c in range(1, last_column + 1))
    for offset, note in enumerate(table.footnotes):
        row = start + offset
        cell = sheet.cell(row, 1, note.display)
        cell.font = NOTE_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, end_row=row, start_column=1, end_column=last_column)
        lines = math.ceil(len(note.display) * 1.1 / max(width, 1))
        sheet.row_dimensions[row].height = 12.5 * max(lines, 1)


def _set_widths(sheet: Worksheet, table: Table) -> None:
    """Widths in characters, with room for bold (total rows, headers): nothing is cut."""
    labels = [
        len(row.display_label) * (1.1 if row.style is not RowStyle.DATA else 1.0) + 2 * row.level
        for row in table.rows
    ]
    stub = max([*labels, len(table.stub_header) * 1.1, 18])
    sheet.column_dimensions["A"].width = min(math.ceil(stub) + 3, 66)
    for index, column in enumerate(table.columns, start=2):
        words = [len(w) * 1.1 for w in (column.label.split() or [""])]
        texts = [len(row.values[index - 2].text()) * 1.1 for row in table.rows]
        widest = max([*words, *texts])
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(math.ceil(widest) + 3, 10), 24
        )


def _width(sheet: Worksheet, column: int) -> float:
    return sheet.column_dimensions[get_column_letter(column)].width or 10


def _write_charts(sheet: Worksheet, report: AnnualReport) -> None:
    sheet["A1"] = f"Diagram – {report.association_name} {report.year}"
    sheet["A1"].font = TITLE_FONT
    row = 3
    for chart in report.charts:
        image = Image(io.BytesIO(render_chart(chart)))
        # Drawn at 300 dpi; shown at its printed size, so it stays sharp in print.
        image.width, image.height = (
            CHART_WIDTH_PX,
            round(CHART_WIDTH_PX * image.height / image.width),
        )
        sheet.add_image(image, f"A{row}")
        row += CHART_ROWS
