"""The measures of product.md §6, as short pure functions over enrollment facts.

Each function states its definition in its docstring. Selections return the enrollments
that meet a definition; `measures_format` counts them by sex and keeps the base of every
mean, median and share for disclosure control (§7). No IO here: the caller hands in the
facts of one scope (an intervention, or the whole association) with voided enrollments
removed by `countable`.
"""

from __future__ import annotations

import statistics as pystats
from collections.abc import Callable, Container, Iterable, Sequence
from operator import attrgetter
from typing import Any

from service.domain.calendar import add_months
from service.domain.codes import (
    AGE_BANDS,
    OTHER_MUNICIPALITY,
    UNKNOWN_SUPPORT,
    WORK_OR_STUDIES,
    Education,
    ExitReason,
    Organisation,
    Support,
    age_band,
)
from service.domain.facts import (
    ActivityRecord,
    AnonymousParticipantsReport,
    EnrollmentFacts,
    FinanceRecord,
    Period,
)

Facts = Sequence[EnrollmentFacts]
Groups = dict[str, list[EnrollmentFacts]]

# The key a participant without a municipality is counted under; with disclosure control,
# OTHER_MUNICIPALITY (domain.codes) that of the kommuner not listed one by one.
UNKNOWN_MUNICIPALITY = "unknown"
SUPPORT_KEYS: tuple[str, ...] = (*(s.value for s in Support), UNKNOWN_SUPPORT)


def countable(facts: Iterable[EnrollmentFacts]) -> list[EnrollmentFacts]:
    """The enrollments that count at all: voided ones never do."""
    return [f for f in facts if not f.voided]


# --- Flow: who was there, who came, who left -------------------------------------------


def is_active(fact: EnrollmentFacts, period: Period) -> bool:
    """Aktiva under perioden: enrolled_on ≤ to and (not exited, or exited_on ≥ from)."""
    return fact.enrolled_on <= period.end and (
        fact.exited_on is None or fact.exited_on >= period.start
    )


def is_new(fact: EnrollmentFacts, period: Period) -> bool:
    """Nytillkomna: from ≤ enrolled_on ≤ to."""
    return period.start <= fact.enrolled_on <= period.end


def is_active_at_end(fact: EnrollmentFacts, period: Period) -> bool:
    """Aktiva vid periodens slut: enrolled_on ≤ to and (not exited, or exited_on > to)."""
    return fact.enrolled_on <= period.end and (
        fact.exited_on is None or fact.exited_on > period.end
    )


def is_exit(fact: EnrollmentFacts, period: Period) -> bool:
    """Avslut: from ≤ exited_on ≤ to."""
    return fact.exited_on is not None and period.start <= fact.exited_on <= period.end


def active(facts: Facts, period: Period) -> list[EnrollmentFacts]:
    """Aktiva under perioden (is_active)."""
    return [f for f in facts if is_active(f, period)]


def new(facts: Facts, period: Period) -> list[EnrollmentFacts]:
    """Nytillkomna (is_new)."""
    return [f for f in facts if is_new(f, period)]


def active_at_end(facts: Facts, period: Period) -> list[EnrollmentFacts]:
    """Aktiva vid periodens slut (is_active_at_end)."""
    return [f for f in facts if is_active_at_end(f, period)]


def exits(facts: Facts, period: Period) -> list[EnrollmentFacts]:
    """Avslut totalt (is_exit)."""
    return [f for f in facts if is_exit(f, period)]


def is_early_dropout(fact: EnrollmentFacts, months: int) -> bool:
    """Exited_on < enrolled_on + N calendar months (same day, clamped); N = 0: never."""
    return fact.exited_on is not None and fact.exited_on < add_months(fact.enrolled_on, months)


def early_dropouts(facts: Facts, period: Period, months: int) -> list[EnrollmentFacts]:
    """Tidiga avhopp: exits within `early_dropout_months` of enrollment, whatever the reason."""
    return [f for f in exits(facts, period) if is_early_dropout(f, months)]


def completed_exits(facts: Facts, period: Period, months: int) -> list[EnrollmentFacts]:
    """Avslut exkl. tidiga avhopp: exits − early_dropouts."""
    return [f for f in exits(facts, period) if not is_early_dropout(f, months)]


