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

    id: UUID | None = Field(
        default=None,
        description="The enrollment's id (UUID) chosen by the client, so a retry cannot enroll twice; absent: the service makes one",
    )
    pseudonym: Text | None = Field(
        description="The participant's pseudonym made with the huvudman's key (docs/integration.md §2); 8–128 characters, never a personnummer",
        default=None,
        min_length=8,
        max_length=128,
    )
    personal_identity_number: PlainText | None = Field(
        description="A personnummer, only where the association accepts them (`accept_personal_identity_numbers`); pseudonymised at once and never stored. Send this or `pseudonym`, never both",
        default=None,
        max_length=20,
    )
    enrolled_on: IsoDate = Field(
        description="Inskrivningsdatum (YYYY-MM-DD); not in the future, within the intervention's dates"
    )
    sex: Sex | None = Field(
        default=None, description="Juridiskt kön; derived from a personnummer when one is sent"
    )
    birth_year: StrictInt | None = Field(
        description="Year of birth; age at enrollment must be 15–67; derived from a personnummer when one is sent",
        default=None,
        ge=1900,
        le=2100,
    )
    education: Education = Field(
        description="Highest completed education (coarsened SUN level); `unknown` when not known"
    )
    municipality: str | None = Field(
        description="Kommun of residence as SCB's 4-digit kommunkod, e.g. `2080` (Falun)",
        default=None,
        pattern=r"^[0-9]{4}$",
    )
    support: list[Support] = Field(
        description="Försörjning at enrollment: any of the codes (`none` alone); empty = unknown",
        default_factory=list,
        max_length=8,
    )
    months_on_public_support: StrictInt | None = Field(
        description="Tid med offentlig försörjning före start, in whole months (0–1200); absent = not known",
        default=None,
        ge=0,
        le=1200,
    )
    months_without_work_or_studies: StrictInt | None = Field(
        description="Tid utan arbete eller studier före start, in whole months (0–1200); absent = not known",
        default=None,
        ge=0,
        le=1200,
    )


class SupportChange(Strict):
    """Försörjningsändring."""

    changed_on: IsoDate = Field(
        description="The date the försörjning changed (YYYY-MM-DD); after enrollment, not after the exit, not in the future"
    )
    support: list[Support] = Field(
        description="Försörjning from that date: any of the codes (`none` alone); empty = unknown",
        max_length=8,
    )


class ExitCreate(Strict):
    """Avslut."""

    exited_on: IsoDate = Field(
        description="Avslutsdatum (YYYY-MM-DD); not before enrollment, not in the future"
    )
    reason: ExitReason = Field(
        description="Avslutsorsak; the association's `goal_reasons` decide which count as mot mål"
    )
    support_at_exit: list[Support] | None = Field(
        description="Försörjning at exit (codes as at enrollment); absent = not known",
        default=None,
        max_length=8,
    )
    progressed: StrictBool | None = Field(
        default=None,
        description="Stegförflyttning: whether the participant moved closer to self-support; absent = not assessed",
    )


class Reason(Strict):
    """Why an exit is retracted or an enrollment voided."""

    why: Text = Field(
        description="Why, in free text (1–500 characters, never a personnummer); kept in the event history",
        min_length=1,
        max_length=500,
    )


