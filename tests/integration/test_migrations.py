"""Migrations: a database holding data moves from the first release's schema to head and
back, losing nothing, and the statistics read uses the index made for it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from rich.console import Console
from sqlalchemy import Engine, event, inspect, select

from service.adapters import read_models
from service.adapters.database import make_engine
from service.adapters.eventstore import read_session
from service.adapters.migrations import (
    SchemaMismatchError,
    alembic_config,
    compare_type,
    head_revision,
    require_current_schema,
    upgrade_to_head,
)
from service.adapters.tables import metadata
from service.bootstrap import Container, bootstrap
from service.cli.demo import run_demo
from service.cli.demo_data import ASSOCIATION_ID
from service.config import Settings
from service.domain.facts import Period
from tests.conftest import TODAY
from tests.server_process import dedicated_database

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
        # (0004) and the web sessions (0005) start empty (see the migrations).
        assert contents(engine) == {**written, **LATER_TABLES}
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
        assert contents(engine) == {**written, **LATER_TABLES}
        require_current_schema(engine)
    finally:
        engine.dispose()


def test_the_statistics_read_uses_the_index_made_for_it(container: Container) -> None:
    """The index's columns follow the read's WHERE clause: if either changes, this says so.
    Tables this small are planned like large ones on SQLite (no statistics gathered); on
    PostgreSQL a sequential scan is ruled out, so the planner shows which index fits."""
    engine = container.engine
    statements: list[tuple[str, Any]] = []

    def keep(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM enrollment_versions" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with read_session(container.store) as session:
            read_models.enrollment_facts(session, "some-association", Period.year(2023))
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
    assert "ix_enrollment_versions_in_period" in details, details
