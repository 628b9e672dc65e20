"""Generated enrollment facts and the inputs of a statistics answer, for pure tests."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as hs

from service.domain.codes import Education, ExitReason, Support
from service.domain.facts import (
    ActivityRecord,
    AnonymousParticipantsReport,
    EnrollmentFacts,
    InterventionInfo,
    Period,
    ReportingRules,
)
from service.statistics.answer import AnswerInputs, build_statistics_answer
from tests.disclosure_audit import Finding, audit_parameters, audit_with_truth

PERIOD = Period.year(2023)
INTERVENTIONS = [
    InterventionInfo(name, name.title(), "individual", date(2020, 1, 1))
    for name in ("alfa", "beta", "gamma")
]


@hs.composite
def enrollments(draw: hs.DrawFn, number: int) -> EnrollmentFacts:
    """One enrollment of 2022–2023 in one of INTERVENTIONS, exited or not."""
    enrolled_on = date(2022, 1, 1) + timedelta(days=draw(hs.integers(0, 729)))
    days = draw(hs.none() | hs.integers(0, 500))
    exited_on = None if days is None else enrolled_on + timedelta(days=days)
    support = draw(hs.frozensets(hs.sampled_from([s.value for s in Support][1:]), max_size=2))
    return EnrollmentFacts(
        enrollment_id=f"e{number}",
        association_id="forbund",
        intervention_id=draw(hs.sampled_from(INTERVENTIONS)).intervention_id,
        pseudonym=f"person-{draw(hs.integers(0, 30)):04d}",
        sex=draw(hs.sampled_from(["female", "male"])),
        birth_year=enrolled_on.year - draw(hs.integers(15, 67)),
        education=draw(hs.sampled_from(list(Education))).value,
        municipality=draw(hs.sampled_from([None, "2080", "2021"])),
        enrolled_on=enrolled_on,
        support_at_enrollment=support,
        months_on_public_support=draw(hs.none() | hs.integers(0, 120)),
        months_without_work_or_studies=None,
        current_support=support,
        exited_on=exited_on,
        exit_reason=draw(hs.sampled_from(list(ExitReason))).value if exited_on else None,
        progressed=draw(hs.none() | hs.booleans()),
    )


def inputs(
    facts: list[EnrollmentFacts], rules: ReportingRules, period: Period = PERIOD
) -> dict[str, Any]:
    """The keyword arguments of build_statistics_answer for these facts."""
    return {
        "association_id": "forbund",
        "period": period,
        "rules": rules,
        "interventions": INTERVENTIONS,
        "facts": facts,
        "anonymous": [AnonymousParticipantsReport("alfa", PERIOD.start, PERIOD.end, 3, 7, 1)],
        "activities": [ActivityRecord("beta", date(2023, 5, 1), "Forum", {"af": 2, "kommun": 9})],
    }


def answer(
    facts: list[EnrollmentFacts], rules: ReportingRules, period: Period = PERIOD, **more: Any
) -> dict[str, Any]:
    """The statistics answer of these facts."""
    only = more.pop("only_intervention", None)
    return build_statistics_answer(AnswerInputs(**inputs(facts, rules, period), **more), only)


DRAWN_REASONS = ("work", "studies", "job_seeking", "vocational_rehab", "medical_rehab", "moved",
                 "discontinued", "other")  # fmt: skip


def small_forbund(seed: int) -> tuple[list[InterventionInfo], list[EnrollmentFacts]]:
    """A small förbund of 2023 drawn from `seed`: 1–8 insatser of 1–5, 1–15 or 1–40
    participants (bench.disclosure_audit_sweep; tests of disclosure control)."""
    rng = random.Random(seed)
    interventions = drawn_interventions(rng, 1, 8)
    most = rng.choice([5, 15, 40])
    return interventions, drawn_facts(rng, seed, interventions, 1, most)


def drawn_interventions(rng: random.Random, least: int, most: int) -> list[InterventionInfo]:
    """least..most insatser, named insats-0, insats-1, …"""
    return [
        InterventionInfo(f"insats-{i}", f"Insats {i}", "individual", date(2020, 1, 1))
        for i in range(rng.randint(least, most))
    ]


def drawn_facts(
    rng: random.Random, seed: int, interventions: list[InterventionInfo], least: int, most: int
) -> list[EnrollmentFacts]:
    """least..most enrollments of each intervention, begun in 2022–2023, 70 % of those
    whose exit falls in 2023 exited (bench.disclosure_loss draws its förbund so too)."""
    facts = []
    for info in interventions:
        for n in range(rng.randint(least, most)):
            enrolled = date(2023, 1, 1) + timedelta(days=rng.randint(-300, 360))
            exited = enrolled + timedelta(days=rng.randint(10, 500))
            done = exited <= date(2023, 12, 31) and rng.random() < 0.7
            support = frozenset({rng.choice(["social_assistance", "sickness_benefit", "none"])})
            facts.append(
                EnrollmentFacts(
                    enrollment_id=f"{info.intervention_id}-{n}", association_id="f",
                    intervention_id=info.intervention_id, pseudonym=f"p{seed}-{info.intervention_id}-{n}",
                    sex=rng.choice(["female", "male"]), birth_year=2023 - rng.randint(17, 64),
                    education=rng.choice(["compulsory", "upper_secondary", "post_secondary", "unknown"]),
                    municipality=rng.choice(["2080", "2021", "2062", "2085"]), enrolled_on=enrolled,
                    support_at_enrollment=support, months_on_public_support=rng.randint(0, 96),
                    months_without_work_or_studies=None, current_support=support,
                    exited_on=exited if done else None,
                    exit_reason=rng.choice(DRAWN_REASONS) if done else None,
                    progressed=rng.choice([True, False, None]) if done else None,
                )
            )  # fmt: skip
    return facts


def small_forbund_answer(seed: int, size: int, **more: Any) -> dict[str, Any]:
    """The full answer of `small_forbund(seed)` for 2023 with min_cell_size `size`; `more`
    adds inputs (finances, …)."""
    interventions, facts = small_forbund(seed)
    rules = ReportingRules(min_cell_size=size)
    return build_statistics_answer(
        AnswerInputs("f", Period.year(2023), rules, interventions, facts, **more)
    )


def small_forbund_findings(seed: int, size: int = 5) -> list[Finding]:
    """The attacker's findings (tests/disclosure_audit.py) in the full answer of
    `small_forbund(seed)` with min_cell_size `size`, after checking the audit is sound for
    it."""
    protected = small_forbund_answer(seed, size)
    truth = small_forbund_answer(seed, 0)
    return audit_with_truth(protected, truth, **audit_parameters(protected))
