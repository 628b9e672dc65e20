"""Validated request bodies as the commands take them: shared by the enrollment routes,
the batch endpoint and `python -m service import`."""

from __future__ import annotations

from typing import Any

from service.api.schemas.enrollments import EnrollmentCreate


def enrollment_body(body: EnrollmentCreate) -> dict[str, Any]:
    """An enrollment body as command data: defaults filled in, the client id left out."""
    return _plain(body.model_dump(mode="python", exclude={"id"}, exclude_none=True))


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Enum members as their code strings, for events and fingerprints."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, list):
            out[key] = sorted(str(v) for v in value)
        elif hasattr(value, "value"):
            out[key] = value.value
        else:
            out[key] = value
    return out


def command_body(model: Any) -> dict[str, Any]:
    """A validated body as plain data: unset fields left out, nulls as sent."""
    return _plain(model.model_dump(mode="python", exclude_unset=True))
