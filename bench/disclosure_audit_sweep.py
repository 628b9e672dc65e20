"""The attacker's audit (tests/disclosure_audit.py) over many generated small förbund, in
process: how many answers the attacker's linear programme finds a hidden count in that is
one number or lies inside 1..k − 1 (docs/decisions.md §33).

    python -m bench.disclosure_audit_sweep            # seeds 0–299, about 3 minutes
    python -m bench.disclosure_audit_sweep 0 50 -v    # a range, each finding printed

Each seed is a förbund of 1–8 insatser of 1–5, 1–15 or 1–40 participants (year 2023,
k = 5), smaller than `bench.disclosure_loss`'s: where a complement is hardest to find. The
audit runs on the association's full answer; every answer is first checked against its
true values (the audit is sound for it).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from typing import Any

from service.domain.facts import EnrollmentFacts, InterventionInfo, Period, ReportingRules
from service.statistics.answer import AnswerInputs, build_statistics_answer
from tests.disclosure_audit import Finding, audit_parameters, audit_with_truth

REASONS = ["work", "studies", "job_seeking", "vocational_rehab", "medical_rehab", "moved",
           "discontinued", "other"]  # fmt: skip


def forbund(seed: int) -> tuple[list[InterventionInfo], list[EnrollmentFacts]]:
    """A small förbund of 2023, drawn from `seed`."""
    rng = random.Random(seed)
    interventions = [
        InterventionInfo(f"insats-{i}", f"Insats {i}", "individual", date(2020, 1, 1))
        for i in range(rng.randint(1, 8))
    ]
    most = rng.choice([5, 15, 40])
    facts = []
    for info in interventions:
        for n in range(rng.randint(1, most)):
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
                    exit_reason=rng.choice(REASONS) if done else None,
                    progressed=rng.choice([True, False, None]) if done else None,
                )
            )  # fmt: skip
    return interventions, facts


def audited(seed: int) -> list[Finding]:
    """The attacker's findings in the full answer of förbund `seed`."""
    interventions, facts = forbund(seed)

    def answer(size: int) -> dict[str, Any]:
        rules = ReportingRules(min_cell_size=size)
        return build_statistics_answer(
            AnswerInputs("f", Period.year(2023), rules, interventions, facts)
        )

    protected = answer(5)
    return audit_with_truth(protected, answer(0), **audit_parameters(protected))


def main(argv: list[str]) -> None:
    numbers = [int(a) for a in argv if a.isdigit()]
    first, last = numbers if len(numbers) == 2 else (0, 300)
    started, findings, with_any = time.perf_counter(), 0, 0
    for seed in range(first, last):
        found = audited(seed)
        findings += len(found)
        with_any += bool(found)
        if "-v" in argv:
            for finding in found:
                print(f"seed {seed}: {finding.pointer} {finding.lo:g}..{finding.hi:g}")
    print(
        f"seeds {first}–{last - 1}: {with_any} of {last - first} answers with a finding, "
        f"{findings} findings, {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
