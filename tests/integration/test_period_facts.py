"""Kept period facts (decisions.md §28): after any sequence of writes, corrections, voids,
erasures and rebuilds, the facts a statistics read gets from the kept ones and the rows
written since are exactly those a full read of the read models finds; and so is the answer.
On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.adapters import period_facts
from service.adapters import read_models as rm
from service.adapters.eventstore import read_session
from service.bootstrap import Container
from service.cli.rebuild import rebuild_read_models
from service.domain.errors import DomainError
from service.domain.facts import EnrollmentFacts, Period
from service.domain.principal import Principal
from tests.factories import coach_enrollment

SYSTEM = Principal("test-system", "system_admin", None, frozenset())
INTERVENTIONS = ("team-a", "team-b")
PERIODS = (Period.year(2023), Period.year(2024), Period(date(2023, 7, 1), date(2024, 3, 31)))
DAYS = tuple(
    date.fromisoformat(day)
    for day in ("2022-05-01", "2023-02-01", "2023-09-15", "2024-01-10", "2024-06-30")
)

enroll = st.tuples(st.just("enroll"), st.sampled_from(DAYS), st.sampled_from(INTERVENTIONS))
change = st.one_of(
    st.tuples(st.just("support"), st.integers(0, 20), st.sampled_from(DAYS)),
    st.tuples(st.just("exit"), st.integers(0, 20), st.sampled_from(DAYS)),
    st.tuples(st.just("retract"), st.integers(0, 20)),
    st.tuples(st.just("correct"), st.integers(0, 20), st.sampled_from(DAYS)),
    st.tuples(st.just("void"), st.integers(0, 20)),
)
removal = st.one_of(st.tuples(st.just("erase"), st.integers(0, 20)), st.just(("rebuild",)))
read = st.tuples(st.just("read"), st.integers(0, len(PERIODS) - 1))
# Enrollments and changes (read incrementally) much more often than removals (which make
# the next read a full one).
operation = st.one_of(enroll, change, enroll, change, enroll, change, read, removal)


class Förbund:
    """A fresh association driven through the application layer."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.aid = f"forbund-{uuid4().hex[:8]}"
        container.admin.create_association(SYSTEM, self.aid, "Förbund", {"min_cell_size": 0})
        owner = Principal("test-admin", "association_admin", self.aid, frozenset())
        for iid in INTERVENTIONS:
            body = {"id": iid, "name": iid, "kind": "individual", "starts_on": date(2015, 1, 1)}
            container.admin.register_intervention(owner, self.aid, {**body, "ends_on": None})
        self.coach = Principal("test-coach", "coach", self.aid, frozenset(INTERVENTIONS))
        self.enrollments: list[tuple[UUID, str]] = []  # (id, pseudonym)

    def apply(self, step: tuple[Any, ...]) -> None:
        name, *args = step
        commands = self.container.enrollments
        if name == "enroll":
            day, iid = args
            pseudonym = f"person-{len(self.enrollments) % 7}"  # some enrolled again
            body = coach_enrollment(pseudonym=pseudonym, enrolled_on=day)
            try:
                result = commands.enroll(self.coach, self.aid, iid, body)
            except DomainError:
                return  # one open enrollment per person and insats: nothing written
            self.enrollments.append((UUID(result.id), pseudonym))
            return
        if name == "rebuild":
            rebuild_read_models(self.container)
            return
        if not self.enrollments:
            return
        eid, pseudonym = self.enrollments[args[0] % len(self.enrollments)]
        try:
            if name == "support":
                commands.change_support(
                    self.coach, eid, {"changed_on": args[1], "support": ["none"]}
                )
            elif name == "exit":
                commands.record_exit(self.coach, eid, {"exited_on": args[1], "reason": "work"})
            elif name == "retract":
                commands.retract_exit(self.coach, eid, {"why": "fel"})
            elif name == "correct":
                commands.correct(self.coach, eid, {"enrolled_on": args[1], "sex": "male"})
            elif name == "void":
                commands.void(self.coach, eid, {"why": "fel"})
            elif name == "erase":
                removal = self.container.removal
                plan = removal.plan_erasure(self.aid, pseudonym)  # every enrollment of it
                removal.carry_out(plan, kind="erasure", operator="tester")
        except DomainError:
            pass  # refused (a date before enrollment, already exited, gone): nothing written

    def facts(self, period: Period, as_of: datetime | None = None) -> list[EnrollmentFacts]:
        self.container.projector.catch_up()
        with read_session(self.container.store) as session:
            found = rm.enrollment_facts(session, self.aid, period, as_of)
        return sorted(found, key=lambda f: f.enrollment_id)


