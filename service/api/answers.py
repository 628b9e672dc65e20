"""How a write answers: 201 when it made something new, 200 when it was a replay of an
earlier identical write (the same id, or the same Idempotency-Key; docs/integration.md)."""

from __future__ import annotations

CREATED = 201
REPLAYED = 200


def write_status(created: bool) -> int:
    """The status of a write's answer: 201 created, 200 replayed."""
    return CREATED if created else REPLAYED
