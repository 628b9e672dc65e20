"""Exporters of the annual report (product.md §9): one module per format, one entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from service.adapters.exporters.csv import render_csv
from service.adapters.exporters.docx import render_docx
from service.adapters.exporters.html import render_html
from service.adapters.exporters.json import render_json
from service.adapters.exporters.xlsx import render_xlsx
from service.application.annual_report_model import AnnualReport
from service.domain.errors import UnknownCodeError


class ExportFormat(NamedTuple):
    """How one format is made and served."""

    render: Callable[[AnnualReport], bytes]
    media_type: str
    extension: str


FORMATS: dict[str, ExportFormat] = {
    "xlsx": ExportFormat(
        render_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    "docx": ExportFormat(
        render_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "csv": ExportFormat(render_csv, "application/zip", "zip"),
    "json": ExportFormat(render_json, "application/json", "json"),
    "html": ExportFormat(render_html, "text/html; charset=utf-8", "html"),
}


def render(report: AnnualReport, fmt: str) -> tuple[bytes, str, str]:
    """The report in a format: (bytes, media type, file extension); 422 for an unknown one."""
    export = FORMATS.get(fmt)
    if export is None:
        raise UnknownCodeError("format", fmt, FORMATS)
    return export.render(report), export.media_type, export.extension
