"""How a write answers: 201 when it made something new, 200 when it was a replay of an
earlier identical write (the same id, or the same Idempotency-Key; docs/integration.md)."""

from __future__ import annotations

from typing import Any

from service.api.errors import WRITE_PROBLEMS

CREATED = 201
REPLAYED = 200


def write_status(created: bool) -> int:
    """The status of a write's answer: 201 created, 200 replayed."""
    return CREATED if created else REPLAYED


def created_or_replayed(model: Any, replayed: str) -> dict[int | str, dict[str, Any]]:
    """A write's documented answers: `model` as 201 (the route's status_code) and as 200
    with the description `replayed`, then the write problems."""
    return {REPLAYED: {"model": model, "description": replayed}, **WRITE_PROBLEMS}
