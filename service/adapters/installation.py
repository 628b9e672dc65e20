"""The installation's namespace for aggregate ids, as stored in its database."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Engine, inspect, select

from service.adapters.migrations import SchemaMismatchError
from service.adapters.tables import installation
from service.domain.ids import LEGACY_NAMESPACE, AggregateIds


class MissingNamespaceError(SchemaMismatchError):
    """The database has the installation table but not its row: refused like a schema
    the code cannot run on (the CLI says so and exits with 2)."""


def aggregate_ids(engine: Engine) -> AggregateIds:
    """The ids of this database's aggregates. A database not yet at migration 0006 (only
    opened so without the schema check) named them in the public namespace."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(installation.name):
            return AggregateIds(LEGACY_NAMESPACE)
        namespace = connection.execute(
            select(installation.c.id_namespace).where(installation.c.id == 1)
        ).scalar()
    if namespace is None:
        # Never made anew: a new namespace would leave every association unreachable.
        raise MissingNamespaceError(
            "tabellen installation saknar sin rad (id_namespace): återställ den från en "
            "säkerhetskopia av databasen; utan den hittas inga förbund eller insatser"
        )
    return AggregateIds(UUID(namespace))
