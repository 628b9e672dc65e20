"""One enrollment POST through the whole app, in this process: CPU time per request.

The app (every middleware, the real key, the route, the command) is called through
httpx's ASGI transport, one request at a time; the thread-pool hops are real. CPU time
(`time.process_time`) is steadier than a rate on a shared machine; `--profile` prints
where it goes (cProfile; the pool's threads are not profiled, so it shows the event loop's
share and the hops).

python -m bench.single_post [sqlite|postgres] [--count N] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from typing import Any

import httpx

from bench.common import database, open_container, workdir
from bench.inprocess import setup_association
from service.api.app import create_app
from tests.factories import enrollment_body

API = "/api/v1"


def _coach_key(container: Any, aid: str, iid: str) -> str:
    owner = setup_association(container, aid, (iid,))
    admin_principal = owner.__class__("bench-admin", "association_admin", aid, frozenset())
    _, key = container.admin.create_key(admin_principal, aid, "coach", "coach", [iid])
    return key


async def _posts(app: Any, key: str, url: str, count: int, start: int) -> None:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n in range(start, start + count):
            body = enrollment_body(f"single-post-{n:09d}", day=n % 3000)
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == 201, response.text


def measure(kind: str, count: int, profile: bool) -> tuple[float, float]:
    """(CPU ms, wall ms) per POST, after a warm-up."""
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, folder)
        try:
            aid, iid = "bench-single", "team-a"
            key = _coach_key(container, aid, iid)
            app = create_app(container, catch_up_at_start=False)
            route = f"{API}/associations/{aid}/interventions/{iid}/enrollments"
            asyncio.run(_posts(app, key, route, 50, 0))  # warm-up
            profiler = cProfile.Profile() if profile else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler is not None:
                profiler.enable()
            asyncio.run(_posts(app, key, route, count, 50))
            if profiler is not None:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        finally:
            container.engine.dispose()
    return 1000 * cpu / count, 1000 * wall / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kinds", nargs="*", default=["sqlite"])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    for kind in args.kinds:
        cpu, wall = measure(kind, args.count, args.profile)
        print(f"{kind}: {cpu:.3f} ms CPU, {wall:.3f} ms wall per POST ({args.count} POSTs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
