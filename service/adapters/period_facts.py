"""An association-period's current enrollment facts, kept per process and brought up to
date by reading only the enrollment versions written since (decisions.md §28).

A cold statistics answer of a large year spent a third of its time reading and decoding the
year's rows (26,522 of them), of which a write had changed one. Here the facts read are
kept with the newest `row_id` of enrollment_versions seen; the next read asks only for the
association's rows above it, and for each enrollment among them takes its newest version:
in the period (current, not voided, active in it) it replaces the kept facts, otherwise
they go.

Why that is the whole change: the projection only adds versions (closing the one before
in the same transaction), and serialises on its tracking row, so row ids are handed out
and committed in order; a snapshot that sees a row sees every row below it. Reading the
newest id *before* the rows keeps that true on PostgreSQL, where each statement has its own
snapshot (a row newer than the id is read twice, which changes nothing). Rows are removed
only by gallring, erasure and a rebuild, and each renews the association's epoch in the
same transaction (statistics_versions): facts kept under another epoch are read afresh;
the epoch is read again after the rows, since on PostgreSQL a removal may commit between
two statements. And an id is never handed out twice, even after the newest rows were
removed (another association's, whose epoch this one does not see): SQLite's
AUTOINCREMENT (migration 0010) and PostgreSQL's sequence.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.adapters import statistics_versions
from service.adapters.rows import FACT_FIELDS, kept_facts
from service.adapters.tables import enrollment_versions
from service.domain.facts import EnrollmentFacts, Period

# More rows written since than this (by every association): reading the period afresh
# costs less than looking through them.
CATCH_UP_LIMIT = 5000
_KEPT_PERIODS = 16  # an association's trend page asks for each of its years
# And at most this many facts in all (mostly the objects rows.kept_facts holds anyway):
# two years of the 26,522-enrollment benchmark förbund, or many years of a usual one.
_KEPT_FACTS = 1 << 16


@dataclass(frozen=True, slots=True)
class _Kept:
    """Facts read under an epoch, complete up to `newest_row`; never changed once kept
    (a later read makes a new one), so threads can share them."""

    epoch: str
    newest_row: int
    facts: dict[str, EnrollmentFacts]  # by enrollment id


_kept: OrderedDict[tuple[str, Period], _Kept] = OrderedDict()
_lock = Lock()


def current_facts(
    session: Session,
    association_id: str,
    period: Period,
    read_all: Callable[[], list[EnrollmentFacts]],
) -> list[EnrollmentFacts]:
    """The facts `read_all` reads (current, not voided, active in the period), from the
    kept ones and the rows written since when they are of this epoch."""
    epoch = statistics_versions.epoch_of(session, association_id)
    if epoch is None:  # no epoch yet: nothing to tell removed rows by
        return read_all()
    newest = _newest_row(session)  # before the rows: see the module's docstring
    key = (association_id, period)
    with _lock:
        kept = _kept.get(key)
    if kept is not None and _still_usable(kept, epoch, newest):
        facts = kept.facts
        if newest != kept.newest_row:
            facts = _updated(
                facts, _written_since(session, association_id, kept.newest_row), period
            )
        # On PostgreSQL each statement has its own snapshot: a removal that committed after
        # the epoch was read has deleted rows the kept facts may still hold. Then read
        # afresh and keep nothing (the next read finds the new epoch).
        if statistics_versions.epoch_of(session, association_id) != epoch:
            return read_all()
    else:
        facts = {fact.enrollment_id: fact for fact in read_all()}
    with _lock:
        _kept[key] = _Kept(epoch, newest, facts)
        _kept.move_to_end(key)
        while len(_kept) > 1 and (
            len(_kept) > _KEPT_PERIODS or sum(len(k.facts) for k in _kept.values()) > _KEPT_FACTS
        ):
            _kept.popitem(last=False)  # the least recently read
    return list(facts.values())


def _still_usable(kept: _Kept, epoch: str, newest: int) -> bool:
    """Kept under this epoch, and few rows written since. (A newest id below the kept one
    means rows were removed: read afresh, epoch or not.)"""
    return kept.epoch == epoch and 0 <= newest - kept.newest_row <= CATCH_UP_LIMIT


def forget() -> None:
    """Drop every kept period (benchmarks measure a first read with it)."""
    with _lock:
        _kept.clear()


def _newest_row(session: Session) -> int:
    return int(session.execute(select(func.max(enrollment_versions.c.row_id))).scalar() or 0)


_VERSION = len(FACT_FIELDS)  # the columns after the facts in _written_since's rows
_RECORDED_TO, _VOIDED = _VERSION + 1, _VERSION + 2


def _written_since(session: Session, association_id: str, row_id: int) -> list[Any]:
    """The association's enrollment versions above `row_id`: the newest of each enrollment."""
    t = enrollment_versions.c
    query = select(*(t[name] for name in FACT_FIELDS), t.version, t.recorded_to, t.voided).where(
        t.row_id > row_id, t.association_id == association_id
    )
    newest: dict[str, Any] = {}
    for row in session.execute(query):
        seen = newest.get(row.enrollment_id)
        if seen is None or row[_VERSION] > seen[_VERSION]:
            newest[row.enrollment_id] = row
    return list(newest.values())


def _updated(
    kept: dict[str, EnrollmentFacts], newest_versions: list[Any], period: Period
) -> dict[str, EnrollmentFacts]:
    """The kept facts with each of these enrollments' newest versions in or out."""
    facts = dict(kept)  # the kept dict is shared: never changed in place
    counted = []
    for row in newest_versions:
        if _counted(row, period):
            counted.append(row[:_VERSION])
        else:
            facts.pop(row.enrollment_id, None)
    # An enrollment still counted keeps its place: the other scopes' facts stay in the
    # same order, so their kept tallies (fact_tally) are found again.
    facts.update((fact.enrollment_id, fact) for fact in kept_facts(counted))
    return facts


def _counted(row: Any, period: Period) -> bool:
    """What read_models.enrollment_facts selects: current, not voided, active in the period."""
    return (
        row[_RECORDED_TO] is None
        and not row[_VOIDED]
        and row.enrolled_on <= period.end
        and (row.exited_on is None or row.exited_on >= period.start)
    )
