"""The OpenAPI document, independent of any database."""

from __future__ import annotations

from typing import Any


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI schema, generated without connecting to a database."""
    from service.api.app import create_app

    app = create_app(None, background_projection=False)  # type: ignore[arg-type]
    return app.openapi()
