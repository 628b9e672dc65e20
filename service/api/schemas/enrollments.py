"""Schemas of enrollments and their events (product.md §4, §8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from service.api.schemas.common import (
    Count,
    IsoDate,
    PlainText,
    Slug,
    Strict,
    StrictBool,
    StrictInt,
    Text,
)
from service.domain.codes import Education, ExitReason, Organisation, Sex, Support

Months = Field(default=None, ge=0, le=1200)


class EnrollmentCreate(Strict):
    """Inskrivning: a pseudonym (or, where allowed, a personnummer) and coarse attributes.

    Send either `pseudonym` or `personal_identity_number`, never both (422).
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pseudonym": "9f2c4e7a1b3d5f60",
                    "enrolled_on": "2025-03-03",
                    "sex": "female",
                    "birth_year": 1990,
                    "education": "upper_secondary",
                    "municipality": "2080",
                    "support": ["social_assistance"],
                    "months_on_public_support": 24,
                    "months_without_work_or_studies": 30,
                }
            ]
        }
    )

    id: UUID | None = None
    pseudonym: Text | None = Field(default=None, min_length=8, max_length=128)
    personal_identity_number: PlainText | None = Field(default=None, max_length=20)
    enrolled_on: IsoDate
    sex: Sex | None = None
    birth_year: StrictInt | None = Field(default=None, ge=1900, le=2100)
    education: Education
    municipality: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    support: list[Support] = Field(default_factory=list, max_length=8)
    months_on_public_support: StrictInt | None = Months
    months_without_work_or_studies: StrictInt | None = Months


class SupportChange(Strict):
    """Försörjningsändring."""

    changed_on: IsoDate
    support: list[Support] = Field(max_length=8)


class ExitCreate(Strict):
    """Avslut."""

    exited_on: IsoDate
    reason: ExitReason
    support_at_exit: list[Support] | None = Field(default=None, max_length=8)
    progressed: StrictBool | None = None


class Reason(Strict):
    """Why an exit is retracted or an enrollment voided."""

    why: Text = Field(min_length=1, max_length=500)


class Correction(Strict):
    """Rättelse: any subset of the enrollment's and the exit's fields.

    A personnummer (where the association accepts them) corrects pseudonym, sex and birth
    year together, as at inskrivning.
    """

    pseudonym: Text | None = Field(default=None, min_length=8, max_length=128)
    personal_identity_number: PlainText | None = Field(default=None, max_length=20)
    enrolled_on: IsoDate | None = None
    sex: Sex | None = None
    birth_year: StrictInt | None = Field(default=None, ge=1900, le=2100)
    education: Education | None = None
    municipality: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    support: list[Support] | None = Field(default=None, max_length=8)
    months_on_public_support: StrictInt | None = Months
    months_without_work_or_studies: StrictInt | None = Months
    exited_on: IsoDate | None = None
    reason: ExitReason | None = None
    support_at_exit: list[Support] | None = Field(default=None, max_length=8)
    progressed: StrictBool | None = None


class EnrollmentSummary(BaseModel):
    """One enrollment in a coach's list (pseudonymous)."""

    id: str
    version: int
    pseudonym: str
    enrolled_on: date
    sex: str
    birth_year: int
    education: str
    municipality: str | None
    support_at_enrollment: list[str]
    current_support: list[str]
    exited_on: date | None
    exit_reason: str | None
    progressed: bool | None


class EventPublic(BaseModel):
    """One event of an enrollment's history."""

    version: int
    type: str
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]


class EnrollmentDetail(BaseModel):
    """An enrollment's state, version and full history."""

    id: str
    association_id: str
    intervention_id: str
    version: int
    voided: bool
    state: EnrollmentSummary
    events: list[EventPublic]


class AnonymousParticipants(Strict):
    """Counts of unregistered participants over a period."""

    intervention_id: Slug
    from_: IsoDate = Field(alias="from")
    to: IsoDate
    female: Count
    male: Count
    unspecified: Count


class ActivityParticipants(Strict):
    """Participants by organisation."""

    af: Count = 0
    fk: Count = 0
    region: Count = 0
    kommun: Count = 0
    other: Count = 0


class ActivityCreate(Strict):
    """A structural activity."""

    intervention_id: Slug
    held_on: IsoDate
    title: Text = Field(min_length=1, max_length=300)
    participants: ActivityParticipants
    female: Count | None = None
    male: Count | None = None


class Created(BaseModel):
    """The id of a count report."""

    id: str


EventType = Literal[
    "enrolled", "support_changed", "exited", "exit_retracted", "corrected", "voided"
]


class BatchEvent(Strict):
    """One event of a batch; `data` is the body of the single endpoint."""

    id: UUID
    type: EventType
    enrollment_id: UUID
    intervention_id: Slug | None = None
    data: dict[str, Any]


class Batch(Strict):
    """Up to 10,000 events, applied in order.

    Each event is read as an object here and checked against `BatchEvent` on its own (as
    the schema documents it), so one malformed event is answered with its own 422 and does
    not stop the others.
    """

    events: list[Annotated[dict[str, Any], WithJsonSchema(BatchEvent.model_json_schema())]] = Field(
        max_length=10_000
    )


class BatchItemResult(BaseModel):
    """The outcome of one batch item."""

    id: UUID
    status: int
    detail: str | None = None
    version: int | None = None


class BatchResult(BaseModel):
    """Per-item outcomes, in the order given."""

    results: list[BatchItemResult]


ORGANISATIONS = [o.value for o in Organisation]
