"""The open-enrollment and event-key registers as one batch chunk sees them.

Read in a few queries, changed in memory as the chunk's commands run, and written with one
statement per table when the chunk ends (`flush`). Each write's changes are checked as
`open_enrollments.claim` and `event_keys.claim` check them in the database — the same
errors, in the same order — so every command of the chunk meets the registers as they
would stand had each earlier command written its rows at once. A row is read when first
needed; `preload` reads those a chunk will need in bulk beforehand. The caller holds the
writers' lock (`lock_event_table`) from before the first read to the end of the chunk,
so nothing read here changes before `flush`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from service.adapters import event_keys, open_enrollments
from service.adapters.in_list import one_of
from service.adapters.tables import event_keys as keys_table
from service.adapters.tables import open_enrollments as open_table
from service.domain.errors import WriteConflictError

# (association_id, intervention_id, pseudonym): a row of the open-enrollment register.
Place = tuple[str, str, str]
# (association_id, key): a row of the event-key register.
EventKey = tuple[str, str]


def _by_association(
    rows: Iterable[tuple[str, ...]],
) -> Iterator[tuple[str, set[str], set[str]]]:
    """(association, its second values, its last values) of places or keys."""
    grouped: dict[str, tuple[set[str], set[str]]] = {}
    for row in rows:
        seconds, lasts = grouped.setdefault(row[0], (set(), set()))
        seconds.add(row[1])
        lasts.add(row[-1])
    for association_id, (seconds, lasts) in grouped.items():
        yield association_id, seconds, lasts


class ChunkRegisters:
    """Both registers, as far as a chunk has read and changed them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.holders: dict[Place, str | None] = {}  # the enrollment open at a place
        self.places: dict[str, Place | None] = {}  # where an enrollment is registered
        self.stored: dict[str, Place | None] = {}  # the same, as stored before the chunk
        self.key_holders: dict[EventKey, str | None] = {}  # the enrollment a key names
        self.new_keys: list[dict[str, str]] = []

    def preload(
        self,
        places: Collection[Place] = (),
        enrollment_ids: Collection[str] = (),
        keys: Collection[EventKey] = (),
    ) -> None:
        """Read the rows of these places, enrollments and keys (those not read yet): one
        query per register."""
        o, k = open_table, keys_table
        wanted = {p for p in places if p not in self.holders}
        ids = {e for e in enrollment_ids if e not in self.places}
        # One list per column, not one of row values: several times cheaper to build and
        # to run. Rows of other pairs that come along are as true as the rest.
        found = [
            and_(
                o.c.association_id == association_id,
                one_of(self.session, o.c.intervention_id, interventions),
                one_of(self.session, o.c.pseudonym, pseudonyms),
            )
            for association_id, interventions, pseudonyms in _by_association(wanted)
        ]
        if ids:
            found.append(one_of(self.session, o.c.enrollment_id, ids))
        if found:
            for row in self.session.execute(select(o).where(or_(*found))):
                self._stored(
                    row.enrollment_id, (row.association_id, row.intervention_id, row.pseudonym)
                )
        for enrollment_id in ids:
            self._stored(enrollment_id, None)
        for place in wanted:
            self.holders.setdefault(place, None)
        wanted_keys = {key for key in keys if key not in self.key_holders}
        used = [
            and_(k.c.association_id == association_id, one_of(self.session, k.c.key, names))
            for association_id, _, names in _by_association(wanted_keys)
        ]
        if used:
            query = select(k.c.association_id, k.c.key, k.c.enrollment_id).where(or_(*used))
            for row in self.session.execute(query):
                self.key_holders[(row.association_id, row.key)] = row.enrollment_id
        for key in wanted_keys:
            self.key_holders.setdefault(key, None)

    def unregistered(self, enrollment_ids: Iterable[str]) -> None:
        """Note, without asking, that these enrollments have no row (the caller knows)."""
        for enrollment_id in enrollment_ids:
            self._stored(enrollment_id, None)

    def _stored(self, enrollment_id: str, place: Place | None) -> None:
        """Note a stored row (or an enrollment's absence), unless it is known already."""
        if enrollment_id in self.places:
            return
        self.places[enrollment_id] = self.stored[enrollment_id] = place
        if place is not None:
            self.holders[place] = enrollment_id

    def _holder(self, place: Place) -> str | None:
        if place not in self.holders:
            self.preload(places=[place])
        return self.holders[place]

    def _place(self, enrollment_id: str) -> Place | None:
        if enrollment_id not in self.places:
            self.preload(enrollment_ids=[enrollment_id])
        return self.places[enrollment_id]

    def _key_holder(self, key: EventKey) -> str | None:
        if key not in self.key_holders:
            self.preload(keys=[key])
        return self.key_holders[key]

    def change(
        self,
        release: str | None,
        claim: dict[str, str] | None,
        key: dict[str, str] | None,
    ) -> Callable[[], None]:
        """Check one write's changes in the order the write makes them (release, claim,
        key) and return what keeps them; nothing changes until that is called. Raises what
        the database would: the claim's or the key's ConflictError, or WriteConflictError
        for an enrollment registered at another place."""
        released = None if release is None else self._place(release)
        place: Place | None = None
        if claim is not None:
            enrollment_id = claim["enrollment_id"]
            place = (claim["association_id"], claim["intervention_id"], claim["pseudonym"])
            holder = self._holder(place)
            if holder is not None and holder == release:
                holder = None
            if holder == enrollment_id:
                place = None  # registered there already
            elif holder is not None:
                raise open_enrollments.held_by(holder, claim["intervention_id"])
            elif enrollment_id != release and self._place(enrollment_id) is not None:
                raise WriteConflictError("the enrollment is registered at another place")
        new_key: EventKey | None = None
        if key is not None:
            key_holder = self._key_holder((key["association_id"], key["key"]))
            if key_holder is None:
                new_key = (key["association_id"], key["key"])
            elif key_holder != key["enrollment_id"]:
                raise event_keys.used_before(key["key"])

        def keep() -> None:
            if release is not None:
                self.places[release] = None
                if released is not None:
                    self.holders[released] = None
            if claim is not None and place is not None:
                self.holders[place] = claim["enrollment_id"]
                self.places[claim["enrollment_id"]] = place
            if key is not None and new_key is not None:
                self.key_holders[new_key] = key["enrollment_id"]
                self.new_keys.append(dict(key))

        return keep

    def flush(self) -> None:
        """Write what changed: delete the rows that went or moved, insert the new ones."""
        changed = [e for e, place in self.places.items() if self.stored[e] != place]
        gone = [e for e in changed if self.stored[e] is not None]
        if gone:
            t = open_table
            self.session.execute(delete(t).where(one_of(self.session, t.c.enrollment_id, gone)))
        open_enrollments.claim_new(self.session, _rows(changed, self.places))
        event_keys.claim_new(self.session, self.new_keys)
        self.stored = dict(self.places)
        self.new_keys = []


def _rows(enrollment_ids: Sequence[str], places: dict[str, Place | None]) -> list[dict[str, str]]:
    rows = []
    for enrollment_id in enrollment_ids:
        place = places[enrollment_id]
        if place is not None:
            association_id, intervention_id, pseudonym = place
            rows.append(
                {"association_id": association_id, "intervention_id": intervention_id,
                 "pseudonym": pseudonym, "enrollment_id": enrollment_id}
            )  # fmt: skip
    return rows
