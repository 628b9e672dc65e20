"""kill -9 in the middle of gallring or erasure leaves each enrollment whole or gone, in the
event store, the read models and the registers alike; running the command again finishes
the work (product.md §12, docs/decisions.md §22).

The command runs in a real child process (tests/crash_child.py) that SIGKILLs itself at the
N-th enrollment: after its rows are deleted but before the commit, or right after it.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, create_engine, func, select

from service.adapters.tables import enrollment_versions, event_keys, events, open_enrollments
from service.api.app import create_app
from service.bootstrap import bootstrap
from service.config import Settings
from tests.conftest import KINDS, TODAY, Tenant, bearer, make_tenant
from tests.factories import EXIT_BODY
from tests.server_process import ROOT, dedicated_database, run_cli, service_env

PERSON = "erased-" + "e" * 40
Counts = dict[str, tuple[int, int, int, int]]


@contextmanager
def tenant_on(url: str, folder: Path) -> Iterator[Tenant]:
    settings = Settings(database_url=url, secrets_file=folder / "secrets.json")
    container = bootstrap(settings, today=lambda: TODAY)
    try:
        with TestClient(create_app(container)) as client:
            yield make_tenant(client, container, settings={"min_cell_size": 0})
            container.projector.catch_up()
    finally:
        container.close()


def enroll(tenant: Tenant, pseudonym: str, on: str, exit_on: str | None) -> str:
    answer = tenant.enroll(pseudonym=pseudonym, enrolled_on=on, id=str(uuid.uuid4()))
    assert answer.status_code == 201, answer.text
    eid = str(answer.json()["id"])
    if exit_on is not None:
        headers = {"Idempotency-Key": f"exit-{eid}"}  # a row in the event-key register
        body = {**EXIT_BODY, "exited_on": exit_on}
        done = tenant.post(f"/api/v1/enrollments/{eid}/exit", body, headers=headers)
        assert done.status_code == 201, done.text
    return eid


def counts(url: str, ids: list[str]) -> Counts:
    """Per enrollment: its events, read-model rows, open register and event-key rows."""
    tables: list[tuple[Table, str]] = [
        (enrollment_versions, "enrollment_id"),
        (open_enrollments, "enrollment_id"),
        (event_keys, "enrollment_id"),
    ]
    engine = create_engine(url)
    out: Counts = {}
    try:
        with engine.connect() as connection:
            for eid in ids:
                found = [
                    connection.execute(
                        select(func.count()).where(events.c.originator_id == uuid.UUID(eid))
                    ).scalar_one()
                ]
                for table, column in tables:
                    query = select(func.count()).select_from(table).where(table.c[column] == eid)
                    found.append(connection.execute(query).scalar_one())
                out[eid] = (found[0], found[1], found[2], found[3])
    finally:
        engine.dispose()
    return out


def crash(env: dict[str, str], nth: int, when: str, *command: str) -> None:
    child = subprocess.run(
        [sys.executable, "-m", "tests.crash_child", "remove", str(nth), when, *command],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert child.returncode == -9, child.stderr[-3000:]


def whole_or_gone(now: Counts, before: Counts) -> set[str]:
    """The enrollments gone; fails on one partly removed."""
    gone = set()
    for eid, found in now.items():
        assert found in (before[eid], (0, 0, 0, 0)), (eid, before[eid], found)
        gone |= {eid} if found == (0, 0, 0, 0) else set()
    return gone


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_kill_9_in_the_middle_of_gallring_and_erasure_leaves_each_enrollment_whole_or_gone(
    kind: str, tmp_path: Path
) -> None:
    with dedicated_database(kind, tmp_path) as url:
        env = service_env(url, tmp_path)
        run_cli(env, "migrate")
        with tenant_on(url, tmp_path) as tenant:
            ended = [enroll(tenant, f"old-{n:02d}-" + "d" * 40, "2019-03-01", "2021-06-30")
                     for n in range(6)]  # fmt: skip
            kept = [enroll(tenant, f"kept-{n:02d}-" + "b" * 40, "2024-03-01", None)
                    for n in range(2)]  # fmt: skip
            person = [
                enroll(tenant, PERSON, "2024-01-10", "2024-05-31"),
                enroll(tenant, PERSON, "2024-06-10", "2024-09-30"),
                enroll(tenant, PERSON, "2025-01-10", None),
            ]
            retention = {"settings": {"retention_years_after_exit": 3}}
            admin = bearer(tenant.admin_key)
            assert tenant.client.patch(tenant.base, json=retention, headers=admin).is_success
        everyone = [*ended, *kept, *person]
        before = counts(url, everyone)
        assert all(c[0] >= 1 and c[1] >= 1 for c in before.values())

        gone: set[str] = set()
        for nth, when in ((1, "inside"), (2, "after"), (2, "inside")):
            crash(env, nth, when, "gallra")
            now = whole_or_gone(counts(url, everyone), before)
            assert gone <= now <= set(ended), "only enrollments past the retention go"
            assert len(now) == len(gone) + (nth if when == "after" else nth - 1)
            gone = now
        run_cli(env, "gallra")
        assert whole_or_gone(counts(url, everyone), before) == set(ended)

        association = ["erase", "--association", tenant.association_id, "--pseudonym", PERSON]
        crash(env, 2, "inside", *association)
        erased = whole_or_gone(counts(url, everyone), before) - set(ended)
        assert len(erased) == 1 and erased < set(person)  # the first of three, whole
        run_cli(env, *association)
        assert whole_or_gone(counts(url, everyone), before) == {*ended, *person}
        run_cli(env, "rebuild")  # exit 0: the read models equal a rebuild from the events
