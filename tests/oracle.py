"""A naive second implementation of the measures of product.md §6, for tests.

It is written straight from the specification and shares no code with
service/application/: it replays the batch events of one association (§8) in
plain Python and returns the UNSUPPRESSED measures in the shape of the
statistics answer of §8:

    {"interventions": {intervention_id: measures}, "total": measures}

Decisions where the specification is silent (kept deliberately simple):
- Events apply in list order; with `as_of` only events with recorded_at <= as_of.
- An exit without `support_at_exit` takes the support in force at the exit, as known
  now: the latest support change (whenever recorded), or else the enrollment's support
  (as corrected).
- Rounding is half up, from the exact fraction: shares to 4 decimals, means to 1.
- Medians are exact: an int when whole, else a float (x.5).
- `support_before_after` has a key per Support code plus "unknown" (empty set).
- `municipality` has a key per code present among the active, plus "unknown".
- `unique_participants` (total only) counts distinct pseudonyms among active
  enrollments; its female/male cells count pseudonyms of active female/male ones.
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from service.domain.codes import Education, ExitReason, Support

WORK_OR_STUDIES_REASONS = frozenset({"work", "subsidised_work", "studies"})
DEFAULT_GOAL_REASONS_ORACLE = frozenset(
    {"work", "subsidised_work", "studies", "job_seeking", "vocational_rehab"}
)
EXIT_FIELDS = ("exited_on", "reason", "support_at_exit", "progressed")
SEXES = ("female", "male")
UNKNOWN = "unknown"

# Bands of §6, written out again here on purpose (15-year-olds count in "16-19").
BANDS = (
    ("16-19", 15, 19),
    ("20-24", 20, 24),
    ("25-29", 25, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60+", 60, 999),
)


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, keeping the day-of-month, clamped to the month's end."""
    year = day.year
    month = day.month
    for _ in range(months):
        month += 1
        if month == 13:
            month = 1
            year += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def band_of(age: int) -> str:
    for label, low, high in BANDS:
        if low <= age <= high:
            return label
    raise ValueError(f"age {age} is in no band")


def round_half_up(value: Fraction, places: int) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _day(value: str | date) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


# --- replay -----------------------------------------------------------------------


@dataclass
class _Journey:
    """The state of one enrollment while its events are replayed."""

    intervention_id: str
    enrolled: dict[str, Any]
    support_changes: list[list[str]]
    exit: dict[str, Any] | None = None
    voided: bool = False

    def last_known_support(self) -> list[str]:
        if self.support_changes:
            return self.support_changes[-1]
        return self.enrolled["support"]


@dataclass
class _Record:
    """What the measures look at: the current state of one enrollment."""

    intervention_id: str
    pseudonym: str
    sex: str
    age: int
    enrolled_on: date
    education: str
    municipality: str
    support: frozenset[str]
    months_on_public_support: int | None
    months_without_work_or_studies: int | None
    exited_on: date | None
    reason: str | None
    support_at_exit: frozenset[str] | None
    progressed: bool | None


def replay(events: list[dict], as_of: datetime | None = None) -> dict[str, _Journey]:
    journeys: dict[str, _Journey] = {}
    for event in events:
        if as_of is not None and event["recorded_at"] > as_of:
            continue
        kind = event["type"]
        eid = event["enrollment_id"]
        data = event["data"]
        if kind == "enrolled":
            journeys[eid] = _Journey(
                intervention_id=event["intervention_id"],
                enrolled=dict(data),
                support_changes=[],
            )
            continue
        journey = journeys.get(eid)
        if journey is None or journey.voided:
            continue
        if kind == "support_changed":
            journey.support_changes.append(list(data["support"]))
        elif kind == "exited":
            journey.exit = {
                "exited_on": data["exited_on"],
                "reason": data["reason"],
                "support_at_exit": data.get("support_at_exit"),  # None: not given
                "progressed": data.get("progressed"),
            }
        elif kind == "exit_retracted":
            journey.exit = None
        elif kind == "corrected":
            for key, value in data.items():
                if key in EXIT_FIELDS:
                    if journey.exit is not None:
                        journey.exit[key] = value
                else:
                    journey.enrolled[key] = value
        elif kind == "voided":
            journey.voided = True
        else:
            raise ValueError(f"unknown event type {kind!r}")
    return journeys


