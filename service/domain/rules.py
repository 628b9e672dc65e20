"""The field rules of product.md §4/§5, shared by enrollment, correction and exit."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import cache

from service.domain.codes import MAX_AGE, MIN_AGE, Education, ExitReason, Sex, Support
from service.domain.errors import InvalidValueError, UnknownCodeError
from service.domain.municipalities import is_municipality
from service.domain.personnummer_guard import contains_identity_number
from service.domain.pseudonym import looks_like_identity_number

_MUNICIPALITY = re.compile(r"^[0-9]{4}$")


def require_code(field: str, value: object, codes: type[StrEnum]) -> str:
    """The value as a code of `codes`, or UnknownCodeError naming the allowed ones."""
    if not isinstance(value, str) or value not in _values(codes):
        raise UnknownCodeError(field, value, list(_values(codes)))
    return value


@cache
def _values(codes: type[StrEnum]) -> tuple[str, ...]:
    """The codes' values in their order (built once: every event checks several)."""
    return tuple(c.value for c in codes)


def require_support(field: str, codes: Iterable[object]) -> frozenset[str]:
    """A valid support set: known codes, each once, and `none` alone if present."""
    listed = [require_code(field, c, Support) for c in codes]
    support = frozenset(listed)
    if len(support) < len(listed):  # a repeated code is a client's mistake, not emphasis
        raise InvalidValueError(field, f"{field} lists a code more than once")
    if Support.NONE.value in support and len(support) > 1:
        raise InvalidValueError(field, f"{field}: 'none' cannot be combined with other codes")
    return support


def require_not_future(field: str, value: date, today: date) -> date:
    """Dates of events that have happened cannot lie ahead."""
    if value > today:
        raise InvalidValueError(field, f"{field} {value.isoformat()} is in the future")
    return value


def require_age(enrolled_on: date, birth_year: int) -> None:
    """Age at enrollment must be 15–67 (product.md §4)."""
    age = enrolled_on.year - birth_year
    if not MIN_AGE <= age <= MAX_AGE:
        raise InvalidValueError(
            "birth_year",
            f"age at enrollment is {age}; it must be between {MIN_AGE} and {MAX_AGE}",
        )


def require_months(field: str, value: int | None) -> int | None:
    """Optional month counts are whole numbers ≥ 0."""
    if value is not None and value < 0:
        raise InvalidValueError(field, f"{field} must be 0 or more")
    return value


def require_municipality(value: str | None) -> str | None:
    """An SCB kommunkod has four digits."""
    if value is not None and not _MUNICIPALITY.match(value):
        raise InvalidValueError("municipality", "municipality must be a 4-digit SCB kommunkod")
    if value is not None and not is_municipality(value):  # one of the 290 (issue 17)
        raise InvalidValueError("municipality", "municipality is not one of SCB's kommunkoder")
    return value


def require_pseudonym(value: str) -> str:
    """Pseudonyms are opaque strings of 8–128 characters — and never a personnummer, which
    an integration might send by mistake: it would be kept forever in the event."""
    if not 8 <= len(value) <= 128:
        raise InvalidValueError("pseudonym", "pseudonym must be 8 to 128 characters long")
    if looks_like_identity_number(value) or contains_identity_number(value):
        raise InvalidValueError(
            "pseudonym",
            "pseudonym is a personnummer; send its HMAC pseudonym (docs/integration.md)",
        )
    return value


def check_enrollment_fields(fields: dict[str, object], today: date) -> None:
    """Validate the Enrolled fields as a whole (also the result of a correction)."""
    require_pseudonym(str(fields["pseudonym"]))
    require_code("sex", fields["sex"], Sex)
    require_code("education", fields["education"], Education)
    enrolled_on = fields["enrolled_on"]
    assert isinstance(enrolled_on, date)
    require_not_future("enrolled_on", enrolled_on, today)
    birth_year = fields["birth_year"]
    assert isinstance(birth_year, int)
    require_age(enrolled_on, birth_year)
    require_municipality(fields.get("municipality"))  # type: ignore[arg-type]
    require_support("support", fields["support"])  # type: ignore[arg-type]
    for months in ("months_on_public_support", "months_without_work_or_studies"):
        require_months(months, fields.get(months))  # type: ignore[arg-type]


def check_exit_fields(fields: dict[str, object], enrolled_on: date, today: date) -> None:
    """Validate an exit (also the result of a correction)."""
    exited_on = fields["exited_on"]
    assert isinstance(exited_on, date)
    require_not_future("exited_on", exited_on, today)
    if exited_on < enrolled_on:
        raise InvalidValueError("exited_on", "exited_on is before enrolled_on")
    require_code("reason", fields["reason"], ExitReason)
    if fields.get("support_at_exit") is not None:
        require_support("support_at_exit", fields["support_at_exit"])  # type: ignore[arg-type]
