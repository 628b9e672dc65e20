"""The common enrollment events applied straight to a row's values: a rebuild's fast path.

`Enrollment.Event.evolve` defines how an event changes an enrollment's facts. Three events
make up almost every stored enrollment (Enrolled, SupportChanged, Exited); for them this
module makes the same change to the row's values (FACT_FIELDS order, code sets encoded)
without building `EnrollmentFacts`. tests/unit/test_enrollment_rows.py proves with
hypothesis that it equals `facts_to_values(event.evolve(facts))`. Every other event, and
any new one, goes through `evolve`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from service.adapters.rows import FACT_FIELDS, encoded_set, facts_to_values, rows_to_facts
from service.domain.enrollment import Enrollment

Values = list[Any]  # one enrollment's FACT_FIELDS columns, code sets encoded

_AT = {name: n for n, name in enumerate(FACT_FIELDS)}
CURRENT_SUPPORT = _AT["current_support"]
SUPPORT_CHANGE = _AT["support_change"]
EXITED_ON = _AT["exited_on"]
EXIT_REASON = _AT["exit_reason"]
SUPPORT_AT_EXIT = _AT["support_at_exit"]
EXIT_SUPPORT_GIVEN = _AT["exit_support_given"]
PROGRESSED = _AT["progressed"]


def evolved_values(event: Enrollment.Event, values: Values | None) -> Values:
    """The enrollment's values after `event` (None before its first event)."""
    fast = _FAST.get(type(event))
    if fast is not None:
        return fast(event, values)
    facts = None if values is None else rows_to_facts([values])[0]
    return facts_to_values(event.evolve(facts))  # type: ignore[arg-type]


def _codes(codes: Iterable[str] | None) -> str:
    return encoded_set(frozenset(codes or ()))  # type: ignore[return-value]


def _enrolled(event: Any, _: Values | None) -> Values:
    f = event.fields
    support = _codes(f["support"])
    values: Values = [None] * len(FACT_FIELDS)
    values[: _AT["current_support"] + 1] = [
        str(event.originator_id), event.association_id, event.intervention_id,
        f["pseudonym"], f["sex"], f["birth_year"], f["education"], f.get("municipality"),
        f["enrolled_on"], support, f.get("months_on_public_support"),
        f.get("months_without_work_or_studies"), support,
    ]  # fmt: skip
    values[_AT["voided"]] = False
    return values


def _support_changed(event: Any, previous: Values | None) -> Values:
    values = list(previous)  # type: ignore[arg-type]
    support = _codes(event.support)
    values[SUPPORT_CHANGE] = values[CURRENT_SUPPORT] = support
    if values[EXITED_ON] is not None and values[EXIT_SUPPORT_GIVEN] is None:
        values[SUPPORT_AT_EXIT] = support  # a late change dated before the exit
    return values


def _exited(event: Any, previous: Values | None) -> Values:
    values = list(previous)  # type: ignore[arg-type]
    fields = event.exit
    given = fields.get("support_at_exit")
    given_codes = None if given is None else _codes(given)
    values[EXITED_ON] = fields["exited_on"]
    values[EXIT_REASON] = fields["reason"]
    values[EXIT_SUPPORT_GIVEN] = given_codes
    values[SUPPORT_AT_EXIT] = values[CURRENT_SUPPORT] if given_codes is None else given_codes
    values[PROGRESSED] = fields.get("progressed")
    return values


_FAST: dict[type, Callable[[Any, Values | None], Values]] = {
    Enrollment.Enrolled: _enrolled,
    Enrollment.SupportChanged: _support_changed,
    Enrollment.Exited: _exited,
}
