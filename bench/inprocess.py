"""The batch endpoint's work in this process (no HTTP): for profiling and A/B comparisons.

`python -m bench.inprocess [sqlite|postgres] [--profile]` times the route function
`import_batch` on 1,000 enrolled events and, with --profile, prints where the time goes.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import database, median, open_container, workdir
from service.domain.principal import Principal

SYSTEM = Principal("bench-system", "system_admin", None, frozenset())


def setup_association(container: Any, aid: str, interventions: tuple[str, ...]) -> Principal:
    """An association and its interventions through the application layer; a coach."""
    admin = container.admin
    admin.create_association(SYSTEM, aid, aid.title(), {"min_cell_size": 0})
    owner = Principal("bench-admin", "association_admin", aid, frozenset())
    for iid in interventions:
        admin.register_intervention(
            owner,
            aid,
            {"id": iid, "name": iid, "kind": "individual", "starts_on": _START, "ends_on": None},
        )
    return Principal("bench-coach", "coach", aid, frozenset(interventions))


_START = __import__("datetime").date(2015, 1, 1)


def enrolled_items(interventions: tuple[str, ...], size: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "type": "enrolled",
            "enrollment_id": str(uuid.uuid4()),
            "intervention_id": interventions[i % len(interventions)],
            "data": {
                "pseudonym": f"inproc-{tag}-{i:07d}",
                "enrolled_on": "2023-03-01",
                "sex": "female" if i % 2 else "male",
                "birth_year": 1960 + i % 40,
                "education": "upper_secondary",
                "support": ["social_assistance"],
            },
        }
        for i in range(size)
    ]


def run_batch(
    container: Any,
    coach: Principal,
    aid: str,
    items: list[dict[str, Any]],
    chunked: bool = True,
) -> Any:
    """What the route does for one request (validation of the body included): with
    `chunked`, as it runs (chunks of savepointed items, one commit each); without, one
    commit per item, as it ran before `one_transaction` — the A/B baseline."""
    from service.api.batch_events import apply_in_chunks, apply_item
    from service.api.routes.batch import parse_item
    from service.api.schemas.enrollments import Batch, BatchEvent, BatchResult

    body = Batch.model_validate({"events": items})
    if chunked:
        # What `import_batch` does, without its revocation check: the bench's principal
        # has no key row (the check would answer 401 for every event).
        parsed = [parse_item(n, raw) for n, raw in enumerate(body.events)]
        chunks = apply_in_chunks(container, coach, aid, parsed)
        return BatchResult(results=[r for chunk in chunks for r in chunk])
    events = [BatchEvent.model_validate(e) for e in body.events]
    return BatchResult(results=[apply_item(container, coach, aid, e) for e in events])


def mixed_items(interventions: tuple[str, ...], tag: str) -> list[dict[str, Any]]:
    """Every event type, with failures of each kind (422, 404, 409, duplicate open)."""
    base = enrolled_items(interventions, 6, tag)
    a, b, c = (base[i]["enrollment_id"] for i in range(3))

    def ev(kind: str, eid: str, **data: Any) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "type": kind, "enrollment_id": eid, "data": data}

    duplicate = enrolled_items(interventions, 1, tag)[0]  # same pseudonym as base[0]
    bad = dict(base[4], data={**base[4]["data"], "education": "phd"})
    return [
        base[0], base[1], base[2], duplicate, bad, base[5],
        ev("support_changed", a, changed_on="2023-04-01", support=["sickness_benefit"]),
        ev("exited", a, exited_on="2023-09-01", reason="studies", progressed=True),
        ev("exited", a, exited_on="2023-10-01", reason="work"),
        ev("exit_retracted", a, why="fel"),
        ev("exited", a, exited_on="2023-10-01", reason="work"),
        ev("corrected", a, reason="subsidised_work"),
        ev("support_changed", str(uuid.uuid4()), changed_on="2023-04-01", support=["none"]),
        ev("voided", b, why="fel person"),
        ev("exited", b, exited_on="2023-09-01", reason="work"),
        ev("exited", c, exited_on="2022-01-01", reason="work"),
        enrolled_items(interventions, 1, tag + "x")[0] | {"enrollment_id": c},
        base[0],
    ]  # fmt: skip


def _no_ids(detail: str | None) -> str | None:
    return None if detail is None else re.sub(r"[0-9a-f-]{36}", "<id>", detail)


def check_same_behaviour(kind: str) -> None:
    """The mixed batch answers alike with and without one transaction, and leaves the same
    open-enrollment register and events (per association)."""
    from sqlalchemy import select

    from service.adapters.tables import open_enrollments

    answers = []
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, Path(folder))
        interventions = ("team-a", "team-b")
        for mode in (False, True):
            aid = f"check-{int(mode)}"
            coach = setup_association(container, aid, interventions)
            items = mixed_items(interventions, "same")
            first = run_batch(container, coach, aid, items, mode)
            again = run_batch(container, coach, aid, items, mode)
            with container.engine.connect() as conn:
                register = sorted(
                    (r.intervention_id, r.pseudonym)
                    for r in conn.execute(
                        select(open_enrollments).where(open_enrollments.c.association_id == aid)
                    )
                )
            answers.append(
                (
                    [(r.status, r.version, _no_ids(r.detail)) for r in first.results],
                    [(r.status, r.version, _no_ids(r.detail)) for r in again.results],
                    register,
                )
            )
        container.close()
    assert answers[0] == answers[1], answers
    print(f"{kind}: same per-item results and register per-item commits and chunked:")
    print("  ", [s for s, _, _ in answers[0][0]])


def ab_rates(kind: str, size: int, rounds: int) -> tuple[float, float]:
    """Median events/s of the batch with one commit per item, and as the route runs it."""
    rates: dict[bool, list[float]] = {False: [], True: []}
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, Path(folder))
        interventions = ("team-a", "team-b")
        coach = setup_association(container, "ab", interventions)
        run_batch(container, coach, "ab", enrolled_items(interventions, 20, "warm"))
        for r in range(rounds):
            for mode in (False, True):
                items = enrolled_items(interventions, size, f"r{r}m{int(mode)}")
                start = time.perf_counter()
                result = run_batch(container, coach, "ab", items, mode)
                rates[mode].append(size / (time.perf_counter() - start))
                assert {x.status for x in result.results} == {201}
        container.close()
    return median(rates[False]), median(rates[True])


def main(kind: str, profile: bool, size: int = 1000) -> None:
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, Path(folder))
        interventions = ("team-a", "team-b")
        coach = setup_association(container, "inproc", interventions)
        run_batch(container, coach, "inproc", enrolled_items(interventions, 20, "warm"))
        items = enrolled_items(interventions, size, "main")
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        result = run_batch(container, coach, "inproc", items)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - start
        assert {r.status for r in result.results} == {201}
        print(f"{kind}: {size} events in {elapsed:.2f} s = {size / elapsed:,.0f} events/s")
        if profiler:
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
        container.close()


if __name__ == "__main__":
    if "--check" in sys.argv:
        for each in ("sqlite", "postgres"):
            check_same_behaviour(each)
        sys.exit(0)
    if "--ab" in sys.argv:
        for each in ("sqlite", "postgres"):
            print(each, ab_rates(each, 1000, 3))
        sys.exit(0)
    main(
        next((a for a in sys.argv[1:] if not a.startswith("--")), "sqlite"),
        "--profile" in sys.argv,
    )
