"""A batch chunk written together answers and stores exactly what its items applied one
at a time would (issue 21).

A chunk runs the commands of the single endpoints on its enrollments and registers held
in memory and writes everything at its end (`service/application/chunk_commands.py`).
Hypothesis draws interleaved histories — inskrivningar, support changes, exits,
retractions, corrections (of the pseudonym too), voidings — for a few people, with
invalid items, unknown ids, repeated ids and repeated event ids mixed in, posted in two
batches (the second meets the enrollments of the first) and then posted again (replays).
The answers, the stored events, both registers and the read models must equal those of
the same items applied one at a time with the commands of the single endpoints.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from service.adapters import chunk_registers
from service.adapters.eventstore import read_session
from service.adapters.rows import FACT_FIELDS
from service.adapters.tables import enrollment_versions, event_keys, events, open_enrollments
from service.api import batch_events as batch
from service.api.batch_events import apply_item
from service.api.schemas.enrollments import BatchEvent
from service.bootstrap import Container
from service.domain.principal import Principal
from tests.conftest import Tenant

IDS = 5  # enrollment ids drawn from a small pool, so that they collide
PSEUDONYMS = 3


def mostly(common: list[Any], rare: list[Any]) -> st.SearchStrategy[Any]:
    """Mostly one of `common`, now and then one of `rare` (the invalid values)."""
    return st.sampled_from(common * 4 + rare)


valid = mostly([True], [False])
enrolled_op = st.fixed_dictionaries(
    {
        "type": st.just("enrolled"),
        "enrollment": st.integers(0, IDS - 1),
        "pseudonym": st.integers(0, PSEUDONYMS - 1),
        "intervention": mostly(["team-a", "team-b"], ["no-such-team"]),
        # Two dates the domain refuses: before the intervention starts, and in the future.
        "enrolled_on": mostly(["2022-02-01", "2022-03-01"], ["2014-06-01", "2027-01-01"]),
        "valid": valid,
    }
)
other_op = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "exited",
                "exited",
                "voided",
                "support_changed",
                "support_changed",
                "exit_retracted",
                "corrected",
            ]
        ),
        "enrollment": st.integers(0, IDS),  # IDS: an id nobody has
        "day": st.integers(1, 28),  # exits and support changes in and out of order
        "pseudonym": st.integers(0, PSEUDONYMS - 1),  # what a correction changes it to
        "valid": valid,
    }
)
# An item may reuse the id of an earlier one: a replay, or a key reused on another event.
op = st.tuples(st.one_of(enrolled_op, enrolled_op, other_op), st.none() | st.integers(0, 30))
batches = st.lists(op, min_size=1, max_size=24)


def items(ops: list[Any], nonce: uuid.UUID) -> list[dict[str, Any]]:
    """The batch of `ops`, its ids and pseudonyms made unique to `nonce`."""
    made: list[dict[str, Any]] = []
    for n, entry in enumerate(ops):
        op, reused = entry if isinstance(entry, tuple) else (entry, None)
        eid = str(uuid.uuid5(nonce, f"e{op['enrollment']}"))
        item_id = made[reused]["id"] if reused is not None and reused < n else None
        item: dict[str, Any] = {
            "id": item_id or str(uuid.uuid5(nonce, f"i{n}")),
            "type": op["type"],
            "enrollment_id": eid,
        }
        kind, valid = op["type"], op["valid"]
        if kind == "enrolled":
            item["intervention_id"] = op["intervention"]
            item["data"] = {
                "pseudonym": f"{nonce.hex}-p{op['pseudonym']}",
                "enrolled_on": op["enrolled_on"],
                "sex": "female",
                "birth_year": 1990,
                "education": "compulsory" if valid else "phd",
                "support": ["social_assistance"],
            }
        elif kind == "exited":
            reason = "work" if valid else "lottery"
            item["data"] = {"exited_on": f"2022-06-{op['day']:02d}", "reason": reason}
        elif kind in ("voided", "exit_retracted"):
            item["data"] = {"why": "fel person"} if valid else {}
        elif kind == "support_changed":
            item["data"] = {"changed_on": f"2022-05-{op['day']:02d}", "support": ["none"]}
        elif valid:
            item["data"] = {"pseudonym": f"{nonce.hex}-p{op['pseudonym']}"}
        else:
            item["data"] = {"education": "phd"}
        made.append(item)
    return made


_UUID = r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"


def _names(nonce: uuid.UUID) -> dict[str, str]:
    """Each id and pseudonym made from `nonce`, with the name it has in every run."""
    names = {str(uuid.uuid5(nonce, f"e{n}")): f"<e{n}>" for n in range(IDS + 1)}
    names.update({str(uuid.uuid5(nonce, f"i{n}")): f"<i{n}>" for n in range(60)})
    names[f"{nonce.hex}-"] = "<nonce>-"
    return names


def named(text: str | None, nonce: uuid.UUID) -> str | None:
    """`text` with the nonce's ids and pseudonyms replaced by their names."""
    if text is None:
        return None
    names = _names(nonce)
    text = re.sub(r"\b[0-9a-f]{32}-", lambda m: names.get(m[0], m[0]), text)
    return re.sub(_UUID, lambda m: names.get(m[0], "?"), text)


