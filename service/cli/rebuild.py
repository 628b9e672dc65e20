"""`rebuild`: every read model from the event store, verified against the live one."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from sqlalchemy import delete, func, select

from service.adapters import statistics_versions
from service.adapters.eventstore import read_session, unit_of_work
from service.adapters.projection import reset_position
from service.adapters.tables import READ_MODEL_TABLES, events
from service.bootstrap import Container, bootstrap


def snapshot(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row (without surrogate keys), sorted, per table."""
    out = {}
    with read_session(container.store) as session:
        for table in READ_MODEL_TABLES:
            columns = [c for c in table.c if c.name != "row_id"]
            rows = session.execute(select(*columns)).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


def rebuild_read_models(container: Container, on_batch: Any = None) -> int:
    """Empty the read models and project every event again; returns events applied."""
    with unit_of_work(container.store) as session:
        for table in READ_MODEL_TABLES:
            session.execute(delete(table))
        statistics_versions.renew_all(session)  # facts kept by servers are read afresh
        reset_position(session)
    return container.projector.catch_up(on_batch)


def run_rebuild(container: Container | None = None) -> int:
    """Rebuild with a progress bar; exit code 0 when the rebuilt models equal the live ones."""
    container = container or bootstrap()
    console = Console(stderr=True)
    container.projector.catch_up()
    live = snapshot(container)
    with read_session(container.store) as session:
        total = session.execute(select(func.count()).select_from(events)).scalar() or 0
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("Bygger om läsmodellerna", total=total)
        applied = rebuild_read_models(container, lambda n: progress.advance(task, n))
    rebuilt = snapshot(container)
    differing = [name for name in live if live[name] != rebuilt[name]]
    if differing:
        console.print(f"[red]Avvikelse efter ombyggnad i: {', '.join(differing)}[/red]")
        return 1
    console.print(f"Klart: {applied} händelser, läsmodellerna stämmer med de levande.")
    return 0
