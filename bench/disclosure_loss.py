"""Information loss of disclosure control (product.md §7 point 4), on the demo förbund and
on generated förbund of realistic size: how many hidden cells have a true count ≥ k, and
how many headline figures over ≥ 2k persons are hidden (must be 0).

    python -m bench.disclosure_loss            # prints one line per data set
"""

from __future__ import annotations

import random
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from service.application import queries
from service.domain.facts import Period, ReportingRules
from service.statistics.answer import AnswerInputs, build_statistics_answer
from tests.statistics_inputs import drawn_facts, drawn_interventions

K = 5
HEADLINE = ("active", "new", "exits", "completed_exits", "to_work_or_studies", "to_goal")
SHARES = ("share_to_work_or_studies", "share_to_goal")


def leaf(tree: Any, pointer: str) -> Any:
    for part in pointer[1:].split("/"):
        tree = tree[int(part)] if isinstance(tree, list) else tree[part]
    return tree


def pointers_of(answer: dict[str, Any]) -> list[str]:
    return [p if isinstance(p, str) else p["pointer"] for p in answer["suppressed"]]


def loss(protected: dict[str, Any], truth: dict[str, Any]) -> tuple[int, int, int, int]:
    """(hidden leaves, hidden counts with true ≥ k, headline figures over ≥ 2k hidden,
    headline figures over ≥ 2k)."""
    hidden = pointers_of(protected)
    large = 0
    for pointer in hidden:
        value = leaf(truth, pointer)
        if (
            "share" in pointer
            or "throughput" in pointer
            or "before" in pointer
            or "cost" in pointer
        ):
            continue
        large += isinstance(value, int) and value >= K
    headline_hidden = headline = 0
    objects = [*protected["interventions"], protected["total"]]
    for shown, true in zip(objects, [*truth["interventions"], truth["total"]], strict=True):
        m, t = shown["measures"], true["measures"]
        for name in HEADLINE:
            if t[name]["total"] >= 2 * K:
                headline += 1
                headline_hidden += m[name]["total"] is None
        for name in SHARES:
            if t["completed_exits"]["total"] >= 2 * K:
                headline += 1
                headline_hidden += m[name]["total"] is None
        if t["completed_exits"]["total"] >= 2 * K:
            headline += 1
            headline_hidden += m["throughput_days"]["mean"]["total"] is None
    return len(hidden), large, headline_hidden, headline


def demo() -> tuple[Any, list[tuple[int, dict[str, Any], dict[str, Any]]]]:
    from service.bootstrap import bootstrap
    from service.cli.demo import ASSOCIATION_ID, run_demo
    from service.config import Settings

    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'demo.db'}"
    from service.adapters.migrations import upgrade_to_head

    upgrade_to_head(url)
    container = bootstrap(Settings(database_url=url, secrets_file=folder / "secrets.json"))
    from io import StringIO

    from rich.console import Console

    run_demo(container, today=date(2026, 1, 15), console=Console(file=StringIO()))
    original = queries.rules_from_settings
    found = []
    for year in (2022, 2023, 2024, 2025):
        answers = []
        for size in (K, 0):
            queries.rules_from_settings = lambda s, size=size: _with_size(original(s), size)
            container.queries.forget_answers()  # the rules changed without an event
            answers.append(
                container.queries.statistics_unchecked(ASSOCIATION_ID, Period.year(year))
            )
        found.append((year, *answers))
    queries.rules_from_settings = original
    return container, found


def _with_size(rules: ReportingRules, size: int) -> ReportingRules:
    from dataclasses import replace

    return replace(rules, min_cell_size=size)


def generated(seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A förbund of 4–7 insatser with 10–60 participants a year each."""
    rng = random.Random(seed)
    interventions = drawn_interventions(rng, 4, 7)
    facts = drawn_facts(rng, seed, interventions, 10, 60)
    answers = []
    for size in (K, 0):
        answers.append(
            build_statistics_answer(
                AnswerInputs(
                    "f", Period.year(2023), ReportingRules(min_cell_size=size), interventions, facts
                )
            )
        )
    return answers[0], answers[1]


def timing(container: Any, rounds: int = 30) -> None:
    """p50/p95 of the demo's 2025 statistics answer (reads included, computed each time: the
    kept answers are dropped first) with disclosure control (k = 5) against without (k = 0),
    alternating in one run: what the cell-key method and its checks cost."""
    import statistics
    import time

    from service.cli.demo import ASSOCIATION_ID

    original = queries.rules_from_settings
    times: dict[int, list[float]] = {K: [], 0: []}
    for _ in range(rounds):
        for size in (K, 0):
            queries.rules_from_settings = lambda s, size=size: _with_size(original(s), size)
            container.queries.forget_answers()  # computed each time, not served as kept
            started = time.perf_counter()
            container.queries.statistics_unchecked(ASSOCIATION_ID, Period.year(2025))
            times[size].append((time.perf_counter() - started) * 1000)
    queries.rules_from_settings = original
    for size, found in times.items():
        p95 = statistics.quantiles(found, n=20)[-1]
        print(f"statistics 2025, k={size}: p50 {statistics.median(found):.1f} ms, p95 {p95:.1f} ms")
    ratio = statistics.median(times[K]) / statistics.median(times[0])
    print(f"cost of disclosure control (median ratio k=5 / k=0): {ratio:.2f}×")


def main() -> None:
    container, found = demo()
    timing(container)
    for year, protected, truth in found:
        print(
            f"demo {year}: hidden {{}} / of them true ≥ k {{}} / headline over ≥ 2k hidden {{}} of {{}}".format(
                *loss(protected, truth)
            )
        )
    totals = [0, 0, 0, 0]
    for seed in range(20):
        for i, value in enumerate(loss(*generated(seed))):
            totals[i] += value
    print(
        "generated, 20 förbund: hidden {} / of them true ≥ k {} / headline over ≥ 2k hidden {} of {}".format(
            *totals
        )
    )


if __name__ == "__main__":
    main()
