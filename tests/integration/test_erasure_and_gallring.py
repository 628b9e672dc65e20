"""Erasure and gallring (product.md §12), on SQLite and PostgreSQL: the removed pseudonyms
are nowhere in the database afterwards (SQLite: the file and its WAL, byte by byte;
PostgreSQL: every table's rows as text), a rebuild equals the live read models, the
published exports of ended years are byte-identical, and the protocol names no one."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from service.adapters.eventstore import read_session
from service.adapters.tables import audit_log, metadata
from service.bootstrap import Container
from service.cli.rebuild import rebuild_read_models, snapshot
from tests.conftest import Tenant, bearer
from tests.factories import EXIT_BODY

FORMATS = ("json", "csv", "xlsx")
KEPT = "kept-" + "b" * 40
ERASED = "erased-" + "c" * 40
OLD = "old-" + "d" * 40


def enroll(tenant: Tenant, pseudonym: str, on: str, exit_on: str | None) -> str:
    response = tenant.enroll(pseudonym=pseudonym, enrolled_on=on)
    assert response.status_code == 201, response.text
    eid = str(response.json()["id"])
    if exit_on is not None:
        body = {**EXIT_BODY, "exited_on": exit_on}
        done = tenant.post(f"/api/v1/enrollments/{eid}/exit", body)
        assert done.status_code == 201, done.text
    return eid


def exports(tenant: Tenant, container: Container, years: tuple[int, ...]) -> dict[Any, Any]:
    """The exports' bytes; of an xlsx, its members but the creation instant in its core
    properties, which differs between any two exports made without as_of."""
    out: dict[Any, Any] = {}
    # Every export is stamped with its instant (issue 19): the same instant on both sides,
    # so what is compared is the figures and their text.
    container.annual_exports.now = lambda: datetime(2026, 11, 24, 12, tzinfo=UTC)
    for year in years:
        for fmt in FORMATS:
            data = container.annual_exports.export(tenant.association_id, year, fmt, None)[0]
            if fmt == "xlsx":
                package = zipfile.ZipFile(io.BytesIO(data))
                data = {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}
            out[(year, fmt)] = data
    return out


def assert_nowhere(container: Container, database_url: str, *secrets: str) -> None:
    """None of `secrets` in the database's bytes (SQLite) or any table's text (PostgreSQL)."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for each in (path, Path(f"{path}-wal")):
            data = each.read_bytes() if each.exists() else b""
            for secret in secrets:
                assert secret.encode() not in data, (each.name, secret)
        return
    with container.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(text(f"SELECT t::text FROM {table.name} t")).scalars()
            dump = "\n".join(rows)
            for secret in secrets:
                assert secret not in dump, (table.name, secret)
                assert secret.encode().hex() not in dump, (table.name, secret)


def test_an_erased_person_is_nowhere_and_published_years_stay_as_published(
    tenant: Tenant, container: Container, database_url: str
) -> None:
    enroll(tenant, KEPT, "2024-02-01", "2025-03-01")
    for n in range(3):
        enroll(tenant, f"{KEPT}-{n}", "2025-01-15", None)
    enroll(tenant, ERASED, "2024-05-01", "2025-06-30")
    second = enroll(tenant, ERASED, "2025-08-01", None)  # enrolled again: also erased
    before = exports(tenant, container, (2024, 2025))
    statistics_before = tenant.statistics(year=2025)
    assert_found = container.removal.plan_erasure(tenant.association_id, ERASED)
    assert len(assert_found.enrollments) == 2 and second in assert_found.enrollments

    done = container.removal.carry_out(assert_found, kind="erasure", operator="tester")
    container.removal.reclaim_space()

    assert done.events >= 3 and done.stored_years == 2
    assert_nowhere(container, database_url, ERASED)
    # Exports of ended years as published; the live statistics no longer count the person.
    assert exports(tenant, container, (2024, 2025)) == before
    assert tenant.statistics(year=2025) != statistics_before
    live = snapshot(container)
    rebuild_read_models(container)
    assert snapshot(container) == live
    protocol = tenant.client.get(
        f"{tenant.base}/accountability-protocol", headers=bearer(tenant.admin_key)
    ).json()
    assert [(p["kind"], p["counts"]["enrollments"], p["operator"]) for p in protocol] == [
        ("erasure", 2, "tester")
    ]
    assert ERASED not in str(protocol) and second not in str(protocol)
    assert tenant.get(f"/api/v1/enrollments/{second}", key=tenant.coach_key).status_code == 404


def test_gallring_removes_what_has_passed_the_retention_and_keeps_the_exports(
    tenant: Tenant, container: Container, database_url: str
) -> None:
    admin = bearer(tenant.admin_key)
    assert (
        tenant.client.patch(
            tenant.base, headers=admin, json={"settings": {"retention_years_after_exit": 2}}
        ).status_code
        == 200
    )
    enroll(tenant, OLD, "2021-03-01", "2023-06-30")  # ended before 2024-11-24: gallras
    enroll(tenant, KEPT, "2022-02-01", "2025-01-10")  # ended after: kept
    counted = tenant.post(
        f"{tenant.base}/anonymous-participants",
        {"intervention": "team-a", "period_start": "2022-01-01", "period_end": "2022-12-31",
         "female": 2, "male": 1, "unspecified": 0},
    )  # fmt: skip
    before = exports(tenant, container, (2022, 2023, 2024))
    dry = container.removal.plan_gallring()
    assert [(p.association_id, len(p.enrollments)) for p in dry] == [(tenant.association_id, 1)]
    assert len(dry[0].count_reports) == (1 if counted.status_code == 201 else 0)
    assert "retention_years_after_exit=2" in dry[0].rule

    container.removal.carry_out(dry[0], kind="gallring", operator="tester")
    container.removal.reclaim_space()

    assert_nowhere(container, database_url, OLD)
    assert exports(tenant, container, (2022, 2023, 2024)) == before
    live = snapshot(container)
    rebuild_read_models(container)
    assert snapshot(container) == live
    assert container.removal.plan_gallring()[0].enrollments == []  # nothing left to do
    protocol = tenant.client.get(f"{tenant.base}/accountability-protocol", headers=admin).json()
    assert protocol[0]["kind"] == "gallring" and protocol[0]["counts"]["enrollments"] == 1
    with read_session(container.store) as session:
        actions = set(session.execute(select(audit_log.c.action)).scalars())
    assert "PATCH /api/v1/associations/{aid}" in actions


def test_events_after_erasing_the_newest_ones_are_projected(
    tenant: Tenant, container: Container
) -> None:
    """SQLite once gave the next event the id of the erased newest one, which the
    projection had passed: that event was never projected, and the enrollment's next event
    stopped the projection (migration 0008)."""
    enroll(tenant, ERASED, "2025-02-01", None)  # the newest events of the store
    container.removal.carry_out(
        container.removal.plan_erasure(tenant.association_id, ERASED),
        kind="erasure", operator="tester",
    )  # fmt: skip
    after = enroll(tenant, KEPT, "2025-03-01", None)
    assert tenant.statistics(year=2025)["total"]["measures"]["active"]["total"] == 1
    voided = tenant.post(f"/api/v1/enrollments/{after}/voiding", {"why": "fel person"})
    assert voided.status_code == 201, voided.text
    assert tenant.statistics(year=2025)["total"]["measures"]["active"]["total"] == 0
    assert container.projector.lag() == 0
