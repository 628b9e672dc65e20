"""The association admin's view of accountability: the audit log and the protocol of
gallring and erasure (product.md §12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from service.adapters.audit_log import PAGE_SIZE
from service.api.deps import AssociationId, ContainerDep, PrincipalDep
from service.api.schemas.accountability import AuditEntryPublic, AuditPage, ProtocolEntry
from service.api.schemas.common import IsoDate

router = APIRouter(tags=["accountability"])
_KEY_ID = r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"


def _midnight(day: date | None, *, after: bool = False) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1) if after else day, time(), tzinfo=UTC)


@router.get("/associations/{aid}/audit", response_model=AuditPage)
def audit_log(
    aid: AssociationId,
    principal: PrincipalDep,
    container: ContainerDep,
    from_: Annotated[IsoDate | None, Query(alias="from", description="First day (UTC)")] = None,
    to: Annotated[IsoDate | None, Query(description="Last day (UTC), included")] = None,
    key: Annotated[str | None, Query(pattern=_KEY_ID, description="A key's id")] = None,
    action: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"^[A-Za-z0-9 /{}:._-]+$",
            description="Method and route, as in the entries: `GET /api/v1/...`",
        ),
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> AuditPage:
    """The association's audit log (association_admin), oldest first, PAGE_SIZE a page."""
    rows = container.audit.log(
        principal, aid, start=_midnight(from_), end=_midnight(to, after=True),
        key_id=key, action=action, page=page,
    )  # fmt: skip
    return AuditPage(
        page=page, page_size=PAGE_SIZE, entries=[AuditEntryPublic(**row) for row in rows]
    )


@router.get("/associations/{aid}/accountability-protocol", response_model=list[ProtocolEntry])
def accountability_protocol(
    aid: AssociationId, principal: PrincipalDep, container: ContainerDep
) -> list[ProtocolEntry]:
    """The gallringsprotokoll and the record of erasures (association_admin)."""
    rows = container.audit.protocol(principal, aid)
    return [ProtocolEntry(**row) for row in rows]
