"""The read side: statistics, the annual report's inputs, and coaches' lists.

Every query first lets the projector catch up, so an answer includes every write that was
acknowledged before it was asked. A statistics answer without `as_of` is kept and served
again while its association's read models have not changed (answer_cache).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy.orm import Session

from service.adapters import read_models as rm
from service.adapters import statistics_versions
from service.adapters.eventstore import EventStore, read_session
from service.adapters.projection import Projector
from service.application.access import require_association, require_intervention
from service.application.answer_cache import AnswerCache
from service.domain.association import rules_from_settings
from service.domain.codes import Role
from service.domain.errors import NotFoundError
from service.domain.facts import Period, ReportingRules
from service.domain.principal import Principal
from service.gc_pause import cyclic_gc_paused

READERS = (Role.ANALYST, Role.ASSOCIATION_ADMIN)


class Queries:
    """Reads over the read models."""

    def __init__(self, store: EventStore, projector: Projector) -> None:
        self.store = store
        self.projector = projector
        self.answers = AnswerCache()

    def statistics(
        self,
        principal: Principal,
        association_id: str,
        period: Period,
        *,
        intervention: str | None = None,
        as_of: datetime | None = None,
    ) -> dict[str, Any]:
        """The measures of product.md §6 with disclosure control (§7)."""
        require_association(principal, association_id, write=False, roles=READERS)
        return self.statistics_unchecked(
            association_id, period, intervention=intervention, as_of=as_of
        )

    def statistics_json(
        self,
        principal: Principal,
        association_id: str,
        period: Period,
        *,
        intervention: str | None = None,
        as_of: datetime | None = None,
    ) -> bytes:
        """The same answer as JSON: a kept one as kept, neither copied nor encoded again."""
        require_association(principal, association_id, write=False, roles=READERS)
        return self._statistics(association_id, period, intervention, as_of)[1]

    def statistics_unchecked(
        self,
        association_id: str,
        period: Period,
        *,
        intervention: str | None = None,
        as_of: datetime | None = None,
    ) -> dict[str, Any]:
        """Statistics without an access check: for the CLI on the server."""
        answer, data = self._statistics(association_id, period, intervention, as_of)
        return from_json(data) if answer is None else answer

    def _statistics(
        self, association_id: str, period: Period, intervention: str | None, as_of: datetime | None
    ) -> tuple[dict[str, Any] | None, bytes]:
        """(the answer, its JSON); a kept answer as its JSON only (None, JSON)."""
        from service.statistics.answer import AnswerInputs, build_statistics_answer

        Period.checked(period.start, period.end)
        # Paused from the read on: the facts read are as acyclic as the answer, and with
        # the collector running they were promoted while alive and paid for in periodic
        # full collections (the tail of the 1M-event benchmark).
        with cyclic_gc_paused():
            with self._caught_up_read(association_id) as session:
                association = rm.association_row(session, association_id, as_of)
                if association is None:
                    raise NotFoundError(f"association {association_id!r} was not found")
                # Read before the facts: a token never pairs with facts older than it.
                key = (association_id, period.start, period.end, intervention)
                token = statistics_versions.token_of(session, association_id)
                if as_of is None and (kept := self.answers.get(key, token)) is not None:
                    return None, kept
                rows = rm.intervention_rows(session, association_id, as_of)
                if intervention is not None and intervention not in {
                    r["intervention_id"] for r in rows
                }:
                    raise NotFoundError(f"intervention {intervention!r} was not found")
                rules = rules_from_settings(association["settings"])
                if as_of is not None:
                    rules = _with_current_disclosure(session, association_id, rules)
                inputs = AnswerInputs(
                    association_id=association_id, period=period, as_of=as_of, rules=rules,
                    interventions=rm.intervention_infos(rows),
                    facts=rm.enrollment_facts(session, association_id, period, as_of),
                    anonymous=rm.anonymous_reports_in(session, association_id, period, as_of),
                    activities=rm.activities_in(session, association_id, period, as_of),
                    finances=rm.finance_records(rows),
                )  # fmt: skip
            # Built after the read transaction ends: it is CPU work only.
            answer = build_statistics_answer(inputs, intervention)
            data = to_json(answer)
            if as_of is None:
                self.answers.put(key, token, data)
            return answer, data

    def forget_answers(self) -> None:
        """Drop the kept statistics answers (benchmarks measure cold answers with it)."""
        self.answers.clear()

    @contextmanager
    def _caught_up_read(self, association_id: str | None = None) -> Iterator[Session]:
        """A read transaction that includes every acknowledged write (of `association_id`'s,
        when given), like catch_up() and then read_session(), but usually one transaction
        instead of two (a round trip less on PostgreSQL): the lag is read in it, and only
        if events are waiting (for the association) are they applied first and a new
        transaction begun. Other associations' writers then cost a read nothing."""
        with read_session(self.store) as session:
            lag = self.projector.lag_in(session)
            if lag == 0 or (
                association_id is not None
                and not self.projector.waiting_for(session, association_id)
            ):
                yield session
                return
        self.projector.catch_up()
        with read_session(self.store) as session:
            yield session

    def association_name(self, association_id: str) -> str:
        """The association's current name."""
        self.projector.catch_up()
        with read_session(self.store) as session:
            row = rm.association_row(session, association_id)
        if row is None:
            raise NotFoundError(f"association {association_id!r} was not found")
        return str(row["name"])

    def interventions(self, principal: Principal, association_id: str) -> list[dict[str, Any]]:
        """Any role of the association may list its interventions."""
        require_association(
            principal, association_id, write=False, roles=(*READERS, Role.COACH, Role.SYSTEM_ADMIN)
        )
        self.projector.catch_up()
        with read_session(self.store) as session:
            return rm.intervention_rows(session, association_id)

    def enrollments(
        self, principal: Principal, association_id: str, intervention_id: str, status: str
    ) -> list[dict[str, Any]]:
        """A coach's view of one intervention's enrollments."""
        require_intervention(principal, association_id, intervention_id, write=False)
        self.projector.catch_up()
        with read_session(self.store) as session:
            return rm.intervention_enrollments(session, association_id, intervention_id, status)

    def first_data_date(self, association_id: str, as_of: datetime | None = None) -> date | None:
        """The association's first day with data (enrollment, anonymous report, activity)."""
        with self._caught_up_read() as session:
            return rm.first_data_date(session, association_id, as_of)


def _with_current_disclosure(
    session: Session, association_id: str, rules: ReportingRules
) -> ReportingRules:
    """An `as_of` answer's rules with today's min_cell_size. Its noise table follows k, and
    two answers of the same persons drawn from two tables give some counts exactly (a
    review found 229 of 1,939 cells): so every answer given at one time, whatever its
    `as_of`, is protected with the one k in force (decisions.md §41)."""
    current = rm.association_row(session, association_id, None)
    if current is None:
        return rules
    return replace(rules, min_cell_size=current["settings"]["min_cell_size"])
