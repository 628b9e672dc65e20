"""Applying batch events (`POST .../events:batch`, `python -m service import`): in
committed chunks, each event answered as its single endpoint would answer it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

from service.api.answers import write_status
from service.api.batch_revocation import REVOKED
from service.api.command_bodies import command_body, enrollment_body
from service.api.errors import status_of, validation_errors
from service.api.schemas.enrollments import (
    BatchEvent,
    BatchItemResult,
    Correction,
    EnrollmentCreate,
    ExitCreate,
    Reason,
    SupportChange,
)
from service.application.access import require_enrollment
from service.application.chunk_commands import chunk_commands
from service.application.enrollments import EnrollRequest
from service.domain.errors import DomainError, InvalidValueError, NotFoundError
from service.gc_pause import cyclic_gc_paused

logger = logging.getLogger("uppfoljning.api")

# Events answered, written and committed together; see apply_in_chunks.
CHUNK_SIZE = 1000

_SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "support_changed": (SupportChange, "change_support"),
    "exited": (ExitCreate, "record_exit"),
    "exit_retracted": (Reason, "retract_exit"),
    "corrected": (Correction, "correct"),
    "voided": (Reason, "void"),
}


def invalid_item(item_id: UUID, error: ValidationError) -> BatchItemResult:
    """A 422 result naming each field as the single endpoint would (values never echoed)."""
    errors = validation_errors(list(error.errors()))
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return BatchItemResult(id=item_id, status=422, detail=detail)


Item = BatchEvent | BatchItemResult  # an event to apply, or the answer to a malformed one


def apply_in_chunks(
    container: Any,
    principal: Any,
    aid: str,
    events: Sequence[Item],
    still_allowed: Callable[[], bool] | None = None,
) -> Iterator[list[BatchItemResult]]:
    """The results of each committed chunk of events, in order.

    One commit per chunk: each item is answered as if written alone (a refused item writes
    nothing, the others are written), at a fraction of the commits and statements, and the
    write lock is never held for a whole 10,000-event request. A chunk is yielded once it
    is committed. Before each chunk
    `still_allowed` (if given) is asked whether the key is still valid; once it is not, the
    rest answer 401 unwritten (service/api/batch_revocation.py).
    """
    for chunk in _chunks(events):
        if still_allowed is not None and not still_allowed():
            yield [_revoked(item) for item in chunk]
            still_allowed = _never
            continue
        # A chunk makes thousands of small acyclic objects, freed by reference counting:
        # the cyclic collector would only rescan them (and the whole heap, now and then).
        with cyclic_gc_paused(), container.enrollments.one_transaction():
            results = _apply_chunk(container, principal, aid, chunk)
        yield results


def _never() -> bool:
    return False


def _revoked(item: Item) -> BatchItemResult:
    """A 401 for an event left unwritten; a malformed one keeps its own 422."""
    if isinstance(item, BatchItemResult):
        return item
    return BatchItemResult(id=item.id, status=401, detail=REVOKED)


def _chunks(events: Sequence[Item]) -> Iterator[Sequence[Item]]:
    for start in range(0, len(events), CHUNK_SIZE):
        yield events[start : start + CHUNK_SIZE]


@dataclass(frozen=True)
class _Enroll:
    """An `enrolled` item, read as its single endpoint reads it."""

    item: BatchEvent
    request: EnrollRequest


@dataclass(frozen=True)
class _Change:
    """Any other item: its command (an `EnrollmentCommands` method) and body."""

    item: BatchEvent
    command: str
    body: dict[str, Any]


def _apply_chunk(
    container: Any, principal: Any, aid: str, chunk: Sequence[Item]
) -> list[BatchItemResult]:
    """The chunk's items answered and written together (`chunk_commands`). Should that
    fail — a bug: nothing of it was kept, its savepoint is rolled back — each item is
    applied alone instead, and only an item that fails there too answers 500."""
    try:
        return _together(container.enrollments, principal, aid, chunk)
    except Exception:
        logger.exception("the bulk write of a chunk of %d events failed", len(chunk))
    return [
        item if isinstance(item, BatchItemResult) else apply_item(container, principal, aid, item)
        for item in chunk
    ]


def _together(
    commands: Any, principal: Any, aid: str, chunk: Sequence[Item]
) -> list[BatchItemResult]:
    read = [item if isinstance(item, BatchItemResult) else _read(item) for item in chunk]
    events = [item for item in chunk if isinstance(item, BatchEvent)]
    with chunk_commands(commands) as together:
        together.preload(
            aid,
            [r.request for r in read if isinstance(r, _Enroll)],
            {item.enrollment_id for item in events},
            [str(item.id) for item in events],
        )
        return [r if isinstance(r, BatchItemResult) else _answer(together, principal, aid, r)
                for r in read]  # fmt: skip


def apply_item(container: Any, principal: Any, aid: str, item: BatchEvent) -> BatchItemResult:
    """One batch event applied as its single endpoint would; its result, never an error."""
    try:
        read = _read(item)
        if isinstance(read, BatchItemResult):
            return read
        return _answer(container.enrollments, principal, aid, read)
    except Exception:
        # The item's savepoint is rolled back; the other items go on (§8). Logged like any
        # 500: the traceback, never the item's data.
        logger.exception("batch item %s failed", item.id)
        return BatchItemResult(id=item.id, status=500, detail="internal error")


def _read(item: BatchEvent) -> _Enroll | _Change | BatchItemResult:
    """The item's command and body, or its 422."""
    try:
        if item.type == "enrolled":
            intervention_id, data = _enrolled_data(item)
            request = EnrollRequest(intervention_id, data, item.enrollment_id, str(item.id))
            return _Enroll(item, request)
        schema, command = _SCHEMAS[item.type]
        return _Change(item, command, command_body(schema.model_validate(item.data)))
    except ValidationError as error:
        return invalid_item(item.id, error)
    except DomainError as error:
        return BatchItemResult(id=item.id, status=status_of(error), detail=error.detail)


