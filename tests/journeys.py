"""Hypothesis strategies for valid journeys, in the batch event format of product.md §8.

A journey is a list of events of one association:

    {"id": uuid str, "type": "enrolled" | "support_changed" | "exited" | "exit_retracted"
             | "corrected" | "voided",
     "enrollment_id": uuid str,
     "intervention_id": str,            # enrolled only
     "data": {... the single endpoint's body ...},
     "recorded_at": datetime}           # for the test only (strictly increasing, UTC)

Every journey keeps all rules of §4 after every event. On top of the rules, to keep
the few places where the specification is silent out of the generated data:
- support changes of an enrollment have strictly increasing dates and are only posted
  while it is open, so "the last known support" is the same whichever way it is read;
- a person (pseudonym) keeps one sex and birth year in all their enrollments: sex and
  birth_year are corrected only on a person's single (non-voided) enrollment;
- an enrollment voided while open still blocks its pseudonym in its intervention;
- pseudonyms are never corrected; corrections never remove an optional field.
The interventions ("team-a", "team-b", "team-c") must be registered as kind
`individual`, starting on or before 2020-01-01 and never closed. All business dates
lie in 2020-01-01..2025-06-30; recorded_at starts on 2025-07-01.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from service.domain.codes import Education, ExitReason, Sex, Support

INTERVENTION_IDS = ("team-a", "team-b", "team-c")
FIRST_DAY = date(2020, 1, 1)
LAST_ENROLLMENT_DAY = date(2024, 12, 31)
LAST_DAY = date(2025, 6, 30)
FIRST_RECORDED_AT = datetime(2025, 7, 1, tzinfo=UTC)
MIN_AGE = 15
MAX_AGE = 67
# Falun, Avesta, Hedemora, Säter, Karlskoga
MUNICIPALITIES = ("2080", "2084", "2083", "2082", "1883")
SUPPORT_CODES_BUT_NONE = tuple(s.value for s in Support if s != Support.NONE)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _special_days(lo: date, hi: date) -> list[date]:
    """Month ends, new year's days, leap days and the day after them, within [lo, hi]."""
    days = set()
    for year in range(lo.year, hi.year + 1):
        days.add(date(year, 1, 1))
        for month in range(1, 13):
            days.add(date(year, month, calendar.monthrange(year, month)[1]))
        if calendar.isleap(year):
            days.add(date(year, 2, 29))
            days.add(date(year, 3, 1))
    return sorted(d for d in days if lo <= d <= hi)


@st.composite
def day_between(draw: st.DrawFn, lo: date, hi: date, hints: tuple[date, ...] = ()) -> date:
    """A date in [lo, hi], often one of `hints` or a month end or leap day."""
    assert lo <= hi, (lo, hi)
    hinted = sorted({d for d in hints if lo <= d <= hi})
    kind = draw(st.integers(0, 2))
    if kind == 0 and hinted:
        return draw(st.sampled_from(hinted))
    if kind == 1:
        specials = _special_days(lo, hi)
        if specials:
            return draw(st.sampled_from(specials))
    return date.fromordinal(draw(st.integers(lo.toordinal(), hi.toordinal())))


def supports() -> st.SearchStrategy[list[str]]:
    """A support set as a list: empty (unknown), ["none"], or up to three other codes."""
    return st.one_of(
        st.just([]),
        st.just([Support.NONE.value]),
        st.lists(st.sampled_from(SUPPORT_CODES_BUT_NONE), min_size=1, max_size=3, unique=True),
    )


def _months() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from([0, 1, 12, 24]), st.integers(0, 240))


