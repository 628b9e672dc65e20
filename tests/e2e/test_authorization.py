"""Object-level authorization (OWASP API1): every role against every route and owner.

Across associations a read answers 404 and a write 403, except that another association's
enrollment is 404 for a write too (issue 17: it is "not there"); within one, a key of the wrong
role gets 403, and a coach reaches only the interventions listed on its key.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.bootstrap import Container
from tests.conftest import Tenant, bearer, make_tenant
from tests.factories import coach_enrollment

_counter = itertools.count()


def unique_pseudonym() -> str:
    return f"pseudonym-{next(_counter):06d}"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: Callable[[], Any] | None
    allowed: frozenset[str]
    intervention_scoped: bool = False

    @property
    def is_read(self) -> bool:
        return self.method == "GET"


def enrollment_body() -> dict[str, Any]:
    return coach_enrollment(
        pseudonym=unique_pseudonym(),
        sex="male",
        birth_year=1985,
        education="compulsory",
        support=[],
    )


A = "/api/v1/associations/assoc-a"
ROUTES = [
    Route("GET", A, None, frozenset({"system", "admin"})),
    Route("PATCH", A, lambda: {"name": "Assoc A"}, frozenset({"system", "admin"})),
    Route(
        "POST",
        f"{A}/api-keys",
        lambda: {"name": "k", "role": "association_admin"},
        frozenset({"system", "admin"}),
    ),
    # A system key makes admin keys only (issue 17, finding 9).
    Route("POST", f"{A}/api-keys", lambda: {"name": "k", "role": "analyst"}, frozenset({"admin"})),
    Route(
        "POST",
        f"{A}/interventions",
        lambda: {
            "id": f"team-{next(_counter)}",
            "name": "T",
            "kind": "individual",
            "starts_on": "2020-01-01",
        },
        frozenset({"admin"}),
    ),
    Route(
        "GET",
        f"{A}/interventions",
        None,
        frozenset({"system", "admin", "coach_a", "coach_b", "analyst"}),
    ),
    Route(
        "PUT",
        f"{A}/interventions/team-a/finances/2023",
        lambda: {"budget_sek": 100, "cost_sek": 90},
        frozenset({"admin"}),
    ),
    Route(
        "POST",
        f"{A}/interventions/team-a/enrollments",
        enrollment_body,
        frozenset({"coach_a"}),
        intervention_scoped=True,
    ),
    Route(
        "GET",
        f"{A}/interventions/team-a/enrollments",
        None,
        frozenset({"coach_a"}),
        intervention_scoped=True,
    ),
    Route(
        "GET", "/api/v1/enrollments/{eid}", None, frozenset({"coach_a"}), intervention_scoped=True
    ),
    Route(
        "POST",
        "/api/v1/enrollments/{eid}/support-changes",
        lambda: {"changed_on": "2023-04-01", "support": ["other"]},
        frozenset({"coach_a"}),
        intervention_scoped=True,
    ),
    Route(
        "POST",
        f"{A}/anonymous-participants",
        lambda: {
            "intervention_id": "team-a",
            "from": "2023-01-01",
            "to": "2023-03-31",
            "female": 3,
            "male": 2,
            "unspecified": 0,
        },
        frozenset({"coach_a"}),
        intervention_scoped=True,
    ),
    Route("POST", f"{A}/events:batch", lambda: {"events": []}, frozenset({"coach_a", "coach_b"})),
    Route("GET", f"{A}/statistics?year=2023", None, frozenset({"admin", "analyst"})),
    Route("GET", f"{A}/reports/annual/2023?format=json", None, frozenset({"admin", "analyst"})),
]


@pytest.fixture
def world(client: TestClient, container: Container) -> dict[str, Any]:
    a = make_tenant(client, container, "assoc-a", ("team-a", "team-b"))
    b = make_tenant(client, container, "assoc-b", ("team-a",))
    coach_b = client.post(
        f"{A}/api-keys",
        headers=bearer(a.admin_key),
        json={"name": "coach-b", "role": "coach", "interventions": ["team-b"]},
    ).json()["key"]
    coach_a = client.post(
        f"{A}/api-keys",
        headers=bearer(a.admin_key),
        json={"name": "coach-a", "role": "coach", "interventions": ["team-a"]},
    ).json()["key"]
    eid = a.enroll().json()["id"]
    keys = {
        "system": a.system_key,
        "admin": a.admin_key,
        "coach_a": coach_a,
        "coach_b": coach_b,
        "analyst": a.analyst_key,
        "other_admin": b.admin_key,
        "other_coach": b.coach_key,
        "other_analyst": b.analyst_key,
    }
    return {"keys": keys, "eid": eid, "tenant": a}


def expected_denial(route: Route, who: str) -> int:
    outsider = who.startswith("other_") or who == "system"
    wrong_intervention = who == "coach_b" and route.intervention_scoped
    if outsider and "{eid}" in route.path:
        return 404  # another association's enrollment is "not there", read or write
    if outsider or wrong_intervention:
        return 404 if route.is_read else 403
    return 403


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_role_against_the_route(
    route: Route, world: dict[str, Any], client: TestClient
) -> None:
    path = route.path.format(eid=world["eid"])
    for who, key in world["keys"].items():
        body = route.body() if route.body else None
        response = client.request(route.method, path, json=body, headers=bearer(key))
        if who in route.allowed:
            assert response.status_code < 300, (who, response.text)
        else:
            assert response.status_code == expected_denial(route, who), (who, response.text)
            assert response.headers["content-type"] == "application/problem+json"


def test_a_batch_item_for_another_intervention_is_refused(
    world: dict[str, Any], client: TestClient
) -> None:
    item = {
        "id": str(uuid.uuid4()),
        "type": "support_changed",
        "enrollment_id": world["eid"],
        "data": {"changed_on": "2023-04-01", "support": ["other"]},
    }
    response = client.post(
        f"{A}/events:batch", json={"events": [item]}, headers=bearer(world["keys"]["coach_b"])
    )
    assert response.json()["results"][0]["status"] == 403


def test_analysts_never_see_enrollment_level_data(
    world: dict[str, Any], client: TestClient
) -> None:
    tenant: Tenant = world["tenant"]
    answer = client.get(f"{A}/statistics?year=2023", headers=bearer(tenant.analyst_key)).json()
    assert "pseudonym" not in str(answer) and world["eid"] not in str(answer)


def test_a_revoked_key_is_refused_at_once(world: dict[str, Any], client: TestClient) -> None:
    admin = world["keys"]["admin"]
    created = client.post(
        f"{A}/api-keys", headers=bearer(admin), json={"name": "temp", "role": "analyst"}
    ).json()
    assert (
        client.get(f"{A}/statistics?year=2023", headers=bearer(created["key"])).status_code == 200
    )
    assert client.delete(f"{A}/api-keys/{created['id']}", headers=bearer(admin)).status_code == 204
    assert (
        client.get(f"{A}/statistics?year=2023", headers=bearer(created["key"])).status_code == 401
    )


def test_an_enrollment_id_of_another_association_tells_nothing(
    client: TestClient, container: Container
) -> None:
    """Replaying another association's enrollment id answers the same 409 whatever the
    body: no existence or attribute oracle across tenants, and nothing written."""
    a = make_tenant(client, container, "forb-a", ("team-a",))
    b = make_tenant(client, container, "forb-b", ("team-a",))
    eid = str(uuid.uuid4())
    assert a.enroll(id=eid).status_code == 201
    same, other = b.enroll(id=eid), b.enroll(id=eid, birth_year=1970)
    assert same.status_code == other.status_code == 409
    assert same.json()["detail"] == other.json()["detail"]
    listing = b.get(f"{b.base}/interventions/team-a/enrollments", key=b.coach_key)
    assert listing.json() == [] or listing.json().get("enrollments") == []


def test_a_refusal_on_an_enrollment_names_neither_its_association_nor_its_intervention(
    world: dict[str, Any], client: TestClient
) -> None:
    """An enrollment is reached by its id alone: a read by another association's key (or
    another intervention's coach) answers word for word as a read of an id that does not
    exist, and a refused write names only the id."""
    eid, missing = world["eid"], str(uuid.uuid4())
    for who in ("other_coach", "other_admin", "coach_b"):
        key = world["keys"][who]
        found = client.get(f"/api/v1/enrollments/{eid}", headers=bearer(key))
        absent = client.get(f"/api/v1/enrollments/{missing}", headers=bearer(key))
        assert found.status_code == absent.status_code == 404
        assert found.json() == {
            **absent.json(),
            "detail": absent.json()["detail"].replace(missing, eid),
        }
        written = client.post(
            f"/api/v1/enrollments/{eid}/exit",
            json={"exited_on": "2023-06-30", "reason": "work"},
            headers=bearer(key),
        )
        if who == "coach_b":  # of the same association: may know the enrollment exists
            assert written.status_code == 403
            assert written.json()["detail"] == f"this key may not change enrollment {eid}"
        else:  # another association's: answered as an id that does not exist (issue 17)
            not_written = client.post(
                f"/api/v1/enrollments/{missing}/exit",
                json={"exited_on": "2023-06-30", "reason": "work"},
                headers=bearer(key),
            )
            assert written.status_code == not_written.status_code == 404
            assert written.json() == {
                **not_written.json(),
                "detail": not_written.json()["detail"].replace(missing, eid),
            }
        for told in (found.text, written.text):
            assert "assoc-a" not in told and "team-a" not in told
