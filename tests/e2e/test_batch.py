"""The batch import: per-item results in order, atomic per item, replays write nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from service.bootstrap import Container
from service.domain.enrollment import Enrollment
from tests.conftest import Tenant
from tests.e2e.test_enrollments_api import event_count
from tests.factories import batch_enrolled as enrolled
from tests.factories import batch_event as event


def post(tenant: Tenant, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = tenant.post(f"{tenant.base}/events:batch", {"events": events})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    assert [r["id"] for r in results] == [e["id"] for e in events]
    return results


def test_one_bad_item_does_not_stop_the_others(tenant: Tenant, container: Container) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    events = [
        enrolled(first, "pseudonym-a1"),
        enrolled(second, "pseudonym-a2", education="phd"),
        event("exited", first, exited_on="2022-09-01", reason="work"),
        event("exited", first, exited_on="2022-10-01", reason="work"),
        event("support_changed", second, changed_on="2022-03-01", support=["none"]),
    ]
    statuses = [r["status"] for r in post(tenant, events)]
    assert statuses == [201, 422, 201, 409, 404]
    assert event_count(container) >= 2


def test_events_of_one_enrollment_apply_in_order(tenant: Tenant) -> None:
    eid = str(uuid.uuid4())
    results = post(
        tenant,
        [
            enrolled(eid, "pseudonym-b1"),
            event("support_changed", eid, changed_on="2022-03-01", support=["sickness_benefit"]),
            event("exited", eid, exited_on="2022-09-01", reason="studies", progressed=True),
            event("exit_retracted", eid, why="fel datum"),
            event("exited", eid, exited_on="2022-10-01", reason="work"),
            event("corrected", eid, reason="subsidised_work"),
        ],
    )
    assert [r["version"] for r in results] == [1, 2, 3, 4, 5, 6]
    state = tenant.client.get(
        f"/api/v1/enrollments/{eid}", headers={"Authorization": f"Bearer {tenant.coach_key}"}
    ).json()
    assert state["state"]["exit_reason"] == "subsidised_work"
    assert state["state"]["exited_on"] == "2022-10-01"


def test_a_replayed_batch_answers_200_and_writes_nothing(
    tenant: Tenant, container: Container
) -> None:
    eid = str(uuid.uuid4())
    events = [
        enrolled(eid, "pseudonym-c1"),
        event("exited", eid, exited_on="2022-09-01", reason="work"),
    ]
    assert [r["status"] for r in post(tenant, events)] == [201, 201]
    count = event_count(container)
    assert [r["status"] for r in post(tenant, events)] == [200, 200]
    assert event_count(container) == count


def test_a_batch_over_10000_events_is_refused(tenant: Tenant) -> None:
    item = event("voided", str(uuid.uuid4()), why="x")
    response = tenant.post(f"{tenant.base}/events:batch", {"events": [item] * 10_001})
    assert response.status_code == 422


def test_a_batch_larger_than_a_chunk_keeps_per_item_atomicity(
    tenant: Tenant, container: Container
) -> None:
    """Items are committed in chunks of savepoints: a refused item in the middle of a chunk
    leaves its neighbours, in this chunk and the next, applied."""
    ids = [str(uuid.uuid4()) for _ in range(450)]
    events = [enrolled(eid, f"person-{n:04d}") for n, eid in enumerate(ids)]
    events[199]["data"]["education"] = "phd"  # last of the first chunk
    events[200] = enrolled(ids[200], "person-0001")  # an open enrollment already exists
    before = event_count(container)
    results = post(tenant, events)
    statuses = [r["status"] for r in results]
    assert statuses[199] == 422 and statuses[200] == 409
    assert statuses.count(201) == 448
    assert event_count(container) - before == 448, "refused items wrote nothing, others all"


def test_an_enrolled_event_without_its_intervention_is_invalid(tenant: Tenant) -> None:
    item = enrolled(str(uuid.uuid4()), "person-lost")
    del item["intervention_id"]
    (result,) = post(tenant, [item])
    assert result["status"] == 422 and "intervention_id" in result["detail"]


@pytest.mark.parametrize(
    ("malformed", "field"),
    [
        ({"type": "exit"}, "type"),  # a typo of "exited"
        ({"enrollment_id": "not-a-uuid"}, "enrollment_id"),
        ({"data": ["exited_on", "2022-09-01"]}, "data"),
        ({"reason": "work"}, "reason"),  # a field of data put beside it
    ],
)
def test_a_malformed_item_is_answered_alone(
    tenant: Tenant, container: Container, malformed: dict[str, Any], field: str
) -> None:
    eid = str(uuid.uuid4())
    bad = {**event("exited", eid, exited_on="2022-09-01", reason="work"), **malformed}
    later = event("support_changed", eid, changed_on="2022-03-01", support=["none"])
    before = event_count(container)
    results = post(tenant, [enrolled(eid, "pseudonym-m1"), bad, later])
    assert [r["status"] for r in results] == [201, 422, 201]
    assert results[1]["detail"].startswith(field)
    assert event_count(container) - before == 2


def test_an_item_without_a_valid_id_refuses_the_request(
    tenant: Tenant, container: Container
) -> None:
    """Its answer could not say which event it belongs to."""
    good = enrolled(str(uuid.uuid4()), "pseudonym-n1")
    before = event_count(container)
    response = tenant.post(
        f"{tenant.base}/events:batch", {"events": [good, {**good, "id": "seven"}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events.1.id"
    assert event_count(container) == before


def test_fields_that_contradict_the_item_are_refused_not_ignored(
    tenant: Tenant, container: Container
) -> None:
    eid = str(uuid.uuid4())
    two_ids = enrolled(str(uuid.uuid4()), "pseudonym-c1")
    two_ids["data"]["id"] = str(uuid.uuid4())
    same_id = enrolled(eid, "pseudonym-c2")
    same_id["data"]["id"] = eid
    misplaced = {
        **event("exited", eid, exited_on="2022-09-01", reason="work"),
        "intervention_id": "team-b",
    }
    named = {  # the enrollment's own intervention, named on every event by some exports
        **event("support_changed", eid, changed_on="2022-03-01", support=["none"]),
        "intervention_id": "team-a",
    }
    results = post(tenant, [two_ids, same_id, misplaced, named])
    assert [r["status"] for r in results] == [422, 201, 422, 201]
    assert "data.id" in results[0]["detail"]
    assert "another intervention" in results[2]["detail"]


def test_an_event_id_names_one_event_of_the_association(
    tenant: Tenant, container: Container
) -> None:
    """The same id on two enrollments (in one batch, or in a later one; for an inskrivning
    as for any other event) is applied once; the other answers 409 and writes nothing."""
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    first, second = enrolled(a, "pseudonym-k1"), enrolled(b, "pseudonym-k2")
    exit_a = event("exited", a, exited_on="2022-09-01", reason="work")
    exit_b = {**event("exited", b, exited_on="2022-09-01", reason="work"), "id": exit_a["id"]}
    before = event_count(container)
    results = post(tenant, [first, second, exit_a, exit_b])
    assert [r["status"] for r in results] == [201, 201, 201, 409]
    assert event_count(container) - before == 3
    reused = {**enrolled(c, "pseudonym-k3"), "id": first["id"]}
    assert [r["status"] for r in post(tenant, [reused, exit_a])] == [409, 200]
    assert event_count(container) - before == 3


def test_an_unexpected_failure_of_one_item_stops_nothing_else(
    tenant: Tenant, container: Container, monkeypatch: Any
) -> None:
    """A bug met by one item (in the bulk write of its run, and then alone) answers 500 for
    that item only; its neighbours are written."""
    enroll = Enrollment.enroll

    def failing_for_one(cls: Any, *args: Any, fields: dict[str, Any], **kw: Any) -> Any:
        if fields["pseudonym"] == "person-boom":
            raise RuntimeError("a bug")
        return enroll(*args, fields=fields, **kw)

    monkeypatch.setattr(Enrollment, "enroll", classmethod(failing_for_one))
    items = [enrolled(str(uuid.uuid4()), p) for p in ("person-one", "person-boom", "person-two")]
    before = event_count(container)
    assert [r["status"] for r in post(tenant, items)] == [201, 500, 201]
    assert event_count(container) - before == 2
