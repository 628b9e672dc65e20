"""Migrations: a database holding data moves from the first release's schema to head and
back, losing nothing, and the statistics read uses the index made for it."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import Engine, delete, event, insert, inspect, select

from service.adapters import period_facts, read_models
from service.adapters.database import make_engine
from service.adapters.eventstore import read_session
from service.adapters.installation import MissingNamespaceError, aggregate_ids
from service.adapters.migrations import (
    SchemaMismatchError,
    alembic_config,
    compare_type,
    head_revision,
    require_current_schema,
    upgrade_to_head,
)
from service.adapters.tables import (
    EVENTS_TABLE,
    enrollment_versions,
    installation,
    intervention_versions,
    metadata,
    statistics_versions,
)
from service.api.app import create_app
from service.bootstrap import Container, bootstrap
from service.cli.demo import run_demo
from service.cli.demo_data import ASSOCIATION_ID
from service.cli.rebuild import rebuild_read_models, snapshot
from service.config import Settings
from service.domain.facts import Period
from service.domain.ids import LEGACY_IDS, LEGACY_NAMESPACE
from tests.conftest import TODAY, make_tenant, system_key
from tests.server_process import bearer, dedicated_database

FIRST = "0001"  # the first release's schema: the oldest a database in use can be at
YEAR = Period.year(TODAY.year - 1)  # the demo's last full year
LATER_TABLES: dict[str, list[tuple[Any, ...]]] = {
    name: []
    for name in (
        "event_keys",
        "audit_log",
        "accountability_protocol",
        "stored_annual_answers",
        "web_sessions",
        "statistics_versions",
    )
}
PERIOD_INDEXES = {"ix_enrollment_versions_period", "ix_enrollment_versions_in_period"}


@pytest.fixture
def own_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as `database_url`, not migrated, of this test's
    own: migrating the run's shared PostgreSQL database down would upset other tests."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgres"
    with dedicated_database(kind, tmp_path) as url:
        yield url


def open_service(url: str, tmp_path: Path, *, check_schema: bool = True) -> Container:
    settings = Settings(database_url=url, secrets_file=tmp_path / "secrets.json")
    return bootstrap(settings, check_schema=check_schema, today=lambda: TODAY)


def contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the database has, in primary-key order."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))
            ]
            for table in metadata.sorted_tables
            if table.name in present
        }


def at_head(written: dict[str, list[tuple[Any, ...]]], engine: Engine) -> dict[str, Any]:
    """What migrations 0006 and 0007 make of `written` (contents with ids of the public namespace):
    the events of each association and intervention under the installation's ids, every
    other row as it was, and the namespace's row."""
    ids = aggregate_ids(engine)
    assert ids.namespace != LEGACY_NAMESPACE
    with engine.connect() as connection:
        slugs = connection.execute(
            select(intervention_versions.c.association_id, intervention_versions.c.intervention_id)
        ).all()
    moves = {LEGACY_IDS.association(a): ids.association(a) for a, _ in slugs}
    moves |= {LEGACY_IDS.intervention(a, i): ids.intervention(a, i) for a, i in slugs}
    stored = {row[1] for row in written[EVENTS_TABLE]}
    assert len(moves) > 2 and set(moves) <= stored  # the demo's, all named in the old way
    return {
        **written,
        EVENTS_TABLE: [
            (row[0], moves.get(row[1], row[1]), *row[2:]) for row in written[EVENTS_TABLE]
        ],
        "installation": [(1, str(ids.namespace))],
        "statistics_versions": written.get("statistics_versions", []),  # 0007 starts empty
    }


def period_indexes(engine: Engine) -> set[str]:
    names = {index["name"] for index in inspect(engine).get_indexes("enrollment_versions")}
    return names & PERIOD_INDEXES