def _answer(commands: Any, principal: Any, aid: str, read: _Enroll | _Change) -> BatchItemResult:
    """The item applied by `commands`; its result (an unexpected error is raised)."""
    try:
        result = _dispatch(commands, principal, aid, read)
    except DomainError as error:
        return BatchItemResult(id=read.item.id, status=status_of(error), detail=error.detail)
    return BatchItemResult(
        id=read.item.id, status=write_status(result.created), version=result.version
    )


def _dispatch(commands: Any, principal: Any, aid: str, read: _Enroll | _Change) -> Any:
    if isinstance(read, _Enroll):
        request = read.request
        return commands.enroll(
            principal,
            aid,
            request.intervention_id,
            request.body,
            enrollment_id=request.enrollment_id,
            client_event_id=request.client_event_id,
        )
    item = read.item
    enrollment = commands.load(item.enrollment_id)
    if enrollment.facts.association_id != aid:  # as an id that does not exist (issue 17)
        raise NotFoundError(f"enrollment {item.enrollment_id} was not found")
    if item.intervention_id not in (None, enrollment.facts.intervention_id):
        # Redundant where it agrees (an export may name it on every event); where it
        # disagrees, one of the two ids is wrong, and the event is not silently applied.
        # Told only to a key that may write the enrollment.
        require_enrollment(principal, enrollment.facts, write=True)
        raise InvalidValueError("intervention_id", "the enrollment belongs to another intervention")
    return getattr(commands, read.command)(
        principal, item.enrollment_id, read.body, idempotency_key=str(item.id)
    )


def _enrolled_data(item: BatchEvent) -> tuple[str, dict[str, Any]]:
    """An enrolled event's intervention and its body as the single endpoint takes it
    (defaults filled in)."""
    if item.intervention_id is None:
        raise InvalidValueError("intervention_id", "an enrolled event needs its intervention_id")
    create = EnrollmentCreate.model_validate(item.data)
    if create.id is not None and create.id != item.enrollment_id:
        # Two ids for one enrollment: which one the client meant cannot be known.
        raise InvalidValueError("data.id", "data.id differs from enrollment_id; send one id")
    return item.intervention_id, enrollment_body(create)
