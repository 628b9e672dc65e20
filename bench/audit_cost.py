"""What the audit log costs (issue 20): the statistics p95 and the single POST, with and
without the audit middleware, in the same process, on the same database, alternating.

`python -m bench.audit_cost [sqlite|postgres] [--rounds N] [--enrollments N]` fills one
association through the batch route (default 20,000 enrollments over 2 interventions),
then per round, audited and unaudited alternating (A B B A ...): 60 `GET /statistics?year=`
(p95 and median) and 200 sequential `POST .../enrollments` (rate), each through the whole
ASGI app (httpx via TestClient, every middleware, the key lookup); and, alone, 200 read
entries written as the middleware writes them (`AuditTrail.record`: its own transaction
and durable commit), median. "Without" is the same app with
`AuditRequests` left out of its middleware, so no entry is written at all; the service has
no such switch. Also in `python -m bench.run_all` (rows "audit").
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import Row, database, median, open_container, percentile, workdir
from bench.inprocess import enrolled_items, run_batch, setup_association

AID = "bench-audit"
INTERVENTIONS = ("team-a", "team-b")


def client(container: Any, audited: bool) -> Any:
    """A TestClient on the service's app, with or without its audit middleware."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.api.audit import AuditRequests

    app = create_app(container, catch_up_at_start=False)
    if not audited:  # before the first request builds the middleware stack
        app.user_middleware = [m for m in app.user_middleware if m.cls is not AuditRequests]
    return TestClient(app)


def keys(container: Any) -> tuple[str, str]:
    """An analyst key and a coach key of the association."""
    from service.adapters import keys as key_store
    from service.adapters.eventstore import unit_of_work

    made = []
    with unit_of_work(container.store) as session:
        for role, scope in (("analyst", []), ("coach", list(INTERVENTIONS))):
            made.append(
                key_store.create_key(
                    session, name=f"bench {role}", role=role, association_id=AID,
                    interventions=scope, created_by=None,
                )[1]
            )  # fmt: skip
    return made[0], made[1]


def fill(container: Any, enrollments: int) -> None:
    coach = setup_association(container, AID, INTERVENTIONS)
    for start in range(0, enrollments, 1000):
        items = enrolled_items(INTERVENTIONS, min(1000, enrollments - start), f"fill{start}")
        run_batch(container, coach, AID, items)
    container.projector.catch_up()


def statistics_times(http: Any, analyst: str, calls: int = 60) -> list[float]:
    """The times of `calls` statistics answers, in ms (after one warm-up call)."""
    headers = {"Authorization": f"Bearer {analyst}"}
    url = f"/api/v1/associations/{AID}/statistics"
    assert http.get(url, params={"year": 2023}, headers=headers).status_code == 200
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        response = http.get(url, params={"year": 2023}, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return times


def entry_times(container: Any, count: int = 200) -> list[float]:
    """The times of `count` read entries written alone, in ms."""
    from datetime import UTC, date, datetime

    from service.adapters.audit_log import AuditEntry

    times = []
    for _ in range(count):
        entry = AuditEntry(
            recorded_at=datetime.now(UTC), key_id=None, key_name="bench", role="analyst",
            association_id=AID, action="GET /api/v1/associations/{aid}/statistics",
            intervention_id=None, period_from=date(2023, 1, 1), period_to=date(2023, 12, 31),
            status=200,
        )  # fmt: skip
        start = time.perf_counter()
        container.audit.record(entry)
        times.append((time.perf_counter() - start) * 1000)
    return times


def post_rate(http: Any, coach: str, count: int = 200) -> float:
    """Sequential single enrollments per second."""
    headers = {"Authorization": f"Bearer {coach}"}
    url = f"/api/v1/associations/{AID}/interventions/team-a/enrollments"
    tag = uuid.uuid4().hex  # 16+ hex digits: never read as a personnummer
    start = time.perf_counter()
    for n in range(count):
        body = {
            "pseudonym": f"audit-cost-{tag}-{n:05d}", "enrolled_on": "2024-02-01",
            "sex": "female", "birth_year": 1985, "education": "upper_secondary",
            "support": ["social_assistance"],
        }  # fmt: skip
        response = http.post(url, json=body, headers=headers)
        assert response.status_code == 201, response.text
    return count / (time.perf_counter() - start)


def measure(
    kind: str, rounds: int = 3, enrollments: int = 20_000
) -> dict[bool, dict[str, list[float]]]:
    """Per side (audited or not): the statistics p95 (ms) and POST rate (/s) of each round."""
    out: dict[bool, dict[str, list[float]]] = {
        side: {"p95": [], "median": [], "post": [], "entry": []} for side in (True, False)
    }
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, Path(folder))
        try:
            fill(container, enrollments)
            analyst, coach = keys(container)
            order = [True, False, False, True] * ((rounds + 1) // 2)
            for audited in order[: 2 * rounds]:
                with client(container, audited) as http:
                    times = statistics_times(http, analyst)
                    rate = post_rate(http, coach)
                p95, middle = percentile(times, 95), median(times)
                out[audited]["p95"].append(p95)
                out[audited]["median"].append(middle)
                out[audited]["post"].append(rate)
                if audited:
                    out[audited]["entry"].append(median(entry_times(container)))
                print(f"{kind} audit={'on' if audited else 'off'}: statistics p95 "
                      f"{p95:.1f} ms, median {middle:.1f} ms, POST {rate:.0f}/s",
                      file=sys.stderr, flush=True)  # fmt: skip
        finally:
            container.close()
    return out


def rows(kind: str, measured: dict[bool, dict[str, list[float]]]) -> list[Row]:
    on, off = measured[True], measured[False]
    return [
        Row("20", "statistics p95, audited (in-process app)", kind, median(on["p95"]), "ms",
            median(off["p95"]), "same app without audit", note="median of rounds"),
        Row("20", "statistics median, audited (in-process app)", kind, median(on["median"]),
            "ms", median(off["median"]), "same app without audit", note="median of rounds"),
        Row("20", "single POST, audited (in-process app)", kind, median(on["post"]), "/s",
            median(off["post"]), "same app without audit", note="median of rounds"),
        Row("20", "one read's entry alone (own transaction)", kind, median(on["entry"]), "ms",
            note="median of 200, median of rounds"),
    ]  # fmt: skip


def run(kind: str, quick: bool) -> list[Row]:
    """For bench.run_all: 1 round on 2,000 enrollments (quick) or 3 on 20,000."""
    rounds, size = (1, 2_000) if quick else (3, 20_000)
    return rows(kind, measure(kind, rounds, size))


if __name__ == "__main__":
    from bench.common import markdown

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    size = (
        int(sys.argv[sys.argv.index("--enrollments") + 1])
        if "--enrollments" in sys.argv
        else 20_000
    )
    kind = args[0] if args else "sqlite"
    print(markdown(rows(kind, measure(kind, rounds, size))))
