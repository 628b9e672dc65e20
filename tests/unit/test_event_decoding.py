"""The projector's event decoder gives the domain events the event store's mapper gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as hs

from service.adapters.event_decoding import EventDecoder
from service.adapters.eventstore import EventStore
from service.domain.enrollment import Enrollment

STORE = EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
DECODER = EventDecoder(STORE.mapper)

scalars = hs.one_of(
    hs.none(),
    hs.booleans(),
    # Beyond 64 bits too: orjson reads those as floats, so the decoder must step aside.
    hs.integers(min_value=-(2**70), max_value=2**70),
    hs.floats(allow_nan=False, allow_infinity=False),  # orjson refuses NaN: tested below
    hs.text(),
    hs.dates(),
    hs.datetimes(timezones=hs.just(UTC)),
    hs.uuids(),
)
# JSON-like values holding the types the transcoder writes as {"_type_", "_data_"} objects,
# nested in objects and lists, and objects that only look like them.
values = hs.recursive(
    scalars,
    lambda inner: (
        hs.lists(inner, max_size=4)
        | hs.dictionaries(hs.sampled_from(["_type_", "_data_", "a", "b"]) | hs.text(), inner)
    ),
    max_leaves=12,
)


def _stored(event: Any) -> StoredEvent:
    return STORE.mapper.to_stored_event(event)


def _decoded(stored: StoredEvent) -> Any:
    return DECODER.to_domain_event(
        stored.originator_id, stored.originator_version, stored.topic, stored.state
    )


@settings(max_examples=300, deadline=None)
@given(hs.dictionaries(hs.text(), values, max_size=5))
def test_state_decodes_as_the_transcoder_decodes_it(state: dict[str, Any]) -> None:
    encoded = STORE.mapper.transcoder.encode(state)
    if "class_version" in state:
        assert DECODER.decode_state(encoded) is None  # upcasting stays with the mapper
    else:
        expected = _outcome(STORE.mapper.transcoder.decode, encoded)
        assert _outcome(_fast_or_mapper, encoded) == expected


def _fast_or_mapper(encoded: bytes) -> Any:
    """What `to_domain_event` uses: the fast decoder, or the mapper where it steps aside."""
    state = DECODER.decode_state(encoded)
    return STORE.mapper.transcoder.decode(encoded) if state is None else state


def test_an_integer_beyond_64_bits_is_left_to_the_mapper_not_rounded() -> None:
    encoded = STORE.mapper.transcoder.encode({"count": 2**64, "nested": [{"n": -(2**65)}]})
    assert DECODER.decode_state(encoded) is None
    assert _fast_or_mapper(encoded) == {"count": 2**64, "nested": [{"n": -(2**65)}]}


def _outcome(decode: Any, encoded: bytes) -> tuple[str, Any]:
    """The decoded value, or the kind of error (an unknown `_type_` raises in both)."""
    try:
        return "value", decode(encoded)
    except Exception as error:
        return "error", type(error)


def _new_enrollment(**fields: Any) -> Enrollment:
    """An enrollment with its Enrolled event pending (the aggregate's own constructor,
    without the command's checks: the decoder must read whatever was stored)."""
    enrollment: Enrollment = Enrollment._create(
        Enrollment.Enrolled, id=uuid4(), association_id="a", intervention_id="i",
        fields={"pseudonym": "pseudonym-1", "enrolled_on": date(2024, 1, 2), "sex": "female",
                "birth_year": 1990, "education": "compulsory", "support": ["none"], **fields},
        recorded_by="test", client_event_id=None, request_hash=None,
    )  # fmt: skip
    return enrollment


def test_an_enrollment_event_decodes_as_the_mapper_decodes_it() -> None:
    enrollment = _new_enrollment()
    enrollment.record_exit(
        {"exited_on": date(2024, 5, 6), "reason": "work", "progressed": True},
        today=date(2025, 1, 1), recorded_by="test", client_event_id="x", request_hash="h",
    )  # fmt: skip
    for event in enrollment.collect_events():
        stored = _stored(event)
        decoded = _decoded(stored)
        assert type(decoded) is type(event)
        assert decoded.__dict__ == STORE.mapper.to_domain_event(stored).__dict__
        assert isinstance(decoded.originator_id, UUID)
        assert isinstance(decoded.timestamp, datetime)


def test_state_orjson_refuses_goes_through_the_mapper() -> None:
    enrollment = _new_enrollment(months_on_public_support=float("nan"))
    stored = _stored(enrollment.collect_events()[0])
    assert DECODER.decode_state(stored.state) is None
    decoded = _decoded(stored)
    assert repr(decoded.__dict__) == repr(STORE.mapper.to_domain_event(stored).__dict__)
