"""Object-level authorization (OWASP API1): who may read or write what.

Across tenants a read answers 404 and a write 403, so a key learns nothing of another
association's objects.
"""

from __future__ import annotations

from service.domain.codes import Role
from service.domain.errors import ForbiddenError, NotFoundError
from service.domain.facts import EnrollmentFacts
from service.domain.principal import Principal


def _deny(write: bool, what: str) -> Exception:
    return (
        ForbiddenError(f"this key may not change {what}")
        if write
        else NotFoundError(f"{what} was not found")
    )


def require_role(principal: Principal, *roles: Role) -> None:
    """The key must have one of `roles`."""
    # Roles are StrEnum members, equal to their strings: no set of `.value`s to build
    # (each `.value` is a Python-level descriptor call; every write asks this).
    if principal.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise ForbiddenError(f"this needs a key with role {allowed}; this key is {principal.role}")


def require_association(
    principal: Principal,
    association_id: str,
    *,
    write: bool,
    roles: tuple[Role, ...],
    told_as: str | None = None,
) -> None:
    """The key must belong to the association (system keys may manage any) and fit `roles`.
    A refusal names `told_as`, or else the association the caller named."""
    if principal.role == Role.SYSTEM_ADMIN and Role.SYSTEM_ADMIN in roles:
        return
    if principal.association_id != association_id:
        raise _deny(write, told_as or f"association {association_id!r}")
    require_role(principal, *roles)


def require_intervention(
    principal: Principal,
    association_id: str,
    intervention_id: str,
    *,
    write: bool,
    told_as: str | None = None,
) -> None:
    """A coach reaches only the interventions listed on its key."""
    require_association(
        principal, association_id, write=write, roles=(Role.COACH,), told_as=told_as
    )
    if intervention_id not in principal.interventions:
        raise _deny(write, told_as or f"intervention {intervention_id!r}")


def require_enrollment(principal: Principal, facts: EnrollmentFacts, *, write: bool) -> None:
    """A coach reaches an enrollment of its interventions. An enrollment is found by its id
    alone, so a refusal names only that id: a read of another's answers exactly as a read
    of one that does not exist, and neither names the owner."""
    # Another association's enrollment is "not there" for a write too (issue 17, finding 6):
    # a 403 would tell that the id exists somewhere.
    elsewhere = principal.association_id != facts.association_id
    require_intervention(
        principal, facts.association_id, facts.intervention_id, write=write and not elsewhere,
        told_as=f"enrollment {facts.enrollment_id}",
    )  # fmt: skip
