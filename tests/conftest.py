"""Fixtures: a real database per test (SQLite always, PostgreSQL when configured).

`make test` creates a throwaway PostgreSQL database and passes its URL in
UPPFOLJNING_TEST_POSTGRES_URL. Without it the PostgreSQL variants are skipped with a
reason — except in CI (CI=true), where a missing PostgreSQL fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy import Connection, create_engine, delete, update

from service.adapters import keys
from service.adapters.eventstore import unit_of_work
from service.adapters.migrations import upgrade_to_head
from service.adapters.tables import installation, metadata, projection_tracking
from service.api.app import create_app
from service.bootstrap import Container, bootstrap
from service.config import Settings
from tests.factories import coach_enrollment
from tests.server_process import bearer

POSTGRES_URL = os.environ.get("UPPFOLJNING_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
# The database kinds of the tests that start their own server or database (parametrize):
# PostgreSQL's is skipped only without a URL, which `make test` and CI always give.
KINDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="UPPFOLJNING_TEST_POSTGRES_URL is not set"),
        ],
    ),
]
# Hypothesis: the suite's verdict must not depend on luck (docs/decisions.md §18). "ci", the
# default, draws the same examples on every run and keeps no example database; "explore"
# (`make explore`) draws new random examples and prints how to replay a failure.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("UPPFOLJNING_HYPOTHESIS_PROFILE", "ci"))

# Tests run as if today were this date, so fixed historical data never lies "in the future".
TODAY = date(2026, 11, 24)


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and not POSTGRES_URL:
        raise pytest.UsageError("CI=true but UPPFOLJNING_TEST_POSTGRES_URL is not set")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The run's PostgreSQL database, migrated once."""
    if not POSTGRES_URL:
        pytest.skip("UPPFOLJNING_TEST_POSTGRES_URL is not set (make test sets it)")
    upgrade_to_head(POSTGRES_URL)
    return POSTGRES_URL


def empty_tables(connection: Connection) -> None:
    """Every table emptied and the projection reset: a fresh database, as `migrate` makes
    one — with its installation's namespace, which only a migration makes."""
    for table in reversed(metadata.sorted_tables):
        if table not in (projection_tracking, installation):
            connection.execute(delete(table))
    connection.execute(update(projection_tracking).values(position=0))


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        empty_tables(conn)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    """The wired service on a fresh database."""
    settings = Settings(database_url=database_url, secrets_file=tmp_path / "secrets.json")
    built = bootstrap(settings, today=lambda: TODAY)
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    """An HTTP client on the ASGI app (httpx under the hood)."""
    with TestClient(create_app(container)) as test_client:
        yield test_client


@dataclass
class Tenant:
    """An association with an admin, a coach, an analyst and its interventions."""

    client: TestClient
    association_id: str
    system_key: str
    admin_key: str
    coach_key: str
    analyst_key: str

    def post(self, path: str, body: Any, key: str | None = None, **kw: Any) -> Any:
        headers = {**bearer(key or self.coach_key), **kw.pop("headers", {})}
        return self.client.post(path, json=body, headers=headers, **kw)

    def get(self, path: str, key: str | None = None, **kw: Any) -> Any:
        return self.client.get(path, headers=bearer(key or self.analyst_key), **kw)

    @property
    def base(self) -> str:
        return f"/api/v1/associations/{self.association_id}"

    def enroll(self, intervention: str = "team-a", **fields: Any) -> Any:
        body = coach_enrollment(**fields)
        return self.post(f"{self.base}/interventions/{intervention}/enrollments", body)

    def statistics(self, **params: Any) -> Any:
        response = self.get(f"{self.base}/statistics", params=params)
        assert response.status_code == 200, response.text
        return response.json()


def system_key(container: Container) -> str:
    """A new system_admin key, as `create-key` makes it."""
    with unit_of_work(container.store) as session:
        return keys.create_key(
            session,
            name="operator",
            role="system_admin",
            association_id=None,
            interventions=[],
            created_by=None,
        )[1]


def make_tenant(
    client: TestClient,
    container: Container,
    association_id: str = "sodra-dalarna",
    interventions: tuple[str, ...] = ("team-a", "team-b"),
    settings: dict[str, Any] | None = None,
) -> Tenant:
    """Set up an association the way an operator and its admin would, through the API."""
    root = system_key(container)
    base = f"/api/v1/associations/{association_id}"
    body: dict[str, Any] = {"id": association_id, "name": association_id.replace("-", " ").title()}
    if settings:
        body["settings"] = settings
    assert client.post("/api/v1/associations", json=body, headers=bearer(root)).status_code == 201
    admin = client.post(
        f"{base}/api-keys",
        json={"name": "admin", "role": "association_admin"},
        headers=bearer(root),
    ).json()["key"]
    for iid in interventions:
        response = client.post(
            f"{base}/interventions",
            headers=bearer(admin),
            json={
                "id": iid,
                "name": iid.replace("-", " ").title(),
                "kind": "individual",
                "starts_on": "2015-01-01",
            },
        )
        assert response.status_code == 201, response.text
    coach = client.post(
        f"{base}/api-keys",
        headers=bearer(admin),
        json={"name": "coach", "role": "coach", "interventions": list(interventions)},
    ).json()["key"]
    analyst = client.post(
        f"{base}/api-keys", headers=bearer(admin), json={"name": "analyst", "role": "analyst"}
    ).json()["key"]
    return Tenant(client, association_id, root, admin, coach, analyst)


@pytest.fixture
def tenant(client: TestClient, container: Container) -> Tenant:
    """An association with min_cell_size 0 (no suppression) for exact checks."""
    return make_tenant(client, container, settings={"min_cell_size": 0})
