"""Exporters of the annual report (product.md §9): one module per format, one entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from service.domain.errors import UnknownCodeError
from service.reporting.model import AnnualReport
from service.reporting.render.csv import render_csv
from service.reporting.render.docx import render_docx
from service.reporting.render.html import render_html
from service.reporting.render.json import render_json
from service.reporting.render.xlsx import render_xlsx


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
