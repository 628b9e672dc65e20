"""Every command of `python -m service` that changes or reads participant data writes its
audit entry (action = the command's name); the others are exempt here, by name, with why."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from service.adapters import audit_log, tables
from service.adapters.audit_log import AuditEntry
from service.cli.commands import app
from tests.conftest import KINDS
from tests.server_process import ROOT, dedicated_database, run_cli, service_env

AUDITED = {"create-key", "revoke-key", "import", "export", "erase", "gallra", "audit export"}
EXEMPT = {
    "migrate": "changes the schema, not data; runs before the audit table exists",
    "serve": "its requests are audited (api/audit.py)",
    "serve-worker": "its requests are audited (api/audit.py)",
    "project": "derives read models from recorded events; changes no recorded data",
    "rebuild": "derives read models from recorded events; changes no recorded data",
    "list-keys": "lists keys, no participant data or figures",
    "dump-openapi": "no database",
    "pseudonymise": "local computation, no database",
    "new-key-file": "local file, no database",
    "demo": "loads a fictitious example förbund",
}


def commands() -> set[str]:
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    for group in app.registered_groups:
        sub = group.typer_instance
        names |= {f"{group.name} {c.name}" for c in sub.registered_commands} if sub else set()
    return {n.replace("_", "-") for n in names}


def test_every_command_is_audited_or_exempt_by_name() -> None:
    assert commands() == AUDITED | set(EXEMPT)


def test_each_audited_command_writes_its_entry(tmp_path: Path) -> None:
    env = service_env(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    run_cli(env, "migrate")
    key = run_cli(env, "create-key", "--name", "first").strip()
    run_cli(env, "revoke-key", key.split("_", 2)[1])
    events = tmp_path / "events.jsonl"
    events.write_text("")
    for refused in (
        ["import", "--association", "nowhere", str(events)],
        ["export", "--association", "nowhere", "--year", "2025", "--format", "csv"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "service", *refused],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
    run_cli(env, "gallra", "--dry-run")
    run_cli(env, "gallra")
    run_cli(env, "erase", "--association", "nowhere", "--pseudonym", "p" * 64)
    lines = run_cli(env, "audit", "export").splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    assert actions == ["create-key", "revoke-key", "import", "export", "gallra", "erase"]
    assert "p" * 64 not in "\n".join(lines)
    again = [json.loads(line)["action"] for line in run_cli(env, "audit", "export").splitlines()]
    assert again[-1] == "audit export"


@pytest.mark.parametrize("kind", KINDS)
def test_gallra_applies_the_audit_logs_own_retention(kind: str, tmp_path: Path) -> None:
    with dedicated_database(kind, tmp_path) as url:
        env = service_env(url, tmp_path, UPPFOLJNING_AUDIT_RETENTION_YEARS="2")
        run_cli(env, "migrate")
        now = datetime.now(UTC)
        engine = create_engine(url)
        try:
            with Session(engine) as session, session.begin():
                for days, action in ((3 * 365, "old"), (2 * 365 + 2, "older than two years"),
                                     (2 * 365 - 2, "just kept")):  # fmt: skip
                    audit_log.record(session, AuditEntry(
                        recorded_at=now - timedelta(days=days), key_id=None, key_name="x",
                        role="operator", association_id=None, action=action,
                        intervention_id=None, period_from=None, period_to=None, status=0,
                    ))  # fmt: skip
            dry = subprocess.run(
                [sys.executable, "-m", "service", "gallra", "--dry-run"],
                env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert dry.returncode == 0 and "2 poster skulle gallras" in dry.stderr, dry.stderr
            assert len(run_cli(env, "audit", "export").splitlines()) == 3  # nothing gone
            run_cli(env, "gallra")
            with engine.connect() as connection:
                left = connection.execute(select(tables.audit_log.c.action)).scalars().all()
        finally:
            engine.dispose()
        assert left == ["just kept", "audit export", "gallra"]


def test_the_service_never_updates_or_deletes_an_audit_entry_but_for_retention() -> None:
    """Append-only: the one statement that removes entries is the log's own retention."""
    found = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        for line in path.read_text().splitlines():
            if re.search(r"\b(update|delete)\(\s*(tables\.)?audit_log\b", line) or re.search(
                r"(UPDATE|DELETE FROM)\s+audit_log", line
            ):
                found.append((path.relative_to(ROOT).as_posix(), line.strip()))
    assert found == [
        (
            "service/adapters/audit_log.py",
            "statement = delete(audit_log).where(audit_log.c.recorded_at < naive_utc(cutoff))",
        )
    ]
