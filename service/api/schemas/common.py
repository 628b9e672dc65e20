"""Shared schema pieces."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from service.api.schemas.guarded import guarded
from service.api.schemas.instants import representable_in_utc

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only `YYYY-MM-DD` (lax parsing would read a number as a Unix timestamp)."""
    if type(value) is date or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


def _iso_datetime(value: Any) -> Any:
    """Only ISO 8601 date-times (lax parsing would read a number as a Unix timestamp)."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("must be a date-time as YYYY-MM-DDThh:mm:ss, with its offset")


# Request fields take JSON's own types only: no "1" for 1, 0 for false or 0 for 1970-01-01.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[
    datetime, BeforeValidator(_iso_datetime), AfterValidator(representable_in_utc)
]
StrictInt = Annotated[int, Field(strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
Slug = Annotated[
    str, Field(pattern=SLUG_PATTERN, examples=["sodra-dalarna"]), AfterValidator(guarded)
]
# Free text: no control characters (the exports' XML and PostgreSQL's text refuse some).
PlainText = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]*$")]
# ...and never a personnummer (service/api/identity_guard.py): every field but the one for it.
Text = Annotated[PlainText, AfterValidator(guarded)]
Count = Annotated[int, Field(ge=0, le=1_000_000, strict=True)]
# Whole kronor of a budget or cost: an insats runs on millions; 10 billion is no typo's limit.
AmountSek = Annotated[int, Field(ge=0, le=10_000_000_000, strict=True)]


class Strict(BaseModel):
    """Request bodies: unknown fields are rejected (422)."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(
        default="about:blank",
        description="A URI naming the kind of problem; `about:blank` (the status says it all)",
    )
    title: str = Field(description="The HTTP status's phrase, e.g. `Unprocessable Entity`")
    status: int = Field(description="The HTTP status code, as in the response")
    detail: str = Field(
        description="What went wrong, for a person to read (English); never echoes a submitted value"
    )
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="For 422: one object per invalid field, `{field, message, allowed?}`; `field` is a dotted path (e.g. `data.education`), `allowed` lists the valid codes where there is a code list",
    )


class WriteResult(BaseModel):
    """The id and new version of what was written."""

    id: str = Field(description="The enrollment's id (UUID)")
    version: int = Field(
        description="The enrollment's version after this write (1 = enrolled); send it as `If-Match` to guard the next write"
    )