class Correction(Strict):
    """Rättelse: any subset of the enrollment's and the exit's fields.

    A personnummer (where the association accepts them) corrects pseudonym, sex and birth
    year together, as at inskrivning.
    """

    pseudonym: Text | None = Field(
        description="The corrected pseudonym (as at enrollment)",
        default=None,
        min_length=8,
        max_length=128,
    )
    personal_identity_number: PlainText | None = Field(
        description="A corrected personnummer (where accepted): corrects pseudonym, sex and birth year together; never stored",
        default=None,
        max_length=20,
    )
    enrolled_on: IsoDate | None = Field(
        default=None, description="The corrected inskrivningsdatum (YYYY-MM-DD)"
    )
    sex: Sex | None = Field(default=None, description="The corrected juridiskt kön")
    birth_year: StrictInt | None = Field(
        description="The corrected year of birth (age at enrollment 15–67)",
        default=None,
        ge=1900,
        le=2100,
    )
    education: Education | None = Field(default=None, description="The corrected education level")
    municipality: str | None = Field(
        description="The corrected kommunkod (4 digits)", default=None, pattern=r"^[0-9]{4}$"
    )
    support: list[Support] | None = Field(
        description="The corrected försörjning at enrollment", default=None, max_length=8
    )
    months_on_public_support: StrictInt | None = Field(
        description="The corrected months on public support before start (0–1200)",
        default=None,
        ge=0,
        le=1200,
    )
    months_without_work_or_studies: StrictInt | None = Field(
        description="The corrected months without work or studies before start (0–1200)",
        default=None,
        ge=0,
        le=1200,
    )
    exited_on: IsoDate | None = Field(
        default=None, description="The corrected avslutsdatum (only for an exited enrollment)"
    )
    reason: ExitReason | None = Field(
        default=None, description="The corrected avslutsorsak (only for an exited enrollment)"
    )
    support_at_exit: list[Support] | None = Field(
        description="The corrected försörjning at exit", default=None, max_length=8
    )
    progressed: StrictBool | None = Field(
        default=None, description="The corrected stegförflyttning"
    )


class EnrollmentSummary(BaseModel):
    """One enrollment in a coach's list (pseudonymous)."""

    id: str = Field(description="The enrollment's id (UUID)")
    version: int = Field(description="The enrollment's current version (number of its events)")
    pseudonym: str = Field(description="The participant's pseudonym")
    enrolled_on: date = Field(description="Inskrivningsdatum")
    sex: str = Field(description="Juridiskt kön: `female` or `male`")
    birth_year: int = Field(description="Year of birth")
    education: str = Field(description="Education level code")
    municipality: str | None = Field(description="Kommunkod (4 digits), or null when not given")
    support_at_enrollment: list[str] = Field(
        description="Försörjning codes at enrollment (empty = unknown)"
    )
    current_support: list[str] = Field(
        description="Försörjning codes now, after any support changes"
    )
    exited_on: date | None = Field(description="Avslutsdatum, or null while the enrollment is open")
    exit_reason: str | None = Field(description="Avslutsorsak code, or null while open")
    progressed: bool | None = Field(
        description="Stegförflyttning at exit, or null when open or not assessed"
    )


class EventPublic(BaseModel):
    """One event of an enrollment's history."""

    version: int = Field(description="The enrollment's version this event made (1 = enrolled)")
    type: str = Field(
        description="The event: `Enrolled`, `SupportChanged`, `Exited`, `ExitRetracted`, `Corrected` or `Voided`"
    )
    recorded_at: datetime = Field(description="When the service recorded it (UTC, with offset)")
    recorded_by: str = Field(
        description="The id of the API key that wrote it (`cli-import` for an import)"
    )
    data: dict[str, Any] = Field(
        description="The event's fields as written (pseudonymous; a personnummer is never stored)"
    )


class EnrollmentDetail(BaseModel):
    """An enrollment's state, version and full history."""

    id: str = Field(description="The enrollment's id (UUID)")
    association_id: str = Field(description="The association it belongs to")
    intervention_id: str = Field(description="The intervention (insats) it belongs to")
    version: int = Field(description="The current version; send it as `If-Match` to guard a write")
    voided: bool = Field(
        description="True when the enrollment was voided (makulerad) and no longer counts"
    )
    state: EnrollmentSummary = Field(description="The enrollment as it stands after all its events")
    events: list[EventPublic] = Field(description="Its full history, oldest first")