def test_a_database_with_data_at_0001_migrates_to_head_and_back(
    own_database: str, tmp_path: Path
) -> None:
    # The demo förbund, written by the service at head and taken down to the first
    # release's schema: the code writes tables 0001 did not have, so it cannot write there.
    upgrade_to_head(own_database)
    service = open_service(own_database, tmp_path)
    try:
        run_demo(service, participants_per_year=15, console=Console(file=io.StringIO()))
        answer = service.queries.statistics_unchecked(ASSOCIATION_ID, YEAR)
    finally:
        service.close()
    engine = make_engine(own_database)
    try:
        command.downgrade(alembic_config(own_database), FIRST)
        written = contents(engine)
        assert len(written["enrollment_versions"]) > 50
        assert "event_keys" not in written and "audit_log" not in written
        assert "web_sessions" not in written
        assert period_indexes(engine) == {"ix_enrollment_versions_period"}

        upgrade_to_head(own_database)
        # Every row kept; the event-key register (0003) and the accountability tables
        # (0004) and the web sessions (0005) start empty (see the migrations), and
        # associations and interventions move into a new namespace (0006).
        assert contents(engine) == at_head({**written, **LATER_TABLES}, engine)
        assert period_indexes(engine) == {"ix_enrollment_versions_in_period"}
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
            assert compare_metadata(context, metadata) == []
        service = open_service(own_database, tmp_path)  # checks the revision is head
        try:
            assert service.queries.statistics_unchecked(ASSOCIATION_ID, YEAR) == answer
        finally:
            service.close()

        command.downgrade(alembic_config(own_database), FIRST)
        assert contents(engine) == written
        assert period_indexes(engine) == {"ix_enrollment_versions_period"}
        with pytest.raises(
            SchemaMismatchError, match=f"at revision {FIRST}, the code expects {head_revision()}"
        ):
            require_current_schema(engine)

        upgrade_to_head(own_database)  # and up once more, from a downgraded database
        assert contents(engine) == at_head({**written, **LATER_TABLES}, engine)
        require_current_schema(engine)
    finally:
        engine.dispose()


def test_data_of_the_release_before_0006_moves_to_a_namespace_no_tenant_knows(
    own_database: str, tmp_path: Path
) -> None:
    """Issue 17, finding 3, for data already stored. At 0005 the service named aggregates
    in the public namespace (opened without the schema check, the code still does, as the
    release before did). A coach of another förbund took the id a future intervention of
    the demo förbund would get. After 0006: every answer as before, the read models rebuilt
    equal, count reports keyed before it still replay, and that intervention can be made."""
    command.upgrade(alembic_config(own_database), "0005")
    # Today's projection renews an association's answer token (0007) as it writes; the
    # release before had no such table. It lives only while the old release runs here.
    token_engine = make_engine(own_database)
    statistics_versions.create(token_engine)
    old = open_service(own_database, tmp_path, check_schema=False)
    try:
        assert old.admin.ids == LEGACY_IDS
        run_demo(old, participants_per_year=15, console=Console(file=io.StringIO()))
        with TestClient(create_app(old, catch_up_at_start=False)) as client:
            attacker = make_tenant(client, old, "forb-a", ("team-a",))
            squat = LEGACY_IDS.intervention(ASSOCIATION_ID, "ny-insats")
            assert attacker.enroll(id=str(squat), pseudonym="squatter-1").status_code == 201
        old.projector.catch_up()
        answer = old.queries.statistics_unchecked(ASSOCIATION_ID, YEAR)
        projected = snapshot(old)
    finally:
        old.close()
    statistics_versions.drop(token_engine)
    token_engine.dispose()
    engine = make_engine(own_database)
    try:
        before = contents(engine)
        upgrade_to_head(own_database)
        assert contents(engine) == at_head(before, engine)
        first_namespace = aggregate_ids(engine).namespace
        command.downgrade(alembic_config(own_database), "0005")
        assert contents(engine) == before
        upgrade_to_head(own_database)
        assert contents(engine) == at_head(before, engine)
        assert aggregate_ids(engine).namespace != first_namespace  # made anew, at random
        events_stored = len(before[EVENTS_TABLE])
    finally:
        engine.dispose()

    service = open_service(own_database, tmp_path)
    try:
        assert service.queries.statistics_unchecked(ASSOCIATION_ID, YEAR) == answer
        rebuild_read_models(service)
        assert snapshot(service) == projected
        # The demo again: its enrollments, interventions and keyed count reports all replay.
        run_demo(service, participants_per_year=15, console=Console(file=io.StringIO()))
        assert len(contents(service.engine)[EVENTS_TABLE]) == events_stored
        with TestClient(create_app(service, catch_up_at_start=False)) as client:
            root = system_key(service)
            admin = client.post(
                f"/api/v1/associations/{ASSOCIATION_ID}/api-keys",
                json={"name": "admin", "role": "association_admin"},
                headers=bearer(root),
            ).json()["key"]
            registered = client.post(
                f"/api/v1/associations/{ASSOCIATION_ID}/interventions",
                json={
                    "id": "ny-insats",
                    "name": "Ny",
                    "kind": "individual",
                    "starts_on": "2020-01-01",
                },
                headers=bearer(admin),
            )
            assert registered.status_code == 201, registered.text
    finally:
        service.close()


