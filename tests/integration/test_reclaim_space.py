"""`reclaim_space` on SQLite (decisions.md §22, §39): the VACUUM builds its copy on disk,
not in the memory the connections keep statement journals in, and a WAL a reader holds
is reported, not passed over."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from service.adapters.database import make_engine
from service.adapters.removal import SpaceNotReclaimedError, reclaim_space
from tests.server_process import dedicated_database, run_cli, service_env


def _engine_with_removed_rows(path: Path) -> Engine:
    """An engine on a file whose rows were written, committed, then deleted: their bytes
    are still in the file or its WAL."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (body TEXT)")
        connection.exec_driver_sql(
            "INSERT INTO notes VALUES (?)", [("removed-" + "x" * 200,) for _ in range(500)]
        )
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM notes")
    return engine


def _on_disk(path: Path) -> bytes:
    """The database file's bytes and its WAL's."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_the_vacuum_builds_its_copy_on_disk_and_the_connection_is_given_back_as_it_was(
    tmp_path: Path,
) -> None:
    engine = _engine_with_removed_rows(tmp_path / "x.db")
    assert b"removed-" in _on_disk(tmp_path / "x.db")
    statements: list[str] = []

    @event.listens_for(engine, "connect")
    def _traced(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    engine.dispose()  # the next connection is a new one, traced
    reclaim_space(engine)

    vacuum = statements.index("VACUUM")
    assert "PRAGMA temp_store=FILE" in statements[:vacuum]
    assert statements[vacuum + 1] == "PRAGMA temp_store=2"  # MEMORY, as it was
    with engine.connect() as connection:  # the pool's one connection, reused
        assert connection.exec_driver_sql("PRAGMA temp_store").scalar() == 2
    assert b"removed-" not in _on_disk(tmp_path / "x.db")
    assert (tmp_path / "x.db-wal").stat().st_size == 0
    engine.dispose()


def test_a_wal_a_reader_holds_is_reported_not_passed_over(tmp_path: Path) -> None:
    engine = _engine_with_removed_rows(tmp_path / "x.db")

    @event.listens_for(engine, "connect")
    def _impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")  # not the service's 30 s

    engine.dispose()
    reader = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM notes").fetchone()  # a snapshot, held
    try:
        with pytest.raises(SpaceNotReclaimedError):
            reclaim_space(engine)
    finally:
        reader.execute("COMMIT")
        reader.close()
    reclaim_space(engine)  # once the reader has gone, it goes through
    engine.dispose()


def test_a_gallring_another_process_holds_up_says_so_and_is_audited_as_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gallra` run in this process (its own container, as from the shell) while another
    process reads the database: exit 1, a message staff can act on, an audit entry with
    status 1; run again once the reader is done: exit 0."""
    from typer.testing import CliRunner

    from service.adapters import database
    from service.cli.commands import app

    with dedicated_database("sqlite", tmp_path) as url:
        env = service_env(url, tmp_path)
        run_cli(env, "migrate")
        monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)  # not 30 s in a test
        reader = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        try:
            held_up = CliRunner().invoke(app, ["gallra"], env=env, catch_exceptions=False)
        finally:
            reader.execute("COMMIT")
            reader.close()
        again = CliRunner().invoke(app, ["gallra"], env=env, catch_exceptions=False)
        exported = run_cli(env, "audit", "export")

    assert held_up.exit_code == 1, held_up.output
    assert "Kör `python -m service gallra` igen när inget annat körs." in held_up.stderr
    assert again.exit_code == 0, again.output
    entries = [json.loads(line) for line in exported.splitlines()]
    assert [e["status"] for e in entries if e["action"] == "gallra"] == [1, 0]
