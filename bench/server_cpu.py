"""Issue 21: where a real server's CPU goes during a history import through HTTP.

`python -m bench.server_cpu [sqlite|postgres] [--rounds N]`

One `python -m service serve` on a fresh database; in each round this process posts
9,000 pure `enrolled` events, then the history of 3,000 people (9,000 events), in requests
of 1,000, and reads from `/proc` the CPU (user + system) each of the server's processes
spent meanwhile, and its own. Printed per round: the rate and, per event, the request
worker's, the projection child's and the client's CPU. The wall time of a sequential
import is about the worker's CPU plus the client's: the CPU figures say which one moved
when the rate moves, on a machine whose rate swings by a third between runs. The store
grows by 18,000 events a round, so later rounds show what a larger store costs. Printed
last: the resident memory of the largest request worker.
"""

from __future__ import annotations

import os
import resource
import sys

from bench.common import live_server, workdir
from bench.http_writes import batch_events, history_events, posted_rate
from tests.server_process import command_line, descendants_of, provision, stat_fields

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (0 once it has gone)."""
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS if fields else 0.0


def _resident_mib(pid: int) -> float:
    """The resident memory of a process, in MiB (0 once it has gone)."""
    fields = stat_fields(pid)
    return int(fields[21]) * _PAGE / 2**20 if fields else 0.0


def _role(pid: int) -> str:
    command = command_line(pid)
    if "serve-worker" in command:
        return "worker"
    return "projection" if "project" in command else "supervisor"


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(kind: str, rounds: int) -> None:
    with workdir() as folder, live_server(kind, folder) as server:
        tenant = provision(server.url, server.env, "bench-server-cpu")
        posted_rate(tenant, batch_events(tenant, 50), 50)  # warm up
        assert server.process is not None
        processes = [server.process.pid, *descendants_of(server.process.pid)]
        makers = {
            "pure": lambda: batch_events(tenant, 9000),
            "mixed": lambda: history_events(tenant, 3000),
        }
        for _ in range(rounds):
            for name, make in makers.items():
                events = make()
                before = {pid: _cpu_seconds(pid) for pid in processes}
                own = _own_cpu()
                rate = posted_rate(tenant, events, 1000)
                client = (_own_cpu() - own) / len(events) * 1e6
                spent: dict[str, float] = {}
                for pid in processes:
                    used = (_cpu_seconds(pid) - before[pid]) / len(events) * 1e6
                    spent[_role(pid)] = spent.get(_role(pid), 0.0) + used
                print(
                    f"{kind} {name}: {rate:,.0f} ev/s; CPU µs an event: request workers "
                    f"{spent.get('worker', 0):.0f}, projection {spent.get('projection', 0):.0f}, "
                    f"client {client:.0f}"
                )
        resident = max((_resident_mib(p) for p in processes if _role(p) == "worker"), default=0.0)
        print(f"{kind}: the largest request worker holds {resident:.0f} MiB")


if __name__ == "__main__":
    args = sys.argv[1:]
    count = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 2
    for each in [a for a in args if a in ("sqlite", "postgres")] or ["sqlite"]:
        run(each, count)
