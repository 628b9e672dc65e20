"""`python -m service import`: history from a file, through the batch endpoint's own rules.

The file holds the body of `POST .../events:batch` (`{"events": [...]}`) or one such event
per line (JSON Lines), of any length. Each event is validated and applied exactly as the
endpoint does it — same schemas, same per-item atomicity, same idempotency by event id —
so an import can be rerun after a failure: what went in answers "already applied".
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from service.api.batch_events import apply_in_chunks
from service.api.schemas.enrollments import BatchEvent
from service.bootstrap import Container
from service.cli.messages import UnreadableLineError, item_refusal
from service.domain.codes import Role
from service.domain.principal import Principal
from service.gc_pause import cyclic_gc_paused

# Recorded as the writer of every imported event (in place of an API key's id).
IMPORTER = "cli-import"


def read_events(path: Path) -> list[Any]:
    """The events of a batch body file or a JSON Lines file; UnreadableLineError names
    the first line that is not JSON."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        body = json.loads(text)
    except json.JSONDecodeError:  # several documents: JSON Lines
        body = None
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        return list(body["events"])
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise UnreadableLineError(number, error) from None
    return events


def importer_for(container: Container, association_id: str) -> Principal:
    """A coach of every intervention of the association: what the operator imports for."""
    container.queries.association_name(association_id)  # NotFoundError when there is none
    rows = container.queries.interventions(
        Principal("operator", Role.SYSTEM_ADMIN, None, frozenset()), association_id
    )
    ids = frozenset(str(r["intervention_id"]) for r in rows)
    return Principal(IMPORTER, Role.COACH, association_id, ids)


@dataclass(frozen=True)
class Outcome:
    """What became of one event of the file: its line (1-based), id, status and why
    (the API's English detail; `swedish` says it to staff)."""

    line: int
    id: str
    status: int
    detail: str
    fields: tuple[str, ...] = ()

    @property
    def swedish(self) -> str:
        """The refusal as the command prints it."""
        where = f"Rad {self.line}" + (f" (händelse {self.id})" if self.id else "")
        return f"{where}: avvisad ({self.status}). {item_refusal(self.status, self.detail, self.fields)}"


def run_import(
    container: Container, association_id: str, path: Path, console: Console
) -> tuple[Counter[int], list[Outcome]]:
    """Apply every event of the file; the count per status and the refused events."""
    # The whole file is read, checked and applied with the cyclic collector paused, as a
    # batch request is (service/api/batch_gc_pause.py): its full passes over the heap
    # cost ≈ 8 µs an event here (issue 21); `cyclic_gc_paused` bounds the pause.
    with cyclic_gc_paused():
        return _run_import(container, association_id, path, console)


def _run_import(
    container: Container, association_id: str, path: Path, console: Console
) -> tuple[Counter[int], list[Outcome]]:
    principal = importer_for(container, association_id)
    raw = read_events(path)
    outcomes: dict[int, Outcome] = {}
    valid: list[tuple[int, BatchEvent]] = []
    for line, event in enumerate(raw, start=1):
        try:
            valid.append((line, BatchEvent.model_validate(event)))
        except ValidationError as error:
            fields = tuple(
                dict.fromkeys(".".join(map(str, e["loc"])) or "händelsen" for e in error.errors())
            )
            given = event.get("id") if isinstance(event, dict) else None
            detail = f"invalid event: {', '.join(fields)}"
            outcomes[line] = Outcome(line, str(given or ""), 422, detail, fields)
    progress = Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True,
    )  # fmt: skip
    with progress:
        task = progress.add_task("Läser in händelser", total=len(raw), completed=len(outcomes))
        lines = iter(line for line, _ in valid)
        events = [event for _, event in valid]
        for chunk in apply_in_chunks(container, principal, association_id, events):
            for result in chunk:
                line = next(lines)
                outcomes[line] = Outcome(line, str(result.id), result.status, result.detail or "")
            progress.advance(task, len(chunk))
    statuses = Counter(o.status for o in outcomes.values())
    refused = [
        outcomes[line] for line in sorted(outcomes) if outcomes[line].status not in (200, 201)
    ]
    return statuses, refused
