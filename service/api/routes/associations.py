"""Associations, API keys, interventions and finances (association administration)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Response

from service.api.answers import CREATED, created_or_replayed, write_status
from service.api.deps import AssociationId, ContainerDep, InterventionId, KeyId, PrincipalDep
from service.api.errors import WRITE_PROBLEMS
from service.api.schemas.admin import (
    ApiKeyCreate,
    ApiKeyCreated,
    AssociationCreate,
    AssociationPatch,
    AssociationPublic,
    Finances,
    InterventionCreate,
    InterventionPublic,
)
from service.application.access import require_association
from service.domain.codes import Role

router = APIRouter(tags=["administration"])


def _public(association: Any) -> AssociationPublic:
    return AssociationPublic(
        id=association.slug, name=association.name, settings=association.settings
    )


def _settings(body: AssociationCreate | AssociationPatch) -> dict[str, Any]:
    return body.settings.model_dump(exclude_none=True, mode="json") if body.settings else {}


@router.post(
    "/associations",
    status_code=CREATED,
    response_model=AssociationPublic,
    responses=created_or_replayed(AssociationPublic, "Already created"),
)
def create_association(
    body: AssociationCreate, principal: PrincipalDep, container: ContainerDep, response: Response
) -> AssociationPublic:
    """Create an association (system_admin); an identical repeat answers 200."""
    association, created = container.admin.create_association(
        principal, body.id, body.name, _settings(body)
    )
    response.status_code = write_status(created)
    return _public(association)


@router.get("/associations/{aid}", response_model=AssociationPublic)
def read_association(
    aid: AssociationId, principal: PrincipalDep, container: ContainerDep
) -> AssociationPublic:
    """The association's name and settings."""
    require_association(
        principal, aid, write=False, roles=(Role.ASSOCIATION_ADMIN, Role.SYSTEM_ADMIN)
    )
    return _public(container.admin.association(aid))


@router.patch("/associations/{aid}", response_model=AssociationPublic, responses=WRITE_PROBLEMS)
def change_association(
    aid: AssociationId, body: AssociationPatch, principal: PrincipalDep, container: ContainerDep
) -> AssociationPublic:
    """Change the name or settings; later answers use them (as_of uses those then in force).

    Only a system key (the operator, for the controller) changes `min_cell_size` (0–50):
    403 for an association admin's change."""
    return _public(container.admin.change_association(principal, aid, body.name, _settings(body)))


@router.post(
    "/associations/{aid}/api-keys",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=WRITE_PROBLEMS,
)
def create_api_key(
    aid: AssociationId, body: ApiKeyCreate, principal: PrincipalDep, container: ContainerDep
) -> ApiKeyCreated:
    """Issue a key; the key is shown only in this answer."""
    key_id, key = container.admin.create_key(
        principal, aid, body.name, body.role, body.interventions
    )
    return ApiKeyCreated(
        id=key_id,
        key=key,
        name=body.name,
        role=body.role,
        interventions=sorted(body.interventions),
    )


@router.delete("/associations/{aid}/api-keys/{kid}", status_code=204)
def revoke_api_key(
    aid: AssociationId, kid: KeyId, principal: PrincipalDep, container: ContainerDep
) -> Response:
    """Revoke a key at once."""
    container.admin.revoke_key(principal, aid, kid)
    return Response(status_code=204)


@router.post(
    "/associations/{aid}/interventions",
    status_code=CREATED,
    response_model=InterventionPublic,
    responses=created_or_replayed(InterventionPublic, "Already registered"),
)
def register_intervention(
    aid: AssociationId,
    body: InterventionCreate,
    principal: PrincipalDep,
    container: ContainerDep,
    response: Response,
) -> InterventionPublic:
    """Register an intervention; an identical repeat answers 200."""
    intervention, created = container.admin.register_intervention(
        principal, aid, body.model_dump(mode="python") | {"kind": body.kind.value}
    )
    response.status_code = write_status(created)
    return InterventionPublic(
        id=intervention.slug,
        name=intervention.name,
        kind=intervention.kind,
        starts_on=intervention.starts_on,
        ends_on=intervention.ends_on,
        closed_on=intervention.closed_on,
    )


@router.get("/associations/{aid}/interventions", response_model=list[InterventionPublic])
def list_interventions(
    aid: AssociationId, principal: PrincipalDep, container: ContainerDep
) -> list[InterventionPublic]:
    """The association's interventions."""
    rows = container.queries.interventions(principal, aid)
    if not rows:
        container.admin.association(aid)  # 404 for one that does not exist (system keys)
    return [
        InterventionPublic(
            id=r["intervention_id"],
            name=r["name"],
            kind=r["kind"],
            starts_on=r["starts_on"],
            ends_on=r["ends_on"],
            closed_on=r["closed_on"],
        )
        for r in rows
    ]


@router.put("/associations/{aid}/interventions/{iid}/finances/{year}", responses=WRITE_PROBLEMS)
def put_finances(
    aid: AssociationId,
    iid: InterventionId,
    body: Finances,
    principal: PrincipalDep,
    container: ContainerDep,
    year: int = Path(ge=2000, le=2100),
) -> dict[str, Any]:
    """Set the year's budget and cost (for cost per participant)."""
    container.admin.record_finances(principal, aid, iid, year, body.budget_sek, body.cost_sek)
    return {"intervention": iid, "year": year, **body.model_dump()}
