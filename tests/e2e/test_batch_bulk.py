"""The bulk write of `enrolled` runs answers exactly as applying each item alone.

A batch writes each run of consecutive `enrolled` items with one statement per table
(`EnrollmentCommands.enroll_many`) and leaves the rest (errors, replays, conflicts,
duplicates within the run) to the one-by-one path. Hypothesis draws batches that mix all
of these with other event types; the batch through the API must give the same per-item
answers and leave the same enrollments and open-enrollment register as the same items
applied one at a time with the commands of the single endpoints.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from service.adapters.eventstore import read_session
from service.adapters.tables import events, open_enrollments
from service.api.batch_events import apply_item
from service.api.schemas.enrollments import BatchEvent
from service.bootstrap import Container
from service.domain.principal import Principal
from tests.conftest import Tenant

IDS = 5  # enrollment ids drawn from a small pool, so that they collide
PSEUDONYMS = 3

enrolled_op = st.fixed_dictionaries(
    {
        "type": st.just("enrolled"),
        "enrollment": st.integers(0, IDS - 1),
        "pseudonym": st.integers(0, PSEUDONYMS - 1),
        "intervention": st.sampled_from(["team-a", "team-b", "no-such-team"]),
        # Two dates the domain refuses: before the intervention starts, and in the future.
        "enrolled_on": st.sampled_from(["2022-02-01", "2022-03-01", "2014-06-01", "2027-01-01"]),
        "valid": st.booleans() | st.just(True),
    }
)
other_op = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["exited", "voided", "support_changed"]),
        "enrollment": st.integers(0, IDS),  # IDS: an id nobody has
    }
)
batches = st.lists(st.one_of(enrolled_op, enrolled_op, other_op), min_size=1, max_size=24)


def items(ops: list[dict[str, Any]], nonce: uuid.UUID) -> list[dict[str, Any]]:
    """The batch of `ops`, its ids and pseudonyms made unique to `nonce`."""
    made = []
    for op in ops:
        eid = str(uuid.uuid5(nonce, f"e{op['enrollment']}"))
        item: dict[str, Any] = {"id": str(uuid.uuid4()), "type": op["type"], "enrollment_id": eid}
        if op["type"] == "enrolled":
            item["intervention_id"] = op["intervention"]
            item["data"] = {
                "pseudonym": f"{nonce.hex[:12]}-p{op['pseudonym']}",
                "enrolled_on": op["enrolled_on"],
                "sex": "female",
                "birth_year": 1990,
                "education": "compulsory" if op["valid"] else "phd",
                "support": ["social_assistance"],
            }
        elif op["type"] == "exited":
            item["data"] = {"exited_on": "2022-06-01", "reason": "work"}
        elif op["type"] == "voided":
            item["data"] = {"why": "fel person"}
        else:
            item["data"] = {"changed_on": "2022-04-01", "support": ["none"]}
        made.append(item)
    return made


def answers(results: list[Any], nonce: uuid.UUID) -> list[tuple[Any, ...]]:
    """(status, version, detail) with the nonce's ids named by their pool index."""
    names = {str(uuid.uuid5(nonce, f"e{n}")): f"<e{n}>" for n in range(IDS + 1)}
    return [
        (
            r["status"],
            r["version"],
            r["detail"] and re.sub(r"[0-9a-f-]{36}", lambda m: names.get(m[0], "?"), r["detail"]),
        )
        for r in results
    ]


def state(container: Container, nonce: uuid.UUID) -> tuple[Any, ...]:
    """Each pool id's events (version, type) and the open-enrollment register, by pool index
    and pseudonym index."""
    pool = {uuid.uuid5(nonce, f"e{n}"): n for n in range(IDS + 1)}
    with read_session(container.store) as session:
        stored = session.execute(
            select(events.c.originator_id, events.c.originator_version, events.c.topic).where(
                events.c.originator_id.in_(list(pool))
            )
        ).all()
        register = session.execute(
            select(
                open_enrollments.c.intervention_id,
                open_enrollments.c.pseudonym,
                open_enrollments.c.enrollment_id,
            )
        ).all()
    history = sorted(
        (pool[uuid.UUID(str(o))], v, topic.rsplit(".", 1)[-1]) for o, v, topic in stored
    )
    held = sorted(
        (iid, pseudonym.rsplit("-", 1)[-1], pool[uuid.UUID(eid)])
        for iid, pseudonym, eid in register
        if uuid.UUID(eid) in pool
    )
    return history, held


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=batches)
def test_a_batch_answers_as_its_items_applied_one_by_one(
    tenant: Tenant, container: Container, ops: list[dict[str, Any]]
) -> None:
    bulk, alone = uuid.uuid4(), uuid.uuid4()
    coach = Principal("coach", "coach", tenant.association_id, frozenset({"team-a", "team-b"}))

    def one_by_one(batch: list[dict[str, Any]]) -> list[Any]:
        return [
            apply_item(container, coach, tenant.association_id, BatchEvent(**item)).model_dump()
            for item in batch
        ]

    def posted(batch: list[dict[str, Any]]) -> list[Any]:
        response = tenant.post(f"{tenant.base}/events:batch", {"events": batch})
        assert response.status_code == 200, response.text
        results: list[Any] = response.json()["results"]
        return results

    for _ in range(2):  # the second time, every item is a replay or a conflict
        assert answers(posted(items(ops, bulk)), bulk) == answers(
            one_by_one(items(ops, alone)), alone
        )
        assert state(container, bulk) == state(container, alone)


