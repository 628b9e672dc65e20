"""Issue 21: statistics of one large association-year (20,000 enrollments active in it).

One förbund, 20 insatser, 1,000 enrollments each begun in 2023 (all active in it) and as many
again begun 2019–2022 (history the answer for 2023 must not pay for); events made with the
domain model and inserted like `bench.national`, then projected.

python -m bench.large_year sqlite            # p50/p95 warm and cold on a real server, writer running
python -m bench.large_year sqlite --profile  # cProfile of cold answers in this process
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from bench import national
from bench.common import Row, database, median, open_container, percentile, workdir
from bench.inprocess import SYSTEM
from service.adapters.tables import events
from service.domain.facts import Period
from service.domain.principal import Principal
from tests.factories import coach_enrollment
from tests.server_process import API, ServerProcess, bearer, run_cli, service_env

AID = "stort-forbund"
OTHER = "annat-forbund"
YEAR = 2023
INTERVENTIONS = 20


def build(container: Any, in_year: int = 1000, before: int = 1000) -> None:
    """The förbund, its insatser and their enrollments, projected."""
    container.admin.create_association(SYSTEM, AID, "Stort förbund", {})
    container.admin.create_association(SYSTEM, OTHER, "Annat förbund", {})
    for aid in (AID, OTHER):
        owner = Principal("bench-admin", "association_admin", aid, frozenset())
        for i in range(INTERVENTIONS):
            container.admin.register_intervention(
                owner, aid,
                {"id": f"insats-{i:02d}", "name": f"Insats {i}", "kind": "individual",
                 "starts_on": date(2016, 1, 1), "ends_on": None},
            )  # fmt: skip
    rng = random.Random(21)
    mapper = container.store.mapper
    chunk: list[dict[str, Any]] = []
    spans = ((date(YEAR, 1, 1), 365, in_year), (date(YEAR - 4, 1, 1), 4 * 365, before))
    for i in range(INTERVENTIONS):
        iid = f"insats-{i:02d}"
        for start, days, count in spans:
            for n in range(count):
                enrollment = national._enrollment(
                    rng, AID, iid, n + start.year * 10**5, start, days
                )
                chunk += (national.stored_row(mapper, e) for e in enrollment.collect_events())
        with container.engine.begin() as conn:
            conn.execute(insert(events), chunk)
        chunk.clear()
    container.projector.catch_up()


def _writer(url: str, key: str, stop: threading.Event, written: list[int]) -> None:
    """Enroll participants in the other förbund through HTTP, one request at a time."""
    with httpx.Client(base_url=url, timeout=60, headers=bearer(key)) as client:
        while not stop.is_set():
            body = coach_enrollment(pseudonym=f"skrivare-{uuid.uuid4()}", enrolled_on="2025-06-01")
            response = client.post(
                f"{API}/associations/{OTHER}/interventions/insats-00/enrollments", json=body
            )
            assert response.status_code == 201, response.text
            written[0] += 1


@contextmanager
def writer_running(url: str, key: str) -> Iterator[list[int]]:
    """A writer for the duration; yields its count of written enrollments."""
    stop, written = threading.Event(), [0]
    thread = threading.Thread(target=_writer, args=(url, key, stop, written), daemon=True)
    thread.start()
    try:
        while written[0] < 5 and thread.is_alive():
            time.sleep(0.05)
        yield written
    finally:
        stop.set()
        thread.join(60)


def _times(
    call: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None
) -> list[float]:
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        response = call()
        out.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    return out


def _keys(server: Any) -> dict[str, str]:
    """An analyst key of the large förbund and coach keys of both, as an operator and the
    förbund's admins make them."""
    root = run_cli(server.env, "create-key").strip()
    found = {}
    with httpx.Client(base_url=server.url, timeout=60) as client:

        def made(aid: str, key: str, body: dict[str, Any]) -> str:
            response = client.post(
                f"{API}/associations/{aid}/api-keys", json=body, headers=bearer(key)
            )
            assert response.status_code == 201, response.text
            return str(response.json()["key"])

        coach = {"name": "coach", "role": "coach", "interventions": ["insats-00"]}
        for aid, name in ((AID, "coach"), (OTHER, "writer")):
            admin = made(aid, root, {"name": "admin", "role": "association_admin"})
            found[name] = made(aid, admin, coach)
            if aid == AID:
                found["analyst"] = made(aid, admin, {"name": "analyst", "role": "analyst"})
    return found


