"""Anonymous participants and structural activities: counts, each its own aggregate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from service.adapters.eventstore import (
    EventStore,
    existing_ids,
    lock_event_table,
    record_events,
    unit_of_work,
)
from service.application.access import require_intervention
from service.application.fingerprint import fingerprint
from service.domain.codes import InterventionKind
from service.domain.count_reports import Activity, AnonymousParticipantsReport
from service.domain.errors import IdempotencyConflictError, InvalidValueError, WriteConflictError
from service.domain.ids import LEGACY_IDS, AggregateIds
from service.domain.intervention import Intervention
from service.domain.principal import Principal

_KINDS: dict[str, type[AnonymousParticipantsReport | Activity]] = {
    "anonymous": AnonymousParticipantsReport,
    "activity": Activity,
}


class CountReportCommands:
    """Writes of count reports; an Idempotency-Key names the report."""

    def __init__(
        self,
        store: EventStore,
        today: Callable[[], date],
        intervention: Callable[[str, str], Intervention],
        ids: AggregateIds,
    ) -> None:
        self.store = store
        self.today = today
        self.intervention = intervention
        self.ids = ids

    def report_anonymous(
        self,
        principal: Principal,
        association_id: str,
        body: dict[str, Any],
        idempotency_key: str | None,
    ) -> tuple[str, bool]:
        """AnonymousParticipantsReported; returns (report id, created)."""
        iid = body["intervention_id"]
        require_intervention(principal, association_id, iid, write=True)
        intervention = self.intervention(association_id, iid)
        fields = {
            "association_id": association_id, "intervention_id": iid,
            "period_start": body["from"], "period_end": body["to"], "female": body["female"],
            "male": body["male"], "unspecified": body["unspecified"],
        }  # fmt: skip
        return self._record(
            AnonymousParticipantsReport.report,
            "anonymous",
            principal,
            fields,
            idempotency_key,
            lambda: intervention.require_running_during(body["from"], body["to"]),
        )

    def hold_activity(
        self,
        principal: Principal,
        association_id: str,
        body: dict[str, Any],
        idempotency_key: str | None,
    ) -> tuple[str, bool]:
        """ActivityHeld; returns (activity id, created)."""
        iid = body["intervention_id"]
        require_intervention(principal, association_id, iid, write=True)
        intervention = self.intervention(association_id, iid)

        def within_intervention() -> None:
            if intervention.kind != InterventionKind.STRUCTURAL:
                raise InvalidValueError(
                    "intervention_id", "activities belong to structural interventions"
                )
            intervention.require_running_on(body["held_on"], "held_on")

        fields = {"association_id": association_id, **body}
        return self._record(
            Activity.hold, "activity", principal, fields, idempotency_key, within_intervention
        )

    def _record(
        self,
        factory: Callable[..., Any],
        kind: str,
        principal: Principal,
        fields: dict[str, Any],
        idempotency_key: str | None,
        intervention_rules: Callable[[], None],
    ) -> tuple[str, bool]:
        association_id = fields["association_id"]
        request_hash = fingerprint(fields)
        if idempotency_key is None:
            report_id = uuid4()
        else:
            report_id = self.ids.report(association_id, kind, idempotency_key)
            # A replay answers as the first time, before today's rules: a report accepted
            # then stays accepted (as an enrollment replays after its intervention closed).
            replayed = self._replayed(
                report_id, association_id, kind, request_hash, idempotency_key
            )
            if replayed is not None:
                return str(replayed), False
        intervention_rules()
        report = factory(
            report_id,
            today=self.today(),
            recorded_by=principal.key_id,
            request_hash=request_hash,
            **fields,
        )
        others = self._other_kinds(association_id, kind, idempotency_key)
        try:
            with unit_of_work(self.store) as session:
                # Under the writers' lock, so two requests with one key, one of each kind,
                # cannot both find the other's id free.
                lock_event_table(session)
                if existing_ids(session, others):
                    raise _used_for_another_kind(idempotency_key)
                record_events(session, self.store, report.collect_events())
        except WriteConflictError:
            raise IdempotencyConflictError("the same idempotency key is in use right now") from None
        return str(report_id), True

    def _replayed(
        self,
        report_id: UUID,
        association_id: str,
        kind: str,
        request_hash: str,
        idempotency_key: str,
    ) -> UUID | None:
        """The id of the report this key made before, if any; 409 when it made another."""
        try:
            existing: Any = self.store.repository.get(report_id)
        except AggregateNotFoundError:
            existing = self._legacy_report(association_id, kind, idempotency_key)
            if existing is None:
                return None
        if not isinstance(existing, _KINDS[kind]):
            raise IdempotencyConflictError(f"the id {report_id} is already in use")
        if existing.request_hash != request_hash:
            raise IdempotencyConflictError(
                f"idempotency key {idempotency_key!r} was used before with another body"
            )
        earlier: UUID = existing.id  # the public namespace's for a report keyed before 0006
        return earlier

    def _other_kinds(self, association_id: str, kind: str, key: str | None) -> list[UUID]:
        """The ids the key would give a report of another kind, to be free under the
        writers' lock; 409 at once when the key made one before migration 0006."""
        if key is None:
            return []
        others = sorted(_KINDS.keys() - {kind})
        if any(self._legacy_report(association_id, other, key) is not None for other in others):
            raise _used_for_another_kind(key)
        return [self.ids.report(association_id, other, key) for other in others]

    def _legacy_report(
        self, association_id: str, kind: str, idempotency_key: str
    ) -> AnonymousParticipantsReport | Activity | None:
        """The report of this kind the key made before migration 0006, under the id the
        public namespace gave it (its id was answered to the client and the key is not
        stored, so it could not be renamed). Whatever else is at that id — an enrollment
        whose client chose it — is no report of this key, and is passed over: a public
        id can be taken by anyone, so it must block nothing. Reports are no longer made
        at such ids, so this finds only what was there before the upgrade."""
        try:
            found: object = self.store.repository.get(
                LEGACY_IDS.report(association_id, kind, idempotency_key)
            )
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, _KINDS[kind]) else None


def _used_for_another_kind(idempotency_key: str | None) -> IdempotencyConflictError:
    return IdempotencyConflictError(
        f"idempotency key {idempotency_key!r} was used before for another kind of report"
    )
