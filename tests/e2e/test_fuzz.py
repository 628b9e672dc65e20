"""Schema-driven fuzzing: every operation of openapi/openapi.json, through the ASGI app.

Schemathesis generates valid and invalid requests from the committed OpenAPI document
and runs all its checks on each answer: no server error, a declared status code, the
declared content type, schema and headers, invalid data rejected, and so on. Requests carry
real keys of the right role, and path parameters mostly name an association, intervention,
enrollment and key that exist, so the requests reach the handlers instead of stopping at 404.

Runs on SQLite only (one fresh file per run): the fuzzing exercises the HTTP layer, and the
storage contract is covered on both databases elsewhere. CI runs a few examples per
operation, deterministically; `make fuzz` runs many more, randomly
(UPPFOLJNING_FUZZ_MAX_EXAMPLES, UPPFOLJNING_FUZZ_RANDOM=1).
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection

from service.adapters.migrations import upgrade_to_head
from service.api.app import create_app
from service.api.schemas.common import SLUG_PATTERN
from service.bootstrap import bootstrap
from service.config import Settings
from tests.conftest import TODAY, Tenant, bearer, make_tenant
from tests.factories import coach_enrollment

OPENAPI = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
MAX_EXAMPLES = int(os.environ.get("UPPFOLJNING_FUZZ_MAX_EXAMPLES", "15"))
RANDOM = os.environ.get("UPPFOLJNING_FUZZ_RANDOM") == "1"
AID = "fuzz-forbund"
INTERVENTIONS = ("team-a", "team-b")
# Every check is on. Schema-valid data may still break a rule the schema cannot state (a
# date in the future, `from` without `to`, an intervention that does not exist): 422; or
# the state may refuse it (a stale If-Match): 412.
POSITIVE_DATA_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429"]
CONFIG = {
    "base-url": "http://testserver",
    "generation": {"max-examples": MAX_EXAMPLES},
    "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_STATUSES}},
}


class AppUnderTest:
    """The ASGI app schemathesis calls: forwards to the app the `world` fixture makes."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # the fixture's TestClient runs the app's own lifespan
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.app is not None, "the `world` fixture sets the app"
        await self.app(scope, receive, send)


APP = AppUnderTest()
schema = schemathesis.openapi.from_path(OPENAPI, config=schemathesis.Config.from_dict(CONFIG))
schema.app = APP  # requests go to the app in-process, not over the network


@dataclass
class World:
    """The app under test and the records its generated paths are steered towards."""

    app: FastAPI
    tenant: Tenant
    enrollment_ids: list[str]
    spare_key_ids: list[str]

    def key_for(self, method: str, path: str) -> str | None:
        """The key of the role that may call the operation."""
        t = self.tenant
        if not path.startswith("/api/v1/"):
            return None
        if path == "/api/v1/associations":
            return t.system_key
        if "/enrollments" in path or path.endswith(
            (":batch", "/anonymous-participants", "/activities")
        ):
            return t.coach_key
        if "/statistics" in path or "/reports/" in path:
            return t.analyst_key
        if method == "GET" and path.endswith("/interventions"):
            return t.analyst_key
        return t.admin_key

    def steer(self, case: Any) -> None:
        """Point three in four valid generated path parameters at records that exist."""
        params = case.path_parameters
        known = {
            "aid": [AID],
            "iid": list(INTERVENTIONS),
            "eid": self.enrollment_ids,
            "kid": self.spare_key_ids,
        }
        for name, values in known.items():
            value = params.get(name)
            if not isinstance(value, str) or not SHAPES[name].fullmatch(value):
                continue  # an invalid value stays invalid: it tests the rejection
            bucket = zlib.crc32(value.encode())
            if bucket % 4:
                params[name] = values[bucket % len(values)]


