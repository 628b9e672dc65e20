"""`python -m service erase --personnummer-from-stdin`: the number is read from stdin (never
an argument), pseudonymised on the spot with the association's key, and appears in no
output, log, audit entry or protocol (product.md §12)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KINDS
from tests.e2e.test_personal_identity_numbers import NUMBER_12, allow_numbers, textual_forms
from tests.e2e.test_removal_crash import counts, enroll, tenant_on
from tests.server_process import ROOT, dedicated_database, run_cli, service_env


def erase(env: dict[str, str], association: str, stdin: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "service", "erase", "--association", association,
            "--personnummer-from-stdin"]  # fmt: skip
    assert not any(form in arg for arg in args for form in textual_forms(NUMBER_12))
    return subprocess.run(
        args, env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("kind", KINDS)
def test_erasure_by_a_personnummer_read_from_stdin(kind: str, tmp_path: Path) -> None:
    with dedicated_database(kind, tmp_path) as url:
        env = service_env(url, tmp_path, UPPFOLJNING_LOG_LEVEL="DEBUG")
        run_cli(env, "migrate")
        with tenant_on(url, tmp_path) as tenant:
            allow_numbers(tenant)
            answer = tenant.enroll(
                pseudonym=None, sex=None, birth_year=None, personal_identity_number=NUMBER_12
            )
            assert answer.status_code == 201, answer.text
            person = str(answer.json()["id"])
            other = enroll(tenant, "someone-else-" + "a" * 40, "2024-03-01", None)
        association = tenant.association_id
        before = counts(url, [person, other])

        refused = erase(env, association, "198112189875\n")  # a wrong check digit
        assert refused.returncode == 1
        assert counts(url, [person, other]) == before

        done = erase(env, association, f"{NUMBER_12[:8]}-{NUMBER_12[8:]}\n")
        assert done.returncode == 0, done.stderr
        assert "1 inskrivningar" in done.stderr
        assert counts(url, [person, other]) == {person: (0, 0, 0, 0), other: before[other]}

        exported = run_cli(env, "audit", "export", "--association", association)
        erasures = [json.loads(line) for line in exported.splitlines()]
        assert [e["status"] for e in erasures if e["action"] == "erase"] == [1, 0]
        said = refused.stdout + refused.stderr + done.stdout + done.stderr + exported
        assert not any(form in said for form in textual_forms(NUMBER_12))
        if kind == "sqlite":
            path = Path(url.split("///", 1)[1])
            for each in (path, Path(f"{path}-wal")):
                data = each.read_bytes() if each.exists() else b""
                assert not any(form.encode() in data for form in textual_forms(NUMBER_12))
