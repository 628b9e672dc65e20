"""Kept statistics answers (decisions.md §26): served again only while the association's
read models are unchanged, so an answer always includes every write acknowledged before it
was asked, whichever process projected the write; on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import service.statistics.answer as answer_module
from service.adapters import projection
from service.api.app import create_app
from service.bootstrap import Container, bootstrap
from service.config import Settings
from service.domain.facts import Period
from tests.conftest import KINDS, TODAY, Tenant, make_tenant
from tests.factories import EXIT_BODY, coach_enrollment
from tests.server_process import HttpTenant, dedicated_database, provision, running_server


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The answers computed (not served from the kept ones): their intervention scope."""
    calls: list[str | None] = []
    original = answer_module.build_statistics_answer

    def counting(inputs: Any, only_intervention: str | None = None) -> dict[str, Any]:
        calls.append(only_intervention)
        return original(inputs, only_intervention)

    monkeypatch.setattr(answer_module, "build_statistics_answer", counting)
    return calls


def active(answer: dict[str, Any]) -> int:
    return int(answer["total"]["measures"]["active"]["total"])


def test_an_answer_is_kept_until_its_association_changes(
    client: TestClient, container: Container, tenant: Tenant, computed: list[str | None]
) -> None:
    other = make_tenant(client, container, "annat-forbund", ("team-x",), {"min_cell_size": 0})
    for n in range(3):
        assert tenant.enroll(pseudonym=f"person-{n}").status_code == 201
    first = tenant.statistics(year=2023)
    assert active(first) == 3 and len(computed) == 1
    assert tenant.statistics(year=2023) == first and len(computed) == 1  # kept
    # A write to another association leaves this one's answers kept.
    assert other.enroll("team-x", pseudonym="elsewhere").status_code == 201
    assert tenant.statistics(year=2023) == first and len(computed) == 1
    # Each scope and period is kept on its own.
    alone = tenant.statistics(year=2023, intervention="team-a")
    assert computed == [None, "team-a"]
    assert tenant.statistics(year=2023, intervention="team-a") == alone
    assert tenant.statistics(year=2024) != first and len(computed) == 3
    # A write to this association, once answered, is in the next answer.
    assert tenant.enroll(pseudonym="person-new").status_code == 201
    assert active(tenant.statistics(year=2023)) == 4 and len(computed) == 4
    # as_of answers are never kept.
    tenant.statistics(year=2023, as_of="2030-01-01T00:00:00Z")
    tenant.statistics(year=2023, as_of="2030-01-01T00:00:00Z")
    assert len(computed) == 6


def test_a_kept_answer_is_the_computed_one_and_no_caller_can_change_it(
    tenant: Tenant, container: Container
) -> None:
    assert tenant.enroll(pseudonym="person-1").status_code == 201
    period = Period.year(2023)
    first = container.queries.statistics_unchecked(tenant.association_id, period)
    computed = copy.deepcopy(first)
    first["total"]["measures"]["active"]["total"] = 999
    again = container.queries.statistics_unchecked(tenant.association_id, period)
    assert again == computed and active(again) == 1


@pytest.fixture
def second_process(container: Container, database_url: str, tmp_path: Path) -> Iterator[Container]:
    """Another server process's service on the same database (its own kept answers)."""
    settings = Settings(database_url=database_url, secrets_file=tmp_path / "secrets.json")
    other = bootstrap(settings, today=lambda: TODAY)
    yield other
    other.close()


def test_a_write_projected_by_another_process_is_in_the_next_answer(
    tenant: Tenant, container: Container, second_process: Container
) -> None:
    assert tenant.enroll(pseudonym="person-1").status_code == 201
    assert active(tenant.statistics(year=2023)) == 1
    # Written and projected by the other process: this one finds nothing to project, so
    # only the association's token tells it that its kept answer is old.
    with TestClient(create_app(second_process)) as elsewhere:
        response = elsewhere.post(
            f"{tenant.base}/interventions/team-a/enrollments",
            json=coach_enrollment(pseudonym="person-2"),
            headers={"Authorization": f"Bearer {tenant.coach_key}"},
        )
        assert response.status_code == 201, response.text
    second_process.projector.catch_up()
    assert container.projector.lag() == 0
    assert active(tenant.statistics(year=2023)) == 2


