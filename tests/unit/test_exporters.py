"""The exporters: each format carries the report's figures, markers and notes."""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from typing import Any

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from PIL import Image

from service.domain.errors import UnknownCodeError
from service.reporting.model import AnnualReport
from service.reporting.render import FORMATS, render
from service.reporting.render.charts import render_chart
from service.reporting.render.csv import render_csv
from service.reporting.render.docx import is_small, render_docx, text_width_cm
from service.reporting.render.html import render_html
from service.reporting.render.json import render_json
from service.reporting.render.layout import sheet_names
from service.reporting.render.xlsx import render_xlsx
from service.reporting.report import build_annual_report
from tests.fixtures_answers import ASSOCIATION_NAME, GENERATED_AS_OF, YEAR, answers

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BOM = b"\xef\xbb\xbf"


def make_report(name: str = ASSOCIATION_NAME) -> AnnualReport:
    current, previous = answers()
    return build_annual_report(
        association_name=name,
        year=YEAR,
        current=current,
        previous=previous,
        generated_as_of=GENERATED_AS_OF,
    )


@pytest.fixture(scope="module")
def report() -> AnnualReport:
    return make_report()


@pytest.fixture(scope="module")
def avesta() -> dict[str, Any]:
    return answers()[0]["interventions"][0]["measures"]


@pytest.fixture(scope="module")
def workbook(report):
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))


@pytest.fixture(scope="module")
def document(report):
    return docx.Document(io.BytesIO(render_docx(report)))


def sheet_rows(sheet) -> dict[str, tuple]:
    """Rows of a table sheet by their label (column A)."""
    return {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if isinstance(r[0], str)}


def results_index(report: AnnualReport) -> int:
    return next(i for i, t in enumerate(report.tables) if t.key == "samverkansteam-avesta.results")


class TestXlsx:
    def test_one_sheet_per_table_plus_an_about_sheet_and_the_charts(self, report, workbook):
        assert workbook.sheetnames == ["Om rapporten", *sheet_names(report.tables), "Diagram"]
        assert len(workbook["Diagram"]._images) == len(report.charts)

    def test_counts_are_real_numbers_equal_to_the_answer(self, report, workbook, avesta):
        sheet = workbook[sheet_names(report.tables)[results_index(report)]]
        active = sheet_rows(sheet)["Aktiva under året¹"]
        assert list(active[:3]) == [avesta["active"][s] for s in ("total", "female", "male")]

    def test_suppressed_counts_show_the_marker(self, report, workbook):
        sheet = workbook[sheet_names(report.tables)[results_index(report)]]
        assert sheet_rows(sheet)["varav tidiga avhopp²"][:3] == ("..", "..", "..")

    def test_shares_are_fractions_with_a_percent_format(self, report, workbook, avesta):
        sheet = workbook[sheet_names(report.tables)[results_index(report)]]
        row = next(r for r in sheet.iter_rows() if r[0].value == "Andel mot mål⁶")
        assert row[1].value == avesta["share_to_goal"]["total"]
        assert row[1].number_format.split(";")[0] == "0 %"  # zero: "–" (test_scb_signs)
        assert row[7].number_format.startswith('+0" p.e."')

    def test_months_are_rounded_numbers_with_one_decimal_format(self, report, workbook, avesta):
        sheet = workbook[sheet_names(report.tables)[results_index(report)]]
        row = next(r for r in sheet.iter_rows() if r[0].value == "Genomströmningstid, medel (mån)⁹")
        assert row[1].value == round(avesta["throughput_days"]["mean"]["total"] / 30.4375, 1)
        assert row[1].number_format.split(";")[0] == "0.0"

    def test_title_header_and_footnotes_are_on_the_sheet(self, report, workbook):
        table = report.tables[results_index(report)]
        sheet = workbook[sheet_names(report.tables)[results_index(report)]]
        texts = [c for r in sheet.iter_rows(values_only=True) for c in r if isinstance(c, str)]
        assert sheet["A1"].value == table.title
        assert str(YEAR) in texts and "Förändring" in texts
        assert all(note.display in texts for note in table.footnotes)


class TestXlsxLayout:
    def test_every_text_cell_names_its_font(self, workbook):
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert cell.font.name == "Calibri", (sheet.title, cell.coordinate)

    def test_labels_fit_their_column(self, report, workbook):
        for name, table in zip(sheet_names(report.tables), report.tables, strict=True):
            sheet = workbook[name]
            stub = sheet.column_dimensions["A"].width
            for row in table.rows:
                bold = 1.1 if row.style.value != "data" else 1.0
                if len(row.display_label) * bold + 2 * row.level < 63:
                    assert stub >= len(row.display_label) * bold + 2 * row.level, (name, row.label)
        overview = workbook[sheet_names(report.tables)[0]]
        assert overview.column_dimensions["A"].width > len("Förändring 2022–2023") * 1.1

    def test_sheet_names_are_whole_words_within_31_characters(self, report, workbook):
        names = sheet_names(report.tables)
        assert len(set(names)) == len(names)
        assert all(len(n) <= 31 and "…" not in n for n in names)
        pairs = zip(names, report.tables, strict=True)
        assert all(n.split()[-1] in t.short_name.split() for n, t in pairs)

    def test_every_sheet_prints_one_page_wide_on_a4(self, workbook):
        for sheet in workbook.worksheets:
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
            assert sheet.page_setup.fitToWidth == 1 and int(sheet.page_setup.paperSize) == 9
            assert sheet.page_setup.orientation in ("portrait", "landscape")


