"""A batch is committed in chunks of CHUNK_SIZE events, whatever their types."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings

from service.api import batch_events as batch
from service.api.schemas.enrollments import BatchEvent
from service.bootstrap import Container
from service.domain.principal import Principal
from tests.conftest import Tenant
from tests.e2e.test_batch_bulk import answers, batches, items, state


def sizes(types: list[str]) -> list[int]:
    events: Any = [SimpleNamespace(type=t) for t in types]
    return [len(chunk) for chunk in batch._chunks(events)]


def test_a_chunk_ends_at_its_size() -> None:
    assert sizes(["enrolled"] * 2500) == [1000, 1000, 500]
    assert sizes(["voided"] * 450) == [450]
    assert sizes((["enrolled"] * 300 + ["exited"] * 300) * 2) == [1000, 200]
    assert sizes([]) == []


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=batches)
def test_a_batch_over_several_chunks_answers_as_its_items_one_by_one(
    tenant: Tenant, container: Container, monkeypatch: Any, ops: list[dict[str, Any]]
) -> None:
    """Chunk borders cut runs of enrolled items and sequences of one enrollment's events."""
    monkeypatch.setattr(batch, "CHUNK_SIZE", 5)
    chunked, alone = uuid.uuid4(), uuid.uuid4()
    coach = Principal("coach", "coach", tenant.association_id, frozenset({"team-a", "team-b"}))
    for _ in range(2):
        posted = tenant.post(f"{tenant.base}/events:batch", {"events": items(ops, chunked)})
        assert posted.status_code == 200, posted.text
        one_by_one = [
            batch.apply_item(container, coach, tenant.association_id, BatchEvent(**item))
            for item in items(ops, alone)
        ]
        assert answers(posted.json()["results"], chunked) == answers(
            [r.model_dump() for r in one_by_one], alone
        )
        assert state(container, chunked) == state(container, alone)
