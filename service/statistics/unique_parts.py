"""The association total's unique participants, from each intervention's part.

Unique participants (definitions.unique_participants) are the distinct pseudonyms among
the total's active enrollments, each by its latest enrollment; a column counts those
persons and its cell key sums their record keys (cell_key). Found afresh, that is a pass
over every active enrollment of the association after each write, and took 36 of a cold
answer's 120 ms at 26,522 enrollments (decisions.md §32). Here each intervention's latest
enrollment per pseudonym, with its columns' sums, is kept by the identity of its active
facts (kept); the total is the sum of the parts, corrected where a pseudonym is in more
than one intervention: only the latest of its enrollments there counts.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress
from operator import attrgetter

from service.domain.facts import EnrollmentFacts
from service.statistics import definitions as st
from service.statistics.cell_key import record_key
from service.statistics.kept import KeptByIdentity, slot_in
from service.statistics.measures_format import COLUMNS, TOTAL

SEXES = COLUMNS[1:]
_SEX_OF = attrgetter("sex")


@dataclass(frozen=True, slots=True)
class ColumnSums:
    """Per column (total, female, male): how many persons, and their record keys' sum.
    A sex that is neither column counts in the total alone."""

    counts: dict[str, int]
    keys: dict[str, int]

    def without(self, other: ColumnSums) -> ColumnSums:
        return ColumnSums(
            {c: n - other.counts[c] for c, n in self.counts.items()},
            {c: k - other.keys[c] for c, k in self.keys.items()},
        )


def column_sums(persons: Sequence[EnrollmentFacts]) -> ColumnSums:
    """The columns' sums of these persons (each record key found once)."""
    keys = list(map(record_key, persons))
    sexes = list(map(_SEX_OF, persons))
    counts, summed = {TOTAL: len(keys)}, {TOTAL: sum(keys)}
    for sex in SEXES:
        theirs = [s == sex for s in sexes]
        counts[sex], summed[sex] = sum(theirs), sum(compress(keys, theirs))
    return ColumnSums(counts, summed)


@dataclass(frozen=True, slots=True)
class _Part:
    """One intervention's active enrollments: each pseudonym's latest, and their sums."""

    latest: dict[str, EnrollmentFacts]
    sums: ColumnSums


def _part_of(active: Sequence[EnrollmentFacts]) -> _Part:
    latest = st.latest_by_pseudonym(active)
    return _Part(latest, column_sums(list(latest.values())))


_PARTS: KeptByIdentity[_Part] = KeptByIdentity()


def unique_participant_sums(
    active_of: Mapping[str, Sequence[EnrollmentFacts]], kept_as: Hashable = None
) -> ColumnSums:
    """The sums of unique_participants over the active enrollments of these scopes (by
    intervention id), one after the other; with `kept_as`, each intervention's part is
    kept in the slot (kept_as, its id) while its facts are the same objects."""
    parts = [
        _PARTS.get(slot_in(kept_as, iid), active, partial(_part_of, active))
        for iid, active in active_of.items()
    ]
    if len(parts) == 1:
        return parts[0].sums
    sums = ColumnSums(
        {c: sum(p.sums.counts[c] for p in parts) for c in COLUMNS},
        {c: sum(p.sums.keys[c] for p in parts) for c in COLUMNS},
    )
    not_counted: list[EnrollmentFacts] = []
    for pseudonym in _in_several(parts):
        theirs = [p.latest[pseudonym] for p in parts if pseudonym in p.latest]
        # In the scopes' order, as the total's facts are: the same one is the latest.
        counted = st.latest_by_pseudonym(theirs)[pseudonym]
        not_counted += (f for f in theirs if f is not counted)
    return sums.without(column_sums(not_counted)) if not_counted else sums


def _in_several(parts: Sequence[_Part]) -> set[str]:
    """The pseudonyms in more than one part; set operations, no Python loop per person,
    and one union when there are none (the usual case)."""
    everyone = set().union(*(part.latest for part in parts))
    if len(everyone) == sum(len(part.latest) for part in parts):
        return set()
    seen: set[str] = set()
    several: set[str] = set()
    for part in parts:
        several.update(filter(seen.__contains__, part.latest))
        seen.update(part.latest)
    return several
