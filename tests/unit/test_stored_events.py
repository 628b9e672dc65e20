"""Event rows written by orjson are the mapper's, byte for byte (product.md §4 events)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic
from hypothesis import given
from hypothesis import strategies as st

from service.adapters.eventstore import EventStore
from service.adapters.stored_events import event_row
from service.domain.enrollment import Enrollment

MAPPER = EventStore(env={}).mapper
text = st.text(max_size=40)
optional_int = st.none() | st.integers(-(2**70), 2**70)
fields = st.fixed_dictionaries(
    {"pseudonym": text, "enrolled_on": st.dates(), "sex": text, "birth_year": st.integers(),
     "education": text, "support": st.lists(text, max_size=4)},
    optional={"municipality": st.none() | text, "months_on_public_support": optional_int,
              "months_without_work_or_studies": optional_int, "extra": st.floats(allow_nan=False) | st.uuids()},
)  # fmt: skip


def enrolled(fields: dict[str, Any], client_event_id: str | None = "cid") -> Any:
    return Enrollment.Enrolled(
        originator_id=uuid4(), originator_version=1, timestamp=datetime.now(UTC),
        originator_topic=get_topic(Enrollment), recorded_by="key-1",
        client_event_id=client_event_id, request_hash="ab" * 32, association_id="a",
        intervention_id="team-a", fields=fields,
    )  # fmt: skip


def assert_as_the_mapper(event: Any) -> None:
    stored = MAPPER.to_stored_event(event)
    row = event_row(MAPPER, event)
    assert (row["originator_id"], row["originator_version"], row["topic"], row["state"]) == (
        stored.originator_id, stored.originator_version, stored.topic, stored.state,
    )  # fmt: skip
    assert vars(MAPPER.to_domain_event(stored)) == vars(event)


@given(fields, st.none() | text)
def test_an_enrolled_event_is_stored_as_the_mapper_stores_it(
    fields: dict[str, Any], client_event_id: str | None
) -> None:
    assert_as_the_mapper(enrolled(fields, client_event_id))


@given(st.dates(), st.lists(text, max_size=3), st.dictionaries(text, text | st.dates()))
def test_the_other_enrollment_events_are_stored_as_the_mapper_stores_them(
    day: date, support: list[str], changes: dict[str, Any]
) -> None:
    meta = {"originator_id": uuid4(), "originator_version": 2, "timestamp": datetime.now(UTC),
            "recorded_by": "key-1", "client_event_id": None, "request_hash": None}  # fmt: skip
    assert_as_the_mapper(Enrollment.SupportChanged(**meta, changed_on=day, support=support))
    assert_as_the_mapper(Enrollment.Exited(**meta, exit={"exited_on": day, "reason": "work"}))
    assert_as_the_mapper(Enrollment.Corrected(**meta, changes=changes))
    assert_as_the_mapper(Enrollment.Voided(**meta, why="fel"))


def test_a_timestamp_without_microseconds_is_written_alike() -> None:
    event = enrolled({"pseudonym": "p", "enrolled_on": date(2023, 1, 1)})
    object.__setattr__(event, "timestamp", datetime(2026, 1, 1, tzinfo=UTC))
    assert_as_the_mapper(event)
    assert isinstance(event_row(MAPPER, event)["originator_id"], UUID)


def test_a_state_the_mapper_cannot_encode_fails_as_it_does() -> None:
    event = enrolled({"pseudonym": "lone \ud800 surrogate"})
    with pytest.raises(UnicodeEncodeError):
        MAPPER.to_stored_event(event)
    with pytest.raises(UnicodeEncodeError):
        event_row(MAPPER, event)