UUID_SHAPE = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
SHAPES = {
    "aid": re.compile(SLUG_PATTERN.strip("^$")),
    "iid": re.compile(SLUG_PATTERN.strip("^$")),
    "eid": UUID_SHAPE,
    "kid": re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """An association with two interventions, four enrollments (one exited) and spare keys."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'fuzz.db'}"
    upgrade_to_head(url)
    settings = Settings(database_url=url, secrets_file=folder / "secrets.json")
    container = bootstrap(settings, today=lambda: TODAY)
    app = create_app(container)
    with TestClient(app) as client:
        tenant = make_tenant(
            client, container, association_id=AID, interventions=INTERVENTIONS,
            settings={"min_cell_size": 0},
        )  # fmt: skip
        enrollment_ids = [
            tenant.enroll(iid, pseudonym=f"fuzz-pseudonym-{n}").json()["id"]
            for n, iid in enumerate(INTERVENTIONS * 2)
        ]
        exited = tenant.post(
            f"/api/v1/enrollments/{enrollment_ids[0]}/exit",
            {"exited_on": "2024-01-15", "reason": "work"},
        )
        assert exited.status_code == 201, exited.text
        spare_key_ids = [
            tenant.post(
                f"{tenant.base}/api-keys",
                {"name": f"spare {n}", "role": "analyst"},
                key=tenant.admin_key,
            ).json()["id"]
            for n in range(3)
        ]
        APP.app = app
        yield World(app, tenant, enrollment_ids, spare_key_ids)
        APP.app = None
    container.close()


# Generated names reach the annual export's charts; matplotlib warns (and draws a box) for a
# character its font lacks. Harmless in production, but the suite turns warnings into errors.
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font:UserWarning")
@schema.parametrize()
@settings(
    deadline=None,
    derandomize=not RANDOM,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_conforms_to_the_schema(case: Any, world: World) -> None:
    world.steer(case)
    key = world.key_for(case.method, case.operation.path)
    headers = None if key is None or _leaves_out_authorization(case) else bearer(key)
    if not _negative_batch_body(case):
        case.call_and_validate(headers=headers)
        return
    # A batch answers each event on its own (product.md §8): an event the schema refuses
    # gets its 422 inside a 200, and the rest are applied. So a body made invalid inside
    # one event is not refused whole; it must be refused in its item.
    response = case.call_and_validate(headers=headers, excluded_checks=[negative_data_rejection])
    if response.status_code == 200:
        statuses = [item["status"] for item in response.json()["results"]]
        assert any(400 <= status < 500 for status in statuses), statuses


def _negative_batch_body(case: Any) -> bool:
    meta = case.meta
    return (
        case.operation.path.endswith("/events:batch")
        and meta is not None
        and meta.is_negative_at(ParameterLocation.BODY)
    )


def _leaves_out_authorization(case: Any) -> bool:
    """A negative case whose headers lack Authorization tests the 401: send no key."""
    meta = case.meta
    negative = meta is not None and meta.is_negative_at(ParameterLocation.HEADER)
    return negative and "authorization" not in {name.lower() for name in case.headers or {}}


class TestFindings:
    """What the fuzzing found, pinned down on both databases."""

    def test_a_batch_enrollment_without_support_is_enrolled(self, tenant: Tenant) -> None:
        event = {
            "id": "6f0c8d52-31a5-4c0e-9d55-3f8a4a0c1b11",
            "type": "enrolled",
            "enrollment_id": "0b3f4c55-8a51-4a8e-9f0e-2c7d9e1a6b22",
            "intervention_id": "team-a",
            "data": coach_enrollment(education="unknown"),
        }
        del event["data"]["support"]  # the finding: an enrollment without support
        response = tenant.post(f"{tenant.base}/events:batch", {"events": [event]})
        assert response.json()["results"][0]["status"] == 201, response.text

    def test_header_bytes_outside_utf8_are_no_server_error(self, tenant: Tenant) -> None:
        response = tenant.post(
            f"{tenant.base}/activities", {}, headers={"Idempotency-Key": b"k\xf6y"}
        )
        assert response.status_code == 422

    def test_405_lists_every_method_of_the_path(self, tenant: Tenant) -> None:
        response = tenant.client.options(tenant.base)
        assert response.status_code == 405
        assert {"GET", "PATCH"} <= set(response.headers["allow"].split(", "))

    @pytest.mark.parametrize(
        "settings", [{"accept_personal_identity_numbers": 0}, {"min_cell_size": "3"}]
    )
    def test_settings_take_json_types_only(self, tenant: Tenant, settings: Any) -> None:
        response = tenant.client.patch(
            tenant.base, json={"settings": settings}, headers=bearer(tenant.admin_key)
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("starts_on", [0, "1700000000", "2020-01-01T00:00:00"])
    def test_dates_are_iso_dates_only(self, tenant: Tenant, starts_on: Any) -> None:
        body = {"id": "team-c", "name": "Team C", "kind": "individual", "starts_on": starts_on}
        response = tenant.post(f"{tenant.base}/interventions", body, key=tenant.admin_key)
        assert response.status_code == 422

    def test_names_with_control_characters_are_refused(self, tenant: Tenant) -> None:
        body = {
            "id": "team-c",
            "name": "Team\x00C",
            "kind": "individual",
            "starts_on": "2020-01-01",
        }
        response = tenant.post(f"{tenant.base}/interventions", body, key=tenant.admin_key)
        assert response.status_code == 422

    def test_a_path_id_of_the_wrong_shape_is_422_before_any_lookup(self, tenant: Tenant) -> None:
        assert tenant.get("/api/v1/associations/a%00b/interventions").status_code == 422
