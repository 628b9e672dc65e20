"""Parts of an answer kept per process for the same objects (decisions.md §32).

The facts an answer is computed from are immutable, and the read models give an unchanged
enrollment's facts back as the same object (period_facts, rows.kept_facts): so a part
computed from the same objects in the same order is the part that would be computed
afresh. After a write, an answer finds again the parts of every scope the write did not
touch, and computes only the changed intervention's and the total's.

Each part has a slot: where it belongs (the answer's association, period and the
intervention asked alone, and the intervention the part is of). A slot keeps only its
newest part, so the versions a write left behind are not kept. An entry holds its
objects, so their ids cannot be handed to other objects while it is kept. Least recently
used slots go first, once the slots weigh more than `max_objects` in all (an entry
weighs its objects, or what it says it keeps alive) or there are more than `max_slots`
of them; the newest slot stays, however much it weighs.

No lock (statistics stay free of threads and I/O): slots are tuples of strings, dates,
ints and None, hashed and compared in C, so each step is one operation of the OrderedDict
that the GIL does not interrupt; a step that finds another thread's answer got there
first is skipped, and the running weight is summed afresh before anything goes.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from weakref import WeakSet

Part = TypeVar("Part")

# As many facts as period_facts keeps: two years of the 26,522-enrollment benchmark
# förbund, or many years of a usual one.
MAX_OBJECTS = 1 << 16
MAX_SLOTS = 1024


@dataclass(frozen=True, slots=True)
class _Entry(Generic[Part]):
    ids: bytes  # the objects' ids, 8 bytes each: compared without an int object per id
    objects: tuple[object, ...]
    part: Part
    weight: int


class KeptByIdentity(Generic[Part]):
    """The newest part of each slot, found again for the same objects in the same order."""

    def __init__(self, max_objects: int = MAX_OBJECTS, max_slots: int = MAX_SLOTS) -> None:
        self._max_objects, self._max_slots = max_objects, max_slots
        self._slots: OrderedDict[Hashable, _Entry[Part]] = OrderedDict()
        self._weight = 0  # of the slots, kept as they come and go (summed afresh to evict)
        _EVERY.add(self)

    def get(
        self,
        slot: Hashable,
        objects: Sequence[object],
        compute: Callable[[], Part],
        weight: int | None = None,
    ) -> Part:
        """The slot's part if it was computed from these objects, else `compute()`'s, kept
        in the slot in place of the one before; with no slot (None), `compute()`'s, kept
        nowhere. `weight`: what keeping it costs, counted against max_objects (the number
        of objects if not given)."""
        if slot is None:
            return compute()
        ids = array("Q", map(id, objects)).tobytes()
        entry = self._slots.get(slot)
        if entry is not None and entry.ids == ids:
            with suppress(KeyError):  # another thread's answer may just have dropped it
                self._slots.move_to_end(slot)
            return entry.part
        found = compute()  # two threads may both compute it: the same part, kept once
        new = _Entry(ids, tuple(objects), found, len(objects) if weight is None else weight)
        self._slots[slot] = new
        with suppress(KeyError):  # the slot was there before: it is now the newest
            self._slots.move_to_end(slot)
        self._weight += new.weight - (entry.weight if entry is not None else 0)
        if self._weight > self._max_objects or len(self._slots) > self._max_slots:
            self._shrink()
        return found

    def _shrink(self) -> None:
        held = sum(entry.weight for entry in list(self._slots.values()))
        while len(self._slots) > 1 and (held > self._max_objects or len(self) > self._max_slots):
            with suppress(KeyError):
                _, entry = self._slots.popitem(last=False)
                held -= entry.weight
        self._weight = held

    def clear(self) -> None:
        self._slots.clear()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._slots)


def slot_in(kept_as: Hashable, *more: Hashable) -> Hashable:
    """The slot of a part within a caller's slot `kept_as`: None (keep nothing) if that
    is None."""
    return None if kept_as is None else (kept_as, *more)


_EVERY: WeakSet[KeptByIdentity[Any]] = WeakSet()


def forget_all() -> None:
    """Drop every kept part (tests compare answers with and without them)."""
    for kept in list(_EVERY):
        kept.clear()
