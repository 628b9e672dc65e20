"""The Enrollment aggregate: one participant's journey through one intervention.

Each event knows how it changes an enrollment's `EnrollmentFacts` (`evolve`); the aggregate
and the projection both use that one function, so the read model cannot drift from the
write side.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from service.domain.errors import ConflictError, IdempotencyConflictError, InvalidValueError
from service.domain.facts import EnrollmentFacts
from service.domain.rules import (
    check_enrollment_fields,
    check_exit_fields,
    require_not_future,
    require_support,
)

ENROLLMENT_FIELDS = (
    "pseudonym", "enrolled_on", "sex", "birth_year", "education", "municipality", "support",
    "months_on_public_support", "months_without_work_or_studies",
)  # fmt: skip
EXIT_FIELDS = ("exited_on", "reason", "support_at_exit", "progressed")
# What every enrollment and exit has: a correction may change these, never remove them.
REQUIRED_FIELDS = (
    "pseudonym", "enrolled_on", "sex", "birth_year", "education", "support", "exited_on",
    "reason",
)  # fmt: skip


def _support(codes: Any) -> frozenset[str]:
    return frozenset(codes or ())


def _with_exit(facts: EnrollmentFacts, exit_fields: dict[str, Any]) -> EnrollmentFacts:
    given = exit_fields.get("support_at_exit")
    given_set = None if given is None else _support(given)
    return replace(
        facts,
        exited_on=exit_fields["exited_on"],
        exit_reason=exit_fields["reason"],
        exit_support_given=given_set,
        support_at_exit=given_set if given_set is not None else facts.current_support,
        progressed=exit_fields.get("progressed"),
    )


def exit_fields_of(facts: EnrollmentFacts) -> dict[str, Any]:
    """The exit as its fields, for validating a correction."""
    given = facts.exit_support_given
    return {
        "exited_on": facts.exited_on,
        "reason": facts.exit_reason,
        "support_at_exit": None if given is None else sorted(given),
        "progressed": facts.progressed,
    }


def enrollment_fields_of(facts: EnrollmentFacts) -> dict[str, Any]:
    """The Enrolled fields as they stand after corrections."""
    return {
        "pseudonym": facts.pseudonym,
        "enrolled_on": facts.enrolled_on,
        "sex": facts.sex,
        "birth_year": facts.birth_year,
        "education": facts.education,
        "municipality": facts.municipality,
        "support": sorted(facts.support_at_enrollment),
        "months_on_public_support": facts.months_on_public_support,
        "months_without_work_or_studies": facts.months_without_work_or_studies,
    }


class Enrollment(Aggregate):
    """An enrollment (inskrivning) and everything recorded about it."""

    facts: EnrollmentFacts
    request_hashes: dict[str, tuple[str, int]]
    created_hash: str | None
    # The date of the latest support change: changes come in date order, so the latest
    # recorded is the support in force (at the exit too).
    support_changed_on: date | None
    first_support_change_on: date | None

    class Event(Aggregate.Event):
        """Every enrollment event records who wrote it and the client's idempotency key."""

        recorded_by: str
        client_event_id: str | None
        request_hash: str | None

        def evolve(self, facts: EnrollmentFacts) -> EnrollmentFacts:
            """The facts after this event."""
            raise NotImplementedError

        def apply(self, aggregate: Enrollment) -> None:
            aggregate.facts = self.evolve(aggregate.facts)
            if self.client_event_id is not None:
                aggregate.request_hashes[self.client_event_id] = (
                    self.request_hash or "",
                    self.originator_version,
                )

    class Enrolled(Event, Aggregate.Created):
        """Inskrivning."""

        association_id: str
        intervention_id: str
        fields: dict[str, Any]

        def evolve(self, facts: EnrollmentFacts | None) -> EnrollmentFacts:
            f = self.fields
            support = _support(f["support"])
            return EnrollmentFacts(
                enrollment_id=str(self.originator_id),
                association_id=self.association_id,
                intervention_id=self.intervention_id,
                pseudonym=f["pseudonym"],
                sex=f["sex"],
                birth_year=f["birth_year"],
                education=f["education"],
                municipality=f.get("municipality"),
                enrolled_on=f["enrolled_on"],
                support_at_enrollment=support,
                months_on_public_support=f.get("months_on_public_support"),
                months_without_work_or_studies=f.get("months_without_work_or_studies"),
                current_support=support,
            )

        def apply(self, aggregate: Enrollment) -> None:
            aggregate.request_hashes = {}
            aggregate.created_hash = self.request_hash
            aggregate.support_changed_on = None
            aggregate.first_support_change_on = None
            aggregate.facts = None  # type: ignore[assignment]
            super().apply(aggregate)

    class SupportChanged(Event):
        """Försörjningsändring."""

        changed_on: date
        support: list[str]

        def apply(self, aggregate: Enrollment) -> None:
            super().apply(aggregate)
            aggregate.support_changed_on = self.changed_on
            if aggregate.first_support_change_on is None:
                aggregate.first_support_change_on = self.changed_on

        def evolve(self, facts: EnrollmentFacts) -> EnrollmentFacts:
            support = _support(self.support)
            changed = replace(facts, support_change=support, current_support=support)
            if facts.exited_on is not None and facts.exit_support_given is None:
                # Recorded after the exit but dated before it: the support in force at
                # the exit, which an exit without support_at_exit reports, has changed.
                changed = replace(changed, support_at_exit=support)
            return changed

    class Exited(Event):
        """Avslut."""

        exit: dict[str, Any]

        def evolve(self, facts: EnrollmentFacts) -> EnrollmentFacts:
            return _with_exit(facts, self.exit)

    class ExitRetracted(Event):
        """The last exit was registered in error; the enrollment is open again."""

        why: str

        def evolve(self, facts: EnrollmentFacts) -> EnrollmentFacts:
            return replace(
                facts, exited_on=None, exit_reason=None, support_at_exit=None,
                exit_support_given=None, progressed=None,
            )  # fmt: skip

    class Corrected(Event):
        """Rättelse of enrollment and exit fields."""

        changes: dict[str, Any]

        def evolve(self, facts: EnrollmentFacts) -> EnrollmentFacts:
            enrolled = {**enrollment_fields_of(facts), **_only(self.changes, ENROLLMENT_FIELDS)}
            support = _support(enrolled["support"])
            current = facts.support_change if facts.support_change is not None else support
            corrected = replace(
                facts,
                pseudonym=enrolled["pseudonym"],
                enrolled_on=enrolled["enrolled_on"],
                sex=enrolled["sex"],
                birth_year=enrolled["birth_year"],
                education=enrolled["education"],
                municipality=enrolled["municipality"],
                support_at_enrollment=support,
                months_on_public_support=enrolled["months_on_public_support"],
                months_without_work_or_studies=enrolled["months_without_work_or_studies"],
                current_support=current,
            )
            if facts.exited_on is None:
                return corrected
            return _with_exit(
                corrected, {**exit_fields_of(facts), **_only(self.changes, EXIT_FIELDS)}
            )

    class Voided(Event):
        """Makulering: registered in error; leaves every statistic."""

        why: str

        def evolve(self, facts: EnrollmentFacts) -> EnrollmentFacts:
            return replace(facts, voided=True)

    def __init__(self) -> None:
        """State is set by the Enrolled event (see Enrolled.apply)."""

    @classmethod
    def enroll(
        cls, enrollment_id: UUID, *, association_id: str, intervention_id: str,
        fields: dict[str, Any], today: date, recorded_by: str, request_hash: str | None,
        client_event_id: str | None = None,
    ) -> Enrollment.Enrolled:  # fmt: skip
        """Inskrivning: the event that starts an enrollment, once its fields obey the rules
        (the intervention's own rules are checked by the caller).

        An event, not an aggregate: a new enrollment has no history to check, so writers
        store the event as it is — an import thousands at a time, without building an
        aggregate for each. `started_by` builds the aggregate where one is wanted.
        """
        check_enrollment_fields(fields, today)
        attributes: dict[str, Any] = {
            "originator_id": enrollment_id, "originator_version": cls.INITIAL_VERSION,
            "timestamp": cls.Enrolled.create_timestamp(), "originator_topic": _TOPIC,
            "recorded_by": recorded_by, "client_event_id": client_event_id,
            "request_hash": request_hash, "association_id": association_id,
            "intervention_id": intervention_id, "fields": fields,
        }  # fmt: skip
        return cls.Enrolled(**attributes)

    @classmethod
    def started_by(cls, enrolled: Enrollment.Enrolled) -> Enrollment:
        """The new enrollment of an `enroll` event, the event pending (as `_create` leaves it)."""
        enrollment = enrolled.mutate(None)
        assert isinstance(enrollment, cls)
        enrollment._pending_events.append(enrolled)
        return enrollment

    def replayed_version(
        self, client_event_id: str | None, request_hash: str, earlier_hash: str | None = None
    ) -> int | None:
        """The version an earlier identical request produced, or None for a new request.

        `earlier_hash` is the same request's fingerprint as an older release made it.
        """
        if client_event_id is None or client_event_id not in self.request_hashes:
            return None
        first_hash, version = self.request_hashes[client_event_id]
        if first_hash not in (request_hash, earlier_hash):
            raise IdempotencyConflictError(
                f"idempotency key {client_event_id!r} was used before with another body"
            )
        return version

    def change_support(
        self, changed_on: date, support: list[str], *, today: date, **meta: Any
    ) -> None:
        """Record a new set of support codes."""
        self._require_live()
        require_support("support", support)
        require_not_future("changed_on", changed_on, today)
        if changed_on < self.facts.enrolled_on:
            raise InvalidValueError("changed_on", "changed_on is before enrolled_on")
        if self.facts.exited_on is not None and changed_on > self.facts.exited_on:
            raise InvalidValueError("changed_on", "changed_on is after the exit")
        last = self.support_changed_on
        if last is not None and changed_on < last:
            raise InvalidValueError(
                "changed_on", f"changed_on is before the last support change ({last})"
            )
        self.trigger_event(
            self.SupportChanged, changed_on=changed_on, support=sorted(support), **meta
        )

    def record_exit(self, exit_fields: dict[str, Any], *, today: date, **meta: Any) -> None:
        """Avslut: exactly one open exit."""
        self._require_live()
        if self.facts.exited_on is not None:
            raise ConflictError("the enrollment has already exited; retract that exit first")
        check_exit_fields(exit_fields, self.facts.enrolled_on, today)
        self._require_exit_after_support_changes(exit_fields["exited_on"])
        self.trigger_event(self.Exited, exit=exit_fields, **meta)

    def retract_exit(self, why: str, **meta: Any) -> None:
        """Undo the last exit."""
        self._require_live()
        if self.facts.exited_on is None:
            raise ConflictError("the enrollment has no exit to retract")
        self.trigger_event(self.ExitRetracted, why=why, **meta)

    def correct(self, changes: dict[str, Any], *, today: date, **meta: Any) -> None:
        """Rättelse: the result must obey the same rules as the original."""
        self._require_live()
        if not changes:  # an empty rättelse would be a new version that changes nothing
            raise InvalidValueError(
                "body",
                "nothing to correct; name at least one of: "
                + ", ".join(ENROLLMENT_FIELDS + EXIT_FIELDS),
            )
        for name in REQUIRED_FIELDS:
            if name in changes and changes[name] is None:
                raise InvalidValueError(name, f"{name} cannot be removed; send the right value")
        exit_changes = _only(changes, EXIT_FIELDS)
        if exit_changes and self.facts.exited_on is None:
            field = next(iter(exit_changes))
            raise InvalidValueError(
                field, f"{field} cannot be corrected: the enrollment has no exit"
            )
        enrolled = {**enrollment_fields_of(self.facts), **_only(changes, ENROLLMENT_FIELDS)}
        check_enrollment_fields(enrolled, today)
        first_change = self.first_support_change_on
        if first_change is not None and enrolled["enrolled_on"] > first_change:
            raise InvalidValueError(
                "enrolled_on", f"enrolled_on is after a support change ({first_change})"
            )
        if self.facts.exited_on is not None:
            exit_fields = {**exit_fields_of(self.facts), **exit_changes}
            check_exit_fields(exit_fields, enrolled["enrolled_on"], today)
            self._require_exit_after_support_changes(exit_fields["exited_on"])
        self.trigger_event(self.Corrected, changes=changes, **meta)

    def void(self, why: str, **meta: Any) -> None:
        """Makulera: no later event is accepted."""
        self._require_live()
        self.trigger_event(self.Voided, why=why, **meta)

    def _require_exit_after_support_changes(self, exited_on: date) -> None:
        """Support recorded after the exit would otherwise become the support at exit."""
        last_change = self.support_changed_on
        if last_change is not None and exited_on < last_change:
            raise InvalidValueError(
                "exited_on", f"exited_on is before a support change ({last_change})"
            )

    def _require_live(self) -> None:
        if self.facts.voided:
            raise ConflictError("the enrollment is voided; no later event is accepted")


def _only(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in names}


_TOPIC = get_topic(Enrollment)
