"""The one-shot commands print no PostgreSQL error text either (adapters/log_redaction.py).

A trigger makes PostgreSQL refuse a row with a message that quotes it, as a DETAIL line
can. `import` logs such an item's failure without having configured logging; `create-key`
lets the error escape to the interpreter. Neither may print the quoted value.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from service.bootstrap import Container
from tests.conftest import make_tenant
from tests.factories import enrollment_body
from tests.server_process import ROOT, service_env

MARKER = "pseudonym-5b4a3c2d-quoted-by-postgresql"
ONLY_POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def refuse_quoting(database_url: str) -> Iterator[Callable[[str], None]]:
    """Makes PostgreSQL refuse new rows of a table with a message quoting the row's
    pseudonym or name; every such trigger is removed afterwards (the database is shared)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE OR REPLACE FUNCTION refuse_quoting() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'refused' USING DETAIL = 'the row holds ' || "
                "COALESCE(to_jsonb(NEW)->>'pseudonym', to_jsonb(NEW)->>'name'); END $$"
            )
        )

    def refuse(table: str) -> None:
        with engine.begin() as connection:
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_quoting BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_quoting()"
                )
            )

    try:
        yield refuse
    finally:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text("DROP FUNCTION refuse_quoting() CASCADE"))
        engine.dispose()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@ONLY_POSTGRES
def test_an_import_logs_a_failed_item_without_the_database_quoting_it(
    client: TestClient,
    container: Container,
    refuse_quoting: Callable[[str], None],
    tmp_path: Path,
) -> None:
    make_tenant(client, container, "sodra-dalarna", ("team-a",))
    refuse_quoting("open_enrollments")
    event = {
        "id": str(uuid.uuid4()),
        "type": "enrolled",
        "enrollment_id": str(uuid.uuid4()),
        "intervention_id": "team-a",
        "data": enrollment_body(MARKER),
    }
    path = tmp_path / "historik.jsonl"
    path.write_text(json.dumps(event) + "\n")

    env = service_env(container.settings.database_url, tmp_path)
    done = run(env, "import", "--association", "sodra-dalarna",
               str(path))  # fmt: skip

    assert done.returncode == 1, done.stderr  # the item is refused (500), the rest goes on
    assert "Klart: 0 nya händelser, 0 redan inlästa, 1 avvisade." in done.stderr
    assert f"batch item {event['id']} failed" in done.stderr  # the failure is logged ...
    assert "RedactedDatabaseError: RaiseException: SQLSTATE P0001" in done.stderr
    assert MARKER not in done.stderr + done.stdout  # ... without the quoted row


@ONLY_POSTGRES
def test_an_uncaught_database_error_is_printed_without_the_database_quoting_it(
    container: Container, refuse_quoting: Callable[[str], None], tmp_path: Path
) -> None:
    refuse_quoting("api_keys")
    env = service_env(container.settings.database_url, tmp_path)
    done = run(env, "create-key", "--name", MARKER)

    assert done.returncode == 1
    assert done.stdout == ""  # no key was made
    assert "RedactedDatabaseError: RaiseException: SQLSTATE P0001" in done.stderr
    assert "in create_key" in done.stderr  # the traceback is kept, as Typer prints it, ...
    assert "Traceback (most recent call last)" in done.stderr
    assert MARKER not in done.stderr  # ... without the row or `create_key`'s local `name`
