"""Conversions between domain facts and read-model rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from service.domain.facts import EnrollmentFacts

FACT_FIELDS = tuple(EnrollmentFacts.__dataclass_fields__)
_fact_values = attrgetter(*FACT_FIELDS)  # one C call instead of a getattr per field
_SET_FIELDS = {
    "support_at_enrollment", "current_support", "support_at_exit", "support_change",
    "exit_support_given",
}  # fmt: skip


def naive_utc(moment: datetime) -> datetime:
    """Read models store naive UTC (SQLite keeps no zone)."""
    if moment.tzinfo is None:
        return moment
    if moment.tzinfo is UTC:  # event timestamps: no conversion needed
        return moment.replace(tzinfo=None)
    return moment.astimezone(UTC).replace(tzinfo=None)


def encode_codes(codes: Iterable[str] | None) -> str | None:
    """A set of codes as a sorted comma-separated string ('' = empty set)."""
    return None if codes is None else ",".join(sorted(codes))


def decode_codes(text: str | None) -> frozenset[str] | None:
    """The inverse of encode_codes."""
    if text is None:
        return None
    return frozenset(text.split(",")) if text else frozenset()


# A projection encodes the same few code sets again and again (the facts hold frozensets).
encoded_set = lru_cache(maxsize=4096)(encode_codes)


# Where the code sets are in a row of FACT_FIELDS columns.
_SET_POSITIONS = tuple(n for n, name in enumerate(FACT_FIELDS) if name in _SET_FIELDS)
_MISSING: Any = object()


def facts_to_values(facts: EnrollmentFacts) -> list[Any]:
    """The FACT_FIELDS columns of enrollment_versions for these facts, in that order."""
    values = list(_fact_values(facts))
    for n in _SET_POSITIONS:
        values[n] = encoded_set(values[n])
    return values


def rows_to_facts(rows: Iterable[Sequence[Any]]) -> list[EnrollmentFacts]:
    """The facts of rows that hold exactly the FACT_FIELDS columns, in that order (by
    position: statistics read hundreds of rows per answer, and name lookups add up)."""
    found = []
    # Few distinct code sets recur across rows: each is decoded once (a frozenset is
    # immutable, so the rows can share it).
    decoded: dict[str | None, frozenset[str] | None] = {}
    for row in rows:
        values = list(row)
        for n in _SET_POSITIONS:
            text = values[n]
            codes = decoded.get(text, _MISSING)
            if codes is _MISSING:
                codes = decoded[text] = decode_codes(text)
            values[n] = codes
        found.append(EnrollmentFacts(*values))
    return found


# Facts already decoded in this process, by their row (every value of it, so a changed
# row is another key): the next answer for a year decodes mostly the rows the last did,
# and gets the same (immutable) objects back, which statistics can recognise cheaply.
_FACTS_OF_ROW: dict[tuple[Any, ...], EnrollmentFacts] = {}
_FACTS_KEPT = 1 << 15  # a large year (26,522) fits; emptied when full


def kept_facts(rows: Iterable[Sequence[Any]]) -> list[EnrollmentFacts]:
    """rows_to_facts, each row decoded once per process (safe with threads: at worst a
    row is decoded twice)."""
    keys = [tuple(row) for row in rows]
    kept = _FACTS_OF_ROW
    found = [kept.get(key) for key in keys]
    missing = [n for n, fact in enumerate(found) if fact is None]
    if missing:
        if len(kept) + len(missing) > _FACTS_KEPT:
            kept.clear()
        decoded = rows_to_facts([keys[n] for n in missing])
        for n, fact in zip(missing, decoded, strict=True):
            found[n] = kept.setdefault(keys[n], fact)
    return found  # type: ignore[return-value]
