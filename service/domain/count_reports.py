"""Counts posted without registering persons: anonymous participants and activities.

Each report is an aggregate of one event, so concurrent reports never contend and a
client's idempotency key can name the report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from service.domain.codes import Organisation
from service.domain.errors import InvalidValueError
from service.domain.facts import Period


def _require_counts(values: dict[str, int | None]) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            raise InvalidValueError(name, f"{name} must be 0 or more")


class AnonymousParticipantsReport(Aggregate):
    """AnonymousParticipantsReported: consultations with unregistered persons."""

    class Reported(Aggregate.Created):
        """AnonymousParticipantsReported."""

        association_id: str
        intervention_id: str
        period_start: date
        period_end: date
        female: int
        male: int
        unspecified: int
        recorded_by: str
        request_hash: str

    def __init__(self, request_hash: str) -> None:
        self.request_hash = request_hash

    @classmethod
    def report(cls, id: Any, *, today: date, **fields: Any) -> AnonymousParticipantsReport:
        """Record the counts of one period."""
        Period.checked(fields["period_start"], fields["period_end"])
        if fields["period_end"] > today:
            # A count of a period not yet over would be reported again when it is.
            raise InvalidValueError("to", "'to' is in the future")
        _require_counts({k: fields[k] for k in ("female", "male", "unspecified")})
        return cls._create(cls.Reported, id=id, **fields)


class Activity(Aggregate):
    """ActivityHeld: a structural activity and who took part."""

    class Held(Aggregate.Created):
        """ActivityHeld."""

        association_id: str
        intervention_id: str
        held_on: date
        title: str
        participants: dict[str, int]
        female: int | None
        male: int | None
        recorded_by: str
        request_hash: str

    def __init__(self, request_hash: str) -> None:
        self.request_hash = request_hash

    @classmethod
    def hold(cls, id: Any, *, today: date, **fields: Any) -> Activity:
        """Record a held activity."""
        if fields["held_on"] > today:
            raise InvalidValueError("held_on", "held_on is in the future")
        participants = {o.value: int(fields["participants"].get(o.value, 0)) for o in Organisation}
        _require_counts({f"participants.{k}": v for k, v in participants.items()})
        _require_counts({"female": fields.get("female"), "male": fields.get("male")})
        by_sex = (fields.get("female") or 0) + (fields.get("male") or 0)
        if by_sex > sum(participants.values()):
            raise InvalidValueError(
                "female", "female and male together exceed the participants by organisation"
            )
        return cls._create(cls.Held, id=id, **{**fields, "participants": participants})
