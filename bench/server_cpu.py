"""Issue 21: where a real server's CPU goes during a history import through HTTP.

`python -m bench.server_cpu [sqlite|postgres] [--rounds N]`

One `python -m service serve` on a fresh database; in each round this process posts
9,000 pure `enrolled` events, then the history of 3,000 people (9,000 events), in requests
of 1,000, and reads from `/proc` the CPU (user + system) each of the server's processes
spent meanwhile, and its own; on PostgreSQL also the CPU of the PostgreSQL backends that
serve each of them (found by the connections' application_name, which holds the process
id). Printed per round: the rate and, per event, the request worker's, the projection
child's and the client's CPU (with their backends'). The wall time of a sequential import
is about the worker's CPU plus its backend's plus the client's, printed as "one import's
chain" with the rate that alone would give: the CPU figures say which part moved when
the rate moves, on a machine whose rate swings by a third between runs. The store
grows by 18,000 events a round, so later rounds show what a larger store costs. Printed
last: the resident memory of the largest request worker.
"""

from __future__ import annotations

import os
import resource
import sys

import psycopg

from bench.common import live_server, workdir
from bench.http_writes import batch_events, history_events, posted_rate
from service.adapters.database import APPLICATION_NAME
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


def _backends(url: str, processes: list[int]) -> dict[int, str]:
    """PostgreSQL's backends (pid → the role of the server process they serve)."""
    roles = {f"{APPLICATION_NAME} {pid}": _role(pid) for pid in processes}
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        rows = connection.execute(
            "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchall()
    return {pid: roles[name] for pid, name in rows if name in roles}


def _roles(kind: str, url: str, processes: list[int]) -> dict[int, str]:
    """The server's processes and (PostgreSQL) their backends: pid → role."""
    roles = {pid: _role(pid) for pid in processes}
    if kind == "postgres":
        roles |= {pid: f"{role} backend" for pid, role in _backends(url, processes).items()}
    return roles


def _with_backend(spent: dict[str, float], role: str) -> str:
    backend = f" (backend {spent[role + ' backend']:.0f})" if role + " backend" in spent else ""
    return f"{spent.get(role, 0):.0f}{backend}"


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
        url = server.env["UPPFOLJNING_DATABASE_URL"]
        for _ in range(rounds):
            for name, make in makers.items():
                events = make()
                roles = _roles(kind, url, processes)
                before = {pid: _cpu_seconds(pid) for pid in roles}
                own = _own_cpu()
                rate = posted_rate(tenant, events, 1000)
                client = (_own_cpu() - own) / len(events) * 1e6
                # A backend opened during the round (a pool's new connection) from 0 CPU.
                roles |= _roles(kind, url, processes)
                spent: dict[str, float] = {}
                for pid, role in roles.items():
                    used = (_cpu_seconds(pid) - before.get(pid, 0.0)) / len(events) * 1e6
                    spent[role] = spent.get(role, 0.0) + used
                if kind == "postgres" and "worker backend" not in spent:
                    print("  (no backend of the workers found: PostgreSQL on another host, or")
                    print("   the URL names its own application_name; the chain lacks it)")
                chain = spent.get("worker", 0) + spent.get("worker backend", 0) + client
                print(
                    f"{kind} {name}: {rate:,.0f} ev/s; CPU µs an event: request workers "
                    f"{_with_backend(spent, 'worker')}, projection "
                    f"{_with_backend(spent, 'projection')}, client {client:.0f}; "
                    f"one import's chain {chain:.0f} µs = {1e6 / chain:,.0f} ev/s"
                )
        resident = max((_resident_mib(p) for p in processes if _role(p) == "worker"), default=0.0)
        print(f"{kind}: the largest request worker holds {resident:.0f} MiB")


if __name__ == "__main__":
    args = sys.argv[1:]
    count = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 2
    for each in [a for a in args if a in ("sqlite", "postgres")] or ["sqlite"]:
        run(each, count)
