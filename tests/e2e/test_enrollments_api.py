"""Coaches' write side over HTTP: what gets in, what is refused, and that refusals write nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from service.adapters.eventstore import read_session
from service.adapters.tables import events
from service.application.enrollments import EnrollmentCommands
from service.bootstrap import Container
from tests.conftest import Tenant, bearer
from tests.factories import coach_enrollment


def event_count(container: Container) -> int:
    with read_session(container.store) as session:
        return int(session.execute(select(func.count()).select_from(events)).scalar() or 0)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


class TestEnroll:
    def test_enrollment_is_created_with_version_one(self, tenant: Tenant) -> None:
        response = tenant.enroll()
        assert response.status_code == 201
        assert response.json()["version"] == 1
        assert response.headers["etag"] == '"1"'

    def test_unknown_code_names_the_field_and_the_allowed_codes(
        self, tenant: Tenant, container: Container
    ) -> None:
        before = event_count(container)
        body = assert_problem(tenant.enroll(education="phd"), 422)
        assert body["errors"][0]["field"] == "education"
        assert "post_secondary" in body["errors"][0]["allowed"]
        assert event_count(container) == before

    def test_age_outside_15_to_67_is_refused(self, tenant: Tenant) -> None:
        body = assert_problem(tenant.enroll(birth_year=1940), 422)
        assert body["errors"][0]["field"] == "birth_year"

    def test_future_enrollment_is_refused(self, tenant: Tenant) -> None:
        body = assert_problem(tenant.enroll(enrolled_on="2031-01-01"), 422)
        assert body["errors"][0]["field"] == "enrolled_on"

    def test_none_cannot_be_combined_with_other_support(self, tenant: Tenant) -> None:
        body = assert_problem(tenant.enroll(support=["none", "social_assistance"]), 422)
        assert body["errors"][0]["field"] == "support"

    def test_a_support_code_listed_twice_is_refused(self, tenant: Tenant) -> None:
        body = assert_problem(tenant.enroll(support=["other", "other"]), 422)
        assert body["errors"][0]["field"] == "support"
        eid = tenant.enroll().json()["id"]
        body = assert_problem(
            tenant.post(
                f"/api/v1/enrollments/{eid}/support-changes",
                {"changed_on": "2023-04-01", "support": ["sickness_benefit"] * 2},
            ),
            422,
        )
        assert body["errors"][0]["field"] == "support"

    def test_unknown_fields_are_rejected(self, tenant: Tenant) -> None:
        body = assert_problem(tenant.enroll(favourite_colour="blue"), 422)
        assert body["errors"][0]["field"] == "favourite_colour"

    def test_a_second_open_enrollment_of_a_pseudonym_conflicts(self, tenant: Tenant) -> None:
        assert tenant.enroll().status_code == 201
        assert_problem(tenant.enroll(enrolled_on="2023-04-01"), 409)
        assert tenant.enroll(intervention="team-b").status_code == 201

    def test_after_exit_the_pseudonym_may_enroll_again(self, tenant: Tenant) -> None:
        eid = tenant.enroll().json()["id"]
        tenant.post(
            f"/api/v1/enrollments/{eid}/exit", {"exited_on": "2023-05-01", "reason": "work"}
        )
        assert tenant.enroll(enrolled_on="2023-06-01").status_code == 201
        # Retracting the first exit would give the pseudonym two open enrollments.
        assert_problem(
            tenant.post(f"/api/v1/enrollments/{eid}/exit-retraction", {"why": "fel"}), 409
        )

    def test_enrollment_in_an_unknown_intervention_is_forbidden(self, tenant: Tenant) -> None:
        assert_problem(tenant.enroll(intervention="no-such-team"), 403)

    def test_client_id_makes_the_post_idempotent(
        self, tenant: Tenant, container: Container
    ) -> None:
        enrollment_id = str(uuid.uuid4())
        first = tenant.enroll(id=enrollment_id)
        count = event_count(container)
        again = tenant.enroll(id=enrollment_id)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert event_count(container) == count
        assert_problem(tenant.enroll(id=enrollment_id, sex="male"), 409)

    def test_a_client_id_in_use_in_another_intervention_is_told_as_in_use(
        self, tenant: Tenant, container: Container
    ) -> None:
        enrollment_id = str(uuid.uuid4())
        assert tenant.enroll(id=enrollment_id).status_code == 201
        count = event_count(container)
        # The same body in another intervention: not "another body", only "in use", so the
        # answer says nothing about an intervention the coach may not see.
        body = assert_problem(tenant.enroll("team-b", id=enrollment_id), 409)
        assert body["detail"] == f"the id {enrollment_id} is already in use"
        assert event_count(container) == count


class TestBadRequests:
    def test_malformed_json_is_a_problem(self, tenant: Tenant) -> None:
        response = tenant.client.post(
            f"{tenant.base}/interventions/team-a/enrollments",
            content=b"{not json",
            headers={**bearer(tenant.coach_key), "content-type": "application/json"},
        )
        assert_problem(response, 422)
        assert response.json()["errors"] == [
            {"field": "body", "message": "the body is not valid JSON"}
        ]

    def test_a_non_json_body_is_unsupported(self, tenant: Tenant) -> None:
        response = tenant.client.post(
            f"{tenant.base}/interventions/team-a/enrollments",
            content=b"a=b",
            headers={**bearer(tenant.coach_key), "content-type": "text/plain"},
        )
        assert_problem(response, 415)

    @pytest.mark.parametrize("refused", ["text/json", "application/jsonp", "text/plain; x=json"])
    def test_only_json_media_types_are_read_in_any_case(self, tenant: Tenant, refused: str) -> None:
        body = coach_enrollment()
        path = f"{tenant.base}/interventions/team-a/enrollments"

        def post(content_type: str) -> Any:
            headers = {**bearer(tenant.coach_key), "content-type": content_type}
            return tenant.client.post(path, content=json.dumps(body).encode(), headers=headers)

        assert_problem(post(refused), 415)
        assert post("Application/JSON; charset=UTF-8").status_code == 201

    def test_an_oversized_body_is_refused_before_it_is_read(self, tenant: Tenant) -> None:
        response = tenant.enroll(pseudonym="x" * 2_000_000)
        assert_problem(response, 413)

    def test_a_chunked_body_is_limited_alike_and_otherwise_served(self, tenant: Tenant) -> None:
        # Without Content-Length (chunked transfer) the guard reads the body itself.
        url = f"{tenant.base}/interventions/team-a/enrollments"
        headers = {**bearer(tenant.coach_key), "content-type": "application/json"}

        def chunked(body: bytes) -> Any:
            return (body[i : i + 65_536] for i in range(0, len(body), 65_536))

        enrollment = coach_enrollment(pseudonym="chunked-0001")

        oversized = json.dumps({**enrollment, "pseudonym": "x" * 2_000_000}).encode()
        refused = tenant.client.post(url, content=chunked(oversized), headers=headers)
        assert_problem(refused, 413)
        listed = tenant.client.get(url, headers=bearer(tenant.coach_key))
        assert listed.json() == []  # nothing written
        accepted = tenant.client.post(
            url, content=chunked(json.dumps(enrollment).encode()), headers=headers
        )
        assert accepted.status_code == 201, accepted.text

    def test_missing_key_is_401_and_unknown_route_404(self, tenant: Tenant) -> None:
        assert_problem(tenant.client.get(f"{tenant.base}/statistics?year=2023"), 401)
        assert_problem(tenant.client.get("/api/v1/nothing-here"), 404)
        assert_problem(tenant.client.delete("/health"), 405)


class TestEnrollmentEvents:
    def path(self, tenant: Tenant, verb: str) -> str:
        self.eid = tenant.enroll().json()["id"]
        return f"/api/v1/enrollments/{self.eid}/{verb}"

    def test_exit_before_enrollment_is_refused(self, tenant: Tenant) -> None:
        body = assert_problem(
            tenant.post(self.path(tenant, "exit"), {"exited_on": "2023-01-01", "reason": "work"}),
            422,
        )
        assert body["errors"][0]["field"] == "exited_on"

    def test_a_second_exit_conflicts_until_the_first_is_retracted(self, tenant: Tenant) -> None:
        path = self.path(tenant, "exit")
        exit_body = {"exited_on": "2023-06-01", "reason": "studies"}
        assert tenant.post(path, exit_body).status_code == 201
        assert_problem(tenant.post(path, {**exit_body, "reason": "work"}), 409)
        retract = tenant.post(f"/api/v1/enrollments/{self.eid}/exit-retraction", {"why": "fel"})
        assert retract.json()["version"] == 3
        assert tenant.post(path, {**exit_body, "reason": "work"}).json()["version"] == 4

    def test_stale_if_match_is_412_and_writes_nothing(
        self, tenant: Tenant, container: Container
    ) -> None:
        path = self.path(tenant, "support-changes")
        body = {"changed_on": "2023-04-01", "support": ["sickness_benefit"]}
        ok = tenant.post(path, body, headers={"If-Match": '"1"'})
        assert ok.status_code == 201
        count = event_count(container)
        assert_problem(tenant.post(path, body, headers={"If-Match": '"1"'}), 412)
        assert event_count(container) == count

    def test_if_match_star_matches_any_version(self, tenant: Tenant) -> None:
        path = self.path(tenant, "support-changes")
        body = {"changed_on": "2023-04-01", "support": ["sickness_benefit"]}
        assert tenant.post(path, body, headers={"If-Match": "*"}).json()["version"] == 2
        problem = assert_problem(tenant.post(path, body, headers={"If-Match": "**"}), 422)
        assert problem["errors"][0]["field"] == "header.if-match"

    def test_idempotency_key_replays_the_first_answer(
        self, tenant: Tenant, container: Container
    ) -> None:
        path = self.path(tenant, "support-changes")
        body = {"changed_on": "2023-04-01", "support": ["sickness_benefit"]}
        first = tenant.post(path, body, headers={"Idempotency-Key": "k-1"})
        count = event_count(container)
        again = tenant.post(path, body, headers={"Idempotency-Key": "k-1"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert event_count(container) == count
        other = {**body, "support": ["none"]}
        assert_problem(tenant.post(path, other, headers={"Idempotency-Key": "k-1"}), 409)

    def test_an_idempotency_key_names_one_event_of_the_association(
        self, tenant: Tenant, container: Container
    ) -> None:
        """Reused on another enrollment, a key is a conflict, not a second event."""
        path = self.path(tenant, "exit")
        other = tenant.enroll(pseudonym="pseudonym-0002").json()["id"]
        body = {"exited_on": "2023-06-01", "reason": "work"}
        key = {"Idempotency-Key": "exit-of-the-day"}
        assert tenant.post(path, body, headers=key).status_code == 201
        count = event_count(container)
        problem = assert_problem(
            tenant.post(f"/api/v1/enrollments/{other}/exit", body, headers=key), 409
        )
        assert "another enrollment" in problem["detail"]
        assert event_count(container) == count
        assert tenant.post(path, body, headers=key).status_code == 200  # still a replay

    def test_a_replay_may_spell_a_left_out_field_as_null(
        self, tenant: Tenant, container: Container
    ) -> None:
        path = self.path(tenant, "exit")
        key = {"Idempotency-Key": "exit-1"}
        first = tenant.post(path, {"exited_on": "2023-06-01", "reason": "work"}, headers=key)
        assert first.status_code == 201
        count = event_count(container)
        spelled = {"exited_on": "2023-06-01", "reason": "work", "progressed": None}
        again = tenant.post(path, spelled, headers=key)
        assert (again.status_code, again.json()) == (200, first.json())
        assert event_count(container) == count

    def test_an_exit_sent_with_nulls_by_an_older_release_still_replays(
        self, tenant: Tenant, container: Container, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Before nulls were dropped, the fingerprint was made of the body as sent."""

        def as_before(self: Any, principal: Any, eid: Any, body: Any, **options: Any) -> Any:
            action = lambda e, meta: e.record_exit(body, today=self.today(), **meta)  # noqa: E731
            return self._modify("record_exit", principal, eid, body, action, **options)

        path = self.path(tenant, "exit")
        key = {"Idempotency-Key": "exit-1"}
        spelled = {"exited_on": "2023-06-01", "reason": "work", "progressed": None}
        with monkeypatch.context() as patch:
            patch.setattr(EnrollmentCommands, "record_exit", as_before)
            first = tenant.post(path, spelled, headers=key)
        assert first.status_code == 201
        count = event_count(container)
        again = tenant.post(path, spelled, headers=key)
        assert (again.status_code, again.json()) == (200, first.json())
        assert event_count(container) == count

    @pytest.mark.parametrize("path", ["support-changes", "anonymous-participants"])
    def test_an_empty_idempotency_key_is_refused(self, tenant: Tenant, path: str) -> None:
        if path == "anonymous-participants":
            url = f"{tenant.base}/{path}"
            body: dict[str, Any] = {
                "intervention_id": "team-a", "from": "2023-01-01", "to": "2023-03-31",
                "female": 1, "male": 1, "unspecified": 0,
            }  # fmt: skip
        else:
            url = self.path(tenant, path)
            body = {"changed_on": "2023-04-01", "support": ["sickness_benefit"]}
        problem = assert_problem(tenant.post(url, body, headers={"Idempotency-Key": ""}), 422)
        assert problem["errors"][0]["field"] == "header.idempotency-key"

    def test_an_idempotency_key_reused_for_another_kind_of_event_is_a_conflict(
        self, tenant: Tenant, container: Container
    ) -> None:
        """The same key and body on another endpoint is not a replay: the client would
        believe the enrollment voided when only its exit was retracted."""
        base = self.path(tenant, "").rstrip("/")
        exited = tenant.post(f"{base}/exit", {"exited_on": "2023-06-01", "reason": "work"})
        assert exited.status_code == 201, exited.text
        body, key = {"why": "fel"}, {"Idempotency-Key": "k-2"}
        assert tenant.post(f"{base}/exit-retraction", body, headers=key).status_code == 201
        count = event_count(container)
        assert_problem(tenant.post(f"{base}/voiding", body, headers=key), 409)
        assert event_count(container) == count

    def test_support_changes_come_in_date_order_and_bound_corrections(
        self, tenant: Tenant, container: Container
    ) -> None:
        """The latest recorded change is the support in force, so a change dated before
        the last one is refused; corrections may not move the dates across a change."""
        base = self.path(tenant, "").rstrip("/")
        change = {"changed_on": "2023-06-01", "support": ["sickness_benefit"]}
        assert tenant.post(f"{base}/support-changes", change).status_code == 201
        count = event_count(container)
        earlier = {"changed_on": "2023-04-01", "support": ["unemployment_insurance"]}
        problem = assert_problem(tenant.post(f"{base}/support-changes", earlier), 422)
        assert problem["errors"][0]["field"] == "changed_on"
        moved = assert_problem(
            tenant.post(f"{base}/corrections", {"enrolled_on": "2023-07-01"}), 422
        )
        assert moved["errors"][0]["field"] == "enrolled_on"
        assert (
            tenant.post(f"{base}/exit", {"exited_on": "2023-09-01", "reason": "work"}).status_code
            == 201
        )
        early = assert_problem(tenant.post(f"{base}/corrections", {"exited_on": "2023-05-01"}), 422)
        assert early["errors"][0]["field"] == "exited_on"
        assert event_count(container) == count + 1  # only the exit

    def test_an_exit_before_the_last_support_change_is_refused(
        self, tenant: Tenant, container: Container
    ) -> None:
        """The support at exit would otherwise come from a change after the exit."""
        base = self.path(tenant, "").rstrip("/")
        change = {"changed_on": "2023-09-01", "support": ["sickness_benefit"]}
        assert tenant.post(f"{base}/support-changes", change).status_code == 201
        count = event_count(container)
        early = {"exited_on": "2023-06-01", "reason": "work"}
        problem = assert_problem(tenant.post(f"{base}/exit", early), 422)
        assert problem["errors"][0]["field"] == "exited_on"
        assert event_count(container) == count
        same_day = {"exited_on": "2023-09-01", "reason": "work"}
        assert tenant.post(f"{base}/exit", same_day).status_code == 201

    @pytest.mark.parametrize(
        "field",
        ["pseudonym", "enrolled_on", "sex", "birth_year", "education", "support", "exited_on",
         "reason"],
    )  # fmt: skip
    def test_a_correction_cannot_remove_a_required_value(
        self, tenant: Tenant, container: Container, field: str
    ) -> None:
        base = self.path(tenant, "").rstrip("/")
        exit_body = {"exited_on": "2023-06-01", "reason": "work"}
        assert tenant.post(f"{base}/exit", exit_body).status_code == 201
        count = event_count(container)
        problem = assert_problem(tenant.post(f"{base}/corrections", {field: None}), 422)
        assert problem["errors"][0]["field"] == field
        assert "cannot be removed" in problem["detail"]
        assert event_count(container) == count

    def test_a_correction_may_remove_an_optional_value(self, tenant: Tenant) -> None:
        base = self.path(tenant, "").rstrip("/")
        assert tenant.post(f"{base}/corrections", {"municipality": "2081"}).status_code == 201
        assert tenant.post(f"{base}/corrections", {"municipality": None}).status_code == 201
        detail = tenant.client.get(base, headers=bearer(tenant.coach_key)).json()
        assert detail["state"]["municipality"] is None

    def test_a_corrected_enrollment_date_must_lie_within_the_intervention(
        self, tenant: Tenant
    ) -> None:
        path = self.path(tenant, "corrections")
        assert_problem(tenant.post(path, {"enrolled_on": "2010-01-01"}), 422)  # starts 2015

    def test_correction_is_checked_like_the_original(self, tenant: Tenant) -> None:
        path = self.path(tenant, "corrections")
        assert_problem(tenant.post(path, {"birth_year": 1900}), 422)
        assert_problem(tenant.post(path, {"reason": "work"}), 422)  # no exit to correct
        assert tenant.post(path, {"sex": "male"}).status_code == 201
        detail = tenant.client.get(
            f"/api/v1/enrollments/{self.eid}", headers=bearer(tenant.coach_key)
        ).json()
        assert detail["state"]["sex"] == "male"
        assert [e["type"] for e in detail["events"]] == ["Enrolled", "Corrected"]

    def test_an_empty_correction_is_refused_and_writes_nothing(
        self, tenant: Tenant, container: Container
    ) -> None:
        path = self.path(tenant, "corrections")
        before = event_count(container)
        body = assert_problem(tenant.post(path, {}), 422)
        assert body["errors"][0]["field"] == "body"
        assert "birth_year" in body["detail"]
        assert event_count(container) == before

    def test_nothing_is_accepted_after_voiding(self, tenant: Tenant) -> None:
        path = self.path(tenant, "voiding")
        assert tenant.post(path, {"why": "dubbelregistrerad"}).status_code == 201
        assert_problem(
            tenant.post(
                f"/api/v1/enrollments/{self.eid}/exit",
                {"exited_on": "2023-06-01", "reason": "work"},
            ),
            409,
        )
        listed = tenant.client.get(
            f"{tenant.base}/interventions/team-a/enrollments", headers=bearer(tenant.coach_key)
        ).json()
        assert listed == []

    def test_every_event_records_the_key_that_wrote_it(self, tenant: Tenant) -> None:
        path = self.path(tenant, "exit")
        tenant.post(path, {"exited_on": "2023-06-01", "reason": "work"})
        detail = tenant.client.get(
            f"/api/v1/enrollments/{self.eid}", headers=bearer(tenant.coach_key)
        ).json()
        writers = {e["recorded_by"] for e in detail["events"]}
        assert len(writers) == 1 and writers != {None}
