"""`python -m service import`: history from a file, with the batch endpoint's rules."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from service.bootstrap import Container
from tests.conftest import make_tenant
from tests.journeys import as_batch
from tests.reference_journals import sodra_dalarna
from tests.server_process import ROOT, service_env

AVESTA, SATER = "samverkansteam-avesta", "samverkansteam-sater"


def run_import(env: dict[str, str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", "import", "--association", "sodra-dalarna", str(path)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_an_import_applies_every_good_event_and_can_be_rerun(
    client: TestClient, container: Container, tmp_path: Path
) -> None:
    # Exact figures to compare with the reference report: disclosure control off.
    settings = {"min_cell_size": 0}
    tenant = make_tenant(client, container, "sodra-dalarna", (AVESTA, SATER), settings=settings)
    events = as_batch(sodra_dalarna().events)
    bad_code = {**events[0], "id": str(uuid.uuid4()), "enrollment_id": str(uuid.uuid4())}
    bad_code["data"] = {**bad_code["data"], "education": "phd", "pseudonym": "someone-else"}
    lines = [*events, bad_code, {"type": "enrolled"}]
    path = tmp_path / "historik.jsonl"
    path.write_text("\n".join(json.dumps(e, default=str) for e in lines) + "\n")
    env = service_env(container.settings.database_url, tmp_path)

    first = run_import(env, path)
    assert first.returncode == 1, first.stderr  # some events were refused
    assert f"Klart: {len(events)} nya händelser, 0 redan inlästa, 2 avvisade." in first.stderr
    # Said in Swedish (issue 19): the line, the event, the field and its allowed codes.
    bad, empty = (line_of(first.stderr, n) for n in (len(events) + 1, len(events) + 2))
    assert f"(händelse {bad_code['id']}): avvisad (422)" in bad
    assert "education (tillåtna: " in bad and "compulsory" in bad, bad
    assert "avvisad (422). Ogiltiga uppgifter. Fält: " in empty and "enrollment_id" in empty
    assert not ENGLISH.search(first.stderr), first.stderr
    # Imported exactly as the batch endpoint would: the Tabell 9 figures.
    avesta = tenant.statistics(year=2021)["interventions"][0]["measures"]
    assert avesta["active"] == {"total": 58, "female": 33, "male": 25}

    again = run_import(env, path)
    assert f"Klart: 0 nya händelser, {len(events)} redan inlästa, 2 avvisade." in again.stderr
    assert tenant.statistics(year=2021)["interventions"][0]["measures"] == avesta


def line_of(stderr: str, number: int) -> str:
    """The message about line `number` of the file (one line each, never wrapped)."""
    return next(line for line in stderr.splitlines() if re.match(rf"Rad {number}\b", line))


# Words of the API's English details, which the import says in Swedish.
ENGLISH = re.compile(r"invalid|Input should|not found|is not|already|Field required", re.I)


def test_an_unknown_association_is_a_clear_error(container: Container, tmp_path: Path) -> None:
    path = tmp_path / "tom.json"
    path.write_text('{"events": []}')
    done = run_import(service_env(container.settings.database_url, tmp_path), path)
    assert done.returncode == 1
    assert "Fel: Förbundet sodra-dalarna finns inte." in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_file_that_cannot_be_read_is_named_in_swedish(
    client: TestClient, container: Container, tmp_path: Path
) -> None:
    make_tenant(client, container, "sodra-dalarna", (AVESTA,))
    env = service_env(container.settings.database_url, tmp_path)
    broken = tmp_path / "trasig.jsonl"
    broken.write_text('{"type": "enrolled"}\n{"type": \n')

    not_json = run_import(env, broken)
    absent = run_import(env, tmp_path / "finns-inte.jsonl")

    assert not_json.returncode == absent.returncode == 1
    assert "rad 2 är inte JSON" in " ".join(not_json.stderr.split()), not_json.stderr
    assert "filen finns inte." in " ".join(absent.stderr.split()), absent.stderr
    for done in (not_json, absent):
        assert "Fel: kan inte läsa" in done.stderr and not ENGLISH.search(done.stderr)
