"""Issue 3b, A/B: the same server with one request worker and with two, alternating.

`python -m bench.workers_ab [sqlite|postgres] [--rounds N]` starts a fresh server per
round (UPPFOLJNING_WORKERS=1, then 2, then 2, then 1, ...) and measures POSTs per second
with one client and with four, as bench/http_writes.py does.
"""

from __future__ import annotations

import sys

from bench.common import live_server, median, workdir
from bench.http_writes import concurrent_enroll_rate, enroll_rate
from tests.server_process import provision


def one_round(kind: str, workers: int) -> tuple[float, float]:
    """(1 client, 4 clients) POSTs per second on a fresh server with `workers`."""
    with workdir() as folder, live_server(kind, folder, UPPFOLJNING_WORKERS=str(workers)) as server:
        tenant = provision(server.url, server.env, "bench-forbund")
        single = enroll_rate(tenant, 400)
        multi = concurrent_enroll_rate(tenant, 4, 100)
        return single, multi


def main(kind: str, rounds: int) -> None:
    ratios: dict[int, list[float]] = {1: [], 2: []}
    order = [1, 2, 2, 1] * ((rounds + 1) // 2)
    for workers in order[: 2 * rounds]:
        single, multi = one_round(kind, workers)
        ratios[workers].append(multi / single)
        print(f"{kind} workers={workers}: 1 client {single:.0f}/s, 4 clients {multi:.0f}/s, "
              f"{multi / single:.2f}×", flush=True)  # fmt: skip
    for workers, values in ratios.items():
        print(f"{kind} workers={workers}: median 4 ÷ 1 clients {median(values):.2f}× "
              f"({', '.join(f'{v:.2f}' for v in values)})")  # fmt: skip


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    main(args[0] if args else "sqlite", rounds)
