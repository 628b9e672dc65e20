"""The annual export as JSON: the same tables and numbers, in a stable byte form."""

from __future__ import annotations

import json

from service.reporting.model import AnnualReport

SCHEMA = "uppfoljning/annual-report/1"


def render_json(report: AnnualReport) -> bytes:
    """The report as UTF-8 JSON with sorted keys, so equal reports give equal bytes."""
    document = {"schema": SCHEMA, **report.to_dict()}
    text = json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return (text + "\n").encode("utf-8")