class TestDocx:
    def test_one_word_table_per_report_table(self, report, document):
        assert len(document.tables) == len(report.tables)

    def test_cells_show_the_figures_and_markers(self, report, document, avesta):
        table = document.tables[results_index(report)]
        rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows}
        assert rows["Aktiva under året¹"][:3] == [
            str(avesta["active"][s]) for s in ("total", "female", "male")
        ]
        assert rows["varav tidiga avhopp²"][:3] == ["..", "..", ".."]
        assert (
            rows["Andel mot mål⁶"][0] == f"{round(avesta['share_to_goal']['total'] * 100)}\u00a0%"
        )

    def test_header_has_years_and_change(self, report, document):
        header = [c.text for c in document.tables[results_index(report)].rows[0].cells]
        assert header[1:] == ["2023"] * 3 + ["2022"] * 3 + ["Förändring"]

    def test_titles_footnotes_and_charts_are_in_the_document(self, report, document):
        paragraphs = [full_text(p) for p in document.paragraphs]
        assert all(f"Tabell {n}: {t.title}" in paragraphs for n, t in enumerate(report.tables, 1))
        assert all(n.display in paragraphs for n in report.tables[0].footnotes)
        assert len(document.inline_shapes) == len(report.charts)


def full_text(paragraph) -> str:
    """A paragraph's text with its fields' results (python-docx leaves fldSimple out)."""
    return "".join(t.text for t in paragraph._p.iter(qn("w:t")))


class TestDocxLayout:
    def test_tables_are_numbered_in_the_caption_style_with_a_seq_field(self, report, document):
        captions = [p for p in document.paragraphs if p.style.name == "Caption"]
        assert [full_text(p) for p in captions] == [
            f"Tabell {n}: {t.title}" for n, t in enumerate(report.tables, start=1)
        ]
        assert all("SEQ Tabell" in p._p.xml for p in captions)
        assert all(p.paragraph_format.keep_with_next for p in captions)

    def test_footnotes_keep_with_their_table(self, report, document):
        body = list(document.element.body.iterchildren())
        first = document.tables[0]._tbl
        assert all(
            p.paragraph_format.keep_with_next
            for row in document.tables[0].rows
            for c in row.cells
            for p in c.paragraphs
        )
        position = body.index(first)
        notes = [docx.text.paragraph.Paragraph(e, document) for e in body[position + 1 :]][
            : len(report.tables[0].footnotes)
        ]
        assert [n.text for n in notes] == [f.display for f in report.tables[0].footnotes]
        assert all(n.paragraph_format.keep_with_next for n in notes[:-1])
        assert not notes[-1].paragraph_format.keep_with_next

    def test_no_header_word_is_wider_than_its_column(self, report, document):
        """Each header cell is at least as wide as its longest word set in bold Calibri."""
        for table, word in zip(report.tables, document.tables, strict=True):
            size = 8 if is_small(table) else 9
            widths = [w.width.cm for w in word.columns]
            assert sum(widths) <= 17.01, table.key
            for index, column in enumerate(table.columns, start=1):
                longest = max(column.label.split(), key=len)
                need = text_width_cm(longest, size, bold=True)
                assert widths[index] >= need + 0.2, (table.key, column.label, widths[index])

    def test_text_is_calibri_everywhere(self, document):
        assert document.styles["Normal"].font.name == "Calibri"
        fonts = {r.font.name for p in document.paragraphs for r in p.runs} - {None}
        assert fonts <= {"Calibri"}

    def test_charts_are_inserted_at_the_size_they_were_drawn(self, document):
        assert all(abs(s.width.cm - 16.0) < 0.01 for s in document.inline_shapes)


