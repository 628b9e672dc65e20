"""Operators manage system keys from the command line: create, list, revoke."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from service.adapters import keys
from service.adapters.eventstore import read_session
from service.bootstrap import bootstrap
from service.config import Settings
from tests.server_process import ROOT, run_cli, service_env


def test_a_system_key_is_listed_without_its_secret_and_revoked_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    env = service_env(url, tmp_path)
    run_cli(env, "migrate")
    first = run_cli(env, "create-key", "--name", "first").strip()
    second = run_cli(env, "create-key", "--name", "second").strip()
    # upf_<uuid>_<secret>; the secret (token_urlsafe) may itself contain "_".
    first_id, first_secret = first.split("_", 2)[1:]
    second_secret = second.split("_", 2)[2]

    listing = run_cli(env, "list-keys")
    assert first_id in listing and "second" in listing
    assert first_secret not in listing and second_secret not in listing

    run_cli(env, "revoke-key", first_id)
    again = subprocess.run(
        [sys.executable, "-m", "service", "revoke-key", first_id],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert again.returncode == 1 and "Ingen aktiv nyckel" in again.stderr

    container = bootstrap(Settings(database_url=url, secrets_file=tmp_path / "s.json"))
    with read_session(container.store) as session:
        assert keys.authenticate(session, first) is None
        still = keys.authenticate(session, second)
    container.close()
    assert still is not None and still.role == "system_admin"


def test_commands_on_an_unmigrated_database_say_what_to_run(tmp_path: Path) -> None:
    env = service_env(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    for command in (["create-key"], ["list-keys"], ["serve"]):
        done = subprocess.run(
            [sys.executable, "-m", "service", *command],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, command
        assert "python -m service migrate" in done.stderr and "Traceback" not in done.stderr