def test_a_database_without_its_namespace_row_is_refused(own_database: str, tmp_path: Path) -> None:
    """A new namespace would leave every association unreachable: never made anew."""
    upgrade_to_head(own_database)
    engine = make_engine(own_database)
    with engine.begin() as connection:
        connection.execute(delete(installation))
    engine.dispose()
    with pytest.raises(MissingNamespaceError, match="säkerhetskopia"):
        open_service(own_database, tmp_path)


def _versions(association_id: str, count: int) -> list[dict[str, Any]]:
    """Enrollment versions spread over ten years, two of every three superseded."""
    recorded = datetime(2024, 1, 1)
    return [
        {
            "enrollment_id": f"{association_id}-{n}", "version": 1,
            "association_id": association_id, "intervention_id": "insats",
            "pseudonym": f"p{n}", "sex": "female", "birth_year": 1990,
            "education": "upper_secondary", "enrolled_on": date(2015 + n % 10, 3, 1),
            "support_at_enrollment": "", "current_support": "", "voided": False,
            "recorded_from": recorded, "recorded_to": recorded if n % 3 else None,
        }
        for n in range(count)
    ]  # fmt: skip


def _planned_index(container: Container, read: Callable[[Any], object], marker: str) -> str:
    """The plan of the one enrollment_versions statement `read` makes that contains
    `marker`, over a table of a few associations' versions with statistics gathered (on
    PostgreSQL a sequential scan ruled out, so the planner shows which index fits)."""
    engine = container.engine
    with engine.begin() as connection:
        rows = zip(
            *(_versions(aid, 1000) for aid in ("some-association", "another", "a-third")),
            strict=True,
        )
        connection.execute(insert(enrollment_versions), [row for three in rows for row in three])
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE enrollment_versions")
    statements: list[tuple[str, Any]] = []

    def keep(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM enrollment_versions" in statement and marker in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with read_session(container.store) as session:
            read(session)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    ((statement, parameters),) = statements
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = " ".join(str(row[-1]) for row in plan)
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            details = " ".join(str(row[0]) for row in plan)
        connection.rollback()
    return details


def test_the_statistics_read_uses_the_index_made_for_it(container: Container) -> None:
    """The index's columns follow the read's WHERE clause: if either changes, this says so."""
    details = _planned_index(
        container,
        lambda session: read_models.enrollment_facts(
            session, "some-association", Period.year(2023)
        ),
        "enrolled_on <=",
    )
    assert "ix_enrollment_versions_in_period" in details, details


def test_the_rows_written_since_are_one_range_of_row_ids(container: Container) -> None:
    """The kept facts' catch-up (period_facts) reads a range of row ids, not every
    version of the association (what both databases did before migration 0011). SQLite
    takes the index made for it; PostgreSQL, with statistics gathered, that index or the
    primary key's range (the rows of every association written since, at most
    period_facts.CATCH_UP_LIMIT)."""
    details = _planned_index(
        container,
        lambda session: period_facts._written_since(
            session, "some-association", period_facts._newest_row(session) - 10
        ),
        "row_id >",
    )
    if container.engine.dialect.name == "sqlite":
        assert "ix_enrollment_versions_written (association_id=? AND row_id>?)" in details
    else:
        assert re.search(r"Index Cond: \(.*row_id > ", details), details


def test_0008_never_gives_an_event_an_id_the_projection_has_passed(
    own_database: str, tmp_path: Path
) -> None:
    """At 0007 on SQLite the newest events were deleted (an erasure) after they were
    projected; from 0008 on, a new event's id is above every id the projection passed."""
    command.upgrade(alembic_config(own_database), "0007")
    engine = make_engine(own_database)
    events = metadata.tables[EVENTS_TABLE]
    tracking = metadata.tables["projection_tracking"]
    row = {"originator_version": 1, "topic": "t", "state": b"{}"}
    with engine.begin() as connection:
        for _ in range(3):
            connection.execute(events.insert().values(originator_id=uuid.uuid4(), **row))
        connection.execute(tracking.update().values(position=3))
        connection.execute(delete(events).where(events.c.id >= 2))  # the two newest
    upgrade_to_head(own_database)
    with engine.begin() as connection:
        connection.execute(events.insert().values(originator_id=uuid.uuid4(), **row))
        ids = connection.execute(select(events.c.id).order_by(events.c.id)).scalars().all()
    engine.dispose()
    assert ids == [1, 4]