def answers(results: list[Any], nonce: uuid.UUID) -> list[tuple[Any, ...]]:
    """(status, version, detail) with the nonce's ids named."""
    return [(r["status"], r["version"], named(r["detail"], nonce)) for r in results]


def state(container: Container, nonce: uuid.UUID) -> tuple[Any, ...]:
    """The nonce's enrollments as stored: their events (version, type, state without the
    timestamp and the writer's key), both registers and the read models' versions."""
    container.projector.catch_up()
    pool = {uuid.uuid5(nonce, f"e{n}"): f"<e{n}>" for n in range(IDS + 1)}
    ids = [str(i) for i in pool]
    with read_session(container.store) as session:
        stored = session.execute(
            select(events.c.originator_id, events.c.originator_version, events.c.topic,
                   events.c.state)
            .where(events.c.originator_id.in_(list(pool)))
            .order_by(events.c.id)
        ).all()  # fmt: skip
        register = session.execute(
            select(open_enrollments).where(open_enrollments.c.enrollment_id.in_(ids))
        ).all()
        keys = session.execute(select(event_keys).where(event_keys.c.enrollment_id.in_(ids)))
        t = enrollment_versions
        versions = session.execute(
            select(t.c.version, t.c.recorded_to.is_(None), *(t.c[f] for f in FACT_FIELDS)).where(
                t.c.enrollment_id.in_(ids)
            )
        ).all()
    history = []
    for originator_id, version, topic, raw in stored:
        data = json.loads(named(bytes(raw).decode(), nonce) or "")
        # The fingerprint of a body holds its pseudonym: compared as the body itself.
        for varying in ("timestamp", "recorded_by", "request_hash"):
            data.pop(varying, None)
        history.append((pool[uuid.UUID(str(originator_id))], version, topic, data))
    by_enrollment = sorted(history, key=lambda e: (e[0], e[1]))
    return (
        by_enrollment,
        [e[:2] for e in history],  # the order of the event table's ids
        sorted(named(repr((r.intervention_id, r.pseudonym, r.enrollment_id)), nonce) or ""
               for r in register),
        sorted(named(repr((r.key, r.enrollment_id)), nonce) or "" for r in keys),
        sorted(named(repr(tuple(row)), nonce) or "" for row in versions),
    )  # fmt: skip


def coach_of(tenant: Tenant) -> Principal:
    return Principal("coach", "coach", tenant.association_id, frozenset({"team-a", "team-b"}))


def one_by_one(container: Container, tenant: Tenant, batch: list[dict[str, Any]]) -> list[Any]:
    coach = coach_of(tenant)
    return [
        apply_item(container, coach, tenant.association_id, BatchEvent(**item)).model_dump()
        for item in batch
    ]


