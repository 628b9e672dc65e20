"""The OpenAPI document's own additions: the Problem schema the error responses refer to."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from service.api.schemas.common import Problem


def declare_problem_schema(app: FastAPI) -> None:
    """Add `Problem` to the components the problem+json responses refer to."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
