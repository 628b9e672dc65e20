"""The schema side of the personnummer guard (issue 17): a field validator."""

from __future__ import annotations

from pydantic_core import PydanticCustomError

from service.domain.personnummer_guard import MESSAGE, contains_identity_number


def guarded(value: str) -> str:
    """A schema field's value, or a 422 when it holds a personnummer or samordningsnummer."""
    if contains_identity_number(value):
        raise PydanticCustomError("personnummer", MESSAGE)
    return value
