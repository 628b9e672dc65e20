"""Applying batch events (`POST .../events:batch`, `python -m service import`): in
committed chunks, each event in its own savepoint, as its single endpoint would."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from itertools import groupby
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
from service.application.enrollments import EnrollRequest
from service.domain.errors import DomainError, InvalidValueError, NotFoundError
from service.gc_pause import cyclic_gc_paused

logger = logging.getLogger("uppfoljning.api")

# Events committed together (each in its own savepoint); see apply_in_chunks.
CHUNK_SIZE = 1000
# At most this many events of a chunk that are applied one by one (they cost more than a
# bulk-written enrolled event), so the write lock is held about as long as before.
CHUNK_SINGLES = 200

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

    One commit per chunk, each item in its own savepoint: as atomic per item as one
    transaction each, at a fraction of the commits, and the write lock is never held for a
    whole 10,000-event request. A chunk is yielded once it is committed. Before each chunk
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
    """Up to CHUNK_SIZE events, of which at most CHUNK_SINGLES are not `enrolled`."""
    start = singles = 0
    for end, event in enumerate(events, start=1):
        singles += not _is_enrolled(event)
        if end - start == CHUNK_SIZE or singles == CHUNK_SINGLES:
            yield events[start:end]
            start, singles = end, 0
    if start < len(events):
        yield events[start:]


def _is_enrolled(item: Item) -> bool:
    return getattr(item, "type", None) == "enrolled"  # a malformed item's result has none


def _apply_chunk(
    container: Any, principal: Any, aid: str, chunk: Sequence[Item]
) -> list[BatchItemResult]:
    """Each run of consecutive `enrolled` items is written in bulk where that is safe
    (`EnrollmentCommands.enroll_many`); every other item, and each enrolled item the bulk
    write leaves, is applied alone afterwards, in order."""
    results: list[BatchItemResult | None] = [
        item if isinstance(item, BatchItemResult) else None for item in chunk
    ]
    start = 0
    for enrolled, items in groupby(chunk, key=_is_enrolled):
        run = range(start, start + len(list(items)))
        start = run.stop
        if enrolled:
            for position, result in _enrolled_in_bulk(container, principal, aid, chunk, run):
                results[position] = result
        for position in run:
            item = chunk[position]
            if results[position] is None and isinstance(item, BatchEvent):
                results[position] = apply_item(container, principal, aid, item)
    return [r for r in results if r is not None]


def _enrolled_in_bulk(
    container: Any, principal: Any, aid: str, chunk: Sequence[Item], run: range
) -> Iterator[tuple[int, BatchItemResult]]:
    """(position, result) of each enrolled item of the run that was written in bulk."""
    requests: list[EnrollRequest] = []
    positions: list[int] = []
    for position in run:
        item = chunk[position]
        assert isinstance(item, BatchEvent)  # the run holds enrolled events only
        try:
            intervention_id, data = _enrolled_data(item)
        except (ValidationError, InvalidValueError):
            continue  # answered alone, with its 422
        requests.append(EnrollRequest(intervention_id, data, item.enrollment_id, str(item.id)))
        positions.append(position)
    try:
        written = container.enrollments.enroll_many(principal, aid, requests)
    except Exception:
        # A bug in the bulk write must not cost the other items: nothing of it was kept
        # (its savepoint is rolled back), so every item is applied alone instead, and only
        # an item that fails there too answers 500.
        logger.exception("the bulk write of %d enrolled items failed", len(requests))
        return
    for position, result in zip(positions, written, strict=True):
        if result is not None:
            yield (
                position,
                BatchItemResult(id=chunk[position].id, status=201, version=result.version),
            )


def apply_item(container: Any, principal: Any, aid: str, item: BatchEvent) -> BatchItemResult:
    """One batch event applied as its single endpoint would; its result, never an error."""
    try:
        result = _dispatch(container, principal, aid, item)
    except ValidationError as error:
        return invalid_item(item.id, error)
    except DomainError as error:
        return BatchItemResult(id=item.id, status=status_of(error), detail=error.detail)
    except Exception:
        # The item's savepoint is rolled back; the other items go on (§8). Logged like any
        # 500: the traceback, never the item's data.
        logger.exception("batch item %s failed", item.id)
        return BatchItemResult(id=item.id, status=500, detail="internal error")
    return BatchItemResult(id=item.id, status=write_status(result.created), version=result.version)


def _dispatch(container: Any, principal: Any, aid: str, item: BatchEvent) -> Any:
    commands = container.enrollments
    if item.type == "enrolled":
        intervention_id, data = _enrolled_data(item)
        return commands.enroll(
            principal,
            aid,
            intervention_id,
            data,
            enrollment_id=item.enrollment_id,
            client_event_id=str(item.id),
        )
    schema, command = _SCHEMAS[item.type]
    body = command_body(schema.model_validate(item.data))
    enrollment = commands.load(item.enrollment_id)
    if enrollment.facts.association_id != aid:  # as an id that does not exist (issue 17)
        raise NotFoundError(f"enrollment {item.enrollment_id} was not found")
    if item.intervention_id not in (None, enrollment.facts.intervention_id):
        # Redundant where it agrees (an export may name it on every event); where it
        # disagrees, one of the two ids is wrong, and the event is not silently applied.
        # Told only to a key that may write the enrollment.
        require_enrollment(principal, enrollment.facts, write=True)
        raise InvalidValueError("intervention_id", "the enrollment belongs to another intervention")
    return getattr(commands, command)(
        principal, item.enrollment_id, body, idempotency_key=str(item.id)
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