def posted(tenant: Tenant, batch: list[dict[str, Any]]) -> list[Any]:
    response = tenant.post(f"{tenant.base}/events:batch", {"events": batch})
    assert response.status_code == 200, response.text
    results: list[Any] = response.json()["results"]
    return results


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=batches, second=batches, chunk=st.sampled_from([1000, 1000, 4]))
def test_a_batch_answers_and_stores_as_its_items_applied_one_by_one(
    tenant: Tenant,
    container: Container,
    monkeypatch: Any,
    caplog: pytest.LogCaptureFixture,
    first: list[Any],
    second: list[Any],
    chunk: int,
) -> None:
    caplog.clear()
    monkeypatch.setattr(batch, "CHUNK_SIZE", chunk)
    together, alone = uuid.uuid4(), uuid.uuid4()
    whole = first + second
    for _ in range(2):  # the second time, every item is a replay or a conflict
        for part in (items(whole, together)[: len(first)], items(whole, together)[len(first) :]):
            if part:
                answered = posted(tenant, part)
                ids = [i["id"] for i in part]
                assert [r["id"] for r in answered] == ids
                expected = one_by_one(container, tenant, _same(part, together, alone))
                assert answers(answered, together) == answers(expected, alone)
        assert state(container, together) == state(container, alone)
    # Written together, every time: a chunk that had fallen back to one by one would
    # answer alike, and hide a fault of the chunk's own path.
    assert "the bulk write of a chunk" not in caplog.text


def _same(part: list[dict[str, Any]], together: uuid.UUID, alone: uuid.UUID) -> list[Any]:
    """The items of `part`, made with `alone`'s ids and pseudonyms instead."""
    text = json.dumps(part)
    for original, name in _names(together).items():
        text = text.replace(original, name)
    for original, name in _names(alone).items():
        text = text.replace(name, original)
    made: list[Any] = json.loads(text)
    return made


def three_new(nonce: uuid.UUID) -> list[dict[str, Any]]:
    ops = [
        {"type": "enrolled", "enrollment": n, "pseudonym": n, "intervention": "team-a",
         "enrolled_on": "2022-02-01", "valid": True}
        for n in range(3)
    ]  # fmt: skip
    return items(ops, nonce)


