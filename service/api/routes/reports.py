"""Count reports, statistics and the annual export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from service.api.answers import CREATED, created_or_replayed, write_status
from service.api.deps import AssociationId, ContainerDep, IdempotencyKeyDep, PrincipalDep
from service.api.schemas.common import SLUG_PATTERN, IsoDate, IsoDateTime
from service.api.schemas.enrollments import ActivityCreate, AnonymousParticipants, Created
from service.api.schemas.statistics import StatisticsAnswer
from service.application.access import require_association
from service.application.queries import READERS
from service.domain.errors import InvalidValueError
from service.domain.facts import Period

router = APIRouter(tags=["statistics"])


@router.post(
    "/associations/{aid}/anonymous-participants",
    status_code=CREATED,
    response_model=Created,
    responses=created_or_replayed(Created, "Replayed (same Idempotency-Key)"),
)
def report_anonymous(
    aid: AssociationId,
    body: AnonymousParticipants,
    principal: PrincipalDep,
    container: ContainerDep,
    response: Response,
    idempotency_key: IdempotencyKeyDep = None,
) -> Created:
    """Counts of anonymous participants over a period."""
    data = body.model_dump(by_alias=True)
    report_id, created = container.count_reports.report_anonymous(
        principal, aid, data, idempotency_key
    )
    response.status_code = write_status(created)
    return Created(id=report_id)


@router.post(
    "/associations/{aid}/activities",
    status_code=CREATED,
    response_model=Created,
    responses=created_or_replayed(Created, "Replayed (same Idempotency-Key)"),
)
def hold_activity(
    aid: AssociationId,
    body: ActivityCreate,
    principal: PrincipalDep,
    container: ContainerDep,
    response: Response,
    idempotency_key: IdempotencyKeyDep = None,
) -> Created:
    """A structural activity and its participants by organisation."""
    activity_id, created = container.count_reports.hold_activity(
        principal, aid, body.model_dump(), idempotency_key
    )
    response.status_code = write_status(created)
    return Created(id=activity_id)


def period_of(year: int | None, start: date | None, end: date | None) -> Period:
    """`year=` or `from=&to=`, never both."""
    if year is not None:
        if start is not None or end is not None:
            raise InvalidValueError("year", "give either year or from and to, not both")
        return Period.year(year)
    if start is None or end is None:
        raise InvalidValueError("from", "give year, or both from and to")
    return Period.checked(start, end)


Year = Annotated[int | None, Query(ge=2000, le=2100)]
From = Annotated[IsoDate | None, Query(alias="from")]
AsOf = Annotated[IsoDateTime | None, Query(description="Only events recorded up to this instant")]


# The answer is already JSON-ready: it is serialised once, in Rust, instead of validated,
# dumped and encoded again by FastAPI (≈ 10 ms for an association of 25 interventions).
@router.get("/associations/{aid}/statistics", response_model=StatisticsAnswer)
def statistics(
    aid: AssociationId,
    principal: PrincipalDep,
    container: ContainerDep,
    year: Year = None,
    from_: From = None,
    to: Annotated[IsoDate | None, Query()] = None,
    intervention: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
    as_of: AsOf = None,
) -> Response:
    """The measures per intervention and for the association, with disclosure control.

    Every measure, its definition and the disclosure rule (hidden values, small noise on
    counts) are described in docs/statistics.md; docs/integration.md shows how to call it.
    """
    period = period_of(year, from_, to)
    answer = container.queries.statistics_json(
        principal, aid, period, intervention=intervention, as_of=as_of
    )
    return Response(answer, media_type="application/json")


_FILE = {"schema": {"type": "string", "format": "binary"}}
_EXPORT_CONTENT = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _FILE,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _FILE,
    "application/zip": _FILE,
    "application/json": {"schema": {"type": "object"}},
    "text/html": {"schema": {"type": "string"}},
}


@router.get(
    "/associations/{aid}/reports/annual/{year}",
    responses={200: {"description": "The export, as an attachment", "content": _EXPORT_CONTENT}},
)
def annual_report(
    aid: AssociationId,
    principal: PrincipalDep,
    container: ContainerDep,
    year: int = Path(ge=2000, le=2100),
    format: Literal["xlsx", "docx", "csv", "json", "html"] = "xlsx",
    as_of: AsOf = None,
) -> Response:
    """The annual export (årsredovisning) in the chosen format."""
    require_association(principal, aid, write=False, roles=READERS)
    content, media_type, extension = container.annual_exports.export(aid, year, format, as_of)
    filename = f"uppfoljning-{aid}-{year}.{extension}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
