"""Association administration: associations, interventions, keys and finances."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from service.adapters import keys
from service.adapters.eventstore import EventStore, latest_version, read_session, unit_of_work
from service.application.access import require_association, require_role
from service.domain.association import Association
from service.domain.codes import Role
from service.domain.errors import (
    AlreadyExistsError,
    ForbiddenError,
    InvalidValueError,
    NotFoundError,
    WriteConflictError,
)
from service.domain.ids import AggregateIds
from service.domain.intervention import Intervention
from service.domain.principal import Principal

ADMINS = (Role.ASSOCIATION_ADMIN, Role.SYSTEM_ADMIN)

# Interventions kept for reading (a few thousand in a national installation at most).
_READ_CACHE_LIMIT = 10_000


class AdminCommands:
    """Writes of association and system administrators."""

    def __init__(self, store: EventStore, today: Callable[[], date], ids: AggregateIds) -> None:
        self.store = store
        self.today = today
        self.ids = ids
        self._for_reading: dict[UUID, Intervention] = {}

    def create_association(
        self, principal: Principal, slug: str, name: str, settings: dict[str, Any]
    ) -> tuple[Association, bool]:
        """Create an association; an identical repeat returns the existing one (not new)."""
        require_role(principal, Role.SYSTEM_ADMIN)
        association = Association.create(
            self.ids.association(slug),
            slug=slug,
            name=name,
            settings=settings,
            recorded_by=principal.key_id,
        )
        try:
            existing = self.association(slug)
        except NotFoundError:
            self._save_new(association, f"association {slug!r}")
            return association, True
        if existing.name == name and existing.settings == association.settings:
            return existing, False
        raise AlreadyExistsError(f"association {slug!r} exists already with other contents")

    def association(self, slug: str) -> Association:
        """The association aggregate, or NotFoundError."""
        try:
            found: object = self.store.repository.get(self.ids.association(slug))
        except AggregateNotFoundError:
            raise NotFoundError(f"association {slug!r} was not found") from None
        if not isinstance(found, Association):  # the id is another aggregate's: no such association
            raise NotFoundError(f"association {slug!r} was not found")
        return found

    def change_association(
        self, principal: Principal, slug: str, name: str | None, settings: dict[str, Any]
    ) -> Association:
        """Change name or settings; an event, so as_of answers see the rules then in force."""
        require_association(principal, slug, write=True, roles=ADMINS)
        association = self.association(slug)
        _require_may_change_protection(principal, association.settings, settings)
        if association.change(name=name, settings=settings, recorded_by=principal.key_id):
            self._save_new(association, f"association {slug!r}")
        return association

    def register_intervention(
        self, principal: Principal, association_id: str, fields: dict[str, Any]
    ) -> tuple[Intervention, bool]:
        """Register an intervention; an identical repeat returns the existing one."""
        require_association(principal, association_id, write=True, roles=(Role.ASSOCIATION_ADMIN,))
        self.association(association_id)
        slug = fields["id"]
        details = {k: v for k, v in fields.items() if k != "id"}
        intervention = Intervention.register(
            self.ids.intervention(association_id, slug), association_id=association_id,
            slug=slug, recorded_by=principal.key_id, **details,
        )  # fmt: skip
        try:
            existing = self.intervention(association_id, slug)
        except NotFoundError:
            self._save_new(intervention, f"intervention {slug!r}")
            return intervention, True
        if existing.same_registration(details):
            return existing, False
        raise AlreadyExistsError(f"intervention {slug!r} exists already with other contents")

    def intervention(self, association_id: str, slug: str) -> Intervention:
        """The intervention aggregate, or NotFoundError."""
        try:
            found: object = self.store.repository.get(self.ids.intervention(association_id, slug))
        except AggregateNotFoundError:
            raise NotFoundError(f"intervention {slug!r} was not found") from None
        if not isinstance(
            found, Intervention
        ):  # the id is another aggregate's: no such intervention
            raise NotFoundError(f"intervention {slug!r} was not found")
        return found

    def intervention_for_reading(self, association_id: str, slug: str) -> Intervention:
        """The intervention as last recorded, for checks that do not change it.

        Every enrollment write checks its intervention; replaying it each time costs more
        than the write. The copy kept here is used only while its version is still the
        newest stored one (one indexed read), so a change by any process is seen at once.
        Callers must not change the returned aggregate.
        """
        intervention_id = self.ids.intervention(association_id, slug)
        kept = self._for_reading.get(intervention_id)
        if kept is not None and kept.version == latest_version(self.store, intervention_id):
            return kept
        found = self.intervention(association_id, slug)
        if len(self._for_reading) >= _READ_CACHE_LIMIT:
            self._for_reading.clear()
        self._for_reading[intervention_id] = found
        return found

    def close_intervention(
        self, principal: Principal, association_id: str, slug: str, closed_on: date
    ) -> Intervention:
        """Close an intervention (InterventionClosed): no enrollment after `closed_on`."""
        require_association(principal, association_id, write=True, roles=(Role.ASSOCIATION_ADMIN,))
        intervention = self.intervention(association_id, slug)
        intervention.close(closed_on, recorded_by=principal.key_id)
        self._save_new(intervention, f"intervention {slug!r}")
        return intervention

    def record_finances(
        self,
        principal: Principal,
        association_id: str,
        slug: str,
        year: int,
        budget_sek: int | None,
        cost_sek: int | None,
    ) -> Intervention:
        """Set an intervention's budget and cost for a year (PUT: idempotent)."""
        require_association(principal, association_id, write=True, roles=(Role.ASSOCIATION_ADMIN,))
        if not 2000 <= year <= self.today().year + 1:
            raise InvalidValueError("year", f"year must be from 2000 to {self.today().year + 1}")
        intervention = self.intervention(association_id, slug)
        if intervention.record_finances(year, budget_sek, cost_sek, recorded_by=principal.key_id):
            self._save_new(intervention, f"intervention {slug!r}")
        return intervention

    def create_key(
        self,
        principal: Principal,
        association_id: str,
        name: str,
        role: str,
        interventions: list[str],
    ) -> tuple[str, str]:
        """Issue a key of the association; returns (id, key). The key is shown only now."""
        require_association(principal, association_id, write=True, roles=ADMINS)
        self.association(association_id)
        if role == Role.SYSTEM_ADMIN:
            raise InvalidValueError("role", "system keys are made with the CLI only")
        if principal.role == Role.SYSTEM_ADMIN and role != Role.ASSOCIATION_ADMIN:
            # Least privilege (issue 17, finding 9): a system key makes associations and
            # their admin keys; who may write or read an association's data is its admin's call.
            raise ForbiddenError(
                "a system key makes association_admin keys only; "
                "coach and analyst keys are made by the association's admin"
            )
        if role == Role.COACH:
            if not interventions:
                raise InvalidValueError("interventions", "a coach key must list its interventions")
            if len(set(interventions)) < len(interventions):
                raise InvalidValueError("interventions", "an intervention is listed twice")
            for index, slug in enumerate(interventions):
                try:
                    self.intervention(association_id, slug)
                except NotFoundError:
                    field = f"interventions.{index}"  # named by place: a 422 echoes no value
                    raise InvalidValueError(
                        field, "no such intervention in this association"
                    ) from None
        elif interventions:
            raise InvalidValueError("interventions", "only coach keys are scoped to interventions")
        with unit_of_work(self.store) as session:
            return keys.create_key(
                session,
                name=name,
                role=role,
                association_id=association_id,
                interventions=interventions,
                created_by=principal.key_id,
            )

    def keys(self, principal: Principal, association_id: str) -> list[dict[str, Any]]:
        """The association's keys (never a secret): for its administrators."""
        require_association(principal, association_id, write=False, roles=ADMINS)
        with read_session(self.store) as session:
            return keys.keys_of(session, association_id)

    def revoke_key(self, principal: Principal, association_id: str, key_id: str) -> None:
        """Revoke a key of the association."""
        require_association(principal, association_id, write=True, roles=ADMINS)
        with unit_of_work(self.store) as session:
            if not keys.revoke_key(session, association_id, key_id):
                raise NotFoundError(f"key {key_id} was not found")

    def _save_new(self, aggregate: Any, what: str) -> None:
        try:
            # In a unit of work (the recorder joins it), so the audit entry commits with it.
            with unit_of_work(self.store):
                self.store.save(aggregate)
        except WriteConflictError:
            raise AlreadyExistsError(f"{what} was changed at the same time; try again") from None


# The refusal of an association admin's change of min_cell_size (the web page finds it).
CHANGE_REFUSED = "min_cell_size may be changed only with the operator's system key"


def _require_may_change_protection(
    principal: Principal, current: dict[str, Any], requested: dict[str, Any]
) -> None:
    """Disclosure control protects participants from the förbund's own keys too (product.md
    §7: the attacker may hold an admin key), so only the operator's system key, acting for
    the controller, changes min_cell_size. Lowering it would let an admin turn control off
    for a moment and read every year through `as_of` at that instant; raising it draws the
    noise from another table, and two answers of the same persons from two tables give
    some counts exactly (decisions.md §41)."""
    wanted = requested.get("min_cell_size")
    if principal.role == Role.SYSTEM_ADMIN.value or wanted is None:
        return
    if wanted != current["min_cell_size"]:
        raise ForbiddenError(CHANGE_REFUSED)
