"""Coaches' endpoints: enrollments and their events."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from service.api.answers import CREATED, created_or_replayed, write_status
from service.api.command_bodies import command_body, enrollment_body
from service.api.deps import (
    AssociationId,
    ContainerDep,
    IdempotencyKeyDep,
    IfMatchDep,
    InterventionId,
    PrincipalDep,
)
from service.api.errors import problem_responses
from service.api.schemas.common import WriteResult
from service.api.schemas.enrollments import (
    Correction,
    EnrollmentCreate,
    EnrollmentDetail,
    EnrollmentSummary,
    EventPublic,
    ExitCreate,
    Reason,
    SupportChange,
)
from service.application.access import require_enrollment
from service.domain.enrollment import Enrollment

router = APIRouter(tags=["enrollments"])
_HIDDEN = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_topic",
    "recorded_by",
    "client_event_id",
    "request_hash",
    "association_id",
}


def _answer(result: Any, response: Response) -> WriteResult:
    response.status_code = write_status(result.created)
    response.headers["ETag"] = f'"{result.version}"'
    return WriteResult(id=result.id, version=result.version)


def summary(enrollment_id: str, version: int, f: Any) -> EnrollmentSummary:
    """A coach's view of one enrollment's facts."""
    return EnrollmentSummary(
        id=enrollment_id, version=version, pseudonym=f["pseudonym"],
        enrolled_on=f["enrolled_on"], sex=f["sex"], birth_year=f["birth_year"],
        education=f["education"], municipality=f["municipality"],
        support_at_enrollment=sorted(f["support_at_enrollment"]),
        current_support=sorted(f["current_support"]), exited_on=f["exited_on"],
        exit_reason=f["exit_reason"], progressed=f["progressed"],
    )  # fmt: skip


# The single writes are async, their command sent to the thread pool: a sync route's
# answer is validated against its response model in the pool, one hop more per request
# (FastAPI's serialize_response), on top of the key's lookup and the command's hop.
@router.post(
    "/associations/{aid}/interventions/{iid}/enrollments",
    status_code=CREATED,
    response_model=WriteResult,
    responses=created_or_replayed(WriteResult, "Replayed"),
)
async def enroll(
    aid: AssociationId,
    iid: InterventionId,
    body: EnrollmentCreate,
    principal: PrincipalDep,
    container: ContainerDep,
    response: Response,
) -> WriteResult:
    """Inskrivning; the same client `id` with the same body is one enrollment."""
    data = enrollment_body(body)
    result = await run_in_threadpool(
        container.enrollments.enroll, principal, aid, iid, data, enrollment_id=body.id
    )
    return _answer(result, response)


@router.get(
    "/associations/{aid}/interventions/{iid}/enrollments", response_model=list[EnrollmentSummary]
)
def list_enrollments(
    aid: AssociationId,
    iid: InterventionId,
    principal: PrincipalDep,
    container: ContainerDep,
    status: Literal["open", "exited", "all"] = "all",
) -> list[EnrollmentSummary]:
    """The intervention's enrollments (pseudonymous, coaches only)."""
    rows = container.queries.enrollments(principal, aid, iid, status)
    return [summary(r["enrollment_id"], r["version"], _facts_view(r)) for r in rows]


@router.get("/enrollments/{eid}", response_model=EnrollmentDetail)
def read_enrollment(
    eid: UUID, principal: PrincipalDep, container: ContainerDep, response: Response
) -> EnrollmentDetail:
    """An enrollment's state, version and event history."""
    enrollment = container.enrollments.load(eid)
    f = enrollment.facts
    require_enrollment(principal, f, write=False)
    response.headers["ETag"] = f'"{enrollment.version}"'
    return _detail(container, enrollment)


def _detail(container: Any, enrollment: Enrollment) -> EnrollmentDetail:
    f = enrollment.facts
    events = [
        EventPublic(
            version=e.originator_version,
            type=type(e).__name__,
            recorded_at=e.timestamp,
            recorded_by=e.recorded_by,
            data={k: v for k, v in e.__dict__.items() if k not in _HIDDEN},
        )
        for e in container.store.events.get(enrollment.id)
    ]
    view = {name: getattr(f, name) for name in f.__dataclass_fields__}
    return EnrollmentDetail(
        id=str(enrollment.id), association_id=f.association_id,
        intervention_id=f.intervention_id, version=enrollment.version, voided=f.voided,
        state=summary(str(enrollment.id), enrollment.version, view), events=events,
    )  # fmt: skip


def _facts_view(row: dict[str, Any]) -> dict[str, Any]:
    view = dict(row)
    for name in ("support_at_enrollment", "current_support"):
        view[name] = [c for c in (row[name] or "").split(",") if c]
    return view


def _event_route(path: str, schema: type, command: str, doc: str) -> None:
    async def endpoint(
        eid: UUID,
        body: Any,
        principal: PrincipalDep,
        container: ContainerDep,
        response: Response,
        if_match: IfMatchDep,
        idempotency_key: IdempotencyKeyDep = None,
    ) -> WriteResult:
        handler = getattr(container.enrollments, command)
        result = await run_in_threadpool(
            handler, principal, eid, command_body(body), idempotency_key=idempotency_key,
            if_match=if_match,
        )  # fmt: skip
        return _answer(result, response)

    endpoint.__annotations__["body"] = schema
    endpoint.__doc__ = doc
    endpoint.__name__ = command
    router.post(
        f"/enrollments/{{eid}}/{path}",
        response_model=WriteResult,
        status_code=CREATED,
        responses={
            **created_or_replayed(WriteResult, "Replayed (same Idempotency-Key)"),
            **problem_responses(412),
        },
    )(endpoint)


_event_route("support-changes", SupportChange, "change_support", "Försörjningsändring.")
_event_route("exit", ExitCreate, "record_exit", "Avslut.")
_event_route("exit-retraction", Reason, "retract_exit", "Undo the last exit.")
_event_route("corrections", Correction, "correct", "Rättelse of enrollment or exit fields.")
_event_route("voiding", Reason, "void", "Makulering: the enrollment leaves every statistic.")
