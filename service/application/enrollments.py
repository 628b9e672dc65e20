"""Coaches' commands on enrollments (product.md §4): enroll, support change, exit, ...

Every command loads the aggregate, checks the caller's reach, replays an identical earlier
request (idempotency), checks If-Match, and saves the new event together with the
open-enrollment register in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from service.adapters import event_keys, open_enrollments
from service.adapters.eventstore import (
    EventStore,
    lock_event_table,
    record_events,
    unit_of_work,
)
from service.application.access import require_enrollment, require_intervention
from service.application.fingerprint import fingerprint
from service.domain.enrollment import Enrollment
from service.domain.errors import (
    ConflictError,
    DomainError,
    IdempotencyConflictError,
    InvalidValueError,
    NotFoundError,
    StaleVersionError,
    WriteConflictError,
)
from service.domain.facts import EnrollmentFacts
from service.domain.intervention import Intervention
from service.domain.principal import Principal
from service.domain.pseudonym import FIELD as PIN_FIELD
from service.domain.pseudonym import pseudonymise

# True while the commands of this context run inside `EnrollmentCommands.one_transaction`.
_IN_BATCH: ContextVar[bool] = ContextVar("enrollment_batch", default=False)


@dataclass(frozen=True)
class EnrollRequest:
    """One inskrivning of a batch: what the single endpoint gets, and the event's id."""

    intervention_id: str
    body: dict[str, Any]
    enrollment_id: UUID
    client_event_id: str | None


@dataclass(frozen=True)
class WriteResult:
    """What a write answers: the enrollment, its new version, and whether it was new."""

    id: str
    version: int
    created: bool


