"""Target 3a against the least an enrollment POST can cost in FastAPI: a floor, same run.

The real server and `bench/write_floor_app.py` (the service's app plus one route: the
service's body schema, then raw DB-API doing only the key lookup, the intervention's
version, the open-enrollment row, the event row and a durable commit) serve the same
database at the same time. In alternating rounds (which server goes first alternates
too), each server's single-client POST rate is divided by its own `/health` rate: if
even the floor stays under 0.5×, no refactoring of the service's write path reaches
target 3a; if the floor is above it, the gap is the service's own layers. Afterwards
every POST of both sides is read back through the service's API.

python -m bench.write_floor [sqlite|postgres ...] [--rounds N] [--count N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass, replace

import httpx

from bench.common import Row, live_server, markdown, median, workdir
from bench.http_writes import enroll_rate, health_rate
from tests.server_process import ROOT, HttpTenant, bearer, free_port, provision


@dataclass(frozen=True)
class Ratios:
    service: list[float]
    floor: list[float]


def _floor_server(database_url: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.write_floor_app", database_url, str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the floor app did not start")


def measure(kind: str, rounds: int, count: int) -> Ratios:
    """POST ÷ /health of the service and of the floor, one pair per round."""
    ratios = Ratios([], [])
    with workdir() as folder, live_server(kind, folder) as server:
        tenant = provision(server.url, server.env, "bench-forbund")
        process, floor_url = _floor_server(server.env["UPPFOLJNING_DATABASE_URL"], server.env)
        floor = replace(tenant, url=floor_url)  # the same keys and database
        floor_route = (
            f"{floor_url}/api/floor/{tenant.association_id}/{tenant.interventions[0]}/enrollments"
        )
        sides = [(tenant, None, ratios.service), (floor, floor_route, ratios.floor)]
        try:
            for round_number in range(rounds):
                for target, route, into in sides[:: 1 if round_number % 2 == 0 else -1]:
                    health = health_rate(target, count)
                    into.append(enroll_rate(target, count, route) / health)
        finally:
            process.terminate()
            process.wait(10)
        # Every POST of both sides (each rate posts once more to warm up) is read back
        # through the service, so the floor wrote events the projection reads.
        _require_enrollments(tenant, 2 * rounds * (count + 1))
    return ratios


def _require_enrollments(tenant: HttpTenant, expected: int) -> None:
    url = f"{tenant.base}/interventions/{tenant.interventions[0]}/enrollments"
    response = httpx.get(url, headers=bearer(tenant.coach_key), timeout=120)
    response.raise_for_status()
    if len(response.json()) != expected:
        raise RuntimeError(f"{len(response.json())} enrollments read back, not {expected}")


def rows(kind: str, ratios: Ratios) -> list[Row]:
    service, floor = median(ratios.service), median(ratios.floor)
    spread = ", ".join(
        f"{s:.3f}/{f:.3f}" for s, f in zip(ratios.service, ratios.floor, strict=True)
    )
    return [
        Row("3a", "service: POST ÷ own /health", kind, service, "×", None, "",
            "≥ 0.5×", service >= 0.5, f"rounds service/floor: {spread}"),
        Row("3a", "floor: POST ÷ own /health", kind, floor, "×", None, "",
            "(FastAPI + raw SQL: the least)", None, "bench/write_floor_app.py"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kinds", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args(argv)
    result = [r for k in args.kinds for r in rows(k, measure(k, args.rounds, args.count))]
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
