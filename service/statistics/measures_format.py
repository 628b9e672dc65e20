"""The values of a statistics answer before they become JSON numbers.

Disclosure control (product.md §7) must know how many persons every mean, median and share
was computed over, and which published counts it would give away, so measures are built as
trees (dicts and lists, shaped like the JSON they become) with `Count` and `Statistic`
leaves. Only `render` (or `filled`) turns them into numbers: rounded, or null where suppressed. Rounding
happens nowhere else: shares to 4 decimals, means to 1, medians exact (an int when whole,
else x.5), amounts of money to whole kronor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from service.domain.codes import Sex
from service.domain.facts import EnrollmentFacts
from service.statistics import definitions as st

Pointer = tuple[str | int, ...]
COLUMNS: tuple[str, ...] = ("total", Sex.FEMALE.value, Sex.MALE.value)


@dataclass(frozen=True, slots=True)
class Count:
    """A number of persons (or enrollments): shown as is, unless small (§7)."""

    value: int


class Kind(StrEnum):
    """What a statistic is, which decides how it is rounded."""

    SHARE = "share"
    MEAN = "mean"
    MEDIAN = "median"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class Statistic:
    """A share, mean, median or amount, with the number of persons it was computed over."""

    kind: Kind
    value: float | None
    base: int
    # Counts (pointers relative to the measures object) the value would give away if hidden.
    reveals: tuple[Pointer, ...] = ()


Leaf = Count | Statistic
ValueOf = Callable[[EnrollmentFacts], int | None]


def by_sex(selection: Sequence[EnrollmentFacts]) -> dict[str, list[EnrollmentFacts]]:
    """A selection split into the columns of a cell: total, female, male."""
    columns = {"total": list(selection)}
    for sex in COLUMNS[1:]:
        columns[sex] = [f for f in selection if f.sex == sex]
    return columns


# Counts are immutable, so the small ones (nearly all) are made once and shared.
_SMALL_COUNTS = tuple(Count(n) for n in range(1024))
TOTAL, FEMALE, MALE = COLUMNS


def count_of(value: int) -> Count:
    """A Count leaf of a value."""
    return _SMALL_COUNTS[value] if 0 <= value < len(_SMALL_COUNTS) else Count(value)


def counts(grouping: Sequence[EnrollmentFacts] | Mapping[str, Any]) -> dict[str, Any]:
    """Count cells for a selection, or for every group of a (nested) grouping, keys kept."""
    # A list is never a Mapping: tell the common case apart without the slower ABC check.
    if not isinstance(grouping, list) and isinstance(grouping, Mapping):
        return {key: counts(group) for key, group in grouping.items()}
    if not grouping:
        return {TOTAL: _SMALL_COUNTS[0], FEMALE: _SMALL_COUNTS[0], MALE: _SMALL_COUNTS[0]}
    sexes = [f.sex for f in grouping]
    return {
        TOTAL: count_of(len(sexes)),
        FEMALE: count_of(sexes.count(FEMALE)),
        MALE: count_of(sexes.count(MALE)),
    }


def share(
    numerator: Sequence[EnrollmentFacts],
    base: Sequence[EnrollmentFacts],
    reveals: Sequence[Pointer],
) -> dict[str, Statistic]:
    """A cell of fractions numerator / base (numerator ⊆ base); None where the base is empty."""
    parts, wholes = by_sex(numerator), by_sex(base)
    return {
        column: Statistic(
            Kind.SHARE,
            len(parts[column]) / len(wholes[column]) if wholes[column] else None,
            len(wholes[column]),
            tuple((*r, column) for r in reveals),
        )
        for column in COLUMNS
    }


def aggregate(
    kind: Kind, selection: Sequence[EnrollmentFacts], value_of: ValueOf, population: Pointer
) -> dict[str, Statistic]:
    """A cell of means or medians of value_of over those in the selection that have a value."""
    combine = st.mean if kind is Kind.MEAN else st.median
    cell = {}
    for column, chosen in by_sex(selection).items():
        values = [v for v in map(value_of, chosen) if v is not None]
        cell[column] = Statistic(kind, combine(values), len(values), ((*population, column),))
    return cell


def mean_and_median(
    selection: Sequence[EnrollmentFacts], value_of: ValueOf, population: Pointer
) -> dict[str, Any]:
    """A mean/median pair of cells."""
    return {
        "mean": aggregate(Kind.MEAN, selection, value_of, population),
        "median": aggregate(Kind.MEDIAN, selection, value_of, population),
    }


def plain_counts(values: Mapping[str, int]) -> dict[str, Count]:
    """Reported counts (not built from enrollments), as Count leaves."""
    return {key: count_of(value) for key, value in values.items()}


def leaves(tree: Any, at: Pointer = ()) -> Iterator[tuple[Pointer, Leaf]]:
    """Every Count and Statistic in a tree, with its pointer, in document order."""
    if isinstance(tree, Count | Statistic):
        yield at, tree
    elif isinstance(tree, dict):
        for key, child in tree.items():
            yield from leaves(child, (*at, key))
    elif isinstance(tree, list):
        for index, child in enumerate(tree):
            yield from leaves(child, (*at, index))


def rounded(statistic: Statistic) -> float | int | None:
    """A statistic's value as published."""
    return rounded_value(statistic.kind, statistic.value)


def rounded_value(kind: Kind, value: float | None) -> float | int | None:
    """The value of a statistic of this kind as published."""
    if value is None:
        return None
    if kind is Kind.SHARE:
        return half_up(value, 4)
    if kind is Kind.MEAN:
        return half_up(value, 1)
    if kind is Kind.AMOUNT:
        return int(half_up(value, 0))
    # A median is exact (an int or x.5) unless it carries noise: one decimal then.
    value = half_up(value, 1)
    return int(value) if value.is_integer() else value


def half_up(value: float, places: int) -> float:
    """Round half away from zero, as people and the export do (Python's round() is
    half-to-even: 285.25 would become 285.2). repr() gives the shortest decimal that is
    this float, which for a tie like k/n = 285.25 is exactly "285.25"."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def published(leaf: Leaf) -> float | int | None:
    """A leaf's value as published, when it is not hidden."""
    return leaf.value if isinstance(leaf, Count) else rounded(leaf)


def filled(tree: Any, values: Iterator[Any]) -> Any:
    """The tree as JSON-ready values, its leaves taken in document order from `values`."""
    if isinstance(tree, dict):
        filled_in = {}
        for key, child in tree.items():
            kind = type(child)
            # Leaves are most nodes: no call for them.
            filled_in[key] = (
                next(values) if kind is Count or kind is Statistic else filled(child, values)
            )
        return filled_in
    if isinstance(tree, Count | Statistic):
        return next(values)
    if isinstance(tree, list):
        return [filled(child, values) for child in tree]
    return tree


def render(tree: Any, hidden: Mapping[Pointer, str]) -> Any:
    """The tree as JSON-ready values; leaves in `hidden` become None."""
    values = [None if at in hidden else published(leaf) for at, leaf in leaves(tree)]
    return filled(tree, iter(values))


def json_pointer(pointer: Pointer) -> str:
    """The RFC 6901 JSON pointer of a tree position."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in pointer)