def as_batch(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events as a client posts them to events:batch: without the test's recorded_at."""
    return [{k: v for k, v in e.items() if k != "recorded_at"} for e in events]


def _exit_hints(enrolled_on: date) -> tuple[date, ...]:
    one_day = timedelta(days=1)
    hints = [enrolled_on]
    for months in (1, 2, 3):
        edge = _add_months(enrolled_on, months)
        hints += [edge - one_day, edge]
    return tuple(hints)


@dataclass
class _Person:
    pseudonym: str
    sex: str
    birth_year: int


@dataclass
class _Enrollment:
    id: str
    intervention_id: str
    person: _Person
    enrolled_on: date
    first_changed_on: date | None = None
    last_changed_on: date | None = None
    exited_on: date | None = None
    exit_has_explicit_support: bool = False
    voided: bool = False


class _Builder:
    """The generator's model of the association while it draws a journey."""

    def __init__(self, draw: st.DrawFn, interventions: tuple[str, ...]) -> None:
        self.draw = draw
        self.interventions = interventions
        self.people: list[_Person] = []
        self.enrollments: list[_Enrollment] = []
        self.events: list[dict[str, Any]] = []
        self.recorded_at = FIRST_RECORDED_AT

    # -- helpers ----------------------------------------------------------------

    def emit(self, kind: str, enrollment: _Enrollment, data: dict[str, Any]) -> None:
        self.recorded_at += timedelta(minutes=self.draw(st.integers(1, 1440)))
        event: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": kind,
            "enrollment_id": enrollment.id,
        }
        if kind == "enrolled":
            event["intervention_id"] = enrollment.intervention_id
        event["data"] = data
        event["recorded_at"] = self.recorded_at
        self.events.append(event)

    def blocks(self, person: _Person, intervention_id: str, other_than: _Enrollment | None) -> bool:
        """Whether another not-exited enrollment (voided or not) holds the pseudonym."""
        return any(
            e is not other_than
            and e.person.pseudonym == person.pseudonym
            and e.intervention_id == intervention_id
            and e.exited_on is None
            for e in self.enrollments
        )

    def live(self) -> list[_Enrollment]:
        return [e for e in self.enrollments if not e.voided]

    def single_enrollment(self, enrollment: _Enrollment) -> bool:
        same_person = [e for e in self.live() if e.person is enrollment.person]
        return len(same_person) == 1

    # -- what may happen next ---------------------------------------------------

    def can_enroll_person(self, person: _Person, intervention_id: str) -> bool:
        if self.blocks(person, intervention_id, other_than=None):
            return False
        first_year = max(FIRST_DAY.year, person.birth_year + MIN_AGE)
        last_year = min(LAST_ENROLLMENT_DAY.year, person.birth_year + MAX_AGE)
        return first_year <= last_year

    def open_ones(self) -> list[_Enrollment]:
        return [e for e in self.live() if e.exited_on is None]

    def changeable(self) -> list[_Enrollment]:
        return [
            e for e in self.open_ones() if e.last_changed_on is None or e.last_changed_on < LAST_DAY
        ]

    def retractable(self) -> list[_Enrollment]:
        return [
            e
            for e in self.live()
            if e.exited_on is not None
            and not self.blocks(e.person, e.intervention_id, other_than=e)
        ]

    def available(self) -> list[str]:
        actions = []
        if self.open_ones():
            actions += ["exited"] * 3
        if self.changeable():
            actions += ["support_changed"] * 2
        if self.live():
            actions += ["corrected"] * 2 + ["voided"]
        if self.retractable():
            actions += ["exit_retracted"]
        return actions

    # -- the events -------------------------------------------------------------

    def enroll(self) -> None:
        draw = self.draw
        intervention_id = draw(st.sampled_from(self.interventions))
        candidates = [p for p in self.people if self.can_enroll_person(p, intervention_id)]
        if candidates and draw(st.booleans()):
            person = draw(st.sampled_from(candidates))
            lo = max(FIRST_DAY, date(person.birth_year + MIN_AGE, 1, 1))
            hi = min(LAST_ENROLLMENT_DAY, date(person.birth_year + MAX_AGE, 12, 31))
            enrolled_on = draw(day_between(lo, hi))
        else:
            enrolled_on = draw(day_between(FIRST_DAY, LAST_ENROLLMENT_DAY))
            year = enrolled_on.year
            edge_ages = (15, 19, 20, 24, 25, 29, 30, 59, 60, 67)
            birth_year = draw(
                st.one_of(
                    st.sampled_from([year - age for age in edge_ages]),
                    st.integers(year - MAX_AGE, year - MIN_AGE),
                )
            )
            person = _Person(
                pseudonym=f"p-{uuid.uuid4().hex}",
                sex=draw(st.sampled_from([s.value for s in Sex])),
                birth_year=birth_year,
            )
            self.people.append(person)
        enrollment = _Enrollment(
            id=str(uuid.uuid4()),
            intervention_id=intervention_id,
            person=person,
            enrolled_on=enrolled_on,
        )
        data: dict[str, Any] = {
            "pseudonym": person.pseudonym,
            "enrolled_on": enrolled_on.isoformat(),
            "sex": person.sex,
            "birth_year": person.birth_year,
            "education": draw(st.sampled_from([e.value for e in Education])),
        }
        if draw(st.booleans()):
            data["municipality"] = draw(st.sampled_from(MUNICIPALITIES))
        data["support"] = draw(supports())
        if draw(st.booleans()):
            data["months_on_public_support"] = draw(_months())
        if draw(st.booleans()):
            data["months_without_work_or_studies"] = draw(_months())
        self.enrollments.append(enrollment)
        self.emit("enrolled", enrollment, data)

    def change_support(self) -> None:
        enrollment = self.draw(st.sampled_from(self.changeable()))
        if enrollment.last_changed_on is None:
            lo = enrollment.enrolled_on
        else:
            lo = enrollment.last_changed_on + timedelta(days=1)
        changed_on = self.draw(day_between(lo, LAST_DAY))
        enrollment.last_changed_on = changed_on
        if enrollment.first_changed_on is None:
            enrollment.first_changed_on = changed_on
        self.emit(
            "support_changed",
            enrollment,
            {"changed_on": changed_on.isoformat(), "support": self.draw(supports())},
        )

    def exit(self) -> None:
        draw = self.draw
        enrollment = draw(st.sampled_from(self.open_ones()))
        lo = max(enrollment.enrolled_on, enrollment.last_changed_on or enrollment.enrolled_on)
        exited_on = draw(day_between(lo, LAST_DAY, _exit_hints(enrollment.enrolled_on)))
        data: dict[str, Any] = {
            "exited_on": exited_on.isoformat(),
            "reason": draw(st.sampled_from([r.value for r in ExitReason])),
        }
        explicit = draw(st.booleans())
        if explicit:
            data["support_at_exit"] = draw(supports())
        progressed = draw(st.sampled_from([None, True, False]))
        if progressed is not None:
            data["progressed"] = progressed
        enrollment.exited_on = exited_on
        enrollment.exit_has_explicit_support = explicit
        self.emit("exited", enrollment, data)

    def retract(self) -> None:
        enrollment = self.draw(st.sampled_from(self.retractable()))
        enrollment.exited_on = None
        enrollment.exit_has_explicit_support = False
        self.emit("exit_retracted", enrollment, {"why": "registrerat av misstag"})

    def void(self) -> None:
        enrollment = self.draw(st.sampled_from(self.live()))
        enrollment.voided = True
        self.emit("voided", enrollment, {"why": "fel person"})

    def correct(self) -> None:
        draw = self.draw
        enrollment = draw(st.sampled_from(self.live()))
        exited = enrollment.exited_on is not None
        fields = [
            "enrolled_on",
            "education",
            "municipality",
            "months_on_public_support",
            "months_without_work_or_studies",
        ]
        if self.single_enrollment(enrollment):
            fields += ["sex", "birth_year"]
        fields.append("support")
        if exited:
            fields += ["exited_on", "reason", "support_at_exit", "progressed"]
        chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))

        person = enrollment.person
        data: dict[str, Any] = {}
        enrolled_on = enrollment.enrolled_on
        birth_year = person.birth_year
        if "enrolled_on" in chosen:
            lo = FIRST_DAY
            hi = min(LAST_DAY, enrollment.first_changed_on or LAST_DAY)
            hi = min(hi, enrollment.exited_on or LAST_DAY)
            if "birth_year" not in chosen:
                lo = max(lo, date(birth_year + MIN_AGE, 1, 1))
                hi = min(hi, date(birth_year + MAX_AGE, 12, 31))
            if lo <= hi:
                enrolled_on = draw(day_between(lo, hi, (enrollment.enrolled_on,)))
                data["enrolled_on"] = enrolled_on.isoformat()
        if "sex" in chosen:
            data["sex"] = "male" if person.sex == "female" else "female"
        if "birth_year" in chosen:
            year = enrolled_on.year
            birth_year = draw(st.integers(year - MAX_AGE, year - MIN_AGE))
            data["birth_year"] = birth_year
        if "education" in chosen:
            data["education"] = draw(st.sampled_from([e.value for e in Education]))
        if "municipality" in chosen:
            data["municipality"] = draw(st.sampled_from(MUNICIPALITIES))
        if "support" in chosen:
            data["support"] = draw(supports())
        for months_field in ("months_on_public_support", "months_without_work_or_studies"):
            if months_field in chosen:
                data[months_field] = draw(_months())
        exited_on = enrollment.exited_on
        if "exited_on" in chosen:
            lo = max(enrolled_on, enrollment.last_changed_on or enrolled_on)
            exited_on = draw(day_between(lo, LAST_DAY, _exit_hints(enrolled_on)))
            data["exited_on"] = exited_on.isoformat()
        if "reason" in chosen:
            data["reason"] = draw(st.sampled_from([r.value for r in ExitReason]))
        if "support_at_exit" in chosen:
            data["support_at_exit"] = draw(supports())
            enrollment.exit_has_explicit_support = True
        if "progressed" in chosen:
            data["progressed"] = draw(st.booleans())
        if not data:
            return

        enrollment.enrolled_on = enrolled_on
        enrollment.exited_on = exited_on
        if "sex" in data:
            person.sex = data["sex"]
        person.birth_year = birth_year
        self.emit("corrected", enrollment, data)


