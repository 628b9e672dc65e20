"""Anonymous participants and structural activities over HTTP: what a count may claim."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.bootstrap import Container
from service.domain.codes import Role
from service.domain.errors import IdempotencyConflictError
from service.domain.intervention import Intervention
from service.domain.principal import Principal
from tests.conftest import TODAY, Tenant, bearer, make_tenant
from tests.e2e.test_enrollments_api import assert_problem, event_count


class Counts:
    """A tenant with an individual team (2020 to 2023) and a structural forum (2020 on)."""

    def __init__(self, client: TestClient, container: Container) -> None:
        self.tenant: Tenant = make_tenant(client, container, "counts")
        for body in (
            {
                "id": "team",
                "kind": "individual",
                "starts_on": "2020-03-01",
                "ends_on": "2023-06-30",
            },
            {
                "id": "forum",
                "kind": "structural",
                "starts_on": "2020-03-01",
                "ends_on": "2023-06-30",
            },
        ):
            response = self.tenant.post(
                f"{self.tenant.base}/interventions",
                {**body, "name": body["id"].title()},
                key=self.tenant.admin_key,
            )
            assert response.status_code == 201, response.text
        self.coach = client.post(
            f"{self.tenant.base}/api-keys",
            headers=bearer(self.tenant.admin_key),
            json={"name": "coach", "role": "coach", "interventions": ["team", "forum"]},
        ).json()["key"]

    def anonymous(self, headers: dict[str, str] | None = None, **fields: Any) -> Any:
        body = {
            "intervention_id": "team", "from": "2021-01-01", "to": "2021-03-31",
            "female": 3, "male": 2, "unspecified": 1, **fields,
        }  # fmt: skip
        path = f"{self.tenant.base}/anonymous-participants"
        return self.tenant.post(path, body, self.coach, headers=headers or {})

    def activity(self, headers: dict[str, str] | None = None, **fields: Any) -> Any:
        body = {
            "intervention_id": "forum", "held_on": "2021-05-04", "title": "Forum om försörjning",
            "participants": {"af": 4, "fk": 2, "kommun": 6}, **fields,
        }  # fmt: skip
        path = f"{self.tenant.base}/activities"
        return self.tenant.post(path, body, self.coach, headers=headers or {})


@pytest.fixture
def counts(client: TestClient, container: Container) -> Counts:
    return Counts(client, container)


class TestAnonymousParticipants:
    def test_a_period_within_the_intervention_is_recorded(self, counts: Counts) -> None:
        assert counts.anonymous().status_code == 201

    def test_a_period_the_intervention_started_or_ended_in_is_recorded(
        self, counts: Counts
    ) -> None:
        assert counts.anonymous(**{"from": "2020-01-01", "to": "2020-03-31"}).status_code == 201
        assert counts.anonymous(**{"from": "2023-04-01", "to": "2023-09-30"}).status_code == 201

    @pytest.mark.parametrize(
        ("period", "field"),
        [
            (("2019-10-01", "2020-02-29"), "to"),  # ends before the start
            (("2023-07-01", "2023-09-30"), "from"),  # starts after the end
            (("2021-04-01", "2021-03-31"), "to"),  # ends before it begins
        ],
    )
    def test_a_period_outside_the_intervention_is_refused_and_writes_nothing(
        self, counts: Counts, container: Container, period: tuple[str, str], field: str
    ) -> None:
        before = event_count(container)
        body = assert_problem(counts.anonymous(**{"from": period[0], "to": period[1]}), 422)
        assert body["errors"][0]["field"] == field
        assert event_count(container) == before

    def test_a_period_not_yet_over_is_refused(
        self, client: TestClient, container: Container
    ) -> None:
        tenant = make_tenant(client, container, "running", ("open-team",))
        body = {
            "intervention_id": "open-team", "from": TODAY.replace(day=1).isoformat(),
            "to": TODAY.replace(day=28).isoformat(), "female": 1, "male": 0, "unspecified": 0,
        }  # fmt: skip
        problem = assert_problem(tenant.post(f"{tenant.base}/anonymous-participants", body), 422)
        assert problem["errors"][0]["field"] == "to"
        body["to"] = TODAY.isoformat()
        assert tenant.post(f"{tenant.base}/anonymous-participants", body).status_code == 201


class TestActivities:
    def test_an_activity_within_the_intervention_is_recorded(self, counts: Counts) -> None:
        assert counts.activity(female=5, male=7).status_code == 201

    @pytest.mark.parametrize("held_on", ["2020-02-29", "2023-07-01"])
    def test_an_activity_outside_the_intervention_is_refused(
        self, counts: Counts, container: Container, held_on: str
    ) -> None:
        before = event_count(container)
        body = assert_problem(counts.activity(held_on=held_on), 422)
        assert body["errors"][0]["field"] == "held_on"
        assert event_count(container) == before

    def test_more_by_sex_than_participants_is_refused(self, counts: Counts) -> None:
        body = assert_problem(counts.activity(female=8, male=5), 422)
        assert body["errors"][0]["field"] == "female"
        # Sex is optional and may cover only some of the participants.
        assert counts.activity(female=8).status_code == 201

    def test_an_activity_in_an_individual_intervention_is_refused(self, counts: Counts) -> None:
        body = assert_problem(counts.activity(intervention_id="team"), 422)
        assert body["errors"][0]["field"] == "intervention_id"


class TestIdempotency:
    def test_a_replay_answers_as_the_first_time_and_another_body_conflicts(
        self, counts: Counts, container: Container
    ) -> None:
        headers = {"Idempotency-Key": "q1-2021"}
        first = counts.anonymous(headers=headers)
        assert first.status_code == 201
        written = event_count(container)
        replay = counts.anonymous(headers=headers)
        assert (replay.status_code, replay.json()) == (200, first.json())
        assert_problem(counts.anonymous(headers=headers, female=2), 409)
        assert event_count(container) == written

    def test_a_key_reused_for_the_other_kind_of_report_conflicts(
        self, counts: Counts, container: Container
    ) -> None:
        headers = {"Idempotency-Key": "shared-key"}
        assert counts.anonymous(headers=headers).status_code == 201
        written = event_count(container)
        body = assert_problem(counts.activity(headers=headers), 409)
        assert "another kind of report" in body["detail"]
        assert event_count(container) == written

    def test_one_key_cannot_make_a_report_of_each_kind_at_once(
        self, counts: Counts, container: Container, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Both requests pass their own checks before either writes (forced by a barrier):
        under the writers' lock the second finds the first's report and gets 409."""
        commands = container.count_reports
        barrier = threading.Barrier(2)
        real_today = commands.today
        monkeypatch.setattr(commands, "today", lambda: (barrier.wait(10), real_today())[1])
        coach = Principal("coach", Role.COACH.value, "counts", frozenset({"team", "forum"}))
        anonymous = {
            "intervention_id": "team", "from": date(2021, 1, 1), "to": date(2021, 3, 31),
            "female": 1, "male": 1, "unspecified": 0,
        }  # fmt: skip
        activity = {
            "intervention_id": "forum", "held_on": date(2021, 5, 4), "title": "Forum",
            "participants": {"af": 2}, "female": None, "male": None,
        }  # fmt: skip
        outcomes: list[str] = []

        def write(call: Any, body: dict[str, Any]) -> None:
            try:
                call(coach, "counts", body, "shared-key")
                outcomes.append("created")
            except IdempotencyConflictError:
                outcomes.append("conflict")

        threads = [
            threading.Thread(target=write, args=(commands.report_anonymous, anonymous)),
            threading.Thread(target=write, args=(commands.hold_activity, activity)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes) == ["conflict", "created"]

    def test_a_report_accepted_before_todays_rules_still_replays(
        self, counts: Counts, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A period after the intervention's end was accepted before the date checks; its
        retry answers as the first time, as an enrollment replays after its intervention
        closed."""
        headers = {"Idempotency-Key": "q4-2023"}
        late = {"from": "2023-10-01", "to": "2023-12-31"}
        with monkeypatch.context() as patch:
            patch.setattr(Intervention, "require_running_during", lambda *a: None)
            first = counts.anonymous(headers=headers, **late)
        assert first.status_code == 201
        again = counts.anonymous(headers=headers, **late)
        assert (again.status_code, again.json()) == (200, first.json())
        assert_problem(counts.anonymous(headers={"Idempotency-Key": "new"}, **late), 422)