class TestCsv:
    def test_one_file_per_table_each_with_a_bom(self, report):
        archive = zipfile.ZipFile(io.BytesIO(render_csv(report)))
        names = archive.namelist()
        assert len(names) == len(report.tables)
        assert names[0] == "01_oversikt-deltagare.csv"
        assert all(archive.read(name).startswith(BOM) for name in names)

    def test_semicolon_separated_with_swedish_figures(self, report, avesta):
        archive = zipfile.ZipFile(io.BytesIO(render_csv(report)))
        name = archive.namelist()[results_index(report)]
        lines = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")), delimiter=";"))
        assert lines[0] == [report.tables[results_index(report)].title]
        assert lines[1][1:4] == ["2023 Totalt", "2023 Kvinnor", "2023 Män"]
        rows = {line[0]: line[1:] for line in lines if line}
        assert rows["Aktiva under året¹"][0] == str(avesta["active"]["total"])
        assert rows["varav tidiga avhopp²"][0] == ".."
        months = round(avesta["throughput_days"]["mean"]["total"] / 30.4375, 1)
        assert rows["Genomströmningstid, medel (mån)⁹"][0] == f"{months:.1f}".replace(".", ",")

    def test_bytes_are_identical_across_runs(self):
        assert render_csv(make_report()) == render_csv(make_report())


class TestJson:
    def test_bytes_are_identical_across_runs(self):
        assert render_json(make_report()) == render_json(make_report())

    def test_same_numbers_as_the_tables(self, report, avesta):
        data = json.loads(render_json(report))
        table = data["tables"][results_index(report)]
        active = next(r for r in table["rows"] if r["label"] == "Aktiva under året")
        assert [v["number"] for v in active["values"][:3]] == [
            avesta["active"][s] for s in ("total", "female", "male")
        ]
        early = next(r for r in table["rows"] if r["label"] == "varav tidiga avhopp")
        assert early["values"][0] == {
            "number": None,
            "status": "suppressed",
            "text": "..",
            "unit": "count",
        }

    def test_keys_are_sorted(self, report):
        text = render_json(report).decode()
        data = json.loads(text)
        assert text.rstrip("\n") == json.dumps(
            data, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )


class TestHtml:
    def test_contains_every_table_title_and_footnote(self, report):
        page = render_html(report).decode()
        assert all(html.escape(t.title) in page for t in report.tables)
        assert html.escape(report.tables[0].footnotes[0].display) in page

    def test_charts_are_inline_images(self, report):
        page = render_html(report).decode()
        assert page.count('src="data:image/png;base64,') == len(report.charts)
        assert "<style>" in page and "@media print" in page

    def test_a_heading_opens_a_block_with_its_first_table_and_forces_no_page(self, report):
        page = render_html(report).decode()
        assert "break-before: page" not in page and "page-break-before: always" not in page
        assert "break-after: avoid" in page
        openings = page.split('<div class="opening">')[1:]
        assert len(openings) == len(report.sections)
        for section, block in zip(report.sections, openings, strict=True):
            head = block.partition("</div>")[0]
            assert head.strip().startswith(f"<h2>{html.escape(section)}</h2>")
            assert '<section class="table"' in head or '<figure class="chart"' in head

    def test_tables_are_numbered(self, report):
        page = render_html(report).decode()
        assert f"<caption>Tabell 1: {html.escape(report.tables[0].title)}</caption>" in page

    def test_everything_is_escaped(self):
        page = render_html(make_report('Förbund <script>alert("x")</script> & co')).decode()
        assert "<script>" not in page
        assert "&lt;script&gt;" in page and "&amp; co" in page


class TestCharts:
    def test_charts_are_valid_pngs_of_the_expected_size(self, report):
        for chart in report.charts:
            png = render_chart(chart)
            assert png.startswith(PNG_SIGNATURE)
            with Image.open(io.BytesIO(png)) as image:
                image.verify()
            with Image.open(io.BytesIO(png)) as image:
                # 16 × 9.6 cm at 300 dpi: sharp when printed at the size docx inserts it.
                assert image.size == (1889, 1133)
                assert round(image.info["dpi"][0]) == 300

    def test_charts_are_deterministic_and_carry_no_software_stamp(self, report):
        draw = render_chart.__wrapped__  # past the cache: draw twice
        first = [draw(c) for c in report.charts]
        assert first == [draw(c) for c in report.charts]
        assert all(b"Software" not in png and b"matplotlib" not in png for png in first)


class TestRender:
    @pytest.mark.parametrize("fmt", sorted(FORMATS))
    def test_each_format_returns_bytes_media_type_and_extension(self, report, fmt):
        body, media_type, extension = render(report, fmt)
        assert body and media_type and extension
        assert extension == {"csv": "zip"}.get(fmt, fmt)

    @pytest.mark.parametrize("fmt", ["xlsx", "docx"])
    def test_office_files_are_the_same_bytes_for_the_same_as_of(self, fmt):
        assert render(make_report(), fmt)[0] == render(make_report(), fmt)[0]

    def test_unknown_format_is_a_validation_error_naming_the_allowed(self, report):
        with pytest.raises(UnknownCodeError) as raised:
            render(report, "pdf")
        assert raised.value.field == "format"
        assert "xlsx" in raised.value.allowed
