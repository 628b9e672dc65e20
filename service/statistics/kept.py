"""Parts of an answer kept per process for the same objects (decisions.md §32).

The facts an answer is computed from are immutable, and the read models give an unchanged
enrollment's facts back as the same object (period_facts, rows.kept_facts): so a part
computed from the same objects in the same order is the part that would be computed
afresh. After a write, an answer finds again the parts of every scope the write did not
touch, and computes only the changed intervention's and the total's.

An entry holds its objects, so their ids cannot be handed to other objects while it is
kept; the least recently used entry goes first. No lock (statistics stay free of threads
and I/O): each step is one operation of the OrderedDict, which the GIL makes atomic, and a
step that finds another thread's answer got there first is skipped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from contextlib import suppress
from typing import Any, Generic, TypeVar
from weakref import WeakSet

Part = TypeVar("Part")


class KeptByIdentity(Generic[Part]):
    """Parts computed from sequences of immutable objects, by the objects' identities."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: OrderedDict[Hashable, tuple[tuple[object, ...], Part]] = OrderedDict()
        _EVERY.add(self)

    def get(
        self, objects: Sequence[object], compute: Callable[[], Part], extra: Hashable = None
    ) -> Part:
        """The part kept for these objects (in this order) and `extra`; else `compute()`'s,
        kept. `extra`: whatever else the part depends on (hashable, compared by value)."""
        key = (tuple(map(id, objects)), extra)
        entry = self._entries.get(key)
        if entry is not None:
            with suppress(KeyError):  # another thread's answer may just have dropped it
                self._entries.move_to_end(key)
            return entry[1]
        found = compute()  # two threads may both compute it: the same part, kept once
        self._entries[key] = (tuple(objects), found)
        while len(self._entries) > self._limit:
            with suppress(KeyError):
                self._entries.popitem(last=False)
        return found

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_EVERY: WeakSet[KeptByIdentity[Any]] = WeakSet()


def forget_all() -> None:
    """Drop every kept part (tests compare answers with and without them)."""
    for kept in list(_EVERY):
        kept.clear()
