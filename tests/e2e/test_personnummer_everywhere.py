"""A personnummer is refused in every free text and identifier (issue 17, finding 1).

Each place answers 422 naming the field, never the number, and writes nothing; the one
field meant for a number still works where the association allows it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from service.bootstrap import Container
from tests.conftest import Tenant, bearer
from tests.e2e.test_enrollments_api import event_count
from tests.e2e.test_personal_identity_numbers import allow_numbers
from tests.factories import RED_TEAM_SPELLINGS
from tests.integration.test_cli_import import run_import
from tests.server_process import service_env

DIGITS = ["198112189876", "8112189876", "9876", "197010632391", "7010632391", "2391"]


def _refused(response: Any, field: str | None = None) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    if field is not None:
        assert [e["field"] for e in errors] == [field], errors
    assert "personnummer" in errors[0]["message"]
    assert not any(d in response.text for d in DIGITS), response.text


def _enrolled(tenant: Tenant) -> str:
    response = tenant.enroll(id=str(uuid.uuid4()))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("spelling", RED_TEAM_SPELLINGS)
def test_a_pseudonym_holding_a_number_is_refused(
    tenant: Tenant, container: Container, spelling: str
) -> None:
    before = event_count(container)
    _refused(tenant.enroll(pseudonym=spelling.ljust(8, ".")), "pseudonym")
    assert event_count(container) == before


@pytest.mark.parametrize("spelling", RED_TEAM_SPELLINGS[:3])
def test_every_free_text_and_id_of_a_body_is_guarded(
    tenant: Tenant, container: Container, spelling: str
) -> None:
    eid = _enrolled(tenant)
    before = event_count(container)
    admin, root = tenant.admin_key, tenant.system_key
    _refused(tenant.post(f"/api/v1/enrollments/{eid}/voiding", {"why": spelling}), "why")
    _refused(
        tenant.post(f"/api/v1/enrollments/{eid}/corrections", {"pseudonym": spelling.ljust(8)}),
        "pseudonym",
    )
    activity = {
        "intervention_id": "team-a", "held_on": "2023-03-01", "title": spelling,
        "participants": {"af": 1},
    }  # fmt: skip
    _refused(tenant.post(f"{tenant.base}/activities", activity, admin), "title")
    intervention = {
        "id": "team-c",
        "name": spelling,
        "kind": "individual",
        "starts_on": "2024-01-01",
    }
    _refused(tenant.post(f"{tenant.base}/interventions", intervention, admin), "name")
    _refused(
        tenant.post(
            f"{tenant.base}/interventions",
            {**intervention, "id": "19811218-9876", "name": "x"},
            admin,
        ),
        "id",
    )
    _refused(
        tenant.post(f"{tenant.base}/api-keys", {"name": spelling, "role": "analyst"}, admin), "name"
    )
    _refused(
        tenant.post("/api/v1/associations", {"id": "ett-till", "name": spelling}, root), "name"
    )
    _refused(tenant.post("/api/v1/associations", {"id": "8112189876", "name": "Ett"}, root), "id")
    _refused(
        tenant.client.patch(tenant.base, json={"name": spelling}, headers=bearer(admin)), "name"
    )
    assert event_count(container) == before
    assert tenant.get(f"{tenant.base}/interventions", admin).json()  # still answers
    names = json.dumps(tenant.get(f"{tenant.base}/api-keys", admin).json())
    assert not any(d in names for d in DIGITS)


@pytest.mark.parametrize("spelling", ["19811218-9876", "PNR 811218-9876", "1981\u200b12189876"])
def test_the_idempotency_key_query_and_path_are_guarded(
    tenant: Tenant, container: Container, spelling: str
) -> None:
    eid = _enrolled(tenant)
    before = event_count(container)
    _refused(
        tenant.post(
            f"/api/v1/enrollments/{eid}/voiding",
            {"why": "fel"},
            headers={"Idempotency-Key": spelling.encode()},
        ),
        "Idempotency-Key",
    )
    _refused(
        tenant.get(f"{tenant.base}/statistics", params={"year": 2023, "intervention": spelling}),
        "query.intervention",
    )
    _refused(tenant.get(f"{tenant.base}/statistics?{spelling}=1"), "query")
    _refused(tenant.get(f"/api/v1/associations/{spelling}/statistics"), "path")
    assert event_count(container) == before


def test_a_batch_item_holding_a_number_is_refused_alone(
    tenant: Tenant, container: Container
) -> None:
    eid, good = _enrolled(tenant), str(uuid.uuid4())
    items = [
        {"id": str(uuid.uuid4()), "type": "enrolled", "enrollment_id": str(uuid.uuid4()),
         "intervention_id": "team-a",
         "data": {"pseudonym": "PNR:198112189876", "enrolled_on": "2023-03-01", "sex": "female",
                  "birth_year": 1990, "education": "upper_secondary"}},
        {"id": str(uuid.uuid4()), "type": "voided", "enrollment_id": eid,
         "data": {"why": "19811218-9876 Anna Andersson"}},
        {"id": good, "type": "enrolled", "enrollment_id": str(uuid.uuid4()),
         "intervention_id": "team-a",
         "data": {"pseudonym": "a1b2c3d4e5f6a7b8", "enrolled_on": "2023-03-01", "sex": "female",
                  "birth_year": 1990, "education": "upper_secondary"}},
    ]  # fmt: skip
    before = event_count(container)
    response = tenant.post(f"{tenant.base}/events:batch", {"events": items})
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == [422, 422, 201]
    assert "personnummer" in response.json()["results"][0]["detail"]
    assert not any(d in response.text for d in DIGITS)
    assert event_count(container) == before + 1


def test_the_one_field_for_a_number_still_takes_one(tenant: Tenant) -> None:
    allow_numbers(tenant)
    response = tenant.enroll(
        pseudonym=None, personal_identity_number="19811218-9876", sex=None, birth_year=None
    )
    assert response.status_code == 201, response.text


def test_an_imported_line_holding_a_number_is_refused(
    tenant: Tenant, container: Container, tmp_path: Path
) -> None:
    line = {
        "id": str(uuid.uuid4()), "type": "enrolled", "enrollment_id": str(uuid.uuid4()),
        "intervention_id": "team-a",
        "data": {"pseudonym": "pnr 19811218-9876", "enrolled_on": "2023-03-01", "sex": "female",
                 "birth_year": 1990, "education": "upper_secondary"},
    }  # fmt: skip
    path = tmp_path / "historik.jsonl"
    path.write_text(json.dumps(line) + "\n")
    env = service_env(container.settings.database_url, tmp_path)
    before = event_count(container)
    result = subprocess_import(env, path, tenant.association_id)
    assert result.returncode == 1, result.stderr
    assert "personnummer" in result.stderr and "9876" not in result.stderr
    assert event_count(container) == before


def subprocess_import(env: dict[str, str], path: Path, association: str) -> Any:
    assert association == "sodra-dalarna"
    return run_import(env, path)


def test_the_cli_refuses_a_system_key_named_by_a_number(
    container: Container, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "create-key", "--name", "pnr 19811218-9876"],
        env=service_env(container.settings.database_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "personnummer" in result.stderr and "9876" not in result.stderr


def test_a_number_sent_as_a_field_name_is_not_echoed(tenant: Tenant, container: Container) -> None:
    before = event_count(container)
    for key in ("19811218-9876", "198112189876", "PNR 811218-9876"):
        response = tenant.enroll(**{key: ""})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert not any(d in response.text for d in DIGITS), response.text
        # The error still points at the body's unknown field, named by a placeholder.
        assert [e["field"] for e in response.json()["errors"]] == ["[borttaget: personnummer]"]
    # Two unknown keys, each no number, that the problem's detail would join into one.
    split = tenant.enroll(**{"81121": "", "89876": ""})
    assert split.status_code == 422 and "81121" not in split.json()["detail"], split.text
    item = {"id": str(uuid.uuid4()), "type": "voided", "enrollment_id": str(uuid.uuid4()),
            "data": {"why": "fel", "19811218-9876": 1}, "198112189876": 2}  # fmt: skip
    response = tenant.post(f"{tenant.base}/events:batch", {"events": [item]})
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == 422
    assert not any(d in response.text for d in DIGITS), response.text
    response = tenant.post(f"{tenant.base}/events:batch", {"events": [item], "811218-9876": 0})
    assert response.status_code == 422, response.text
    assert not any(d in response.text for d in DIGITS), response.text
    assert event_count(container) == before
