"""Anonymous participants and structural activities: counts, each its own aggregate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy.exc
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError as StoreIntegrityError

from service.adapters.eventstore import EventStore
from service.adapters.keys import Principal
from service.application.access import require_intervention
from service.application.fingerprint import fingerprint
from service.domain.codes import InterventionKind
from service.domain.count_reports import Activity, AnonymousParticipantsReport
from service.domain.errors import IdempotencyConflictError, InvalidValueError
from service.domain.ids import report_uuid
from service.domain.intervention import Intervention

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
        intervention.require_running_during(body["from"], body["to"])
        fields = {
            "association_id": association_id, "intervention_id": iid,
            "period_start": body["from"], "period_end": body["to"], "female": body["female"],
            "male": body["male"], "unspecified": body["unspecified"],
        }  # fmt: skip
        return self._record(
            AnonymousParticipantsReport.report,
            "anonymous",
            principal,
            association_id,
            fields,
            idempotency_key,
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
        if intervention.kind != InterventionKind.STRUCTURAL:
            raise InvalidValueError(
                "intervention_id", "activities belong to structural interventions"
            )
        intervention.require_running_on(body["held_on"], "held_on")
        fields = {"association_id": association_id, **body}
        return self._record(
            Activity.hold, "activity", principal, association_id, fields, idempotency_key
        )

    def _record(
        self,
        factory: Callable[..., Any],
        kind: str,
        principal: Principal,
        association_id: str,
        fields: dict[str, Any],
        idempotency_key: str | None,
    ) -> tuple[str, bool]:
        request_hash = fingerprint(fields)
        report_id = (
            report_uuid(association_id, kind, idempotency_key) if idempotency_key else uuid4()
        )
        if idempotency_key:
            # One key names one report, whichever kind: reused for the other kind it is a
            # conflict (as on an enrollment), not a second report.
            for other in _KINDS - {kind}:
                if self._stored(report_uuid(association_id, other, idempotency_key)) is not None:
                    raise IdempotencyConflictError(
                        f"idempotency key {idempotency_key!r} was used before for another "
                        "kind of report"
                    )
            existing = self._stored(report_id)
            if existing is not None:
                if not isinstance(existing, AnonymousParticipantsReport | Activity):
                    raise IdempotencyConflictError(f"the id {report_id} is already in use")
                if existing.request_hash != request_hash:
                    raise IdempotencyConflictError(
                        f"idempotency key {idempotency_key!r} was used before with another body"
                    )
                return str(report_id), False
        report = factory(
            report_id,
            today=self.today(),
            recorded_by=principal.key_id,
            request_hash=request_hash,
            **fields,
        )
        try:
            self.store.save(report)
        except (StoreIntegrityError, sqlalchemy.exc.IntegrityError):
            raise IdempotencyConflictError("the same idempotency key is in use right now") from None
        return str(report_id), True

    def _stored(self, report_id: UUID) -> Any:
        try:
            return self.store.repository.get(report_id)
        except AggregateNotFoundError:
            return None
