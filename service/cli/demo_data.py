"""The demo förbund's data: a deterministic plan of every write `service.cli.demo` makes.

Nothing here touches a database. `plan_demo` turns (years, size, seed) into plain request
bodies, the same ones a coach's script would post, with fixed enrollment ids and
idempotency keys, so loading the plan twice writes nothing the second time.

The shapes follow the reference reports (Södra Dalarna 2021 Tabell 9, Finsam Falun 2022):
- Samverkansteam: a long, multi-agency team; ~14 months to exit, 35-40 % of completed exits
  to work or studies, ~60 % to goal; participants with years on försörjningsstöd.
- Unga vuxna: 16-29-year-olds; shorter, more exits to studies (~45-50 % to work/studies).
- Grön rehab: nature-based rehabilitation, mostly women on sjukpenning; ~26 weeks; few go
  straight to work, most move on to arbetslivsinriktad or medicinsk rehabilitering.
- Kompetensutveckling: structural; training days and forums for the members' staff.
Intake is spread over the months (little in July), a year of intake before the first
reported year gives realistic carry-over, and every business date lies within
[first year − 1, last year]: nothing depends on the day the demo is run, only on the years.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

ASSOCIATION_ID = "demo-mellandalen"
ASSOCIATION_NAME = "Demoförbundet Mellandalen"
DEFAULT_SEED = 20231
DEFAULT_PARTICIPANTS_PER_YEAR = 140
_NAMESPACE = UUID("9b0c7c52-3f55-4f0e-a7d4-6d1e1c2a5b10")

# Leksand, Rättvik, Gagnef: the middle of Dalälven's valley.
MUNICIPALITIES = {"2029": 0.36, "2031": 0.34, "2026": 0.25, None: 0.05}

# The months' share of intake: little in July, a peak after the summer.
MONTH_WEIGHTS = (1.1, 1.1, 1.1, 1.0, 1.0, 0.8, 0.3, 0.8, 1.3, 1.2, 1.1, 0.7)

EARLY_DROPOUT_REASONS = {
    "discontinued": 0.5, "medical_rehab": 0.15, "moved": 0.1, "other": 0.1, "work": 0.1,
    "job_seeking": 0.05,
}  # fmt: skip
# Who leaves Grön rehab or Unga vuxna like this may later start in the Samverkansteam.
PASSED_ON = frozenset({"vocational_rehab", "job_seeking", "medical_rehab", "discontinued"})
GOAL_REASONS = frozenset({"work", "subsidised_work", "studies", "job_seeking", "vocational_rehab"})


@dataclass(frozen=True)
class Profile:
    """How one individual intervention's participants look and fare."""

    slug: str
    name: str
    starts_on: date
    intake_share: float
    female: float
    age: tuple[int, int, int]  # low, mode, high
    education: dict[str, float]
    support: dict[str, float]  # "unknown" = an empty set
    second_support: float  # chance of a second code beside the first
    months_on_support_median: float
    duration_median_days: float
    duration_sigma: float
    early_dropout: float
    reasons: dict[str, float]  # completed exits
    budget_sek: int


