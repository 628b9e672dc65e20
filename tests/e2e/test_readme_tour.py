"""The README's five-minute tour, run verbatim against a real server process.

The snippets are taken from README.md itself, so the tour cannot drift from the product:
only the server's address is changed to the test server's port.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from service.cli.demo import how_to_read
from service.cli.demo_data import ASSOCIATION_ID, ASSOCIATION_NAME
from tests.conftest import POSTGRES_URL
from tests.server_process import (
    API,
    ROOT,
    ServerProcess,
    bearer,
    dedicated_database,
    run_cli,
    running_server,
)

README_URL = "http://127.0.0.1:8000"


def tour_snippets() -> list[str]:
    """The sh code blocks of README's tour section, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def json_documents(text: str) -> list[dict[str, Any]]:
    """The JSON answers printed one after another (curl adds no newline between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (at := _skip_space(text, at)) < len(text):
        document, at = decoder.raw_decode(text, at)
        found.append(document)
    return found


def run_as_printed(
    snippets: list[str], server: ServerProcess, folder: Path
) -> subprocess.CompletedProcess[str]:
    """Shell snippets run in `folder` against `server` (only its address changed); they
    must all succeed."""
    script = "set -euo pipefail\n" + "\n".join(snippets)
    done = subprocess.run(
        ["bash", "-c", script.replace(README_URL, server.url)],
        cwd=folder,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def test_the_tour_has_every_step() -> None:
    script = "\n".join(tour_snippets())
    for step in ("create-key", "/associations", "/api-keys", "/interventions", "/enrollments"):
        assert step in script
    for step in ("/exit", "/statistics?year=", "/reports/annual/"):
        assert step in script


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_readme_tour_runs_against_a_real_server(kind: str, tmp_path: Path) -> None:
    if kind == "postgres" and not POSTGRES_URL:
        pytest.skip("UPPFOLJNING_TEST_POSTGRES_URL is not set (make test sets it)")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    with dedicated_database(kind, tmp_path) as url, running_server(url, tmp_path) as server:
        done = run_as_printed(tour_snippets(), server, tmp_path)
        log = server.log()

    answers = json_documents(done.stdout)
    assert answers[0]["id"] == "sodra-dalarna"
    # The enrollment with its history: enrolled, then exited.
    detail = next(a for a in answers if "events" in a)
    assert [e["type"] for e in detail["events"]] == ["Enrolled", "Exited"]
    # One participant is below min_cell_size: counts are hidden, each hidden value listed.
    statistics = next(a for a in answers if "suppressed" in a)
    assert statistics["total"]["measures"]["active"]["female"] is None
    assert "/total/measures/active/female" in statistics["suppressed"]
    # Nor is her kommun named: one person's kommun is counted under `other`.
    assert list(statistics["total"]["measures"]["municipality"]) == ["other", "unknown"]
    # The export is a real workbook with the förbund's name in it.
    workbook = load_workbook(tmp_path / "arsredovisning-2025.xlsx")
    cells = [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value]
    assert any("Södra Dalarna" in value for value in cells)
    # The second exit is refused as a conflict, in problem+json.
    assert answers[-1]["status"] == 409 and answers[-1]["detail"]
    # Keys are secrets: the server log never shows one.
    assert "upf_" not in log


@pytest.mark.slow
def test_the_demos_instructions_run_against_a_real_server(tmp_path: Path) -> None:
    """What `python -m service demo` prints last, run as printed (the association made as
    the demo makes it; only the server's address changed)."""
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    with dedicated_database("sqlite", tmp_path) as url, running_server(url, tmp_path) as server:
        root = run_cli(server.env, "create-key").strip()
        made = httpx.post(
            f"{server.url}{API}/associations",
            json={"id": ASSOCIATION_ID, "name": ASSOCIATION_NAME},
            headers=bearer(root),
        )
        assert made.status_code == 201, made.text
        commands = [line.strip() for line in how_to_read(2025).splitlines() if line[:4] == "    "]
        done = run_as_printed(commands, server, tmp_path)
    statistics = json_documents(done.stdout)[-1]
    assert "total" in statistics and "suppressed" in statistics, statistics
    assert (tmp_path / f"uppfoljning-{ASSOCIATION_ID}-2025.xlsx").stat().st_size > 0
