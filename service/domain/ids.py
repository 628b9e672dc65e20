"""Deterministic aggregate ids: slugs and client keys name their aggregates."""

from __future__ import annotations

from uuid import UUID, uuid5

_NAMESPACE = UUID("6f1c1d2e-8a53-4c4e-9d55-0b4a4f5e2a11")


def association_uuid(association_id: str) -> UUID:
    """The aggregate id of an association slug."""
    return uuid5(_NAMESPACE, f"association:{association_id}")


def intervention_uuid(association_id: str, intervention_id: str) -> UUID:
    """The aggregate id of an intervention slug within its association."""
    return uuid5(_NAMESPACE, f"intervention:{association_id}:{intervention_id}")


def report_uuid(association_id: str, kind: str, idempotency_key: str) -> UUID:
    """The aggregate id of a count report named by the client's idempotency key."""
    return uuid5(_NAMESPACE, f"{kind}:{association_id}:{idempotency_key}")
