"""deploy/backup.sh and deploy/restore.sh: a restored database answers as the original did.

Data goes in through the API; the backup is taken while the service holds the database
open (an online backup); the restore goes into a new database (a new SQLite file, or a
second throwaway PostgreSQL database), which the service then opens as usual.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, make_url, select

from service.adapters.eventstore import read_session
from service.adapters.tables import events
from service.api.app import create_app
from service.bootstrap import Container, bootstrap
from service.config import Settings
from service.domain.facts import Period
from tests import pgdb
from tests.conftest import TODAY, Tenant, bearer

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
YEAR = Period.year(2023)


def run_script(name: str, database_url: str, file: Path) -> subprocess.CompletedProcess[str]:
    """Run deploy/NAME on `database_url` the way an operator would."""
    env = {**os.environ, "UPPFOLJNING_DATABASE_URL": database_url, "PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(DEPLOY / name), str(file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_history(tenant: Tenant) -> None:
    """Enrollments, support changes, exits, a retraction, a voiding and counted reports."""
    reasons = ["work", "studies", "job_seeking", "discontinued", "work", None]  # None: open
    for i, reason in enumerate(reasons):
        sex = "female" if i % 2 else "male"
        enrolled = tenant.enroll(
            intervention="team-a" if i < 4 else "team-b",
            pseudonym=f"person-{i:04d}",
            sex=sex,
            birth_year=1980 + i,
            enrolled_on=f"2023-0{1 + i}-10",
        )
        assert enrolled.status_code == 201, enrolled.text
        eid = enrolled.json()["id"]
        changed = tenant.post(
            f"/api/v1/enrollments/{eid}/support-changes",
            {"changed_on": f"2023-0{2 + i}-01", "support": ["sickness_benefit"]},
        )
        assert changed.status_code == 201, changed.text
        if reason is not None:
            exited = tenant.post(
                f"/api/v1/enrollments/{eid}/exit",
                {"exited_on": "2023-09-15", "reason": reason, "progressed": i % 2 == 0},
            )
            assert exited.status_code == 201, exited.text
        if i == 1:
            retracted = tenant.post(f"/api/v1/enrollments/{eid}/exit-retraction", {"why": "fel"})
            assert retracted.status_code == 201, retracted.text
        if i == 3:
            voided = tenant.post(f"/api/v1/enrollments/{eid}/voiding", {"why": "dubblett"})
            assert voided.status_code == 201, voided.text
    anonymous = tenant.post(
        f"{tenant.base}/anonymous-participants",
        {
            "intervention_id": "team-a",
            "from": "2023-01-01",
            "to": "2023-03-31",
            "female": 3,
            "male": 2,
            "unspecified": 0,
        },
    )
    assert anonymous.status_code == 201, anonymous.text


def event_count(container: Container) -> int:
    with read_session(container.store) as session:
        return int(session.execute(select(func.count()).select_from(events)).scalar() or 0)


@contextlib.contextmanager
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database to restore into: a new SQLite file, or a new PostgreSQL one."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'uppfoljning.db'}"
        return
    name = f"upf_restore_{uuid.uuid4().hex[:12]}"
    with contextlib.redirect_stdout(io.StringIO()):
        assert pgdb.main("create", name) == 0
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.redirect_stdout(io.StringIO()):
            pgdb.main("drop", name)


def require_client_tools(database_url: str) -> None:
    if database_url.startswith("postgresql") and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump/pg_restore are not installed")


def test_a_restored_backup_answers_the_same_statistics(
    container: Container, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    require_client_tools(database_url)
    load_history(tenant)
    original = container.queries.statistics_unchecked(tenant.association_id, YEAR)
    assert original["total"]["measures"]["active"]["total"] > 0
    backup = tmp_path / "uppfoljning.backup"

    made = run_script("backup.sh", database_url, backup)  # the service still has it open

    assert made.returncode == 0, made.stderr
    assert backup.stat().st_size > 0
    assert backup.stat().st_mode & 0o077 == 0, "a backup is readable by its owner only"
    with fresh_database(database_url, tmp_path) as restored_url:
        restored = run_script("restore.sh", restored_url, backup)
        assert restored.returncode == 0, restored.stderr
        assert "restore: återställde" in restored.stderr

        settings = Settings(database_url=restored_url, secrets_file=tmp_path / "secrets.json")
        again = bootstrap(settings, today=lambda: TODAY)  # checks the schema revision too
        try:
            answer = again.queries.statistics_unchecked(tenant.association_id, YEAR)
            assert answer == original
            assert event_count(again) == event_count(container)
            # The keys are in the database: the analyst's key works on the restored one.
            with TestClient(create_app(again)) as client:
                assert client.get("/ready").status_code == 200
                over_http = client.get(
                    f"{tenant.base}/statistics",
                    params={"year": 2023},
                    headers=bearer(tenant.analyst_key),
                )
                assert over_http.status_code == 200, over_http.text
                assert over_http.json() == tenant.statistics(year=2023)
        finally:
            again.close()


def test_restore_refuses_a_database_that_is_not_empty(
    container: Container, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    require_client_tools(database_url)
    load_history(tenant)
    backup = tmp_path / "uppfoljning.backup"
    assert run_script("backup.sh", database_url, backup).returncode == 0
    before = event_count(container)
    tenant.enroll(pseudonym="after-the-backup", enrolled_on="2023-10-01")

    refused = run_script("restore.sh", database_url, backup)  # the live database

    assert refused.returncode != 0
    # Said to the operator in Swedish (issue 19), whichever database refused.
    said = "finns redan" if database_url.startswith("sqlite") else "inget återställdes"
    assert "restore: " in refused.stderr and said in refused.stderr, refused.stderr
    assert event_count(container) == before + 1, "the live database is untouched"


def test_backup_refuses_to_overwrite_a_file(database_url: str, tmp_path: Path) -> None:
    require_client_tools(database_url)
    existing = tmp_path / "old.backup"
    existing.write_bytes(b"an older backup")

    refused = run_script("backup.sh", database_url, existing)

    assert refused.returncode != 0
    assert "backup: " in refused.stderr and "finns redan" in refused.stderr
    assert existing.read_bytes() == b"an older backup"
