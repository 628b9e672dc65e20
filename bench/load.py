"""Load: coaches writing and analysts reading against a real server, with latency percentiles.

    .venv/bin/python -m bench.load                      # SQLite, then PostgreSQL if reachable
    .venv/bin/python -m bench.load --kinds sqlite --seconds 20 --coaches 8 --analysts 2

Each coach thread enrolls participants (with a client id), changes their support and
exits some of them; each analyst thread reads the statistics and the coach list. The
server is `python -m service serve` on a database of its own (tests/server_process.py).
Printed: requests, errors, throughput and p50/p95/p99 per operation. The same module
provides the HTTP set-up of an association that the reliability tests use.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.factories import EXIT_BODY, enrollment_body
from tests.server_process import HttpTenant, dedicated_database, provision, running_server


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Recorder:
    """Latencies and errors per operation, shared by the load threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, name: str, call: Any) -> Any:
        started = time.perf_counter()
        try:
            response = call()
        except httpx.HTTPError as error:
            with self.lock:
                self.errors[name].append(type(error).__name__)
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[name].append(elapsed)
            if response.status_code >= 300:
                self.errors[name].append(str(response.status_code))
        return response

    def report(self, seconds: float) -> list[dict[str, Any]]:
        rows = []
        for name in sorted(self.latencies):
            values = self.latencies[name]
            rows.append(
                {
                    "operation": name,
                    "requests": len(values),
                    "errors": len(self.errors.get(name, [])),
                    "per_second": round(len(values) / seconds, 1),
                    "p50_ms": round(1000 * percentile(values, 0.50), 1),
                    "p95_ms": round(1000 * percentile(values, 0.95), 1),
                    "p99_ms": round(1000 * percentile(values, 0.99), 1),
                    "mean_ms": round(1000 * statistics.fmean(values), 1),
                }
            )
        return rows


def coach_loop(tenant: HttpTenant, rec: Recorder, stop: threading.Event, seed: int) -> None:
    """Enroll, change support, exit every third one; like a coach's day, without pauses."""
    rnd = random.Random(seed)
    with httpx.Client(timeout=60) as client:
        n = 0
        while not stop.is_set():
            n += 1
            eid = str(uuid.uuid4())
            iid = rnd.choice(tenant.interventions)
            body = enrollment_body(f"load-{seed:03d}-{n:06d}", eid, day=n)
            made = rec.timed(
                "enroll",
                lambda b=body, i=iid: client.post(
                    tenant.enrollments_url(i), json=b, headers=tenant.coach()
                ),
            )
            if made is None or made.status_code != 201:
                continue
            rec.timed(
                "support_change",
                lambda e=eid: client.post(
                    tenant.enrollment_url(e, "support-changes"),
                    json={"changed_on": "2024-03-01", "support": ["sickness_benefit"]},
                    headers=tenant.coach(**{"If-Match": "1"}),
                ),
            )
            if n % 3 == 0:
                rec.timed(
                    "exit",
                    lambda e=eid: client.post(
                        tenant.enrollment_url(e, "exit"),
                        json=EXIT_BODY,
                        headers=tenant.coach(**{"Idempotency-Key": f"exit-{e}"}),
                    ),
                )


def analyst_loop(tenant: HttpTenant, rec: Recorder, stop: threading.Event) -> None:
    """Read the statistics of a year and a coach's list, again and again."""
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            rec.timed(
                "statistics",
                lambda: client.get(
                    f"{tenant.base}/statistics", params={"year": 2024}, headers=tenant.analyst()
                ),
            )
            rec.timed(
                "list_open",
                lambda: client.get(
                    tenant.enrollments_url(tenant.interventions[0]),
                    params={"status": "open"},
                    headers=tenant.coach(),
                ),
            )


def run_load(
    tenant: HttpTenant, seconds: float, coaches: int, analysts: int
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Run the scenario for `seconds`; the per-operation table and the errors."""
    rec = Recorder()
    stop = threading.Event()
    threads = [
        threading.Thread(target=coach_loop, args=(tenant, rec, stop, i)) for i in range(coaches)
    ] + [threading.Thread(target=analyst_loop, args=(tenant, rec, stop)) for _ in range(analysts)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return rec.report(time.monotonic() - started), dict(rec.errors)


@contextmanager
def served(kind: str, folder: Path) -> Iterator[tuple[HttpTenant, dict[str, str]]]:
    """A provisioned association on a real server over a database of its own."""
    with dedicated_database(kind, folder) as url, running_server(url, folder) as server:
        yield provision(server.url, server.env), server.env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="sqlite,postgres")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--coaches", type=int, default=8)
    parser.add_argument("--analysts", type=int, default=2)
    args = parser.parse_args()
    for kind in args.kinds.split(","):
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            try:
                tenant, _ = stack.enter_context(served(kind, Path(tmp)))
            except RuntimeError as error:
                print(f"{kind}: skipped ({error})")
                continue
            rows, errors = run_load(tenant, args.seconds, args.coaches, args.analysts)
        print(f"\n{kind}: {args.coaches} coaches, {args.analysts} analysts, {args.seconds:.0f} s")
        print("| operation | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            print(
                f"| {r['operation']} | {r['requests']} | {r['errors']} | {r['per_second']} "
                f"| {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |"
            )
        if errors:
            print("errors:", {k: sorted(set(v)) for k, v in errors.items()})


if __name__ == "__main__":
    main()
