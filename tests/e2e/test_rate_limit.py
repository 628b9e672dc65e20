"""Rate limiting per key (OWASP API4): 429 with Retry-After, one key's budget per key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.bootstrap import Container, bootstrap
from service.config import Settings
from tests.conftest import TODAY, Tenant, bearer, make_tenant
from tests.factories import coach_enrollment

LIMIT = 5  # setting a tenant up spends 2 of the system key's and 3 of the admin's requests


@pytest.fixture
def limited_container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    settings = Settings(
        database_url=database_url,
        secrets_file=tmp_path / "secrets.json",
        rate_limit_per_minute=LIMIT,
    )
    built = bootstrap(settings, today=lambda: TODAY)
    yield built
    built.close()


@pytest.fixture
def limited(limited_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(limited_container)) as client:
        yield client


@pytest.fixture
def tenant(limited: TestClient, limited_container: Container) -> Tenant:
    return make_tenant(limited, limited_container, interventions=("team-a",))


def enrollment(n: int) -> dict[str, Any]:
    return coach_enrollment(pseudonym=f"pseudonym-{n:04d}")


def spend(tenant: Tenant, key: str) -> None:
    """Use up a key's budget with reads."""
    for _ in range(LIMIT):
        response = tenant.get(f"{tenant.base}/interventions", key=key)
        assert response.status_code == 200, response.text


class TestOverTheLimit:
    def test_answers_429_problem_with_retry_after(self, tenant: Tenant) -> None:
        spend(tenant, tenant.analyst_key)
        response = tenant.get(f"{tenant.base}/interventions", key=tenant.analyst_key)
        assert response.status_code == 429
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"].isdigit()
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert response.json()["status"] == 429

    def test_a_refused_write_writes_nothing(self, tenant: Tenant) -> None:
        path = f"{tenant.base}/interventions/team-a/enrollments"
        for n in range(LIMIT):
            assert tenant.post(path, enrollment(n)).status_code == 201
        refused = tenant.post(path, enrollment(99) | {"id": str(uuid.uuid4())})
        assert refused.status_code == 429

        other_coach = tenant.post(
            f"{tenant.base}/api-keys",
            {"name": "coach 2", "role": "coach", "interventions": ["team-a"]},
            key=tenant.admin_key,
        ).json()["key"]
        listed = tenant.client.get(path, headers=bearer(other_coach))
        assert listed.status_code == 200
        assert sorted(e["pseudonym"] for e in listed.json()) == [
            f"pseudonym-{n:04d}" for n in range(LIMIT)
        ]

    def test_a_batch_is_one_request(self, tenant: Tenant) -> None:
        events = [
            {
                "id": str(uuid.uuid4()),
                "type": "enrolled",
                "enrollment_id": str(uuid.uuid4()),
                "intervention_id": "team-a",
                "data": enrollment(n),
            }
            for n in range(3 * LIMIT)
        ]
        response = tenant.post(f"{tenant.base}/events:batch", {"events": events})
        assert response.status_code == 200, response.text
        assert {r["status"] for r in response.json()["results"]} == {201}
        listed = tenant.client.get(
            f"{tenant.base}/interventions/team-a/enrollments", headers=bearer(tenant.coach_key)
        )
        assert listed.status_code == 200
        assert len(listed.json()) == 3 * LIMIT


class TestIsolation:
    def test_one_keys_exhaustion_does_not_limit_another(self, tenant: Tenant) -> None:
        spend(tenant, tenant.analyst_key)
        assert tenant.get(f"{tenant.base}/statistics?year=2023").status_code == 429
        response = tenant.get(f"{tenant.base}/statistics?year=2023", key=tenant.admin_key)
        assert response.status_code == 200, response.text
        coach = tenant.client.get(
            f"{tenant.base}/interventions/team-a/enrollments", headers=bearer(tenant.coach_key)
        )
        assert coach.status_code == 200

    def test_requests_without_a_valid_key_share_an_address_budget(self, tenant: Tenant) -> None:
        path = f"{tenant.base}/interventions"
        forged = bearer(f"upf_{uuid.uuid4()}_{'x' * 43}")
        answers = [tenant.client.get(path).status_code]
        answers += [tenant.client.get(path, headers=forged).status_code for _ in range(LIMIT - 1)]
        answers.append(tenant.client.get(path).status_code)
        assert answers == [401] * LIMIT + [429]
        # The address is spent, but a valid key from that address has its own budget.
        assert tenant.get(f"{tenant.base}/interventions").status_code == 200

    def test_a_forged_token_naming_a_key_does_not_spend_that_keys_budget(
        self, tenant: Tenant, limited_container: Container
    ) -> None:
        key_id = tenant.analyst_key.split("_", 2)[1]
        forged = f"upf_{key_id}_{'x' * 43}"
        for _ in range(LIMIT + 2):
            tenant.client.get(f"{tenant.base}/interventions", headers=bearer(forged))
        assert tenant.get(f"{tenant.base}/interventions").status_code == 200


class TestExempt:
    def test_health_and_ready_are_never_limited(self, limited: TestClient) -> None:
        for _ in range(3 * LIMIT):
            assert limited.get("/health").status_code == 200
            assert limited.get("/ready").status_code == 200

    def test_off_when_the_limit_is_zero(self, client: TestClient, container: Container) -> None:
        tenant = make_tenant(client, container, interventions=("team-a",))
        assert container.settings.rate_limit_per_minute == 0
        for _ in range(3 * LIMIT):
            assert tenant.get(f"{tenant.base}/interventions").status_code == 200


class TestWebSessions:
    """A signed-in browser's pages and forms are charged to its session's key, not to the
    address it shares with its colleagues (docs/rate-limiting.md)."""

    def test_a_session_spends_its_keys_budget_and_not_the_address(self, tenant: Tenant) -> None:
        from tests.e2e.test_web_pages import sign_in

        app = tenant.client.app  # one app: one set of buckets
        with TestClient(app) as coach, TestClient(app) as analyst:
            sign_in(coach, tenant.coach_key)  # start page and sign-in: 2 of the address
            sign_in(analyst, tenant.analyst_key)  # 4 of the address
            # Each sign-in's redirect (/hem, then the first page) spent 2 of its key.
            answers = [coach.get("/insatser").status_code for _ in range(LIMIT - 1)]
            assert answers == [200] * (LIMIT - 2) + [429]
            # The coach's key is spent in the API too: one budget per person.
            api = tenant.client.get(
                f"{tenant.base}/interventions", headers=bearer(tenant.coach_key)
            )
            assert api.status_code == 429
            assert analyst.get("/statistik").status_code == 200  # same address, own key
            with TestClient(app) as stranger:  # no session: the address's last token
                assert stranger.get("/").status_code == 200
                assert stranger.get("/").status_code == 429
