"""Batch import of enrollment events: per-item results, one bad item stops nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import TypeAdapter, ValidationError

from service.api.batch_events import apply_in_chunks, invalid_item
from service.api.batch_revocation import key_still_allowed
from service.api.deps import AssociationId, ContainerDep, PrincipalDep
from service.api.errors import WRITE_PROBLEMS
from service.api.schemas.enrollments import (
    Batch,
    BatchEvent,
    BatchItemResult,
    BatchResult,
)
from service.application.access import require_association
from service.domain.codes import Role
from service.domain.errors import InvalidValueError

router = APIRouter(tags=["enrollments"])
_EVENT_ID = TypeAdapter(UUID)


@router.post(
    "/associations/{aid}/events:batch", response_model=BatchResult, responses=WRITE_PROBLEMS
)
def import_batch(
    aid: AssociationId, body: Batch, principal: PrincipalDep, container: ContainerDep
) -> BatchResult:
    """Apply up to 10,000 events in order, each atomically; answers per item."""
    require_association(principal, aid, write=True, roles=(Role.COACH,))
    items = [parse_item(position, raw) for position, raw in enumerate(body.events)]
    still_allowed = key_still_allowed(container, principal.key_id)
    chunks = apply_in_chunks(container, principal, aid, items, still_allowed)
    results = [r for chunk in chunks for r in chunk]
    return BatchResult(results=results)


def parse_item(position: int, raw: dict[str, Any]) -> BatchEvent | BatchItemResult:
    """The event, or its 422 when it is malformed. Only an event without a valid `id` fails
    the whole request: its answer could not say which event it belongs to."""
    try:
        return BatchEvent.model_validate(raw)
    except ValidationError as error:
        try:
            item_id = _EVENT_ID.validate_python(raw.get("id"))
        except ValidationError:
            raise InvalidValueError(
                f"events.{position}.id", "every event needs its id (a UUID)"
            ) from None
        return invalid_item(item_id, error)
