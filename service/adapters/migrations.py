"""Running Alembic from the service, and checking the database is at the code's head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy_utils.types.uuid import UUIDType

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class SchemaMismatchError(RuntimeError):
    """The database is not at the revision this code expects."""


def compare_type(
    context: Any, inspected: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Type comparison for autogenerate; SQLite reflects UUIDType's BINARY(16) as NUMERIC."""
    if isinstance(metadata_type, UUIDType) and context.dialect.name == "sqlite":
        return False
    return None


def alembic_config(url: str) -> Config:
    """An Alembic Config for `url` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str) -> None:
    """Apply every migration."""
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def require_current_schema(engine: Engine) -> None:
    """Refuse an unmigrated database or one migrated by newer code, saying what to run."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = head_revision()
    if current == head:
        return
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    if current is None:
        problem = "the database has no schema yet"
    elif current not in {rev.revision for rev in script.walk_revisions()}:
        raise SchemaMismatchError(
            f"the database is at revision {current}, newer than this code knows ({head}); "
            "upgrade the service before starting it"
        )
    else:
        problem = f"the database is at revision {current}, the code expects {head}"
    raise SchemaMismatchError(f"{problem}; run `python -m service migrate` first")