PROFILES = (
    Profile(
        slug="samverkansteam", name="Samverkansteam", starts_on=date(2016, 1, 1),
        intake_share=0.43, female=0.52, age=(20, 34, 64),
        education={"incomplete_compulsory": 0.15, "compulsory": 0.3, "upper_secondary": 0.4,
                   "post_secondary": 0.1, "unknown": 0.05},
        support={"social_assistance": 0.4, "sickness_benefit": 0.2, "activity_support": 0.15,
                 "activity_compensation": 0.04, "sickness_compensation": 0.04,
                 "unemployment_insurance": 0.04, "none": 0.06, "other": 0.03, "unknown": 0.04},
        second_support=0.15, months_on_support_median=40, duration_median_days=400,
        duration_sigma=0.5, early_dropout=0.12,
        reasons={"work": 0.19, "subsidised_work": 0.1, "studies": 0.08, "job_seeking": 0.12,
                 "vocational_rehab": 0.14, "medical_rehab": 0.1, "sickness_compensation": 0.08,
                 "parental_leave": 0.03, "moved": 0.05, "discontinued": 0.06, "other": 0.05},
        budget_sek=2_650_000,
    ),
    Profile(
        slug="unga-vuxna", name="Unga vuxna", starts_on=date(2019, 8, 1),
        intake_share=0.35, female=0.45, age=(16, 21, 29),
        education={"incomplete_compulsory": 0.3, "compulsory": 0.3, "upper_secondary": 0.3,
                   "post_secondary": 0.03, "unknown": 0.07},
        support={"social_assistance": 0.35, "activity_compensation": 0.22,
                 "activity_support": 0.25, "none": 0.1, "other": 0.03, "unknown": 0.05},
        second_support=0.08, months_on_support_median=14, duration_median_days=250,
        duration_sigma=0.5, early_dropout=0.16,
        reasons={"work": 0.21, "subsidised_work": 0.08, "studies": 0.19, "job_seeking": 0.14,
                 "vocational_rehab": 0.08, "medical_rehab": 0.08, "sickness_compensation": 0.03,
                 "parental_leave": 0.04, "moved": 0.06, "discontinued": 0.06, "other": 0.03},
        budget_sek=1_850_000,
    ),
    Profile(
        slug="gron-rehab", name="Grön rehab", starts_on=date(2020, 4, 1),
        intake_share=0.22, female=0.8, age=(25, 45, 62),
        education={"incomplete_compulsory": 0.08, "compulsory": 0.22, "upper_secondary": 0.45,
                   "post_secondary": 0.2, "unknown": 0.05},
        support={"sickness_benefit": 0.45, "social_assistance": 0.3,
                 "activity_compensation": 0.05, "sickness_compensation": 0.05, "none": 0.05,
                 "unknown": 0.1},
        second_support=0.1, months_on_support_median=30, duration_median_days=185,
        duration_sigma=0.25, early_dropout=0.14,
        reasons={"work": 0.08, "subsidised_work": 0.06, "studies": 0.07, "job_seeking": 0.1,
                 "vocational_rehab": 0.3, "medical_rehab": 0.24, "sickness_compensation": 0.08,
                 "parental_leave": 0.02, "moved": 0.02, "discontinued": 0.05, "other": 0.03},
        budget_sek=950_000,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Structural:
    """The structural intervention: no participants, only activities and finances."""

    slug: str
    name: str
    starts_on: date
    budget_sek: int


STRUCTURAL = Structural("kompetensutveckling", "Kompetensutveckling", date(2018, 1, 1), 420_000)
ACTIVITY_TITLES = (
    "Grundutbildning i lösningsfokuserat förhållningssätt",
    "SIP-utbildning för handläggare",
    "Föreläsning: Psykisk hälsa – tillsammans gör vi skillnad",
    "Nätverksträff för medlemmarnas handläggare",
    "Konferens: Samverkan för unga vuxna",
    "Workshop: Motiverande samtal",
    "Utbildning i neuropsykiatriska funktionsnedsättningar",
    "Frukostseminarium: Vägar till arbete",
)
SUPPORT_CHANGES = {
    "social_assistance": ("activity_support", "sickness_benefit"),
    "sickness_benefit": ("activity_support", "social_assistance"),
    "activity_support": ("unemployment_insurance", "social_assistance"),
    "activity_compensation": ("activity_support",),
    "unemployment_insurance": ("activity_support",),
}
SUPPORT_AT_EXIT = {
    "work": ("none",),
    "subsidised_work": ("none",),
    "studies": ("none",),
    "job_seeking": ("activity_support", "unemployment_insurance"),
    "vocational_rehab": ("sickness_benefit", "activity_support"),
    "medical_rehab": ("sickness_benefit",),
    "sickness_compensation": ("sickness_compensation",),
}


@dataclass
class Step:
    """One write after the inskrivning: the EnrollmentCommands method, key and body."""

    command: str  # change_support, record_exit, retract_exit, correct, void
    key: str
    body: dict[str, Any]


@dataclass
class PlannedEnrollment:
    """An enrollment and its later events, in the order they are written."""

    id: UUID
    intervention_id: str
    body: dict[str, Any]
    steps: list[Step] = field(default_factory=list)


@dataclass
class DemoPlan:
    """Everything the demo writes, in order."""

    first_year: int
    last_year: int
    interventions: list[dict[str, Any]]
    finances: list[tuple[str, int, int, int]]  # slug, year, budget, cost
    enrollments: list[PlannedEnrollment]
    anonymous: list[tuple[str, dict[str, Any]]]  # idempotency key, body
    activities: list[tuple[str, dict[str, Any]]]


@dataclass
class _Person:
    pseudonym: str
    sex: str
    birth_year: int
    free_from: date = date.min  # when they may enroll in the Samverkansteam
    known_elsewhere: bool = False  # then sex and birth year are never corrected


def plan_demo(
    first_year: int,
    last_year: int,
    *,
    participants_per_year: int = DEFAULT_PARTICIPANTS_PER_YEAR,
    seed: int = DEFAULT_SEED,
) -> DemoPlan:
    """The demo's writes for the reported years first_year..last_year (plus a year before)."""
    rng = random.Random(seed)
    intake_start = date(first_year - 1, 1, 1)
    end = date(last_year, 12, 31)
    interventions = [
        {"id": p.slug, "name": p.name, "kind": "individual",
         "starts_on": min(p.starts_on, intake_start), "ends_on": None}
        for p in PROFILES
    ] + [
        {"id": STRUCTURAL.slug, "name": STRUCTURAL.name, "kind": "structural",
         "starts_on": min(STRUCTURAL.starts_on, intake_start), "ends_on": None}
    ]  # fmt: skip
    planner = _EnrollmentPlanner(rng, end)
    # Grön rehab and Unga vuxna first, so the Samverkansteam may take some of them on later.
    for profile in reversed(PROFILES):
        per_year = max(1, round(participants_per_year * profile.intake_share))
        for year in range(first_year - 1, last_year + 1):
            for number in range(per_year):
                planner.plan(profile, year, number)
    enrollments = sorted(planner.planned, key=lambda e: (e.body["enrolled_on"], str(e.id)))
    return DemoPlan(
        first_year=first_year,
        last_year=last_year,
        interventions=interventions,
        finances=_finances(rng, first_year, last_year),
        enrollments=enrollments,
        anonymous=_anonymous(rng, first_year, last_year),
        activities=_activities(rng, first_year, last_year),
    )


def enrollment_uuid(intervention_id: str, year: int, number: int, kind: str = "") -> UUID:
    """The fixed id of the demo's `number`th enrollment of a year in an intervention."""
    return uuid5(_NAMESPACE, f"{ASSOCIATION_ID}:{intervention_id}:{year}:{number}{kind}")


def _pseudonym(label: str) -> str:
    """A pseudonym as the huvudman's HMAC would look: 64 hex digits."""
    return hashlib.sha256(f"{ASSOCIATION_ID}:{label}".encode()).hexdigest()


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _weekday(day: date) -> date:
    """Coaches register on working days: a weekend date moves to the Friday before."""
    return day - timedelta(days=max(0, day.weekday() - 4))


class _EnrollmentPlanner:
    def __init__(self, rng: random.Random, end: date) -> None:
        self.rng = rng
        self.end = end
        self.planned: list[PlannedEnrollment] = []
        self.earlier: list[_Person] = []  # who left Grön rehab or Unga vuxna for more help

    def plan(self, profile: Profile, year: int, number: int) -> None:
        rng = self.rng
        enrolled_on = self._intake_day(year)
        person = self._person(profile, year, number, enrolled_on)
        support = self._support(profile)
        fields: dict[str, Any] = {
            "pseudonym": person.pseudonym,
            "enrolled_on": enrolled_on,
            "sex": person.sex,
            "birth_year": person.birth_year,
            "education": _pick(rng, profile.education),
            "support": sorted(support),
        }
        municipality = _pick(rng, MUNICIPALITIES)
        if municipality is not None:
            fields["municipality"] = municipality
        on_support, without_work = self._months_before(profile, support, enrolled_on, person)
        if on_support is not None:
            fields["months_on_public_support"] = on_support
        if without_work is not None:
            fields["months_without_work_or_studies"] = without_work
        enrollment = PlannedEnrollment(
            enrollment_uuid(profile.slug, year, number), profile.slug, fields
        )
        exit_day, reason = self._exit(profile, enrolled_on)
        last_open_day = exit_day or self.end
        if support and "none" not in support and (last_open_day - enrolled_on).days > 90:
            self._maybe_change_support(enrollment, support, enrolled_on, last_open_day)
        if exit_day is not None and rng.random() < 0.025:
            self._wrong_exit_retracted(enrollment, enrolled_on, exit_day)
        if exit_day is not None:
            assert reason is not None
            enrollment.steps.append(
                Step("record_exit", "exit", self._exit_body(enrollment, exit_day, reason))
            )
            if profile.slug != "samverkansteam" and reason in PASSED_ON:
                self.earlier.append(
                    _Person(person.pseudonym, person.sex, person.birth_year, exit_day)
                )
        if rng.random() < 0.04:
            self._introduce_mistake(enrollment, exit_day is not None, person.known_elsewhere)
        self.planned.append(enrollment)
        if rng.random() < 0.015:
            self._voided_twin(profile, year, number, fields)

    def _intake_day(self, year: int) -> date:
        month = self.rng.choices(range(1, 13), weights=MONTH_WEIGHTS)[0]
        day = self.rng.randint(1, calendar.monthrange(year, month)[1])
        return max(_weekday(date(year, month, day)), date(year, 1, 1))

    def _person(self, profile: Profile, year: int, number: int, enrolled_on: date) -> _Person:
        rng = self.rng
        if profile.slug == "samverkansteam" and rng.random() < 0.08:
            candidates = [
                p for p in self.earlier
                if p.free_from < enrolled_on and 20 <= enrolled_on.year - p.birth_year <= 64
            ]  # fmt: skip
            if candidates:
                chosen = rng.choice(candidates)
                self.earlier.remove(chosen)
                return _Person(
                    chosen.pseudonym, chosen.sex, chosen.birth_year, known_elsewhere=True
                )
        low, mode, high = profile.age
        age = round(rng.triangular(low, high, mode))
        sex = "female" if rng.random() < profile.female else "male"
        label = f"{profile.slug}:{year}:{number}"
        return _Person(_pseudonym(label), sex, enrolled_on.year - age)

    def _support(self, profile: Profile) -> set[str]:
        first = _pick(self.rng, profile.support)
        if first == "unknown":
            return set()
        codes = {first}
        if first != "none" and self.rng.random() < profile.second_support:
            second = _pick(self.rng, profile.support)
            if second not in {"none", "unknown"}:
                codes.add(second)
        return codes

    def _months_before(
        self, profile: Profile, support: set[str], enrolled_on: date, person: _Person
    ) -> tuple[int | None, int | None]:
        rng = self.rng
        adult_months = max(0, (enrolled_on.year - person.birth_year - 16) * 12)
        on_support: int | None
        if support == {"none"}:
            on_support = 0
        else:
            value = rng.lognormvariate(math.log(profile.months_on_support_median), 0.8)
            on_support = min(round(value), adult_months)
        without_work: int | None = min(
            round(rng.lognormvariate(math.log(profile.months_on_support_median * 1.2), 0.8)),
            adult_months,
        )
        if rng.random() < 0.15:
            on_support = None
        if rng.random() < 0.15:
            without_work = None
        return on_support, without_work

    def _exit(self, profile: Profile, enrolled_on: date) -> tuple[date | None, str | None]:
        rng = self.rng
        if rng.random() < profile.early_dropout:
            days = rng.randint(3, 55)
            reason = _pick(rng, EARLY_DROPOUT_REASONS)
        else:
            median = profile.duration_median_days
            days = max(75, round(rng.lognormvariate(math.log(median), profile.duration_sigma)))
            reason = _pick(rng, profile.reasons)
        exit_day = _weekday(enrolled_on + timedelta(days=days))
        if exit_day > self.end:
            return None, None
        return max(exit_day, enrolled_on), reason

    def _maybe_change_support(
        self, enrollment: PlannedEnrollment, support: set[str], start: date, stop: date
    ) -> None:
        rng = self.rng
        if rng.random() >= 0.3:
            return
        changeable = sorted(code for code in support if code in SUPPORT_CHANGES)
        if not changeable:
            return
        old = rng.choice(changeable)
        new = (support - {old}) | {rng.choice(SUPPORT_CHANGES[old])}
        span = (stop - start).days
        changed_on = start + timedelta(days=rng.randint(span // 4, span * 3 // 4))
        body = {"changed_on": changed_on, "support": sorted(new)}
        enrollment.steps.append(Step("change_support", "support-1", body))

    def _exit_body(
        self, enrollment: PlannedEnrollment, exit_day: date, reason: str
    ) -> dict[str, Any]:
        rng = self.rng
        body: dict[str, Any] = {"exited_on": exit_day, "reason": reason}
        choices = SUPPORT_AT_EXIT.get(reason)
        if choices is not None and rng.random() < 0.85:
            body["support_at_exit"] = [rng.choice(choices)]
        early = (exit_day - enrollment.body["enrolled_on"]).days < 60
        if early:
            progressed = _pick(rng, {False: 0.8, None: 0.2})
        elif reason in GOAL_REASONS:
            progressed = _pick(rng, {True: 0.9, False: 0.05, None: 0.05})
        else:
            progressed = _pick(rng, {True: 0.3, False: 0.6, None: 0.1})
        if progressed is not None:
            body["progressed"] = progressed
        return body

    def _wrong_exit_retracted(
        self, enrollment: PlannedEnrollment, enrolled_on: date, exit_day: date
    ) -> None:
        """An exit posted for the wrong participant, then retracted."""
        wrong_day = enrolled_on + timedelta(days=self.rng.randint(0, (exit_day - enrolled_on).days))
        enrollment.steps.append(
            Step("record_exit", "wrong-exit", {"exited_on": wrong_day, "reason": "discontinued"})
        )
        why = "Avslutet registrerades på fel deltagare."
        enrollment.steps.append(Step("retract_exit", "retraction", {"why": why}))

    def _introduce_mistake(
        self, enrollment: PlannedEnrollment, exited: bool, known_elsewhere: bool
    ) -> None:
        """The inskrivning (or the exit) had a mistake that a correction puts right."""
        rng = self.rng
        kinds = ["education", "municipality", "months"]
        if not known_elsewhere:  # one enrollment only: its birth year may be put right
            kinds.append("birth_year")
        if exited:
            kinds.append("reason")
        kind = rng.choice(kinds)
        body = enrollment.body
        if kind == "reason":
            exit_step = next(s for s in enrollment.steps if s.key == "exit")
            right = exit_step.body["reason"]
            if right == "other":
                return
            exit_step.body["reason"] = "other"
            enrollment.steps.append(Step("correct", "correction", {"reason": right}))
            return
        if kind == "education":
            right, wrong = body["education"], "unknown"
        elif kind == "municipality":
            right, wrong = body.get("municipality"), "2080"
            if right is None:
                return
        elif kind == "months":
            right, wrong = body.get("months_on_public_support"), None
            if right is None:
                return
        else:
            right = body["birth_year"]
            wrong = right + rng.choice((-10, 10))
            if not 15 <= body["enrolled_on"].year - wrong <= 67:
                return
        if wrong == right:
            return
        field_name = {"months": "months_on_public_support"}.get(kind, kind)
        if wrong is None:
            del body[field_name]
        else:
            body[field_name] = wrong
        enrollment.steps.append(Step("correct", "correction", {field_name: right}))

    def _voided_twin(
        self, profile: Profile, year: int, number: int, fields: dict[str, Any]
    ) -> None:
        """An inskrivning made in error (wrong person) and voided the same week."""
        twin = dict(fields, pseudonym=_pseudonym(f"{profile.slug}:{year}:{number}:felregistrerad"))
        planned = PlannedEnrollment(
            enrollment_uuid(profile.slug, year, number, ":voided"), profile.slug, twin
        )
        why = "Inskrivningen gjordes av misstag på fel person."
        planned.steps.append(Step("void", "voiding", {"why": why}))
        self.planned.append(planned)


def _finances(
    rng: random.Random, first_year: int, last_year: int
) -> list[tuple[str, int, int, int]]:
    """Budget and cost per intervention and reported year, in whole thousands of kronor."""
    budgets = [(p.slug, p.budget_sek) for p in PROFILES]
    budgets.append((STRUCTURAL.slug, STRUCTURAL.budget_sek))
    out = []
    for year in range(first_year, last_year + 1):
        growth = 1.02 ** (year - first_year)
        for slug, budget in budgets:
            year_budget = round(budget * growth, -4)
            cost = round(year_budget * rng.uniform(0.86, 1.0), -3)
            out.append((slug, year, int(year_budget), int(cost)))
    return out


def _anonymous(
    rng: random.Random, first_year: int, last_year: int
) -> list[tuple[str, dict[str, Any]]]:
    """Quarterly counts of consultations with unregistered persons."""
    out = []
    for slug in ("samverkansteam", "unga-vuxna"):
        for year in range(first_year, last_year + 1):
            for quarter in range(4):
                start = date(year, 3 * quarter + 1, 1)
                last_month = 3 * quarter + 3
                stop = date(year, last_month, calendar.monthrange(year, last_month)[1])
                body = {
                    "intervention_id": slug, "from": start, "to": stop,
                    "female": rng.randint(2, 9), "male": rng.randint(1, 8),
                    "unspecified": rng.randint(0, 3),
                }  # fmt: skip
                out.append((f"anonyma:{slug}:{year}-K{quarter + 1}", body))
    return out


def _activities(
    rng: random.Random, first_year: int, last_year: int
) -> list[tuple[str, dict[str, Any]]]:
    """Training days, forums and conferences of the structural intervention."""
    out = []
    for year in range(first_year, last_year + 1):
        count = rng.randint(7, 11)
        days = sorted(
            _weekday(date(year, 1, 15) + timedelta(days=rng.randrange(330))) for _ in range(count)
        )
        for number, held_on in enumerate(days):
            participants = {
                "af": rng.randint(0, 8), "fk": rng.randint(0, 8), "region": rng.randint(2, 14),
                "kommun": rng.randint(5, 25), "other": rng.randint(0, 4),
            }  # fmt: skip
            total = sum(participants.values())
            body: dict[str, Any] = {
                "intervention_id": STRUCTURAL.slug,
                "held_on": held_on,
                "title": rng.choice(ACTIVITY_TITLES),
                "participants": participants,
                "female": None,
                "male": None,
            }
            if rng.random() < 0.75:
                female = round(total * rng.uniform(0.65, 0.85))
                body["female"], body["male"] = female, total - female
            out.append((f"aktivitet:{year}:{number + 1}", body))
    return out