class EnrollmentCommands:
    """The write side for enrollments."""

    def __init__(
        self,
        store: EventStore,
        today: Callable[[], date],
        pseudonym_key: Callable[[str], bytes],
        settings_of: Callable[[str], dict[str, Any]],
        intervention: Callable[[str, str], Intervention],
    ) -> None:
        self.store = store
        self.today = today
        self.pseudonym_key = pseudonym_key
        self.settings_of = settings_of
        self.intervention = intervention

    def enroll(
        self,
        principal: Principal,
        association_id: str,
        intervention_id: str,
        body: dict[str, Any],
        *,
        enrollment_id: UUID | None = None,
        client_event_id: str | None = None,
    ) -> WriteResult:
        """Inskrivning of a participant."""
        request = EnrollRequest(intervention_id, body, enrollment_id or uuid4(), client_event_id)
        require_intervention(principal, association_id, intervention_id, write=True)
        fields, request_hash = self._creation(principal, association_id, request)
        # Written optimistically: a new id is the common case, and an id in use makes the
        # insert fail. Only then is the earlier creation read, to answer a replay as the
        # first time (even if the intervention has closed since) or to refuse the id.
        try:
            enrolled = self._enroll_checked(principal, association_id, request, fields,
                                            request_hash)  # fmt: skip
        except DomainError:
            if enrollment_id is not None:
                replay = self._replay_of_creation(
                    enrollment_id, association_id, intervention_id, request_hash
                )
                if replay is not None:
                    return replay
            raise
        return WriteResult(str(enrolled.originator_id), enrolled.originator_version, True)

    def _creation(
        self, principal: Principal, association_id: str, request: EnrollRequest
    ) -> tuple[dict[str, Any], str]:
        """The enrollment's fields (pseudonymised) and its request fingerprint."""
        fields = self._pseudonymous(association_id, request.body)
        request_hash = fingerprint(
            {"association_id": association_id, "intervention_id": request.intervention_id,
             **fields}
        )  # fmt: skip
        return fields, request_hash

    def _enroll_checked(
        self,
        principal: Principal,
        association_id: str,
        request: EnrollRequest,
        fields: dict[str, Any],
        request_hash: str,
    ) -> Enrollment.Enrolled:
        """Check the intervention and write the enrollment in one transaction: the check
        reads what the write commits on (an intervention closed meanwhile is seen), and
        costs no read transaction of its own (docs/decisions.md §29). The caller's key
        has been authenticated and its reach checked before: only then is the write's
        transaction (on SQLite, the write lock) taken."""
        with _conflicts_refused(), self._write_transaction():
            intervention = self.intervention(association_id, request.intervention_id)
            intervention.require_open_for_enrollment(fields["enrolled_on"])
            enrolled = Enrollment.enroll(
                request.enrollment_id, association_id=association_id,
                intervention_id=request.intervention_id, fields=fields, today=self.today(),
                recorded_by=principal.key_id, request_hash=request_hash,
                client_event_id=request.client_event_id,
            )  # fmt: skip
            self._record([enrolled], _claim_of(enrolled), None, _key_of(enrolled))
        return enrolled

    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        """The transaction a command's checks and its write share; the event table locked
        first, as `_write` locks it (PostgreSQL), so the checks see what the write commits on."""
        with unit_of_work(self.store) as session:
            lock_event_table(session)
            yield

    def change_support(
        self, principal: Principal, enrollment_id: UUID, body: dict[str, Any], **options: Any
    ) -> WriteResult:
        """Försörjningsändring."""
        return self._modify(
            "change_support",
            principal,
            enrollment_id,
            body,
            lambda e, meta: e.change_support(
                body["changed_on"], body["support"], today=self.today(), **meta
            ),
            **options,
        )

    def record_exit(
        self, principal: Principal, enrollment_id: UUID, body: dict[str, Any], **options: Any
    ) -> WriteResult:
        """Avslut. A null is the same as a field left out, so a retry may spell it either
        way; an exit sent with nulls before this rule still replays (`as_sent`)."""
        exit_fields = {name: value for name, value in body.items() if value is not None}
        return self._modify(
            "record_exit",
            principal,
            enrollment_id,
            exit_fields,
            lambda e, meta: e.record_exit(exit_fields, today=self.today(), **meta),
            as_sent=body,
            **options,
        )

    def retract_exit(
        self, principal: Principal, enrollment_id: UUID, body: dict[str, Any], **options: Any
    ) -> WriteResult:
        """Ångra avslut."""
        return self._modify(
            "retract_exit",
            principal,
            enrollment_id,
            body,
            lambda e, meta: e.retract_exit(body["why"], **meta),
            **options,
        )

    def correct(
        self, principal: Principal, enrollment_id: UUID, body: dict[str, Any], **options: Any
    ) -> WriteResult:
        """Rättelse; a mistyped personnummer is corrected by sending the right one."""
        if body.get(PIN_FIELD) is None:
            body = _without_number(body)
        else:
            # Pseudonymised before anything else sees the body (the fingerprint too), and
            # only for a caller that may write here: no HMAC is made for a refused one.
            facts = self.load(enrollment_id).facts
            require_enrollment(principal, facts, write=True)
            body = self._identified(facts.association_id, body)
        return self._modify(
            "correct",
            principal,
            enrollment_id,
            body,
            lambda e, meta: self._correct(e, body, meta),
            **options,
        )

    def _correct(self, enrollment: Enrollment, body: dict[str, Any], meta: dict[str, Any]) -> None:
        if body.get("enrolled_on") is not None:  # it must lie within the intervention too
            facts = enrollment.facts
            intervention = self.intervention(facts.association_id, facts.intervention_id)
            intervention.require_open_for_enrollment(body["enrolled_on"])
        enrollment.correct(body, today=self.today(), **meta)

    def void(
        self, principal: Principal, enrollment_id: UUID, body: dict[str, Any], **options: Any
    ) -> WriteResult:
        """Makulering."""
        return self._modify(
            "void",
            principal,
            enrollment_id,
            body,
            lambda e, meta: e.void(body["why"], **meta),
            **options,
        )

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """Run many commands (a batch import) in one transaction, each in a savepoint.

        Each command stays atomic — a failing one rolls back to its savepoint and raises as
        before — but the batch pays for one commit instead of one per command. Everything
        is committed when the block ends; an unexpected error rolls back the whole block.
        """
        if _IN_BATCH.get():
            yield
            return
        token = _IN_BATCH.set(True)
        try:
            with unit_of_work(self.store):
                yield
        finally:
            _IN_BATCH.reset(token)

    def load(self, enrollment_id: UUID) -> Enrollment:
        """The enrollment aggregate, or NotFoundError."""
        enrollment = self._stored(enrollment_id)
        if not isinstance(enrollment, Enrollment):
            raise NotFoundError(f"enrollment {enrollment_id} was not found")
        return enrollment

    def _stored(self, aggregate_id: UUID) -> object | None:
        """The aggregate with this id as stored (of whatever kind), or None."""
        try:
            aggregate: object = self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate

    def _modify(
        self,
        command: str,
        principal: Principal,
        enrollment_id: UUID,
        body: dict[str, Any],
        action: Callable[[Enrollment, dict[str, Any]], None],
        *,
        idempotency_key: str | None = None,
        if_match: int | None = None,
        as_sent: dict[str, Any] | None = None,
    ) -> WriteResult:
        # Loaded, checked and written in one transaction (docs/decisions.md §29): the
        # If-Match and the domain's rules see the version the write commits on. The key
        # was authenticated before; refusals and replays roll back, writing nothing.
        try:
            with _conflicts_refused(), self._write_transaction():
                enrollment = self.load(enrollment_id)
                facts = enrollment.facts
                require_enrollment(principal, facts, write=True)
                # The command is part of the fingerprint: a key reused for another kind of event
                # (an exit retraction's key on a voiding) is a conflict, not a replay.
                request_hash = fingerprint({"command": command, **body})
                earlier = (
                    fingerprint({"command": command, **as_sent})
                    if as_sent not in (None, body)
                    else None
                )
                replayed = enrollment.replayed_version(idempotency_key, request_hash, earlier)
                if replayed is not None:
                    raise _NothingWritten(WriteResult(str(enrollment.id), replayed, False))
                if if_match is not None and if_match != enrollment.version:
                    raise StaleVersionError(
                        f"the enrollment is at version {enrollment.version}, not {if_match}"
                    )
                was_open = facts.exited_on is None and not facts.voided
                action(
                    enrollment,
                    {
                        "recorded_by": principal.key_id,
                        "client_event_id": idempotency_key,
                        "request_hash": request_hash,
                    },
                )
                now = enrollment.facts
                is_open = now.exited_on is None and not now.voided
                self._record(
                    enrollment.collect_events(),
                    _claim_of_facts(now) if is_open else None,
                    facts.enrollment_id if was_open else None,
                    _event_key(facts.association_id, idempotency_key, facts.enrollment_id),
                )
                return WriteResult(str(enrollment.id), enrollment.version, True)
        except _NothingWritten as replay:
            return replay.result

    def _record(
        self,
        domain_events: Sequence[Any],
        claim: dict[str, str] | None,
        release: str | None,
        key: dict[str, str] | None,
    ) -> None:
        """Write the events and the register changes, in the command's transaction (a
        savepoint inside `one_transaction`); WriteConflictError when a row is taken."""
        with unit_of_work(self.store) as session:
            if _IN_BATCH.get():
                with session.begin_nested():
                    self._write(session, domain_events, claim, release, key)
            else:
                self._write(session, domain_events, claim, release, key)

    def _write(
        self,
        session: Any,
        domain_events: Sequence[Any],
        claim: dict[str, str] | None,
        release: str | None,
        key: dict[str, str] | None,
    ) -> None:
        # The event table first, then the registers: the order every writer locks in, so
        # two writers never wait for each other (PostgreSQL; SQLite locks it all at BEGIN).
        lock_event_table(session)
        if release is not None:
            open_enrollments.release(session, release)
        if claim is not None:
            open_enrollments.claim(session, **claim)
        if key is not None:
            event_keys.claim(session, **key)
        record_events(session, self.store, domain_events)

    def _replay_of_creation(
        self, enrollment_id: UUID, association_id: str, intervention_id: str, request_hash: str
    ) -> WriteResult | None:
        """The first answer when this creation was made before; None when the id is free."""
        existing = self._stored(enrollment_id)
        if existing is None:
            return None
        in_use = IdempotencyConflictError(f"the id {enrollment_id} is already in use")
        # Another intervention's or association's enrollment (or any other aggregate) with
        # this id: the same answer whatever the body, so the id tells nothing about what it
        # belongs to, to a coach who may not see that intervention.
        if not isinstance(existing, Enrollment) or (
            existing.facts.association_id,
            existing.facts.intervention_id,
        ) != (association_id, intervention_id):
            raise in_use
        if existing.created_hash != request_hash:
            raise IdempotencyConflictError(
                f"enrollment {enrollment_id} exists already with another body"
            )
        return WriteResult(str(existing.id), 1, False)

    def _pseudonymous(self, association_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """An enrollment's body with any personnummer replaced by its pseudonym."""
        if body.get(PIN_FIELD) is not None:
            return self._identified(association_id, body)
        for name in ("pseudonym", "sex", "birth_year"):
            if body.get(name) is None:
                raise InvalidValueError(name, f"{name} is required")
        return _without_number(body)

    def _identified(self, association_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The body with its personnummer replaced by pseudonym, sex and birth year.

        The number itself is dropped here and kept nowhere.
        """
        fields = dict(body)
        number = fields.pop(PIN_FIELD)
        if not self.settings_of(association_id)["accept_personal_identity_numbers"]:
            raise InvalidValueError(
                PIN_FIELD, "this association does not accept personnummer; send a pseudonym"
            )
        if fields.get("pseudonym") is not None:
            raise InvalidValueError("pseudonym", "send a pseudonym or a personnummer, not both")
        identity = pseudonymise(self.pseudonym_key(association_id), number, self.today())
        # What the number says wins, but a body that says otherwise is a mistake somewhere:
        # refused, not silently overwritten.
        for name, derived in (("sex", identity.sex), ("birth_year", identity.birth_year)):
            if fields.get(name) is not None and fields[name] != derived:
                raise InvalidValueError(name, f"{name} does not match the personnummer")
        fields.update(
            pseudonym=identity.pseudonym, birth_year=identity.birth_year, sex=identity.sex
        )
        return fields


class _NothingWritten(Exception):
    """A replay, answered as the first time: raised to roll the transaction back, so that
    it carries no audit entry of a write that did not happen (api/audit.py)."""

    def __init__(self, result: WriteResult) -> None:
        super().__init__()
        self.result = result


@contextmanager
def _conflicts_refused() -> Iterator[None]:
    """A row another transaction took first: the client's conflict (409)."""
    try:
        yield
    except WriteConflictError:
        raise ConflictError(
            "the enrollment was changed at the same time by another request; "
            "reload it and try again"
        ) from None


def _without_number(body: dict[str, Any]) -> dict[str, Any]:
    """The body without a personnummer field sent as null."""
    return {name: value for name, value in body.items() if name != PIN_FIELD}


def _event_key(association_id: str, key: str | None, enrollment_id: str) -> dict[str, str] | None:
    """The event-key register's row of a write made with a client event id."""
    if key is None:
        return None
    return {"association_id": association_id, "key": key, "enrollment_id": enrollment_id}


def _key_of(enrolled: Enrollment.Enrolled) -> dict[str, str] | None:
    """The event-key register's row of a new enrollment, if its event has a client id."""
    return _event_key(
        enrolled.association_id, enrolled.client_event_id, str(enrolled.originator_id)
    )


def _claim_of(enrolled: Enrollment.Enrolled) -> dict[str, str]:
    """The open-enrollment register's row of a new enrollment."""
    return {
        "association_id": enrolled.association_id,
        "intervention_id": enrolled.intervention_id,
        "pseudonym": enrolled.fields["pseudonym"],
        "enrollment_id": str(enrolled.originator_id),
    }


def _claim_of_facts(facts: EnrollmentFacts) -> dict[str, str]:
    """The register's row of an enrollment that is open after a change."""
    return {
        "association_id": facts.association_id,
        "intervention_id": facts.intervention_id,
        "pseudonym": facts.pseudonym,
        "enrollment_id": facts.enrollment_id,
    }