def test_a_read_waits_only_for_its_own_associations_events(
    client: TestClient,
    tenant: Tenant,
    container: Container,
    second_process: Container,
    computed: list[str | None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = make_tenant(client, container, "annat-forbund", ("team-x",), {"min_cell_size": 0})
    first = tenant.enroll(pseudonym="person-1").json()["id"]
    assert active(tenant.statistics(year=2023)) == 1 and len(computed) == 1
    with TestClient(create_app(second_process)) as elsewhere:  # caught up as it starts

        def post(path: str, body: dict[str, Any], key: str) -> None:
            response = elsewhere.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 201, response.text

        # Another association's events, left waiting: not this read's to apply.
        post(f"{other.base}/interventions/team-x/enrollments", coach_enrollment(), other.coach_key)
        assert active(tenant.statistics(year=2023)) == 1 and len(computed) == 1
        assert container.projector.lag() == 1
        # This association's events (an exit names no association) are applied first.
        post(
            f"/api/v1/enrollments/{first}/exit",
            {**EXIT_BODY, "exited_on": "2023-09-30"},
            tenant.coach_key,
        )
        answer = tenant.statistics(year=2023)
        assert answer["total"]["measures"]["exits"]["total"] == 1 and len(computed) == 2
        assert container.projector.lag() == 0
        post(
            f"{tenant.base}/interventions/team-b/enrollments", coach_enrollment(), tenant.coach_key
        )
        assert active(tenant.statistics(year=2023)) == 2 and len(computed) == 3
        # More waiting events than a read looks through: it catches up, whoever's they are.
        again = coach_enrollment(pseudonym="another-person")
        post(f"{other.base}/interventions/team-x/enrollments", again, other.coach_key)
        monkeypatch.setattr(projection, "PEEK_LIMIT", 0)
        assert active(tenant.statistics(year=2023)) == 2 and len(computed) == 3
        assert container.projector.lag() == 0


@pytest.fixture(scope="module", params=KINDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HttpTenant]:
    """An association on a real server with three request workers and its projector."""
    folder = tmp_path_factory.mktemp(f"kept-answers-{request.param}")
    with (
        dedicated_database(request.param, folder) as url,
        running_server(url, folder, UPPFOLJNING_WORKERS="3") as server,
    ):
        yield provision(server.url, server.env)


def test_no_answer_misses_a_write_answered_before_it_with_writers_running(
    live: HttpTenant,
) -> None:
    writers, each = 2, 12
    acknowledged = [0]
    lock = threading.Lock()
    failures: list[str] = []

    def write(w: int) -> None:
        with httpx.Client(timeout=60) as client:
            for n in range(each):
                body = coach_enrollment(pseudonym=f"writer-{w}-{n:03d}")
                response = client.post(
                    live.enrollments_url("team-a"), json=body, headers=live.coach()
                )
                if response.status_code != 201:
                    failures.append(response.text)
                    return
                with lock:
                    acknowledged[0] += 1

    def statistics(client: httpx.Client) -> int:
        response = client.get(
            f"{live.base}/statistics", params={"year": 2023}, headers=live.analyst()
        )
        assert response.status_code == 200, response.text
        return active(response.json())

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    reads = 0
    with httpx.Client(timeout=60) as client:
        while any(thread.is_alive() for thread in threads):
            with lock:
                before = acknowledged[0]
            found = statistics(client)
            assert before <= found <= writers * each, (before, found)
            reads += 1
        for thread in threads:
            thread.join()
        assert not failures, failures
        # Every worker (new connections land on any of them) answers with every write.
        for _ in range(6):
            with httpx.Client(timeout=60) as fresh:
                assert statistics(fresh) == writers * each
    assert reads > 0
