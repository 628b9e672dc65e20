"""One enrollment POST through the whole app, in this process: CPU time per request.

The service's app (every middleware, a real key, the route, the command), the floor's
(bench/write_floor_app.py: the same app with one raw-SQL route) and `GET /health` are
called through httpx's ASGI transport, one request at a time, on one database; the
thread-pool hops are real. CPU time (`time.process_time`, the client's share included,
the same for every side) is steadier than a rate on a shared machine. The sides
alternate, `--rounds` times. `--profile` prints where the service's POST spends it
(cProfile: the event loop's thread only, so the hops show but not the pool's work).

python -m bench.single_post [sqlite|postgres ...] [--count N] [--rounds N] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import os
import pstats
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.common import database, median, open_container, workdir
from bench.inprocess import setup_association
from service.api.app import create_app
from service.domain.principal import Principal
from tests.factories import enrollment_body
from tests.server_process import service_env

API = "/api/v1"
_NUMBERS = itertools.count()


async def _calls(app: Any, key: str, url: str | None, count: int) -> None:
    """`count` POSTs to `url` (a new enrollment each), or GET /health when it is None."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(count):
            if url is None:
                assert (await client.get("/health")).status_code == 200
                continue
            n = next(_NUMBERS)
            body = enrollment_body(f"single-post-{n:09d}", day=n % 3000)
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == 201, response.text


def _cpu_ms(app: Any, key: str, url: str | None, count: int, profile: bool = False) -> float:
    asyncio.run(_calls(app, key, url, 20))  # warm-up
    profiler = cProfile.Profile() if profile else None
    start = time.process_time()
    if profiler is not None:
        profiler.enable()
    asyncio.run(_calls(app, key, url, count))
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return 1000 * (time.process_time() - start) / count


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """The floor app bootstraps from the environment, as a server would."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def measure(kind: str, count: int, rounds: int, profile: bool) -> dict[str, list[float]]:
    """CPU ms per request of each side, one value per round."""
    from bench.write_floor_app import create_floor_app

    found: dict[str, list[float]] = {"service": [], "floor": [], "health": []}
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, folder)
        with _environment(service_env(url, Path(folder))):
            floor_app = create_floor_app(url)
        try:
            aid, iid = "bench-single", "team-a"
            setup_association(container, aid, (iid,))
            admin = Principal("bench-admin", "association_admin", aid, frozenset())
            _, key = container.admin.create_key(admin, aid, "coach", "coach", [iid])
            app = create_app(container, catch_up_at_start=False)
            sides = {
                "service": (app, f"{API}/associations/{aid}/interventions/{iid}/enrollments"),
                "floor": (floor_app, f"/api/floor/{aid}/{iid}/enrollments"),
                "health": (app, None),
            }
            for number in range(rounds):
                order = list(sides) if number % 2 == 0 else list(reversed(sides))
                for side in order:
                    target, url_of = sides[side]
                    found[side].append(_cpu_ms(target, key, url_of, count))
            if profile:
                _cpu_ms(app, key, sides["service"][1], count, profile=True)
        finally:
            container.engine.dispose()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kinds", nargs="*", default=["sqlite"])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    for kind in args.kinds:
        found = measure(kind, args.count, args.rounds, args.profile)
        service, floor, health = (median(found[s]) for s in ("service", "floor", "health"))
        rounds = ", ".join(
            f"{s:.2f}/{f:.2f}" for s, f in zip(found["service"], found["floor"], strict=True)
        )
        print(
            f"{kind}: CPU ms per request, medians of {args.rounds} rounds of {args.count}: "
            f"POST {service:.3f}, floor POST {floor:.3f}, GET /health {health:.3f}; "
            f"service ÷ floor {service / floor:.2f} (rounds service/floor ms: {rounds})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