def exits_by_reason(completed: Facts) -> Groups:
    """Completed exits per exit reason, every reason listed; early dropouts are not in it."""
    return grouped(completed, [r.value for r in ExitReason], lambda f: f.exit_reason)


def to_work_or_studies(completed: Facts) -> list[EnrollmentFacts]:
    """Completed exits with reason in {work, subsidised_work, studies}."""
    return [f for f in completed if f.exit_reason in WORK_OR_STUDIES]


def to_goal(completed: Facts, goal_reasons: Iterable[str]) -> list[EnrollmentFacts]:
    """Mot mål: completed exits with reason in the association's `goal_reasons`."""
    goals = frozenset(goal_reasons)
    return [f for f in completed if f.exit_reason in goals]


def progressed(completed: Facts) -> list[EnrollmentFacts]:
    """Stegförflyttning: completed exits with progressed = true."""
    return [f for f in completed if f.progressed is True]


def with_progressed_value(completed: Facts) -> list[EnrollmentFacts]:
    """The base of share_progressed: completed exits that have a progressed value."""
    return [f for f in completed if f.progressed is not None]


# --- Time: how long it took, how long they had been outside -----------------------------


def throughput_days(fact: EnrollmentFacts) -> int | None:
    """Genomströmningstid: exited_on − enrolled_on in days (None while not exited)."""
    return None if fact.exited_on is None else (fact.exited_on - fact.enrolled_on).days


def months_on_public_support_before(fact: EnrollmentFacts) -> int | None:
    """Tid med offentlig försörjning före start, in months, as given at enrollment."""
    return fact.months_on_public_support