@st.composite
def journeys(
    draw: st.DrawFn,
    min_enrollments: int = 0,
    max_enrollments: int = 25,
    max_interventions: int = 3,
) -> list[dict[str, Any]]:
    """A valid list of batch events for 1..max_interventions interventions."""
    count = draw(st.integers(1, max_interventions))
    builder = _Builder(draw, INTERVENTION_IDS[:count])
    enrollments_left = draw(st.integers(min_enrollments, max_enrollments))
    others_left = draw(st.integers(0, 3 * enrollments_left))
    while enrollments_left or others_left:
        actions = builder.available() if others_left else []
        if enrollments_left:
            actions += ["enrolled"] * 3
        if not actions:
            break
        action = draw(st.sampled_from(actions))
        if action == "enrolled":
            enrollments_left -= 1
            builder.enroll()
            continue
        others_left -= 1
        if action == "support_changed":
            builder.change_support()
        elif action == "exited":
            builder.exit()
        elif action == "exit_retracted":
            builder.retract()
        elif action == "corrected":
            builder.correct()
        elif action == "voided":
            builder.void()
    return builder.events


@st.composite
def periods(draw: st.DrawFn) -> tuple[date, date]:
    """A calendar year 2020..2025, or an arbitrary range around the journeys' dates."""
    if draw(st.booleans()):
        year = draw(st.integers(2020, 2025))
        return date(year, 1, 1), date(year, 12, 31)
    lo = draw(day_between(date(2019, 7, 1), date(2025, 12, 31)))
    hi = draw(day_between(lo, date(2025, 12, 31)))
    return lo, hi


@st.composite
def journey_with_period(
    draw: st.DrawFn, **journey_options: int
) -> tuple[list[dict[str, Any]], date, date]:
    """(events, period_from, period_to)."""
    events = draw(journeys(**journey_options))
    period_from, period_to = draw(periods())
    return events, period_from, period_to


@st.composite
def journey_with_period_and_as_of(
    draw: st.DrawFn, **journey_options: int
) -> tuple[list[dict[str, Any]], date, date, datetime | None]:
    """(events, period_from, period_to, as_of); as_of is None or near an event's recorded_at."""
    events, period_from, period_to = draw(journey_with_period(**journey_options))
    as_of = None
    if events and draw(st.booleans()):
        at = draw(st.sampled_from(events))["recorded_at"]
        as_of = at + timedelta(seconds=draw(st.sampled_from([0, 30])))
    return events, period_from, period_to, as_of
