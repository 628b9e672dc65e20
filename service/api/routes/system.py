"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.adapters.database import database_reachable
from service.api.deps import ContainerDep
from service.api.errors import problem

router = APIRouter(tags=["operations"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Not ready"}})
def ready(container: ContainerDep) -> Any:
    """Readiness: the database answers and the read models are caught up within a bound."""
    if not database_reachable(container.engine):
        return problem(503, "the database cannot be reached")
    try:
        lag = container.projector.lag()
    except Exception:
        return problem(503, "the database cannot be reached")
    limit = container.settings.ready_max_lag_events
    if lag > limit:
        return problem(503, f"the read models are {lag} events behind (limit {limit})")
    return JSONResponse({"status": "ready", "projection_lag": lag})
