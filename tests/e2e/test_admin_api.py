"""Keys and lists over HTTP: clear refusals that name fields, never echo values."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant, bearer
from tests.e2e.test_enrollments_api import assert_problem


def create_key(tenant: Tenant, **body: object) -> object:
    return tenant.client.post(
        f"{tenant.base}/api-keys", headers=bearer(tenant.admin_key), json={"name": "k", **body}
    )


class TestKeyCreation:
    def test_an_unknown_intervention_is_named_by_place_not_echoed(self, tenant: Tenant) -> None:
        response = create_key(tenant, role="coach", interventions=["team-a", "secretval"])
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["field"] == "interventions.1"
        assert "secretval" not in response.text  # type: ignore[attr-defined]

    def test_an_intervention_listed_twice_is_refused(self, tenant: Tenant) -> None:
        problem = assert_problem(
            create_key(tenant, role="coach", interventions=["team-a"] * 2), 422
        )
        assert problem["errors"][0]["field"] == "interventions"

    @pytest.mark.parametrize("role", ["bogus", "system_admin"])
    def test_a_role_this_route_cannot_make_lists_the_ones_it_can(
        self, tenant: Tenant, role: str
    ) -> None:
        problem = assert_problem(create_key(tenant, role=role), 422)
        assert problem["errors"][0]["field"] == "role"
        assert problem["errors"][0]["allowed"] == ["association_admin", "coach", "analyst"]


class TestReads:
    def test_a_wrong_list_filter_lists_the_allowed_values(self, tenant: Tenant) -> None:
        response = tenant.client.get(
            f"{tenant.base}/interventions/team-a/enrollments",
            params={"status": "bogus"},
            headers=bearer(tenant.coach_key),
        )
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["allowed"] == ["open", "exited", "all"]

    def test_a_trailing_slash_is_another_path_not_a_redirect(self, tenant: Tenant) -> None:
        response = tenant.client.get(
            f"{tenant.base}/interventions/",
            headers=bearer(tenant.admin_key),
            follow_redirects=False,
        )
        assert_problem(response, 404)

    def test_the_interventions_of_no_association_are_not_an_empty_list(
        self, tenant: Tenant
    ) -> None:
        response = tenant.client.get(
            "/api/v1/associations/no-such-forbund/interventions",
            headers=bearer(tenant.system_key),
        )
        assert_problem(response, 404)
        own = tenant.client.get(f"{tenant.base}/interventions", headers=bearer(tenant.system_key))
        assert [i["id"] for i in own.json()] == ["team-a", "team-b"]
