"""Request fingerprints never change: stored events keep them to recognise replays."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from service.application.fingerprint import canonical_json


def reference(body: dict[str, Any]) -> bytes:
    """The canonical text as it has always been written."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


scalars = (
    st.none() | st.booleans() | st.integers() | st.text() | st.dates()
    | st.datetimes(timezones=st.just(UTC)) | st.floats()
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
)


@given(st.dictionaries(st.text(), values, max_size=8))
def test_the_canonical_text_is_what_json_dumps_writes(body: dict[str, Any]) -> None:
    assert canonical_json(body) == reference(body)


def test_an_enrollment_body_is_written_alike() -> None:
    body = {"intervention_id": "team-a", "pseudonym": "åsa-\x7f-\t-123", "birth_year": 1990,
            "enrolled_on": date(2023, 3, 1), "support": ["none"], "municipality": None,
            "at": datetime(2023, 3, 1, 12, tzinfo=UTC)}  # fmt: skip
    assert canonical_json(body) == reference(body)
    plain = {"intervention_id": "team-a", "pseudonym": "abc-123456", "n": 2**70}
    assert canonical_json(plain) == reference(plain)