@contextmanager
def _server(url: str, folder: Path) -> Iterator[ServerProcess]:
    """`serve` on the built database, given time to start on a busy machine."""
    server = ServerProcess(service_env(url, folder), folder / "server.log").start(timeout=180)
    try:
        yield server
    finally:
        server.kill()


def measure(kind: str, runs: int = 30, quick: bool = False) -> list[Row]:
    """p50/p95 of GET /statistics for the large year on a real server (`serve`: its request
    workers and projection process), with a writer enrolling in another förbund all along;
    each against GET /health in the same run. Warm: asked again, unchanged. Cold: each
    call right after a write to the large förbund's year (answered 201), so computed
    afresh over facts of which one is new."""
    rows: list[Row] = []
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, folder)
        build(container, *((50, 50) if quick else (1000, 1000)))
        active = national.active_rows(container, AID, YEAR)
        container.close()
        with _server(url, folder) as server:
            keys = _keys(server)
            with (
                httpx.Client(base_url=server.url, timeout=60) as client,
                writer_running(server.url, keys["writer"]) as written,
            ):
                path = f"{API}/associations/{AID}/statistics"

                def ask() -> Any:
                    return client.get(path, params={"year": YEAR}, headers=bearer(keys["analyst"]))

                def write() -> None:  # into the year asked: its facts change
                    body = coach_enrollment(
                        pseudonym=f"ny-{uuid.uuid4()}", enrolled_on=f"{YEAR}-06-01"
                    )
                    response = client.post(
                        f"{API}/associations/{AID}/interventions/insats-00/enrollments",
                        json=body, headers=bearer(keys["coach"]),
                    )  # fmt: skip
                    assert response.status_code == 201, response.text

                health = _times(lambda: client.get("/health"), runs)
                interventions = f"{API}/associations/{AID}/interventions"
                listed = _times(
                    lambda: client.get(interventions, headers=bearer(keys["analyst"])), runs
                )
                for _ in range(8):  # every request worker computes it once
                    ask()
                warm = _times(ask, runs)
                cold = _times(ask, runs, before=write)
                wrote = written[0]
    health_p50, health_p95 = median(health) * 1000, percentile(health, 95) * 1000
    base_p50, base_p95 = median(listed) * 1000, percentile(listed, 95) * 1000
    for name, found, target in (("warm", warm, 50), ("cold", cold, 200)):
        p50, p95 = median(found) * 1000, percentile(found, 95) * 1000
        note = (
            f"{active} active; p50 {p50:.0f} ms (interventions p50 {base_p50:.1f}, /health "
            f"p50 {health_p50:.1f}, p95 {health_p95:.1f}); {runs} calls; writer: {wrote} enrolled"
        )
        rows.append(
            Row("21", f"statistics p95, 1 association-year, {name}", kind, p95, "ms", base_p95,
                "GET interventions p95 (audited read)", f"≤ {target} ms", p95 <= target, note)
        )  # fmt: skip
    return rows


def profile(kind: str, runs: int) -> None:
    """Cold answers in this process, each after an enrollment written into the year (as
    `measure`); the time of the answers only, wall-clock and CPU (CPU is what a loaded
    machine distorts least)."""
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, folder)
        build(container)
        period = Period.year(YEAR)
        coach = Principal("bench-coach", "coach", AID, frozenset({"insats-00"}))
        container.queries.statistics_unchecked(AID, period)
        profiler = cProfile.Profile()
        wall = cpu = 0.0
        for _ in range(runs):
            body = coach_enrollment(pseudonym=f"ny-{uuid.uuid4()}", enrolled_on=date(YEAR, 6, 1))
            container.enrollments.enroll(coach, AID, "insats-00", body)
            started, started_cpu = time.perf_counter(), time.process_time()
            profiler.enable()
            container.queries.statistics_unchecked(AID, period)
            profiler.disable()
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
        print(f"per cold answer: {wall / runs * 1000:.0f} ms, CPU {cpu / runs * 1000:.0f} ms")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        container.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("sqlite", "postgres"))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.kind, args.runs)
        return 0
    from bench.common import markdown

    print(markdown(measure(args.kind, args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