def _record(journey: _Journey) -> _Record:
    enrolled = journey.enrolled
    enrolled_on = _day(enrolled["enrolled_on"])
    exit_ = journey.exit
    return _Record(
        intervention_id=journey.intervention_id,
        pseudonym=enrolled["pseudonym"],
        sex=enrolled["sex"],
        age=enrolled_on.year - int(enrolled["birth_year"]),
        enrolled_on=enrolled_on,
        education=enrolled["education"],
        municipality=enrolled.get("municipality") or UNKNOWN,
        support=frozenset(enrolled["support"]),
        months_on_public_support=enrolled.get("months_on_public_support"),
        months_without_work_or_studies=enrolled.get("months_without_work_or_studies"),
        exited_on=_day(exit_["exited_on"]) if exit_ else None,
        reason=exit_["reason"] if exit_ else None,
        support_at_exit=_support_at_exit(journey) if exit_ else None,
        progressed=exit_["progressed"] if exit_ else None,
    )


def _support_at_exit(journey: _Journey) -> frozenset[str]:
    assert journey.exit is not None
    given = journey.exit["support_at_exit"]
    return frozenset(given if given is not None else journey.last_known_support())


# --- cells ------------------------------------------------------------------------


def _of_sex(records: list[_Record], sex: str) -> list[_Record]:
    return [r for r in records if r.sex == sex]


def _count_cell(records: list[_Record]) -> dict[str, int]:
    return {
        "total": len(records),
        "female": len(_of_sex(records, "female")),
        "male": len(_of_sex(records, "male")),
    }


