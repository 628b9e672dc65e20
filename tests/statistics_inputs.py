"""Generated enrollment facts and the inputs of a statistics answer, for pure tests."""

from __future__ import annotations

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
