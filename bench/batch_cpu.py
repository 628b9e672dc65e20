"""Issue 21: CPU time per event of `POST .../events:batch`, the whole request in this process.

`python -m bench.batch_cpu [sqlite|postgres] [--rounds N] [--profile pure|mixed
[--pyinstrument]]`

The ASGI app is called directly with the request's bytes (no socket, no client: only the
server's own work — middleware, key lookup, body parsing, the chunks, the answer's JSON),
for a pure `enrolled` batch and a mixed history batch (bench.http_writes.history_events),
1,000 events per request, alternating. Reported: CPU seconds (`time.process_time`, all
threads: the route runs in the thread pool) per 1,000 events and the events/s one core
would give, median of the rounds. CPU time, not wall time: the machine is shared.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import database, median, open_container, workdir
from bench.http_writes import batch_events, history_events
from tests.server_process import HttpTenant

SIZE = 1000
WALL: list[float] = []  # the wall-clock seconds of each `_posted`, in order


def _call(app: Any, path: str, key: str, body: bytes) -> tuple[int, bytes]:
    """One POST through the ASGI app: (status, response body)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "server": ("bench", 80), "client": ("127.0.0.1", 1),
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {key}".encode()),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    sent = {"body": False}
    status, parts = 0, []

    async def receive() -> dict[str, Any]:
        if not sent["body"]:
            sent["body"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    return status, b"".join(parts)


def _tenant(kind: str, folder: Path, url: str) -> tuple[Any, Any, HttpTenant]:
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from tests.conftest import make_tenant

    container = open_container(url, folder)
    app = create_app(container)
    client = TestClient(app)
    made = make_tenant(client, container, "bench-cpu", settings={"min_cell_size": 0})
    tenant = HttpTenant("", made.association_id, made.admin_key, made.coach_key,
                        made.analyst_key, ("team-a", "team-b"))  # fmt: skip
    return container, app, tenant


def _posted(app: Any, tenant: HttpTenant, events: list[dict[str, Any]]) -> float:
    """CPU seconds to post `events` in requests of SIZE; every item must answer 201.
    The wall-clock seconds are added to `WALL` (they include PostgreSQL's own work)."""
    path = f"/api/v1/associations/{tenant.association_id}/events:batch"
    bodies = [json.dumps({"events": events[i : i + SIZE]}).encode()
              for i in range(0, len(events), SIZE)]  # fmt: skip
    spent = 0.0
    wall = time.perf_counter()
    for body in bodies:
        start = time.process_time()
        status, answer = _call(app, path, tenant.coach_key, body)
        spent += time.process_time() - start
        assert status == 200, answer[:500]
        statuses = {r["status"] for r in json.loads(answer)["results"]}
        assert statuses == {201}, statuses
    WALL.append(time.perf_counter() - wall)
    return spent


def _inline_threads() -> None:
    """Run what Starlette sends to the thread pool in the calling thread instead."""
    import anyio.to_thread

    async def inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]


def _profiled(app: Any, tenant: HttpTenant, events: list[dict[str, Any]]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    _posted(app, tenant, events)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)


def _sampled(app: Any, tenant: HttpTenant, events: list[dict[str, Any]]) -> None:
    """pyinstrument (a sampling profiler: less distortion of small calls than cProfile),
    if it is importable; it is not one of the project's dependencies."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    with profiler:
        _posted(app, tenant, events)
    print(profiler.output_text(show_all=False, short_mode=False))


def run(
    kind: str, rounds: int, profile: str | None = None, sampler: bool = False
) -> dict[str, float]:
    """Median CPU µs per event of the pure and the mixed batch, and (`wall pure`, `wall
    mixed`) the median wall-clock µs per event."""
    per_event: dict[str, list[float]] = {"pure": [], "mixed": [], "wall pure": [], "wall mixed": []}
    with workdir() as folder, database(kind, folder) as url:
        container, app, tenant = _tenant(kind, folder, url)
        _posted(app, tenant, batch_events(tenant, 50))  # warm up
        makers: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "pure": lambda: batch_events(tenant, 3 * SIZE),
            "mixed": lambda: history_events(tenant, SIZE),
        }
        if profile:
            _inline_threads()  # cProfile sees one thread: run the route's there
            events = makers[profile]()
            if sampler:
                _sampled(app, tenant, events)
            else:
                _profiled(app, tenant, events)
        for _ in range(rounds):
            for name, make in makers.items():
                events = make()
                per_event[name].append(_posted(app, tenant, events) / len(events) * 1e6)
                per_event[f"wall {name}"].append(WALL[-1] / len(events) * 1e6)
        container.close()
    return {name: median(values) for name, values in per_event.items()}


if __name__ == "__main__":
    args = sys.argv[1:]
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    profiled = args[args.index("--profile") + 1] if "--profile" in args else None
    kinds = [a for a in args if a in ("sqlite", "postgres")] or ["sqlite"]
    for each in kinds:
        result = run(each, rounds, profiled, "--pyinstrument" in args)
        print(each, "  ".join(
            f"{name}: {us:.0f} µs/event {'' if name.startswith('wall') else 'CPU '}"
            f"= {1e6 / us:,.0f} ev/s"
            for name, us in result.items()
        ))  # fmt: skip
