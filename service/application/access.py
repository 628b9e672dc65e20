"""Object-level authorization (OWASP API1): who may read or write what.

Across tenants a read answers 404 and a write 403, so a key learns nothing of another
association's objects.
"""

from __future__ import annotations

from service.adapters.keys import Principal
from service.domain.codes import Role
from service.domain.errors import ForbiddenError, NotFoundError


def _deny(write: bool, what: str) -> Exception:
    return (
        ForbiddenError(f"this key may not change {what}")
        if write
        else NotFoundError(f"{what} was not found")
    )


def require_role(principal: Principal, *roles: Role) -> None:
    """The key must have one of `roles`."""
    if principal.role not in {r.value for r in roles}:
        allowed = ", ".join(r.value for r in roles)
        raise ForbiddenError(f"this needs a key with role {allowed}; this key is {principal.role}")


def require_association(
    principal: Principal, association_id: str, *, write: bool, roles: tuple[Role, ...]
) -> None:
    """The key must belong to the association (system keys may manage any) and fit `roles`."""
    if principal.role == Role.SYSTEM_ADMIN and Role.SYSTEM_ADMIN in roles:
        return
    if principal.association_id != association_id:
        raise _deny(write, f"association {association_id!r}")
    require_role(principal, *roles)


def require_intervention(
    principal: Principal, association_id: str, intervention_id: str, *, write: bool
) -> None:
    """A coach reaches only the interventions listed on its key."""
    require_association(principal, association_id, write=write, roles=(Role.COACH,))
    if intervention_id not in principal.interventions:
        raise _deny(write, f"intervention {intervention_id!r}")
