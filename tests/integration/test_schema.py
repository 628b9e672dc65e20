"""The database schema: Alembic owns every table, and the service refuses a wrong one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from service.adapters.database import (
    APPLICATION_NAME,
    SQLITE_CACHE_KIB,
    SQLITE_CHECKPOINT_PAGES,
    SQLITE_WAL_KEPT_BYTES,
    DurabilityError,
    make_engine,
    verify_durability,
)
from service.adapters.migrations import (
    SchemaMismatchError,
    compare_type,
    head_revision,
    require_current_schema,
    upgrade_to_head,
)
from service.adapters.tables import metadata
from service.bootstrap import bootstrap
from service.config import Settings


def test_migrations_yield_exactly_the_tables_the_code_expects(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_the_service_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaMismatchError, match="python -m service migrate"):
        bootstrap(settings)


def test_the_service_refuses_a_database_migrated_by_newer_code(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'from-the-future'"))
    with pytest.raises(SchemaMismatchError, match="newer than this code"):
        require_current_schema(engine)
    with engine.begin() as connection:  # back to head: the PostgreSQL database is shared
        connection.execute(
            text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
        )
    engine.dispose()


def test_sqlite_runs_with_wal_and_full_synchronous(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    verify_durability(engine)  # raises unless WAL + synchronous=FULL
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2
    engine.dispose()


def test_sqlite_connections_are_sized_for_a_chunk_of_writes(tmp_path: Path) -> None:
    """The sizes of decisions.md §39, on every connection: with SQLite's defaults a batch
    chunk's cost per event doubled as the store grew (docs/benchmarks.md)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        setting = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert setting("cache_size") == -SQLITE_CACHE_KIB
        assert setting("wal_autocheckpoint") == SQLITE_CHECKPOINT_PAGES
        assert setting("journal_size_limit") == SQLITE_WAL_KEPT_BYTES
        assert setting("temp_store") == 2  # MEMORY
    engine.dispose()


def test_durability_check_rejects_a_weak_sqlite_setup(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    weak = create_engine(f"sqlite:///{tmp_path / 'weak.db'}")
    with pytest.raises(DurabilityError):
        verify_durability(weak)
    weak.dispose()


def test_sqlite_readers_do_not_hold_the_write_lock(tmp_path: Path) -> None:
    """A long read (an export, an API key lookup) must not make writers queue: in WAL a
    read transaction begins deferred and reads a snapshot beside the writer."""
    import threading

    from sqlalchemy import select

    from service.adapters import keys
    from service.adapters.eventstore import read_session, unit_of_work
    from service.adapters.migrations import upgrade_to_head
    from service.adapters.tables import api_keys
    from service.config import Settings

    url = f"sqlite:///{tmp_path / 'locks.db'}"
    upgrade_to_head(url)
    container = bootstrap(Settings(database_url=url, secrets_file=tmp_path / "s.json"))
    written = threading.Event()

    def write() -> None:
        with unit_of_work(container.store) as session:
            keys.create_key(session, name="w", role="system_admin", association_id=None,
                            interventions=[], created_by=None)  # fmt: skip
        written.set()

    try:
        with read_session(container.store) as session:
            session.execute(select(api_keys)).all()  # the read transaction has begun
            writer = threading.Thread(target=write)
            writer.start()
            assert written.wait(5), "the writer waited for a reader"
        writer.join(5)
    finally:
        container.close()


def test_a_missing_sqlite_database_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "uppfoljning.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    with pytest.raises(SchemaMismatchError, match=str(path)):
        bootstrap(settings)
    assert not path.exists() and not path.parent.exists()


def test_export_from_another_folder_creates_no_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPPFOLJNING_")}
    done = subprocess.run(
        [sys.executable, "-m", "service", "export", "--association", "x", "--year", "2024"],
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert str(tmp_path / "var" / "uppfoljning.db") in done.stderr.replace("\n", "")
    assert list(tmp_path.iterdir()) == []


def test_sqlite_never_hands_out_an_id_of_the_events_or_the_enrollment_versions_twice(
    tmp_path: Path,
) -> None:
    """The projection reads events, and the kept period facts enrollment versions, above
    an id they have seen (migrations 0008 and 0010); compare_metadata does not look at
    AUTOINCREMENT, so the table definitions are read here."""
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        ddl = dict(connection.execute(text("SELECT name, sql FROM sqlite_master")).all())
    engine.dispose()
    for table in ("uppfoljning_events", "enrollment_versions"):
        assert "AUTOINCREMENT" in ddl[table], ddl[table]
    assert "BINARY(16)" in ddl["uppfoljning_events"], ddl["uppfoljning_events"]


def test_each_postgresql_connection_names_the_process_that_opened_it(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        name = connection.scalar(text("SELECT current_setting('application_name')"))
    engine.dispose()
    assert name == f"{APPLICATION_NAME} {os.getpid()}"
    # An operator's own name, given in the URL, is kept.
    separator = "&" if "?" in postgres_url else "?"
    named = make_engine(f"{postgres_url}{separator}application_name=reporting")
    with named.connect() as connection:
        assert connection.scalar(text("SELECT current_setting('application_name')")) == "reporting"
    named.dispose()