def test_a_chunk_whose_write_fails_is_applied_one_by_one(
    tenant: Tenant, container: Container, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Should the chunk's view of the registers be wrong (simulated: every lookup finds
    nothing), its write fails, nothing of it is kept, and each item is applied alone:
    the pseudonym held already answers 409, the others are written."""
    assert tenant.enroll(pseudonym="already-open-1").status_code == 201

    def sees_nothing(self: Any, places: Any = (), enrollment_ids: Any = (), keys: Any = ()) -> None:
        self.holders.update(dict.fromkeys(places))
        self.key_holders.update(dict.fromkeys(keys))
        self.unregistered(enrollment_ids)

    monkeypatch.setattr(chunk_registers.ChunkRegisters, "preload", sees_nothing)
    nonce = uuid.uuid4()
    made = three_new(nonce)
    made[1]["data"]["pseudonym"] = "already-open-1"
    with caplog.at_level(logging.ERROR, logger="uppfoljning.api"):
        results = posted(tenant, made)
    assert [r["status"] for r in results] == [201, 409, 201]
    assert "the bulk write of a chunk of 3 events failed" in caplog.text
    history, _, held, _, _ = state(container, nonce)
    assert [e[:3] for e in history] == [
        ("<e0>", 1, "service.domain.enrollment:Enrollment.Enrolled"),
        ("<e2>", 1, "service.domain.enrollment:Enrollment.Enrolled"),
    ]
    assert held == [
        "('team-a', '<nonce>-p0', '<e0>')",
        "('team-a', '<nonce>-p2', '<e2>')",
    ]


def test_a_chunk_that_comes_while_a_single_write_has_loaded_waits_for_it(
    tenant: Tenant, container: Container, monkeypatch: Any
) -> None:
    """No lost update between a chunk and a single POST: the POST loads the enrollment
    inside its write's transaction (docs/decisions.md §29), so a batch that comes right
    after the POST's load (started here from within it, in a thread of its own) waits for
    the POST's commit and then writes on the POST's version, not over it."""
    nonce = uuid.uuid4()
    made = three_new(nonce)[:1]
    eid = made[0]["enrollment_id"]
    change = {"id": str(uuid.uuid4()), "type": "support_changed", "enrollment_id": eid,
              "data": {"changed_on": "2022-03-01", "support": ["none"]}}  # fmt: skip
    assert [r["status"] for r in posted(tenant, [*made, change])] == [201, 201]
    commands = container.enrollments
    load = commands.load
    batches_run: list[Any] = []
    batch_thread: list[threading.Thread] = []

    def load_then_a_batch_comes(enrollment_id: uuid.UUID) -> Any:
        loaded = load(enrollment_id)
        if not batch_thread:
            exit_item = {"id": str(uuid.uuid4()), "type": "exited", "enrollment_id": eid,
                         "data": {"exited_on": "2022-06-01", "reason": "work"}}  # fmt: skip
            thread = threading.Thread(
                target=lambda: batches_run.append(posted(tenant, [exit_item]))
            )
            batch_thread.append(thread)
            thread.start()
            thread.join(0.5)  # long enough to have reached the writers' lock
            assert thread.is_alive(), "the batch wrote while the POST held its transaction"
        return loaded

    monkeypatch.setattr(commands, "load", load_then_a_batch_comes)
    response = tenant.post(
        f"/api/v1/enrollments/{eid}/support-changes",
        {"changed_on": "2022-04-01", "support": ["sickness_benefit"]},
    )
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 3
    batch_thread[0].join(30)
    assert [r["status"] for r in batches_run[0]] == [201]
    history, *_ = state(container, nonce)
    assert [e[1:3] for e in history] == [
        (1, "service.domain.enrollment:Enrollment.Enrolled"),
        (2, "service.domain.enrollment:Enrollment.SupportChanged"),
        (3, "service.domain.enrollment:Enrollment.SupportChanged"),
        (4, "service.domain.enrollment:Enrollment.Exited"),
    ]


def test_a_change_refused_at_its_write_leaves_the_enrollment_as_it_was(tenant: Tenant) -> None:
    """The retraction is refused when it would claim a pseudonym another enrollment has
    open by now; the chunk's copy of the enrollment, which the retraction had changed
    already, must be the stored one again for the next item (an exit: 409, still exited)."""
    nonce = uuid.uuid4()
    a, b = three_new(nonce)[:2]
    b["data"]["pseudonym"] = a["data"]["pseudonym"]
    exit_a = {"id": str(uuid.uuid4()), "type": "exited", "enrollment_id": a["enrollment_id"],
              "data": {"exited_on": "2022-06-01", "reason": "work"}}  # fmt: skip
    retract = {"id": str(uuid.uuid4()), "type": "exit_retracted",
               "enrollment_id": a["enrollment_id"], "data": {"why": "fel"}}  # fmt: skip
    again = {**exit_a, "id": str(uuid.uuid4())}
    results = posted(tenant, [a, exit_a, b, retract, again])
    assert [r["status"] for r in results] == [201, 201, 201, 409, 409]
    assert "open enrollment" in results[3]["detail"]
    assert "already exited" in results[4]["detail"]


def test_a_refused_item_keeps_its_own_error_when_a_later_item_takes_its_id(
    tenant: Tenant,
) -> None:
    """Found in review: the refused item's id must stay free within the chunk, or the
    later item's creation is seen first and the refused one answers "id in use" instead."""
    nonce = uuid.uuid4()
    made = three_new(nonce)[:2]
    made[1]["enrollment_id"] = made[0]["enrollment_id"]
    made[0]["data"]["enrolled_on"] = "2014-06-01"  # before the intervention starts
    (refused, written) = posted(tenant, made)
    assert (refused["status"], written["status"]) == (422, 201)
    assert "2014-06-01" in refused["detail"]
