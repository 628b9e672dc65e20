"""Which values orjson writes byte for byte as the json module does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# Floats, for one, are written differently by the two; dates and datetimes reach the
# caller's `default` hook in both (orjson with OPT_PASSTHROUGH_DATETIME).
_ALIKE = (str, int, bool, type(None), date, datetime)


def written_alike(value: Any) -> bool:
    """True for these exact types, nested in lists and in dicts with str keys: the values
    for which orjson may stand in for json (the caller still checks what orjson refuses,
    such as an int beyond 64 bits, and how each escapes non-ASCII text)."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and written_alike(v) for k, v in value.items())
    if kind is list:
        return all(map(written_alike, value))
    return kind in _ALIKE
