"""Issue 21: statistics of one large association-year (20,000 enrollments active in it).

One förbund, 20 insatser, 1,000 enrollments each begun in 2023 (all active in it) and as many
again begun 2019–2022 (history the answer for 2023 must not pay for); events made with the
domain model and inserted like `bench.national`, then projected.

python -m bench.large_year sqlite            # p50/p95 warm and cold, writer running
python -m bench.large_year sqlite --profile  # cProfile of cold answers (no writer)
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import pstats
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from bench import national
from bench.common import Row, database, median, open_container, percentile, workdir
from bench.inprocess import SYSTEM
from service.adapters import keys
from service.adapters.eventstore import unit_of_work
from service.adapters.tables import events
from service.domain.facts import Period
from service.domain.principal import Principal

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
                for event in enrollment.collect_events():
                    stored = mapper.to_stored_event(event)
                    chunk.append(
                        {"originator_id": stored.originator_id,
                         "originator_version": stored.originator_version,
                         "topic": stored.topic, "state": stored.state}
                    )  # fmt: skip
        with container.engine.begin() as conn:
            conn.execute(insert(events), chunk)
        chunk.clear()
    container.projector.catch_up()


def _key(container: Any, role: str, aid: str) -> str:
    with unit_of_work(container.store) as session:
        return keys.create_key(
            session, name=f"bench {role}", role=role, association_id=aid,
            interventions=[], created_by=None,
        )[1]  # fmt: skip


def _writer(url: str, folder: str, stop: Any, written: Any) -> None:
    """A process enrolling participants in the other förbund, one command at a time."""
    container = open_container(url, Path(folder))
    coach = Principal("bench-coach", "coach", OTHER, frozenset({"insats-00"}))
    n = 0
    while not stop.is_set():
        container.enrollments.enroll(
            coach, OTHER, "insats-00",
            {"pseudonym": f"skrivare-{uuid.uuid4()}", "enrolled_on": date(2025, 6, 1),
             "sex": "female", "birth_year": 1990, "education": "compulsory",
             "municipality": "0180", "support": ["none"], "months_on_public_support": 3},
        )  # fmt: skip
        n += 1
        written.value = n
    container.close()


@contextmanager
def writer_running(url: str, folder: Path) -> Iterator[Any]:
    """A writer process for the duration; yields its count of written enrollments."""
    context = multiprocessing.get_context("spawn")
    stop, written = context.Event(), context.Value("i", 0)
    process = context.Process(target=_writer, args=(url, str(folder), stop, written))
    process.start()
    try:
        deadline = time.monotonic() + 60
        while written.value < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        yield written
    finally:
        stop.set()
        process.join(30)


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


def measure(kind: str, runs: int = 30, quick: bool = False) -> list[Row]:
    """Warm and cold p50/p95 of GET /statistics for the large year, with a writer running
    (enrolling in another förbund, one command at a time, in a process of its own), each
    against GET /health in the same run; cold = the kept answers dropped before each call."""
    from service.api.app import create_app

    rows: list[Row] = []
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, folder)
        container.enrollments.today = lambda: national.TODAY
        build(container, *((50, 50) if quick else (1000, 1000)))
        analyst = _key(container, "analyst", AID)
        auth = {"Authorization": f"Bearer {analyst}"}
        path = f"/api/v1/associations/{AID}/statistics"
        with TestClient(create_app(container)) as client, writer_running(url, folder) as written:
            health = _times(lambda: client.get("/health"), runs)
            ask = lambda: client.get(path, params={"year": YEAR}, headers=auth)  # noqa: E731
            ask()
            warm = _times(ask, runs)
            cold = _times(ask, runs, before=container.queries.forget_answers)
            wrote = written.value
        active = national.active_rows(container, AID, YEAR)
        container.close()
    base_p50, base_p95 = median(health) * 1000, percentile(health, 95) * 1000
    for name, found, target in (("warm", warm, 50), ("cold", cold, 200)):
        p50, p95 = median(found) * 1000, percentile(found, 95) * 1000
        note = (
            f"{active} active; p50 {p50:.0f} ms (/health {base_p50:.1f}); writer: {wrote} enrolled"
        )
        rows.append(
            Row("21", f"statistics p95, 1 association-year, {name}", kind, p95, "ms", base_p95,
                "GET /health p95", f"≤ {target} ms", p95 <= target, note)
        )  # fmt: skip
    return rows


def profile(kind: str, runs: int) -> None:
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, folder)
        build(container)
        period = Period.year(YEAR)
        forget = getattr(container.queries, "forget_answers", lambda: None)
        container.queries.statistics_unchecked(AID, period)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        for _ in range(runs):
            forget()
            profiler.enable()
            container.queries.statistics_unchecked(AID, period)
            profiler.disable()
        print(f"{(time.perf_counter() - started) / runs * 1000:.0f} ms per cold answer")
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
