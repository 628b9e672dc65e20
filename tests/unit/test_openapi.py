"""The committed OpenAPI document is the public surface: it must equal the generated one."""

from __future__ import annotations

import json
from pathlib import Path

from service.api.app import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == openapi_document(), (
        "openapi/openapi.json is stale: run `python -m service dump-openapi > openapi/openapi.json`"
    )


def test_every_route_has_a_description() -> None:
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