class AnonymousParticipants(Strict):
    """Counts of unregistered participants over a period."""

    intervention_id: Slug = Field(description="The individual intervention they took part in")
    from_: IsoDate = Field(description="First day of the period (YYYY-MM-DD)", alias="from")
    to: IsoDate = Field(
        description="Last day of the period (YYYY-MM-DD), included; the report counts in the year it ends"
    )
    female: Count = Field(description="Number of women (0–1,000,000)")
    male: Count = Field(description="Number of men (0–1,000,000)")
    unspecified: Count = Field(
        description="Number of participants whose kön is not given (0–1,000,000); counted in the total only"
    )


class ActivityParticipants(Strict):
    """Participants by organisation."""

    af: Count = Field(default=0, description="Participants from Arbetsförmedlingen")
    fk: Count = Field(default=0, description="Participants from Försäkringskassan")
    region: Count = Field(
        default=0, description="Participants from the region (hälso- och sjukvård)"
    )
    kommun: Count = Field(default=0, description="Participants from the kommuner")
    other: Count = Field(default=0, description="Participants from other organisations")


class ActivityCreate(Strict):
    """A structural activity."""

    intervention_id: Slug = Field(
        description="The structural intervention (strukturövergripande insats) it belongs to"
    )
    held_on: IsoDate = Field(description="The day it was held (YYYY-MM-DD)")
    title: Text = Field(
        description="What it was, e.g. `Utbildning i SIP` (1–300 characters)",
        min_length=1,
        max_length=300,
    )
    participants: ActivityParticipants = Field(description="Participants by organisation")
    female: Count | None = Field(default=None, description="Of the participants, women (optional)")
    male: Count | None = Field(default=None, description="Of the participants, men (optional)")


class Created(BaseModel):
    """The id of a count report."""

    id: str = Field(description="The id of the count report")


EventType = Literal[
    "enrolled", "support_changed", "exited", "exit_retracted", "corrected", "voided"
]


class BatchEvent(Strict):
    """One event of a batch; `data` is the body of the single endpoint."""

    id: UUID = Field(
        description="The event's own id (UUID): a retried event with the same id is answered, not applied again"
    )
    type: EventType = Field(
        description="The event type; `data` is the body of its single endpoint (`enrolled`: EnrollmentCreate, `support_changed`: SupportChange, `exited`: ExitCreate, `exit_retracted` and `voided`: Reason, `corrected`: Correction)"
    )
    enrollment_id: UUID = Field(
        description="The enrollment the event belongs to (for `enrolled`, the new enrollment's id)"
    )
    intervention_id: Slug | None = Field(
        default=None,
        description="The intervention; required for `enrolled`, optional (but checked) for the others",
    )
    data: dict[str, Any] = Field(description="The event's body, as its single endpoint takes it")


class Batch(Strict):
    """Up to 10,000 events, applied in order.

    Each event is read as an object here and checked against `BatchEvent` on its own (as
    the schema documents it), so one malformed event is answered with its own 422 and does
    not stop the others.
    """

    events: list[Annotated[dict[str, Any], WithJsonSchema(BatchEvent.model_json_schema())]] = Field(
        max_length=10_000, description="The events (1–10,000), applied in the order given"
    )


class BatchItemResult(BaseModel):
    """The outcome of one batch item."""

    id: UUID = Field(description="The event's id, as sent")
    status: int = Field(
        description="The HTTP status its single endpoint would answer: 201 written, 200 already applied, or the error's status (401, 403, 404, 409, 412, 422, 500)"
    )
    detail: str | None = Field(
        default=None, description="Why it was refused (English), for an error status"
    )
    version: int | None = Field(
        default=None,
        description="The enrollment's version after the event, when written or replayed",
    )


class BatchResult(BaseModel):
    """Per-item outcomes, in the order given."""

    results: list[BatchItemResult] = Field(description="One result per event, in the order sent")


ORGANISATIONS = [o.value for o in Organisation]
