"""The annual export as CSV for Swedish Excel: one file per table, zipped, byte-for-byte stable.

Each file is UTF-8 with BOM, ';'-separated, decimal comma: the title, one header row,
the rows, then the footnotes, so a table opened alone still says what each figure means.
"""

from __future__ import annotations

import csv
import io
import zipfile

from service.reporting.model import AnnualReport, Table
from service.reporting.render.layout import FIXED_ZIP_TIME, file_names, flat_header
from service.reporting.render.spreadsheet_text import csv_text


def render_csv(report: AnnualReport) -> bytes:
    """A zip with one CSV per table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, table in zip(file_names(report.tables, "csv"), report.tables, strict=True):
            entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, table_csv(table))
    return buffer.getvalue()


def table_csv(table: Table) -> bytes:
    """One table as CSV bytes with a BOM."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    # Text cells through csv_text (no formula injection); the figures are numbers.
    writer.writerow([csv_text(table.title)])
    writer.writerow(
        [csv_text(table.stub_header), *(csv_text(flat_header(c)) for c in table.columns)]
    )
    for row in table.rows:
        writer.writerow([csv_text(row.display_label), *(v.text(plain=True) for v in row.values)])
    writer.writerow([])
    for note in table.footnotes:
        writer.writerow([csv_text(note.display)])
    return text.getvalue().encode("utf-8-sig")
