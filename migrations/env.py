"""Alembic environment: the URL comes from Settings (or a connection handed in)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from service.adapters.database import make_engine
from service.adapters.migrations import compare_type
from service.adapters.tables import metadata
from service.config import Settings

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=compare_type,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection in config.attributes, or one made from Settings."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
