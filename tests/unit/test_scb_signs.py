"""SCB's teckenförklaring in every export (issue 19, docs/decisions.md §24).

"–" is zero (exactly nobody), ".." a value not shown (disclosure control), "." uppgift
saknas (a share or mean with nothing to compute on, a year before the association's data);
a value that only rounds to zero prints 0. xlsx keeps the number 0 and shows it as "–".
"""

from __future__ import annotations

import copy
import csv
import io
import re
import zipfile
from html import unescape
from typing import Any

import docx
import openpyxl
import pytest

from service.reporting.model import AnnualReport, Status, Table, Unit, Value
from service.reporting.render.csv import render_csv
from service.reporting.render.docx import render_docx
from service.reporting.render.html import render_html
from service.reporting.render.layout import file_names, sheet_names
from service.reporting.render.xlsx import render_xlsx
from service.reporting.report import build_annual_report
from tests.fixtures_answers import ASSOCIATION_NAME, GENERATED_AS_OF, YEAR, answers

AVESTA = "Samverkansteam Avesta"
GOAL_TABLE = "overview.goal"  # Avslut mot mål T/K/M, Andel kvinnor, Andel mot mål T/K/M
# Avesta this year: nobody left at all, so nobody left to goal (a true zero) and the
# shares of those exits have nothing to be computed on ("." uppgift saknas).
EXPECTED = ["–", "–", "–", ".", ".", ".", "."]
LEGEND = "Teckenförklaring: – noll"


def nobody_left(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer with Avesta's exits zero: counts 0, shares and means without a base."""
    changed = copy.deepcopy(answer)
    measures = changed["interventions"][0]["measures"]
    zero, none = {"total": 0, "female": 0, "male": 0}, {"total": None, "female": None, "male": None}
    for count in ("exits", "early_dropouts", "completed_exits", "to_goal", "to_work_or_studies"):
        measures[count] = dict(zero)
    for share in ("share_to_goal", "share_to_work_or_studies"):
        measures[share] = dict(none)
    changed["suppressed"] = [
        p for p in changed["suppressed"] if not _pointer(p).startswith("/interventions/0/")
    ]
    return changed


def _pointer(item: Any) -> str:
    return item if isinstance(item, str) else item["pointer"]


@pytest.fixture(scope="module")
def report() -> AnnualReport:
    current, previous = answers()
    return build_annual_report(
        association_name=ASSOCIATION_NAME,
        year=YEAR,
        current=nobody_left(current),
        previous=previous,
        generated_as_of=GENERATED_AS_OF,
        previous_available=False,  # the year before is before the association's data
    )


def goal_table(report: AnnualReport) -> tuple[int, Table]:
    return next((i, t) for i, t in enumerate(report.tables) if t.key == GOAL_TABLE)


def texts(report: AnnualReport, label: str) -> list[str]:
    _, table = goal_table(report)
    return [v.text() for v in next(r for r in table.rows if r.label == label).values]


class TestModel:
    @pytest.mark.parametrize(
        ("value", "shown"),
        [
            (Value(0), "–"),
            (Value(0.0, Unit.SHARE), "–"),
            (Value(0, Unit.POINTS, signed=True), "–"),
            (Value(0.004, Unit.SHARE), "0\u00a0%"),  # rounds to zero: SCB's 0
            (Value(0.04, Unit.MONTHS), "0,0"),
            (Value(None, Unit.SHARE, Status.MISSING), "."),
            (Value(None, Unit.MONTHS, Status.SUPPRESSED), ".."),
        ],
    )
    def test_each_sign(self, value: Value, shown: str) -> None:
        assert value.text() == shown

    def test_a_zero_count_and_a_zero_base(self, report: AnnualReport) -> None:
        assert texts(report, AVESTA) == EXPECTED

    def test_a_year_before_the_data_is_missing_not_zero(self, report: AnnualReport) -> None:
        assert set(texts(report, f"Totalt {YEAR - 1}")) == {"."}
        assert set(texts(report, f"Förändring {YEAR - 1}–{YEAR}")) == {"."}

    def test_a_legend_lists_the_signs_the_table_shows(self, report: AnnualReport) -> None:
        _, table = goal_table(report)
        # One paragraph with the disclosure rule, which explains "..".
        note = next(n.text for n in table.footnotes if "Teckenförklaring:" in n.text)
        hidden = any(v.status is Status.SUPPRESSED for r in table.rows for v in r.values)
        assert note.startswith("Röjandekontroll:")
        assert ("visas som .. (uppgift visas inte)" in note) is hidden
        assert "– noll" in note and ". uppgift saknas" in note
        assert any("visas som . (uppgift saknas)" in n.text for n in table.footnotes)

    def test_no_legend_without_signs(self) -> None:
        current, previous = answers()
        plain = build_annual_report(
            association_name=ASSOCIATION_NAME, year=YEAR, current=current, previous=previous,
            generated_as_of=GENERATED_AS_OF,
        )  # fmt: skip
        for table in plain.tables:
            values = [v for r in table.rows for v in r.values]
            signs = any(v.zero or v.status is Status.MISSING for v in values)
            legends = [n for n in table.footnotes if "Teckenförklaring:" in n.text]
            assert bool(legends) is signs, table.key

    def test_the_introduction_explains_every_sign(self, report: AnnualReport) -> None:
        intro = " ".join(report.introduction)
        for sign in ("– noll", "0 mindre än hälften", ".. uppgift visas inte", ". uppgift saknas"):
            assert sign in intro


class TestFormats:
    def test_docx(self, report: AnnualReport) -> None:
        document = docx.Document(io.BytesIO(render_docx(report)))
        index, _ = goal_table(report)
        cells = next(r.cells for r in document.tables[index].rows if r.cells[0].text == AVESTA)
        assert [c.text for c in cells[1:]] == EXPECTED
        assert LEGEND in "\n".join(p.text for p in document.paragraphs)

    def test_xlsx_keeps_the_number_zero_and_shows_a_dash(self, report: AnnualReport) -> None:
        workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
        index, _ = goal_table(report)
        sheet = workbook[sheet_names(report.tables)[index]]
        cells = next(r for r in sheet.iter_rows() if r[0].value == AVESTA)[1:]
        assert [c.value for c in cells[:3]] == [0, 0, 0]
        assert all(c.number_format.endswith(';"–"') for c in cells[:3])
        assert [c.value for c in cells[3:]] == ["."] * 4
        notes = [c.value for c in sheet["A"] if isinstance(c.value, str)]
        assert any(LEGEND in n for n in notes)

    def test_html(self, report: AnnualReport) -> None:
        page = render_html(report).decode()
        row = re.search(rf"<tr><td[^>]*>{AVESTA}</td>(.*?)</tr>", page.split("avslut mot mål")[1])
        assert row is not None
        assert [unescape(c) for c in re.findall(r'<td class="num">(.*?)</td>', row[1])] == (
            EXPECTED
        )
        assert LEGEND in page

    def test_csv(self, report: AnnualReport) -> None:
        index, _ = goal_table(report)
        with zipfile.ZipFile(io.BytesIO(render_csv(report))) as archive:
            text = archive.read(file_names(report.tables, "csv")[index]).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert next(r for r in rows if r and r[0] == AVESTA)[1:] == EXPECTED
        assert any(r and LEGEND in r[0] for r in rows)
