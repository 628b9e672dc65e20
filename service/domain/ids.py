"""Deterministic aggregate ids: slugs and client keys name their aggregates.

The names are hashed within the installation's own namespace, a random UUID made with its
database (decisions.md §21). Enrollment ids are chosen by clients, freely: were the
namespace public, a coach of one förbund could compute another's (or a future) association,
intervention or count report id, take it with an enrollment, and leave that one
impossible to create.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

# The public namespace every installation used before migration 0006. Count reports keyed
# before then keep the ids it gave them (count_reports.py); nothing new is named by it.
LEGACY_NAMESPACE = UUID("6f1c1d2e-8a53-4c4e-9d55-0b4a4f5e2a11")


@dataclass(frozen=True)
class AggregateIds:
    """The aggregate ids of one installation."""

    namespace: UUID

    def association(self, association_id: str) -> UUID:
        """The aggregate id of an association slug."""
        return uuid5(self.namespace, f"association:{association_id}")

    def intervention(self, association_id: str, intervention_id: str) -> UUID:
        """The aggregate id of an intervention slug within its association."""
        return uuid5(self.namespace, f"intervention:{association_id}:{intervention_id}")

    def report(self, association_id: str, kind: str, idempotency_key: str) -> UUID:
        """The aggregate id of a count report named by the client's idempotency key."""
        return uuid5(self.namespace, f"{kind}:{association_id}:{idempotency_key}")


LEGACY_IDS = AggregateIds(LEGACY_NAMESPACE)
