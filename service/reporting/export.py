"""The annual export (product.md §9): two statistics answers, one report, one format.

The file formats are adapters; this service receives the renderer from bootstrap so the
application layer does not depend on openpyxl, python-docx or matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from service.application.queries import Queries
from service.application.removal import published_answer
from service.domain.facts import Period
from service.domain.municipalities import municipality_names
from service.reporting.model import AnnualReport
from service.reporting.report import build_annual_report
from service.reporting.years import ExportYears

Renderer = Callable[[AnnualReport, str], tuple[bytes, str, str]]


class AnnualExports:
    """Builds the year's report with the previous year beside it and renders it."""

    def __init__(
        self, queries: Queries, render: Renderer, now: Callable[[], datetime] | None = None
    ) -> None:
        self.queries = queries
        self.render = render
        self.now = now or (lambda: datetime.now(UTC))

    def export(
        self, association_id: str, year: int, fmt: str, as_of: datetime | None
    ) -> tuple[bytes, str, str]:
        """The export as (bytes, media type, file extension); a year not begun is refused."""
        queries = self.queries
        first_data = queries.first_data_date(association_id, as_of)
        years = ExportYears.checked(year, as_of, self.now(), first_data)
        current = self._answer(association_id, year, as_of)
        previous = self._answer(association_id, year - 1, as_of)
        report = build_annual_report(
            association_name=queries.association_name(association_id), year=year,
            current=current, previous=previous,
            generated_as_of=as_of.isoformat() if as_of else None,
            municipality_names=municipality_names(),
            stamp=years.stamp.isoformat(),
            preliminary=years.preliminary,
            # A comparison year published before gallring or erasure stays available.
            previous_available=years.previous_available or self._stored(association_id, year - 1, as_of),
        )  # fmt: skip
        return self.render(report, fmt)

    def _stored(self, association_id: str, year: int, as_of: datetime | None) -> bool:
        """True when the year's published answer is stored (and no as_of is asked)."""
        return (
            as_of is None and published_answer(self.queries.store, association_id, year) is not None
        )

    def _answer(self, association_id: str, year: int, as_of: datetime | None) -> dict[str, Any]:
        """The year's answer: as stored before gallring or erasure removed events it was
        computed from (docs/decisions.md §22), else computed now."""
        if as_of is None:
            stored = published_answer(self.queries.store, association_id, year)
            if stored is not None:
                return stored
        return self.queries.statistics_unchecked(association_id, Period.year(year), as_of=as_of)
