"""Date-times the service can compare (issue 17, finding 7).

`as_of=0001-01-01T00:00:00+14:00` is a valid ISO 8601 date-time, but in UTC it lies before
year 1, which Python's datetime cannot hold: comparing it with a recorded instant raised
OverflowError, a 500. A date-time whose UTC form is outside years 1–9999 is now a 422
naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic_core import PydanticCustomError


def representable_in_utc(value: datetime) -> datetime:
    """`value`, or a 422 when it has no UTC form (a date-time at the very ends of the range)."""
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError(
            "datetime_range", "must lie between years 1 and 9999 in UTC"
        ) from None
    return value
