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

import sys
import time

from tests.statistics_inputs import small_forbund_findings


def main(argv: list[str]) -> None:
    numbers = [int(a) for a in argv if a.isdigit()]
    first, last = numbers if len(numbers) == 2 else (0, 300)
    started, findings, with_any = time.perf_counter(), 0, 0
    for seed in range(first, last):
        found = small_forbund_findings(seed)
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
