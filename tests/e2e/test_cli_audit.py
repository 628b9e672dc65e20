"""Every command of `python -m service` that changes or reads participant data writes its
audit entry (action = the command's name); the others are exempt here, by name, with why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from service.cli.commands import app
from tests.server_process import ROOT, run_cli, service_env

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
