"""Which years an annual export may show, and the instant it is stamped with (product.md §9).

A year after the running one is refused; the running year is preliminary; a comparison year
before the association's first data is "uppgift saknas", not a year of zeros. Every export
is stamped with the instant its figures stand at, in Swedish time (Europe/Stockholm).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from service.domain.errors import InvalidValueError

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class FutureYearError(InvalidValueError):
    """The year has not begun at the instant the export stands at (422)."""

    def __init__(self, year: int, running_year: int) -> None:
        super().__init__(
            "year",
            f"year {year} has not begun (Europe/Stockholm); the latest year that can be "
            f"exported is {running_year}",
        )
        self.year = year
        self.running_year = running_year

    @property
    def swedish(self) -> str:
        """The error as the CLI says it."""
        return (
            f"Året {self.year} har inte börjat. Årsredovisningen kan göras för "
            f"{self.running_year} (preliminära uppgifter) och tidigare år."
        )


def in_stockholm(instant: datetime) -> datetime:
    """An instant in Swedish time; a naive one is read as UTC, as the service stores it."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(STOCKHOLM)


@dataclass(frozen=True, slots=True)
class ExportYears:
    """What the export of `year` standing at `stamp` may say about its two years."""

    year: int
    stamp: datetime  # in Europe/Stockholm
    first_data: date | None

    @classmethod
    def checked(
        cls, year: int, as_of: datetime | None, now: datetime, first_data: date | None
    ) -> ExportYears:
        """The years of an export; FutureYearError when `year` has not begun at the stamp."""
        stamp = in_stockholm(as_of or now)
        if year > stamp.year:
            raise FutureYearError(year, stamp.year)
        return cls(year, stamp, first_data)

    @property
    def preliminary(self) -> bool:
        """True for the running year: its figures will still change."""
        return self.year == self.stamp.year

    @property
    def previous_available(self) -> bool:
        """False when the association had no data before the end of the comparison year."""
        return self.first_data is not None and self.first_data.year <= self.year - 1
