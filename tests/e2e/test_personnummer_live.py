"""Issue 17, finding 1, end to end: test numbers posted everywhere to a real server are
found neither in the database (the SQLite file and its WAL, every PostgreSQL table) nor
in the server's log (its access log included)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from service.domain.personnummer_guard import contains_identity_number
from tests.conftest import KINDS
from tests.factories import enrollment_body
from tests.server_process import API, bearer, dedicated_database, provision, running_server

NUMBERS = ["19811218-9876", "PNR:198112189876", "1981\u200b1218\u20139876", "701063-2391"]
# What must not be found: every plain form of both numbers.
FORMS = [
    "198112189876", "19811218-9876", "8112189876", "811218-9876", "1218-9876", "1218_9876",
    "197010632391", "19701063-2391", "7010632391", "701063-2391",
]  # fmt: skip


def _database_text(url: str) -> str:
    """Every row of every table as text; for SQLite also the file's and WAL's bytes."""
    engine = create_engine(url)
    chunks = []
    sqlite = url.startswith("sqlite")
    with engine.connect() as connection:
        tables = connection.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type='table'"
                if sqlite
                else "SELECT tablename FROM pg_tables WHERE schemaname='public'"
            )
        ).scalars()
        for table in list(tables):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(" ".join(map(str, row)))
    engine.dispose()
    if sqlite:
        path = Path(url.split("///", 1)[1])
        for file in (path, Path(f"{path}-wal")):
            if file.exists():
                chunks.append(file.read_bytes().decode("latin-1"))
    return "\n".join(chunks)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_numbers_sent_everywhere_are_nowhere_afterwards(kind: str, tmp_path: Path) -> None:
    with (
        dedicated_database(kind, tmp_path) as url,
        running_server(url, tmp_path) as server,
    ):
        tenant = provision(server.url, server.env)
        with httpx.Client(timeout=60) as http:
            admin, coach = bearer(tenant.admin_key), tenant.coach()
            eid = str(uuid.uuid4())
            made = http.post(
                tenant.enrollments_url("team-a"),
                json=enrollment_body("a1b2c3d4e5", eid),
                headers=coach,
            )
            assert made.status_code == 201, made.text
            statuses = []
            for number in NUMBERS:
                attempts = [
                    http.post(
                        tenant.enrollments_url("team-a"),
                        json=enrollment_body(number),
                        headers=coach,
                    ),
                    http.post(
                        tenant.enrollment_url(eid, "voiding"), json={"why": number}, headers=coach
                    ),
                    http.post(
                        tenant.enrollment_url(eid, "voiding"),
                        json={"why": "fel"},
                        headers={**coach, "Idempotency-Key": number.encode()},  # type: ignore[dict-item]
                    ),
                    http.post(
                        f"{tenant.base}/interventions",
                        json={
                            "id": "team-x",
                            "name": number,
                            "kind": "individual",
                            "starts_on": "2024-01-01",
                        },
                        headers=admin,
                    ),
                    http.post(
                        f"{tenant.base}/api-keys",
                        json={"name": number, "role": "analyst"},
                        headers=admin,
                    ),
                    http.post(
                        f"{tenant.base}/activities",
                        json={
                            "intervention_id": "team-a",
                            "held_on": "2024-02-01",
                            "title": number,
                            "participants": {"af": 2},
                        },
                        headers=admin,
                    ),
                    http.get(
                        f"{tenant.base}/statistics",
                        params={"year": 2024, "q": number},
                        headers=coach,
                    ),
                    http.get(f"{server.url}{API}/enrollments/{number}", headers=coach),
                    http.get(
                        f"{server.url}{API}/associations/{number}/statistics?x={number}",
                        headers=coach,
                    ),
                    http.post(
                        f"{tenant.base}/events:batch",
                        json={
                            "events": [
                                {
                                    "id": str(uuid.uuid4()),
                                    "type": "voided",
                                    "enrollment_id": eid,
                                    "data": {"why": number},
                                }
                            ]
                        },
                        headers=coach,
                    ),
                ]
                statuses.append([r.status_code for r in attempts])
                assert not any(f in r.text for r in attempts for f in FORMS)
            # A number where the association takes one: pseudonymised, not kept.
            http.patch(
                tenant.base,
                json={"settings": {"accept_personal_identity_numbers": True}},
                headers=admin,
            ).raise_for_status()
            body = {
                **enrollment_body("x"),
                "pseudonym": None,
                "personal_identity_number": "19811218-9876",
            }
            del body["sex"], body["birth_year"]
            pin = http.post(tenant.enrollments_url("team-a"), json=body, headers=coach)
            assert pin.status_code == 201, pin.text
        assert all(s == [422] * 9 + [200] for s in statuses), statuses
        # One request without a number: its line shows the access log is on (every line
        # with a number, percent-encoded ones too, is replaced whole).
        httpx.get(f"{tenant.base}/statistics", params={"year": 2024}, headers=coach)
        server.stop()
        log = server.log()
        stored = _database_text(url)
    assert "/statistics" in log, "the access log is on, so the URLs were there to be redacted"
    for form in FORMS:
        assert form not in stored, form
        assert form not in log, form
    assert not [line for line in log.splitlines() if contains_identity_number(line)]