# Later than every recorded version: the full read of the current rows, not the kept one.
_FUTURE = datetime.now(UTC) + timedelta(days=3650)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    begun=st.lists(enroll, min_size=2, max_size=8),
    steps=st.lists(operation, min_size=4, max_size=24),
)
def test_kept_facts_are_the_full_read_after_any_history(
    container: Container, begun: list[tuple[Any, ...]], steps: list[tuple[Any, ...]]
) -> None:
    förbund = Förbund(container)
    for period in PERIODS:
        assert förbund.facts(period) == förbund.facts(period, _FUTURE)
    for step in begun:
        förbund.apply(step)
    for step in steps:
        förbund.apply(step)
        # The first period is read after every step, the others only now and then: their
        # kept facts fall several changes behind.
        period = PERIODS[step[1] if step[0] == "read" else 0]
        assert förbund.facts(period) == förbund.facts(period, _FUTURE), steps
    for period in PERIODS:
        assert förbund.facts(period) == förbund.facts(period, _FUTURE), steps
        # And the answer from kept facts (in their kept order) is the one read afresh.
        container.queries.forget_answers()
        kept = container.queries.statistics_unchecked(förbund.aid, period)
        period_facts.forget()
        container.queries.forget_answers()
        assert container.queries.statistics_unchecked(förbund.aid, period) == kept, steps


def test_an_erasure_renews_the_epoch_so_kept_facts_of_the_removed_go(
    container: Container,
) -> None:
    förbund = Förbund(container)
    for day in (date(2023, 2, 1), date(2023, 3, 1)):
        förbund.apply(("enroll", day, "team-a"))
    year = Period.year(2023)
    assert len(förbund.facts(year)) == 2  # kept now
    förbund.apply(("erase", 0))
    assert len(förbund.facts(year)) == 1
    assert förbund.facts(year) == förbund.facts(year, _FUTURE)


def test_a_rebuild_renews_the_epoch_so_rows_it_renumbers_are_not_missed(
    container: Container,
) -> None:
    """After an erasure left a gap in the row ids, a rebuild numbers the rows anew (on
    SQLite from 1): a later change gets an id below the kept newest one."""
    förbund = Förbund(container)
    for day in (date(2023, 2, 1), date(2023, 3, 1), date(2023, 4, 1)):
        förbund.apply(("enroll", day, "team-a"))
    förbund.apply(("erase", 0))
    year = Period.year(2023)
    assert len(förbund.facts(year)) == 2  # kept, newest row above the gap
    förbund.apply(("rebuild",))
    förbund.apply(("void", 1))
    förbund.apply(("exit", 2, date(2022, 5, 1)))  # refused: before the enrollment
    assert förbund.facts(year) == förbund.facts(year, _FUTURE)
    assert len(förbund.facts(year)) == 1


