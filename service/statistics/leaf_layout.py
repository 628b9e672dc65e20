"""Leaf numbers: where the leaves of a measures tree are, derived once per shape.

An answer has some 13,000 leaves in one measures object per intervention and one for the
total, and those objects have (almost always) the same keys. Disclosure control and
rendering therefore work on leaf numbers — positions in document order — instead of
building and hashing a pointer per leaf; the pointers, and what depends only on them,
are derived once for each distinct shape. A shape holds the keys and the kind of every
node, never a number, so two answers share a layout exactly when their trees have the
same keys. Leaves are carried as numbers (a count's value, a statistic's value and base), so
an answer can be numbered from Count trees (`MeasuredLeaves.of`) or from values computed
straight into leaf order (`MeasuredLeaves.of_values`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.statistics.measures_format import (
    Count,
    Kind,
    Leaf,
    Pointer,
    Statistic,
    json_pointer,
)

# The keys and node kinds of a tree in document order: a dict is the tuple of its keys, a
# list its length, a count its class, a statistic its kind and what it reveals (both
# decided by its place, so kept with the layout), anything else (a name, the number of
# activities) None.
Shape = tuple[Any, ...]


def flatten(tree: Any) -> tuple[Shape, list[Leaf]]:
    """The shape of a tree and its Count and Statistic leaves, in document order."""
    shape: list[Any] = []
    found: list[Leaf] = []
    _walk(tree, shape, found)
    return tuple(shape), found


def _walk(node: Any, shape: list[Any], found: list[Leaf]) -> None:
    # Same order and the same node kinds as measures_format.leaves and render.
    if isinstance(node, Count):
        shape.append(Count)
        found.append(node)
    elif isinstance(node, Statistic):
        shape.append((node.kind, node.reveals))
        found.append(node)
    elif isinstance(node, dict):
        shape.append(tuple(node))
        for child in node.values():
            if type(child) is Count:  # most nodes: no call for them
                shape.append(Count)
                found.append(child)
            else:
                _walk(child, shape, found)
    elif isinstance(node, list):
        shape.append(len(node))
        for child in node:
            _walk(child, shape, found)
    else:
        shape.append(None)


def _with_pointers(node: Any, at: Pointer, found: list[tuple[Pointer, Leaf]]) -> None:
    # measures_format.leaves as a list (a generator per level costs more here).
    if isinstance(node, Count | Statistic):
        found.append((at, node))
    elif isinstance(node, dict):
        for key, child in node.items():
            _with_pointers(child, (*at, key), found)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            _with_pointers(child, (*at, index), found)


@dataclass(frozen=True, slots=True, eq=False)
class Layout:
    """The leaves of one shape: pointers (relative to the tree), numbered in document order."""

    # A tree of this shape: its keys and leaf kinds are what relations are derived from.
    template: Any
    pointers: tuple[Pointer, ...]
    kinds: tuple[type[Leaf], ...]
    number: Mapping[Pointer, int]
    # RFC 6901 pointers of the leaves, relative too.
    json_pointers: tuple[str, ...]
    # The numbers of the Statistic leaves; then, for each of them, its kind and the leaves
    # (counts) it would give away.
    statistics: tuple[int, ...]
    statistic_kinds: tuple[Kind, ...]
    reveals: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, tree: Any) -> Layout:
        """The layout of a tree (only its shape matters)."""
        found: list[tuple[Pointer, Leaf]] = []
        _with_pointers(tree, (), found)
        pointers = tuple(at for at, _ in found)
        number = {at: n for n, at in enumerate(pointers)}
        statistics = [(n, leaf) for n, (_, leaf) in enumerate(found) if isinstance(leaf, Statistic)]
        return cls(
            tree,
            pointers,
            tuple(type(leaf) for _, leaf in found),
            number,
            tuple(json_pointer(at) for at in pointers),
            tuple(n for n, _ in statistics),
            tuple(leaf.kind for _, leaf in statistics),
            tuple(tuple(number[r] for r in leaf.reveals if r in number) for _, leaf in statistics),
        )


@dataclass(frozen=True, slots=True)
class MeasuredLeaves:
    """The leaves of an answer's measures objects, numbered across them in their order."""

    roots: tuple[Pointer, ...]
    layouts: tuple[Layout, ...]
    # Leaf n of the answer is leaf n − offsets[i] of measures object i.
    offsets: tuple[int, ...]
    # Per leaf: a count's value or a statistic's (None: computed over nobody) ...
    values: list[Any]
    # ... and the number of persons a statistic was computed over (0 for a count).
    bases: list[int]
    json_roots: tuple[str, ...]
    # The numbers of the Statistic leaves, in order, and their kinds.
    statistics: tuple[int, ...]
    statistic_kinds: tuple[Kind, ...]

    @classmethod
    def of(cls, roots: Sequence[tuple[Pointer, Any]]) -> MeasuredLeaves:
        """Number the leaves of measures objects given as trees; one layout per shape."""
        by_shape: dict[Shape, Layout] = {}
        layouts: list[Layout] = []
        values: list[Any] = []
        bases: list[int] = []
        for _, tree in roots:
            shape, leaves_of_tree = flatten(tree)
            layout = by_shape.get(shape)
            if layout is None:
                layout = by_shape[shape] = Layout.of(tree)
            layouts.append(layout)
            values += [leaf.value for leaf in leaves_of_tree]
            bases += [getattr(leaf, "base", 0) for leaf in leaves_of_tree]
        return cls.of_values([r for r, _ in roots], layouts, values, bases)

    @classmethod
    def of_values(
        cls,
        roots: Sequence[Pointer],
        layouts: Sequence[Layout],
        values: list[Any],
        bases: list[int],
    ) -> MeasuredLeaves:
        """Number leaves whose values (and bases) are given in order, object by object."""
        offsets = []
        size = 0
        for layout in layouts:
            offsets.append(size)
            size += len(layout.pointers)
        if len(values) != size or len(bases) != size:
            raise ValueError(f"{len(values)} values for {size} leaves")
        return cls(
            tuple(roots),
            tuple(layouts),
            tuple(offsets),
            values,
            bases,
            tuple(json_pointer(r) for r in roots),
            tuple(
                offset + n
                for layout, offset in zip(layouts, offsets, strict=True)
                for n in layout.statistics
            ),
            tuple(kind for layout in layouts for kind in layout.statistic_kinds),
        )

    def scope_of(self, number: int) -> int:
        """The measures object a leaf is in."""
        return bisect_right(self.offsets, number) - 1

    def pointer(self, number: int) -> Pointer:
        """The pointer of a leaf in the answer."""
        scope = self.scope_of(number)
        return (*self.roots[scope], *self.layouts[scope].pointers[number - self.offsets[scope]])

    def json_pointers(self, numbers: Iterable[int]) -> Iterator[tuple[int, str]]:
        """Leaves in increasing order, each with its JSON pointer in the answer."""
        scope = 0
        for number in numbers:
            while scope + 1 < len(self.offsets) and self.offsets[scope + 1] <= number:
                scope += 1
            relative = self.layouts[scope].json_pointers[number - self.offsets[scope]]
            yield number, self.json_roots[scope] + relative