def _share(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    return round_half_up(Fraction(numerator, denominator), 4)


def _share_cell(part: list[_Record], whole: list[_Record]) -> dict[str, float | None]:
    return {
        "total": _share(len(part), len(whole)),
        "female": _share(len(_of_sex(part, "female")), len(_of_sex(whole, "female"))),
        "male": _share(len(_of_sex(part, "male")), len(_of_sex(whole, "male"))),
    }


def _mean(values: list[int]) -> float | None:
    if not values:
        return None
    return round_half_up(Fraction(sum(values), len(values)), 1)


def _median(values: list[int]) -> int | float | None:
    if not values:
        return None
    middle = statistics.median(sorted(values))
    if middle == int(middle):
        return int(middle)
    return float(middle)


def _values(records: list[_Record], value: Callable[[_Record], int | None]) -> list[int]:
    found = []
    for r in records:
        v = value(r)
        if v is not None:
            found.append(v)
    return found


def _stat_cell(
    records: list[_Record],
    value: Callable[[_Record], int | None],
    stat: Callable[[list[int]], Any],
) -> dict[str, Any]:
    return {
        "total": stat(_values(records, value)),
        "female": stat(_values(_of_sex(records, "female"), value)),
        "male": stat(_values(_of_sex(records, "male"), value)),
    }


def _mean_cell(records: list[_Record], value: Callable[[_Record], int | None]) -> dict:
    return _stat_cell(records, value, _mean)


def _pair(records: list[_Record], value: Callable[[_Record], int | None]) -> dict:
    return {
        "mean": _stat_cell(records, value, _mean),
        "median": _stat_cell(records, value, _median),
    }


def _throughput(r: _Record) -> int:
    assert r.exited_on is not None
    return (r.exited_on - r.enrolled_on).days


def _support_codes_of(support: frozenset[str]) -> set[str]:
    if not support:
        return {UNKNOWN}
    return set(support)


# --- the measures -----------------------------------------------------------------


def _measures(
    records: list[_Record],
    *,
    period_from: date,
    period_to: date,
    early_dropout_months: int,
    goal_reasons: frozenset[str],
    youth_max_age: int,
) -> dict[str, Any]:
    active = [
        r
        for r in records
        if r.enrolled_on <= period_to and (r.exited_on is None or r.exited_on >= period_from)
    ]
    new = [r for r in records if period_from <= r.enrolled_on <= period_to]
    active_at_end = [
        r
        for r in records
        if r.enrolled_on <= period_to and (r.exited_on is None or r.exited_on > period_to)
    ]
    exits = [
        r for r in records if r.exited_on is not None and period_from <= r.exited_on <= period_to
    ]
    early = []
    completed = []
    for r in exits:
        assert r.exited_on is not None
        if early_dropout_months > 0 and r.exited_on < add_months(
            r.enrolled_on, early_dropout_months
        ):
            early.append(r)
        else:
            completed.append(r)
    to_work_or_studies = [r for r in completed if r.reason in WORK_OR_STUDIES_REASONS]
    to_goal = [r for r in completed if r.reason in goal_reasons]
    progressed = [r for r in completed if r.progressed is True]
    judged = [r for r in completed if r.progressed is not None]

    support_codes = [s.value for s in Support]
    support_keys = [*support_codes, UNKNOWN]
    band_labels = [label for label, _, _ in BANDS]
    municipality_keys = sorted({r.municipality for r in active} | {UNKNOWN})

    youth_completed = [r for r in completed if r.age <= youth_max_age]
    adult_completed = [r for r in completed if r.age > youth_max_age]

    return {
        "active": _count_cell(active),
        "new": _count_cell(new),
        "active_at_end": _count_cell(active_at_end),
        "exits": _count_cell(exits),
        "early_dropouts": _count_cell(early),
        "completed_exits": _count_cell(completed),
        "exits_by_reason": {
            reason.value: _count_cell([r for r in completed if r.reason == reason.value])
            for reason in ExitReason
        },
        "to_work_or_studies": _count_cell(to_work_or_studies),
        "to_goal": _count_cell(to_goal),
        "share_to_work_or_studies": _share_cell(to_work_or_studies, completed),
        "share_to_goal": _share_cell(to_goal, completed),
        "share_to_work_or_studies_of_all_exits": _share_cell(to_work_or_studies, exits),
        "share_to_goal_of_all_exits": _share_cell(to_goal, exits),
        "progressed": _count_cell(progressed),
        "share_progressed": _share_cell(progressed, judged),
        "throughput_days": _pair(completed, _throughput),
        "throughput_days_to_goal": _pair(to_goal, _throughput),
        "months_on_public_support_before": {
            "to_goal": _mean_cell(to_goal, lambda r: r.months_on_public_support),
            "new": _mean_cell(new, lambda r: r.months_on_public_support),
        },
        "months_without_work_or_studies_before": {
            "to_goal": _mean_cell(to_goal, lambda r: r.months_without_work_or_studies),
            "new": _mean_cell(new, lambda r: r.months_without_work_or_studies),
        },
        "support_at_enrollment": {
            code: _count_cell([r for r in active if code in _support_codes_of(r.support)])
            for code in support_keys
        },
        "support_before_after": {
            code: {
                "at_enrollment": _count_cell(
                    [r for r in completed if code in _support_codes_of(r.support)]
                ),
                "at_exit": _count_cell(
                    [
                        r
                        for r in completed
                        if code in _support_codes_of(r.support_at_exit or frozenset())
                    ]
                ),
            }
            for code in support_keys
        },
        "age_band": {
            "active": {
                b: _count_cell([r for r in active if band_of(r.age) == b]) for b in band_labels
            },
            "new": {b: _count_cell([r for r in new if band_of(r.age) == b]) for b in band_labels},
            "completed_exits": {
                b: _count_cell([r for r in completed if band_of(r.age) == b]) for b in band_labels
            },
        },
        "to_work_or_studies_by_age": {
            "youth": {
                "completed_exits": _count_cell(youth_completed),
                "to_work_or_studies": _count_cell(
                    [r for r in youth_completed if r.reason in WORK_OR_STUDIES_REASONS]
                ),
            },
            "adult": {
                "completed_exits": _count_cell(adult_completed),
                "to_work_or_studies": _count_cell(
                    [r for r in adult_completed if r.reason in WORK_OR_STUDIES_REASONS]
                ),
            },
        },
        "education": {
            e.value: _count_cell([r for r in active if r.education == e.value]) for e in Education
        },
        "municipality": {
            m: _count_cell([r for r in active if r.municipality == m]) for m in municipality_keys
        },
    }


def _unique_participants(records: list[_Record], period_from: date, period_to: date) -> dict:
    active = [
        r
        for r in records
        if r.enrolled_on <= period_to and (r.exited_on is None or r.exited_on >= period_from)
    ]
    return {
        "total": len({r.pseudonym for r in active}),
        "female": len({r.pseudonym for r in active if r.sex == "female"}),
        "male": len({r.pseudonym for r in active if r.sex == "male"}),
    }


def oracle_measures(
    events: list[dict],
    *,
    period_from: date,
    period_to: date,
    as_of: datetime | None = None,
    early_dropout_months: int = 2,
    goal_reasons: Iterable[str] = DEFAULT_GOAL_REASONS_ORACLE,
    youth_max_age: int = 29,
    interventions: Iterable[str] = (),
) -> dict[str, Any]:
    """The unsuppressed measures of §6 per intervention and for the association.

    `interventions` adds intervention ids that have no (visible) enrollment, so that
    they appear with zero counts like registered interventions do in the service.
    """
    goals = frozenset(str(g) for g in goal_reasons)
    journeys = replay(events, as_of)
    records = [_record(j) for j in journeys.values() if not j.voided]
    intervention_ids = sorted({j.intervention_id for j in journeys.values()} | set(interventions))
    settings = {
        "period_from": period_from,
        "period_to": period_to,
        "early_dropout_months": early_dropout_months,
        "goal_reasons": goals,
        "youth_max_age": youth_max_age,
    }
    per_intervention = {
        iid: _measures([r for r in records if r.intervention_id == iid], **settings)
        for iid in intervention_ids
    }
    total = _measures(records, **settings)
    total["unique_participants"] = _unique_participants(records, period_from, period_to)
    return {"interventions": per_intervention, "total": total}