def three_new(nonce: uuid.UUID) -> list[dict[str, Any]]:
    ops = [
        {"type": "enrolled", "enrollment": n, "pseudonym": n, "intervention": "team-a",
         "enrolled_on": "2022-02-01", "valid": True}
        for n in range(3)
    ]  # fmt: skip
    return items(ops, nonce)


def spy_on_bulk(container: Container, monkeypatch: Any) -> list[list[Any]]:
    """What each enroll_many call answered."""
    answered: list[list[Any]] = []
    enroll_many = container.enrollments.enroll_many

    def spied(*args: Any) -> list[Any]:
        answered.append(enroll_many(*args))
        return answered[-1]

    monkeypatch.setattr(container.enrollments, "enroll_many", spied)
    return answered


def test_a_claim_made_concurrently_sends_the_run_one_by_one(
    tenant: Tenant, container: Container, monkeypatch: Any
) -> None:
    """If another writer claims a pseudonym between the bulk write's check and its insert
    (simulated: the check sees nothing), the insert fails, nothing of the run is kept, and
    each item is applied alone: the claimed one answers 409, the others are written."""
    assert tenant.enroll(pseudonym="already-open-1").status_code == 201
    monkeypatch.setattr("service.adapters.open_enrollments.taken", lambda *a: set())
    answered = spy_on_bulk(container, monkeypatch)
    nonce = uuid.uuid4()
    batch = three_new(nonce)
    batch[1]["data"]["pseudonym"] = "already-open-1"
    response = tenant.post(f"{tenant.base}/events:batch", {"events": batch})
    assert [r["status"] for r in response.json()["results"]] == [201, 409, 201]
    assert answered == [[None, None, None]], "the bulk write ran, failed and left all three"
    history, held = state(container, nonce)
    assert history == [(0, 1, "Enrolled"), (2, 1, "Enrolled")]
    assert held == [("team-a", "p0", 0), ("team-a", "p2", 2)]


def test_an_id_written_concurrently_sends_the_run_one_by_one(
    tenant: Tenant, container: Container, monkeypatch: Any
) -> None:
    """The same for an id that another writer stored first (simulated: the checks see no
    ids or event keys in use): the event insert fails, the claim made before it in the same savepoint is
    rolled back with it, and alone the item is a replay. The first enrollment has exited,
    so its pseudonym is free and the rolled-back claim is the only one it could have."""
    nonce = uuid.uuid4()
    batch = three_new(nonce)
    exit_first = {"id": str(uuid.uuid4()), "type": "exited",
                  "enrollment_id": batch[1]["enrollment_id"],
                  "data": {"exited_on": "2022-06-01", "reason": "work"}}  # fmt: skip
    first = tenant.post(f"{tenant.base}/events:batch", {"events": [batch[1], exit_first]})
    assert [r["status"] for r in first.json()["results"]] == [201, 201]
    monkeypatch.setattr("service.application.enrollments.existing_ids", lambda *a: set())
    monkeypatch.setattr("service.adapters.event_keys.taken", lambda *a: set())
    answered = spy_on_bulk(container, monkeypatch)
    response = tenant.post(f"{tenant.base}/events:batch", {"events": batch})
    assert [r["status"] for r in response.json()["results"]] == [201, 200, 201]
    assert answered == [[None, None, None]]
    history, held = state(container, nonce)
    assert history == [(0, 1, "Enrolled"), (1, 1, "Enrolled"), (1, 2, "Exited"), (2, 1, "Enrolled")]
    assert held == [("team-a", "p0", 0), ("team-a", "p2", 2)]


def test_a_refused_item_keeps_its_own_error_when_a_later_item_takes_its_id(
    tenant: Tenant,
) -> None:
    """Found in review: the refused item's id must stay reserved within the run, or the
    later item is written first and the refused one answers "id in use" instead."""
    nonce = uuid.uuid4()
    batch = three_new(nonce)[:2]
    batch[1]["enrollment_id"] = batch[0]["enrollment_id"]
    batch[0]["data"]["enrolled_on"] = "2014-06-01"  # before the intervention starts
    response = tenant.post(f"{tenant.base}/events:batch", {"events": batch})
    (refused, written) = response.json()["results"]
    assert (refused["status"], written["status"]) == (422, 201)
    assert "2014-06-01" in refused["detail"]