def months_without_work_or_studies_before(fact: EnrollmentFacts) -> int | None:
    """Tid utan arbete eller studier före start, in months, as given at enrollment."""
    return fact.months_without_work_or_studies


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean; None over no values."""
    return sum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    """The median (the mean of the middle two for an even count); None over no values."""
    return float(pystats.median(values)) if values else None


# --- Composition: who they were -----------------------------------------------------------


def support_codes(support: Iterable[str]) -> frozenset[str]:
    """The codes a support set is counted under: `unknown` for an empty set."""
    codes = frozenset(support)
    return codes or frozenset({UNKNOWN_SUPPORT})


def support_at_exit(fact: EnrollmentFacts) -> frozenset[str]:
    """Support at exit: as given at exit, else the last known support."""
    given = fact.support_at_exit
    return given if given is not None else fact.current_support


def support_at_enrollment(active_facts: Facts) -> Groups:
    """Active participants per support code at enrollment (several each; `unknown` if none)."""
    return _grouped_by_codes(active_facts, lambda f: support_codes(f.support_at_enrollment))


def support_before_after(completed: Facts) -> dict[str, Groups]:
    """Over completed exits: per support code, who had it at enrollment and who at exit."""
    at_enrollment = support_at_enrollment(completed)
    at_exit = _grouped_by_codes(completed, lambda f: support_codes(support_at_exit(f)))
    return {
        code: {"at_enrollment": at_enrollment[code], "at_exit": at_exit[code]}
        for code in SUPPORT_KEYS
    }


def age_bands(selection: Facts) -> Groups:
    """Per age band of codes.AGE_BANDS; age = year(enrolled_on) − birth_year, 15 in 16-19."""
    groups: Groups = {label: [] for label, _, _ in AGE_BANDS}
    for f in selection:
        groups[age_band(f.age_at_enrollment)].append(f)
    return groups


def by_age_group(selection: Facts, youth_max_age: int) -> Groups:
    """Youth = age ≤ `youth_max_age`, adult otherwise."""
    youth = [f for f in selection if f.age_at_enrollment <= youth_max_age]
    adult = [f for f in selection if f.age_at_enrollment > youth_max_age]
    return {"youth": youth, "adult": adult}


def education(active_facts: Facts) -> Groups:
    """Active participants per education level (SUN), every level listed."""
    return grouped(active_facts, [e.value for e in Education], lambda f: f.education)


def listed_municipalities(present: Iterable[str]) -> list[str]:
    """Municipality codes as an answer lists them: sorted, then `unknown`."""
    return [*sorted(present), UNKNOWN_MUNICIPALITY]


def municipality(active_facts: Facts, codes: Sequence[str]) -> Groups:
    """Active participants per municipality code; `unknown` where none was given, `other`
    for a code not listed (when `other` is)."""
    listed = frozenset(codes)
    return grouped(active_facts, codes, lambda f: municipality_key(f.municipality, listed))


def municipality_key(code: str | None, listed: Container[str]) -> str:
    """The key a participant of this municipality (or none) is counted under."""
    if not code:
        return UNKNOWN_MUNICIPALITY
    return code if code in listed else OTHER_MUNICIPALITY


def grouped(facts: Facts, keys: Sequence[str], key_of: Callable[[EnrollmentFacts], Any]) -> Groups:
    """The facts under their key, every key listed (in order); a fact of no listed key is
    in no group. One pass over the facts, not one per key."""
    groups: Groups = {key: [] for key in keys}
    for f in facts:
        group = groups.get(key_of(f))
        if group is not None:
            group.append(f)
    return groups


def grouped_by(facts: Facts, key_of: Callable[[EnrollmentFacts], str]) -> Groups:
    """The facts under their keys, in the order the keys first come (one pass)."""
    groups: Groups = {}
    for f in facts:
        group = groups.get(key := key_of(f))
        if group is None:
            groups[key] = [f]
        else:
            group.append(f)
    return groups


def _grouped_by_codes(
    facts: Facts, codes_of: Callable[[EnrollmentFacts], frozenset[str]]
) -> Groups:
    """The facts under each of their support codes, every code of SUPPORT_KEYS listed."""
    groups: Groups = {code: [] for code in SUPPORT_KEYS}
    for f in facts:
        for code in codes_of(f):
            group = groups.get(code)
            if group is not None:
                group.append(f)
    return groups


_LATEST_LAST = attrgetter("enrolled_on", "enrollment_id")  # a C call per fact, no lambda


def unique_participants(active_facts: Facts) -> list[EnrollmentFacts]:
    """Distinct pseudonyms among active enrollments, each counted by its latest enrollment
    (the latest enrolled_on; on the same day, the greatest enrollment id)."""
    return list(latest_by_pseudonym(active_facts).values())


def latest_by_pseudonym(facts: Facts) -> dict[str, EnrollmentFacts]:
    """Each pseudonym's latest enrollment among the facts (unique_participants): the first
    in order of those with the latest (enrolled_on, enrollment_id)."""
    latest: dict[str, EnrollmentFacts] = {}
    first_of = latest.setdefault
    # One pass, not a sort: few pseudonyms recur (a year of 26,522: 4 ms instead of 16).
    for f in facts:
        seen = first_of(f.pseudonym, f)
        if seen is not f and _LATEST_LAST(f) > _LATEST_LAST(seen):
            latest[f.pseudonym] = f
    return latest


# --- Count reports, activities and money ------------------------------------------------


def anonymous_participants(
    reports: Iterable[AnonymousParticipantsReport], period: Period
) -> dict[str, int]:
    """Sum of reported anonymous counts whose period ends within [from, to]."""
    within = [r for r in reports if period.start <= r.period_end <= period.end]
    female = sum(r.female for r in within)
    male = sum(r.male for r in within)
    unspecified = sum(r.unspecified for r in within)
    return {
        "female": female,
        "male": male,
        "unspecified": unspecified,
        "total": female + male + unspecified,
    }


def activities(records: Iterable[ActivityRecord], period: Period) -> tuple[int, dict[str, int]]:
    """Structural activities held within [from, to]: how many, and who came, by organisation."""
    held = [a for a in records if period.start <= a.held_on <= period.end]
    by_org = {o.value: sum(a.participants.get(o.value, 0) for a in held) for o in Organisation}
    return len(held), {**by_org, "total": sum(by_org.values())}


def recorded_costs(
    finances: Iterable[FinanceRecord], intervention_ids: Iterable[str], period: Period
) -> dict[str, int]:
    """The recorded cost of each of these interventions that has one for the period, which
    must be a calendar year (a cost is recorded per year)."""
    if not period.is_calendar_year:
        return {}
    ids = frozenset(intervention_ids)
    return {
        r.intervention_id: r.cost_sek
        for r in finances
        if r.intervention_id in ids and r.year == period.start.year and r.cost_sek is not None
    }


def cost_per_participant(cost: int | None, active_total: int) -> float | None:
    """The recorded cost for the year / the active participants of the interventions whose
    cost it is; None without a cost or participants."""
    return None if cost is None or active_total == 0 else cost / active_total
