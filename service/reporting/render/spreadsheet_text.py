"""Text from users stays text in a spreadsheet (issue 17, finding 2: formula injection).

An intervention or association named `=HYPERLINK("https://…","Klicka")` would otherwise be
a formula in the annual export: openpyxl stores any string that begins with `=` as one,
and Excel or LibreOffice evaluates a CSV cell that begins with `=`, `+`, `-` or `@` (and
some read past a leading tab or carriage return).

- xlsx: the exporter writes no formula of its own, so every cell openpyxl took for a
  formula is made a string cell again (`only_text_cells`) before the workbook is saved.
- csv: a text cell that begins with one of those characters gets a leading `'`, as
  OWASP's CSV-injection guidance says (`csv_text`); the csv module quotes the rest. Only
  text from the report's labels, titles, headers and notes goes through it: a figure such
  as a change of `-3` is a number, written as it is.
"""

from __future__ import annotations

from openpyxl import Workbook

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """`text` as a CSV cell no spreadsheet reads as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def only_text_cells(workbook: Workbook) -> None:
    """Every formula cell of `workbook` made a string cell (the exporter writes none)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