@pytest.mark.parametrize("limit", [0, 10_000])
def test_many_rows_written_since_mean_a_full_read(
    container: Container, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(period_facts, "CATCH_UP_LIMIT", limit)
    looked_through: list[int] = []
    written_since = period_facts._written_since

    def counted(*args: Any) -> Any:
        looked_through.append(1)
        return written_since(*args)

    monkeypatch.setattr(period_facts, "_written_since", counted)
    förbund = Förbund(container)
    year = Period.year(2023)
    förbund.apply(("enroll", date(2023, 2, 1), "team-a"))
    assert len(förbund.facts(year)) == 1
    for day in (date(2023, 3, 1), date(2023, 4, 1)):
        förbund.apply(("enroll", day, "team-b"))
    assert förbund.facts(year) == förbund.facts(year, _FUTURE)
    assert len(förbund.facts(year)) == 3
    assert bool(looked_through) == (limit > 0)


def test_the_kept_facts_are_bounded(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(period_facts, "_KEPT_FACTS", 2)
    period_facts.forget()
    förbund = Förbund(container)
    for day in (date(2023, 2, 1), date(2023, 3, 1), date(2024, 3, 1)):
        förbund.apply(("enroll", day, "team-a"))
    assert len(förbund.facts(PERIODS[0])) == 2  # kept: two facts
    assert len(förbund.facts(PERIODS[1])) == 3  # over the bound alone: kept, the other goes
    assert list(period_facts._kept) == [(förbund.aid, PERIODS[1])]
    assert förbund.facts(PERIODS[0]) == förbund.facts(PERIODS[0], _FUTURE)


def test_rows_removed_from_another_association_never_hide_new_ones(
    container: Container,
) -> None:
    """An erasure in one förbund renews only its own epoch: the ids of its deleted newest
    rows must not come back as another förbund's new rows, below what that förbund's kept
    facts have seen (SQLite gave them again before migration 0010; found in review)."""
    year = Period.year(2023)
    other, this = Förbund(container), Förbund(container)
    this.apply(("enroll", date(2023, 2, 1), "team-a"))
    other.apply(("enroll", date(2023, 3, 1), "team-a"))  # the newest rows of the store
    assert len(this.facts(year)) == 1  # kept, with the newest row id seen: the other's
    other.apply(("erase", 0))
    for day in (date(2023, 4, 1), date(2023, 5, 1)):
        this.apply(("enroll", day, "team-b"))
    assert this.facts(year) == this.facts(year, _FUTURE)
    assert len(this.facts(year)) == 3


def test_a_removal_committed_during_the_read_is_not_answered_from_kept_facts(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a statement sees what committed before it, not before the
    transaction: an erasure committing between the epoch's read and the rows' must not
    leave the erased in the answer. (On SQLite the read's snapshot is taken at its first
    statement, so the answer is that moment's: before the erasure, and the same as a full
    read in that snapshot.)"""
    year = Period.year(2023)
    förbund = Förbund(container)
    for day in (date(2023, 2, 1), date(2023, 3, 1)):
        förbund.apply(("enroll", day, "team-a"))
    assert len(förbund.facts(year)) == 2  # kept
    förbund.apply(("enroll", date(2023, 4, 1), "team-b"))  # a row above the kept ones
    container.projector.catch_up()
    newest_row = period_facts._newest_row

    def erasing_first(session: Any) -> int:
        monkeypatch.setattr(period_facts, "_newest_row", newest_row)
        # Another connection's transaction, committed now (a thread of its own: the
        # event store allows one transaction per thread).
        eraser = threading.Thread(target=förbund.apply, args=(("erase", 0),))
        eraser.start()
        eraser.join(60)
        return newest_row(session)

    monkeypatch.setattr(period_facts, "_newest_row", erasing_first)
    with read_session(container.store) as session:
        epoch_before = period_facts.statistics_versions.epoch_of(session, förbund.aid)
        found = rm.enrollment_facts(session, förbund.aid, year)
        full = rm.enrollment_facts(session, förbund.aid, year, _FUTURE)
        erased_seen = period_facts.statistics_versions.epoch_of(session, förbund.aid)
    assert sorted(found, key=lambda f: f.enrollment_id) == sorted(
        full, key=lambda f: f.enrollment_id
    )
    if erased_seen != epoch_before:  # PostgreSQL: the erasure is visible to this read
        assert len(found) == 2
    assert len(förbund.facts(year)) == 2  # and afterwards, from kept facts or afresh
