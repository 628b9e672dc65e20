"""Wires settings, persistence, projection and the application services together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from service.adapters.database import make_engine, verify_durability
from service.adapters.eventstore import EventStore, open_event_store
from service.adapters.installation import aggregate_ids
from service.adapters.migrations import require_current_schema
from service.adapters.projection import Projector
from service.adapters.secrets_file import PseudonymKeys
from service.application.admin import AdminCommands
from service.application.audit import AuditTrail
from service.application.count_reports import CountReportCommands
from service.application.enrollments import EnrollmentCommands
from service.application.queries import Queries
from service.application.removal import Removal
from service.application.web_sessions import WebSessions
from service.config import Settings
from service.reporting.export import AnnualExports
from service.reporting.model import AnnualReport

SWEDEN = ZoneInfo("Europe/Stockholm")


def swedish_today() -> date:
    """Today's date in Sweden: what "not in the future" is measured against."""
    return datetime.now(SWEDEN).date()


@dataclass
class Container:
    """Everything a request, a CLI command or a test needs."""

    settings: Settings
    engine: Engine
    store: EventStore
    projector: Projector
    admin: AdminCommands
    enrollments: EnrollmentCommands
    count_reports: CountReportCommands
    queries: Queries
    annual_exports: AnnualExports
    audit: AuditTrail
    removal: Removal
    sessions: WebSessions

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None, *, check_schema: bool = True, today: Any = swedish_today
) -> Container:
    """Build the service on the configured database (which must be migrated)."""
    settings = settings or Settings()
    if settings.is_sqlite and check_schema:
        _require_sqlite_file(settings.database_url)  # never create an empty database
    elif settings.is_sqlite:
        _ensure_sqlite_folder(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        verify_durability(engine)
        if check_schema:
            require_current_schema(engine)
        ids = aggregate_ids(engine)
    except BaseException:
        engine.dispose()  # a refusal leaves no connection behind
        raise
    store = open_event_store(settings.database_url, engine)
    projector = Projector(store)
    admin = AdminCommands(store, today, ids)
    keys = PseudonymKeys(settings.secrets_file, settings.pseudonym_key)
    enrollments = EnrollmentCommands(
        store,
        today,
        keys.key_for,
        lambda aid: admin.association(aid).settings,
        admin.intervention_for_reading,
    )
    count_reports = CountReportCommands(store, today, admin.intervention, ids)
    queries = Queries(store, projector)
    return Container(
        settings,
        engine,
        store,
        projector,
        admin,
        enrollments,
        count_reports,
        queries,
        AnnualExports(queries, _render_export),
        AuditTrail(store),
        Removal(store, projector, queries, today),
        WebSessions(store, settings.session_idle_seconds, settings.session_max_seconds),
    )


def _render_export(report: AnnualReport, fmt: str) -> tuple[bytes, str, str]:
    # Imported on first use: matplotlib and the office libraries cost a second at start.
    from service.reporting.render import render

    return render(report, fmt)


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return None if not path or path == ":memory:" or path.startswith("file::memory:") else path


def _require_sqlite_file(url: str) -> None:
    """Refuse, naming the file, when a SQLite database does not exist: opening it would
    create an empty one (in whatever folder the command was run from)."""
    from pathlib import Path

    from service.adapters.migrations import SchemaMismatchError

    path = sqlite_path(url)
    if path is not None and not Path(path).exists():
        raise SchemaMismatchError(
            f"databasen {Path(path).resolve()} finns inte (UPPFOLJNING_DATABASE_URL={url}, "
            f"relativ till mappen {Path.cwd()}); inget har skapats. Kör kommandot i "
            "tjänstens mapp, sätt UPPFOLJNING_DATABASE_URL, eller skapa databasen med "
            "`python -m service migrate`."
        )


def _ensure_sqlite_folder(url: str) -> None:
    from pathlib import Path

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
