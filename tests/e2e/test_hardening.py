"""Issue 17, the smaller findings: each test failed before its fix."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.bootstrap import Container
from tests.conftest import Tenant, bearer, make_tenant
from tests.factories import batch_enrolled

# The batch items of these tests: enrolled in 2023 (the factory fills the rest).
ENROLLED_2023 = {"enrolled_on": "2023-03-01", "birth_year": 1990, "education": "upper_secondary"}


# --- finding 10: Cache-Control: no-store on every authenticated answer ---------------


def test_every_authenticated_answer_is_no_store(tenant: Tenant) -> None:
    eid = tenant.enroll(id=str(uuid.uuid4())).json()["id"]
    coach, analyst = tenant.coach_key, tenant.analyst_key
    answers = {
        "statistics": tenant.get(f"{tenant.base}/statistics", params={"year": 2023}),
        "export": tenant.get(f"{tenant.base}/reports/annual/2023", params={"format": "csv"}),
        "enrollment": tenant.client.get(f"/api/v1/enrollments/{eid}", headers=bearer(coach)),
        "list": tenant.client.get(
            f"{tenant.base}/interventions/team-a/enrollments", headers=bearer(coach)
        ),
        "write": tenant.post(
            f"/api/v1/enrollments/{eid}/exit", {"exited_on": "2023-06-30", "reason": "work"}
        ),
        "keys": tenant.get(f"{tenant.base}/api-keys", tenant.admin_key),
        "refused": tenant.get(f"{tenant.base}/api-keys", analyst),
        "unknown key": tenant.client.get(f"{tenant.base}/statistics", headers=bearer("nope")),
    }
    for name, response in answers.items():
        assert response.headers.get("cache-control") == "no-store", (name, response.status_code)
    assert answers["statistics"].status_code == answers["export"].status_code == 200


# --- finding 7: as_of at the ends of the range is 422, not 500 -----------------------


@pytest.mark.parametrize(
    "as_of", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+23:59"]
)
def test_an_as_of_without_a_utc_form_is_422_naming_the_field(tenant: Tenant, as_of: str) -> None:
    for path, params in (
        (f"{tenant.base}/statistics", {"year": 2023, "as_of": as_of}),
        (f"{tenant.base}/reports/annual/2023", {"format": "json", "as_of": as_of}),
    ):
        response = tenant.get(path, params=params)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["as_of"]


def test_an_as_of_near_the_ends_that_has_a_utc_form_still_answers(tenant: Tenant) -> None:
    response = tenant.get(
        f"{tenant.base}/statistics", params={"year": 2023, "as_of": "0001-01-02T00:00:00+14:00"}
    )
    # Answered (the association did not exist then: 404 as for any date before it), no 500.
    assert response.status_code == 404, response.text
    assert "not found" in response.json()["detail"]


# --- finding 6: another association's enrollment is "not there", batch included -------


@pytest.fixture
def two(client: TestClient, container: Container) -> dict[str, Any]:
    a = make_tenant(client, container, "forb-a", ("team-a",))
    b = make_tenant(client, container, "forb-b", ("team-a",))
    eid = a.enroll(id=str(uuid.uuid4())).json()["id"]
    return {"a": a, "b": b, "eid": eid, "missing": str(uuid.uuid4())}


def test_a_write_to_another_associations_enrollment_answers_as_a_made_up_id(
    two: dict[str, Any],
) -> None:
    b: Tenant = two["b"]
    answers = {}
    for which in ("eid", "missing"):
        eid = two[which]
        answers[which] = [
            b.post(
                f"/api/v1/enrollments/{eid}/exit", {"exited_on": "2023-06-30", "reason": "work"}
            ),
            b.post(f"/api/v1/enrollments/{eid}/voiding", {"why": "fel"}),
            b.post(f"/api/v1/enrollments/{eid}/corrections", {"education": "compulsory"}),
            b.client.get(f"/api/v1/enrollments/{eid}", headers=bearer(b.coach_key)),
        ]
    for found, absent in zip(answers["eid"], answers["missing"], strict=True):
        assert found.status_code == absent.status_code == 404
        assert found.text.replace(two["eid"], "X") == absent.text.replace(two["missing"], "X")


def test_a_batch_item_for_another_associations_enrollment_answers_as_a_made_up_id(
    two: dict[str, Any],
) -> None:
    b: Tenant = two["b"]
    items = [
        {
            "id": str(uuid.uuid4()),
            "type": "support_changed",
            "enrollment_id": two[which],
            "data": {"changed_on": "2023-04-01", "support": ["other"]},
        }
        for which in ("eid", "missing")
    ]
    results = b.post(f"{b.base}/events:batch", {"events": items}).json()["results"]
    assert [r["status"] for r in results] == [404, 404]
    assert results[0]["detail"].replace(two["eid"], "X") == results[1]["detail"].replace(
        two["missing"], "X"
    )
    assert "another association" not in str(results)


# --- finding 9: the system key manages associations and their admin keys only --------


@pytest.mark.parametrize(
    "body",
    [
        {"name": "coach", "role": "coach", "interventions": ["team-a"]},
        {"name": "analyst", "role": "analyst"},
    ],
)
def test_a_system_key_may_not_mint_coach_or_analyst_keys(
    tenant: Tenant, body: dict[str, Any]
) -> None:
    before = tenant.get(f"{tenant.base}/api-keys", tenant.admin_key).json()
    response = tenant.post(f"{tenant.base}/api-keys", body, tenant.system_key)
    assert response.status_code == 403, response.text
    assert "association_admin" in response.json()["detail"]
    assert tenant.get(f"{tenant.base}/api-keys", tenant.admin_key).json() == before
    made = tenant.post(f"{tenant.base}/api-keys", body, tenant.admin_key)
    assert made.status_code == 201, "the association's admin still may"


def test_a_system_key_still_makes_admin_keys(tenant: Tenant) -> None:
    body = {"name": "ny chef", "role": "association_admin"}
    response = tenant.post(f"{tenant.base}/api-keys", body, tenant.system_key)
    assert response.status_code == 201, response.text


# --- finding 5: a key revoked during a batch stops it at the next chunk --------------


def test_a_key_revoked_during_a_batch_writes_no_further_chunk(
    tenant: Tenant, container: Container, monkeypatch: Any
) -> None:
    from service.adapters import keys
    from service.adapters.eventstore import unit_of_work
    from service.api import batch_events as batch

    coach = tenant.post(
        f"{tenant.base}/api-keys",
        {"name": "batch", "role": "coach", "interventions": ["team-a"]},
        tenant.admin_key,
    ).json()
    original = batch._chunks

    def revoked_after_the_first_chunk(events: Any) -> Any:
        for number, chunk in enumerate(original(events)):
            if number == 1:  # the first chunk is committed; the admin revokes the key now
                with unit_of_work(container.store) as session:
                    assert keys.revoke_key(session, tenant.association_id, coach["id"])
            yield chunk

    monkeypatch.setattr(batch, "CHUNK_SIZE", 3)
    monkeypatch.setattr(batch, "_chunks", revoked_after_the_first_chunk)
    items = [
        batch_enrolled(str(uuid.uuid4()), f"pseudonym-{n:04d}", **ENROLLED_2023) for n in range(8)
    ]
    response = tenant.post(f"{tenant.base}/events:batch", {"events": items}, coach["key"])
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201] * 3 + [401] * 5
    assert "revoked" in results[3]["detail"]
    listed = tenant.client.get(
        f"{tenant.base}/interventions/team-a/enrollments",
        params={"status": "all"},
        headers=bearer(tenant.coach_key),
    ).json()
    assert len(listed) == 3, "only the first chunk was written"


# --- finding 8: a kommun is one of SCB's 290 kommunkoder ---------------------------


def test_the_kommun_list_is_scbs_290_in_21_lan() -> None:
    from service.domain.municipalities import DATA, municipality_names

    names = municipality_names()
    assert len(names) == 290
    per_lan: dict[str, int] = {}
    for code in names:
        per_lan[code[:2]] = per_lan.get(code[:2], 0) + 1
    assert per_lan == {
        "01": 26, "03": 8, "04": 9, "05": 13, "06": 13, "07": 8, "08": 12, "09": 1, "10": 5,
        "12": 33, "13": 6, "14": 49, "17": 16, "18": 12, "19": 10, "20": 15, "21": 10,
        "22": 7, "23": 8, "24": 15, "25": 14,
    }  # fmt: skip
    assert names["0180"] == "Stockholm" and names["2084"] == "Avesta" and names["2584"] == "Kiruna"
    assert names["0331"] == "Heby" and "1917" not in names  # Heby moved to Uppsala län in 2007
    assert "Källa: Statistiska centralbyrån" in DATA.read_text(encoding="utf-8")


@pytest.mark.parametrize("code", ["9999", "0000", "2000", "1917"])
def test_a_code_that_is_no_kommun_is_refused(
    tenant: Tenant, container: Container, code: str
) -> None:
    response = tenant.enroll(municipality=code)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["municipality"]
    assert tenant.enroll(municipality="2084").status_code == 201


def test_a_batch_of_made_up_kommuner_writes_none_of_them(tenant: Tenant) -> None:
    items = [
        batch_enrolled(
            str(uuid.uuid4()), f"pseudonym-{n:04d}", **ENROLLED_2023, municipality=f"{9000 + n:04d}"
        )
        for n in range(50)
    ]
    results = tenant.post(f"{tenant.base}/events:batch", {"events": items}).json()["results"]
    assert {r["status"] for r in results} == {422}
    assert all("municipality" in r["detail"] for r in results)


def test_the_annual_export_names_the_kommun(tenant: Tenant) -> None:
    assert tenant.enroll(municipality="2084").status_code == 201
    answer = tenant.get(f"{tenant.base}/reports/annual/2023", params={"format": "json"})
    assert answer.status_code == 200, answer.text
    assert "Avesta (2084)" in answer.text
