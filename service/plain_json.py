"""Which values orjson writes byte for byte as the json module does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# Floats, for one, are written differently by the two; dates and datetimes reach the
# caller's `default` hook in both (orjson with OPT_PASSTHROUGH_DATETIME).
_ALIKE = frozenset((str, int, bool, type(None), date, datetime))


def written_alike(value: Any) -> bool:
    """True for these exact types, nested in lists and in dicts with str keys: the values
    for which orjson may stand in for json (the caller still checks what orjson refuses,
    such as an int beyond 64 bits, and how each escapes non-ASCII text)."""
    kind = type(value)
    if kind in _ALIKE:
        return True
    if kind is dict:
        # Every stored event and request body passes here (issue 21): a plain value is
        # answered in the loop, only a nested list or dict costs a call.
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _ALIKE and not written_alike(item)):
                return False
        return True
    if kind is list:
        return all(type(item) in _ALIKE or written_alike(item) for item in value)
    return False
