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
from service.domain.ids import report_uuid
from service.domain.intervention import Intervention
from service.domain.principal import Principal

_KINDS = frozenset({"anonymous", "activity"})


class CountReportCommands:
    """Writes of count reports; an Idempotency-Key names the report."""

    def __init__(
        self,
        store: EventStore,
        today: Callable[[], date],
        intervention: Callable[[str, str], Intervention],
    ) -> None:
        self.store = store
        self.today = today
        self.intervention = intervention

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
            report_id = report_uuid(association_id, kind, idempotency_key)
            # A replay answers as the first time, before today's rules: a report accepted
            # then stays accepted (as an enrollment replays after its intervention closed).
            if self._replayed(report_id, request_hash, idempotency_key):
                return str(report_id), False
        intervention_rules()
        report = factory(
            report_id,
            today=self.today(),
            recorded_by=principal.key_id,
            request_hash=request_hash,
            **fields,
        )
        others = [
            report_uuid(association_id, other, idempotency_key)
            for other in sorted(_KINDS - {kind})
            if idempotency_key is not None
        ]
        try:
            with unit_of_work(self.store) as session:
                # Under the writers' lock, so two requests with one key, one of each kind,
                # cannot both find the other's id free.
                lock_event_table(session)
                if existing_ids(session, others):
                    raise IdempotencyConflictError(
                        f"idempotency key {idempotency_key!r} was used before for another "
                        "kind of report"
                    )
                record_events(session, self.store, report.collect_events())
        except WriteConflictError:
            raise IdempotencyConflictError("the same idempotency key is in use right now") from None
        return str(report_id), True

    def _replayed(self, report_id: UUID, request_hash: str, idempotency_key: str) -> bool:
        """True when this key made this report before; 409 when it made another."""
        try:
            existing: Any = self.store.repository.get(report_id)
        except AggregateNotFoundError:
            return False
        if not isinstance(existing, AnonymousParticipantsReport | Activity):
            raise IdempotencyConflictError(f"the id {report_id} is already in use")
        if existing.request_hash != request_hash:
            raise IdempotencyConflictError(
                f"idempotency key {idempotency_key!r} was used before with another body"
            )
        return True
