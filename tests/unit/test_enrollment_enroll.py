"""`Enrollment.enroll` decides the Enrolled event; the aggregate is what it starts."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from service.domain.enrollment import Enrollment
from service.domain.errors import InvalidValueError

TODAY = date(2026, 11, 24)
FIELDS = {"pseudonym": "person-0001", "enrolled_on": date(2023, 3, 1), "sex": "female",
          "birth_year": 1990, "education": "compulsory", "support": ["social_assistance"]}  # fmt: skip
META: dict[str, Any] = {"association_id": "a", "intervention_id": "team-a",
                        "recorded_by": "key-1", "request_hash": "h", "client_event_id": "c"}  # fmt: skip


def test_the_event_starts_the_aggregate_the_library_would_create() -> None:
    enrolled = Enrollment.enroll(uuid4(), fields=FIELDS, today=TODAY, **META)
    started = Enrollment.started_by(enrolled)
    created = Enrollment._create(
        Enrollment.Enrolled, id=enrolled.originator_id, timestamp=enrolled.timestamp,
        fields=FIELDS, **META,
    )  # fmt: skip
    assert vars(started) == vars(created)
    assert started.collect_events() == created.collect_events() == [enrolled]
    assert (started.version, started.created_hash) == (1, "h")


def test_the_rules_of_an_enrollment_are_checked_before_any_event() -> None:
    with pytest.raises(InvalidValueError, match="in the future"):
        Enrollment.enroll(uuid4(), fields={**FIELDS, "enrolled_on": date(2027, 1, 1)},
                          today=TODAY, **META)  # fmt: skip
    with pytest.raises(InvalidValueError, match="between 15 and 67"):
        Enrollment.enroll(uuid4(), fields={**FIELDS, "birth_year": 2015}, today=TODAY, **META)
