"""Issue 3: the write path through a real server process (uvicorn, background projector).

(a) single enrollment POSTs with one client, against GET /health on the same server;
(b) four concurrent clients against one;
(c) POST events:batch with 1,000 events per request, against a raw executemany of the
    same stored rows into a copy of the event table.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import psycopg

from bench import inprocess
from bench.common import Row, live_server, median, workdir
from tests.factories import EXIT_BODY, enrollment_body
from tests.server_process import HttpTenant, bearer, provision

_COUNTER = itertools.count()


def _body() -> dict[str, Any]:
    # A digest-like pseudonym, as the web's: a counter's digits beside a hex digit could
    # spell a valid personnummer ("000101003-2…" is 000101-0032), which the guard refuses
    # (a false alarm it accepts, decisions.md §21); past 100,000 bodies a run then failed.
    n = next(_COUNTER)
    return enrollment_body(f"bench-{uuid.uuid4().hex}", day=n)


def _rate(count: int, call: Callable[[], None]) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - start)


def health_rate(tenant: HttpTenant, count: int) -> float:
    with httpx.Client(timeout=60) as client:
        url = f"{tenant.url}/health"
        client.get(url)

        def call() -> None:
            assert client.get(url).status_code == 200

        return _rate(count, call)


def enroll_rate(tenant: HttpTenant, count: int, url: str | None = None) -> float:
    """Enrollment POSTs per second, one client, to the service's route or to `url`."""
    with httpx.Client(timeout=60, headers=bearer(tenant.coach_key)) as client:
        url = url or f"{tenant.base}/interventions/{tenant.interventions[0]}/enrollments"

        def call() -> None:
            response = client.post(url, json=_body())
            assert response.status_code == 201, response.text

        call()
        return _rate(count, call)


def refused_rate(tenant: HttpTenant, count: int) -> float:
    """POSTs per second to the enrollment route with a body it refuses (422, writes
    nothing): the same middleware, key lookup and validation, without the command."""
    with httpx.Client(timeout=60, headers=bearer(tenant.coach_key)) as client:
        url = f"{tenant.base}/interventions/{tenant.interventions[0]}/enrollments"

        def call() -> None:
            assert client.post(url, json={"pseudonym": "x"}).status_code == 422

        call()
        return _rate(count, call)


def concurrent_enroll_rate(tenant: HttpTenant, clients: int, count_each: int) -> float:
    """Total POSTs per second of `clients` threads, each with its own connection."""
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with httpx.Client(timeout=120, headers=bearer(tenant.coach_key)) as client:
                url = f"{tenant.base}/interventions/{tenant.interventions[0]}/enrollments"
                client.get(f"{tenant.url}/health")
                barrier.wait()
                for _ in range(count_each):
                    response = client.post(url, json=_body())
                    assert response.status_code == 201, response.text
        except BaseException as error:  # reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return clients * count_each / elapsed


def batch_events(tenant: HttpTenant, size: int) -> list[dict[str, Any]]:
    """`size` enrolled events, each a new enrollment, spread over the interventions."""
    return [
        {
            "id": str(uuid.uuid4()),
            "type": "enrolled",
            "enrollment_id": str(uuid.uuid4()),
            "intervention_id": tenant.interventions[i % len(tenant.interventions)],
            "data": _body(),
        }
        for i in range(size)
    ]


def batch_rate(tenant: HttpTenant, requests: int, size: int) -> tuple[float, float]:
    """(events per second, seconds per request) of `requests` batches of `size` events."""
    payloads = [{"events": batch_events(tenant, size)} for _ in range(requests)]
    times = []
    with httpx.Client(timeout=600, headers=bearer(tenant.coach_key)) as client:
        for payload in payloads:
            start = time.perf_counter()
            response = client.post(f"{tenant.base}/events:batch", json=payload)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
            statuses = {r["status"] for r in response.json()["results"]}
            assert statuses == {201}, statuses
    per_request = median(times)
    return size / per_request, per_request


def history_events(tenant: HttpTenant, persons: int) -> list[dict[str, Any]]:
    """A history file's events for `persons` people: each one's inskrivning, a support
    change and an avslut, interleaved (one person's enrollment, the previous person's
    support change, the one before's exit), so a request holds events of enrollments it
    creates and of enrollments an earlier request created."""
    ids = [str(uuid.uuid4()) for _ in range(persons)]

    def event(kind: str, eid: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "type": kind, "enrollment_id": eid, "data": data}

    made: list[dict[str, Any]] = []
    for n in range(persons + 2):
        if n < persons:
            made.append(
                {**event("enrolled", ids[n], _body()),
                 "intervention_id": tenant.interventions[n % len(tenant.interventions)]}
            )  # fmt: skip
        if 0 <= n - 1 < persons:
            change = {"changed_on": "2024-03-01", "support": ["sickness_benefit"]}
            made.append(event("support_changed", ids[n - 1], change))
        if 0 <= n - 2 < persons:
            made.append(event("exited", ids[n - 2], EXIT_BODY))
    return made


def posted_rate(tenant: HttpTenant, events: list[dict[str, Any]], size: int) -> float:
    """Events per second of `events` posted in requests of `size`, every one accepted."""
    with httpx.Client(timeout=600, headers=bearer(tenant.coach_key)) as client:
        start = time.perf_counter()
        for first in range(0, len(events), size):
            payload = {"events": events[first : first + size]}
            response = client.post(f"{tenant.base}/events:batch", json=payload)
            assert response.status_code == 200, response.text
            statuses = {r["status"] for r in response.json()["results"]}
            assert statuses == {201}, statuses
        return len(events) / (time.perf_counter() - start)


def mixed_history_rows(kind: str, quick: bool) -> list[Row]:
    """Issue 21: a history import (each person enrolled, a support change and an exit,
    interleaved) against pure `enrolled` batches, on one server, in alternating rounds."""
    rounds, persons, size = (1, 200, 200) if quick else (3, 3000, 1000)
    mixed, pure = [], []
    with workdir() as folder, live_server(kind, folder) as server:
        tenant = provision(server.url, server.env, "bench-historik")
        posted_rate(tenant, batch_events(tenant, 50), 50)  # warm up
        for _ in range(rounds):
            pure.append(posted_rate(tenant, batch_events(tenant, 3 * persons), size))
            mixed.append(posted_rate(tenant, history_events(tenant, persons), size))
    m, p = median(mixed), median(pure)
    return [
        Row("21", f"history import, {size} mixed events/request", kind, m, "ev/s", p,
            f"{size} enrolled/request", "≥ 0.7× and ≥ 10 000 ev/s", m >= 0.7 * p and m >= 10_000,
            "enrolled + support change + exit per person, interleaved")
    ]  # fmt: skip


# --- the raw baseline ------------------------------------------------------------------


def _stored_rows(url: str, limit: int) -> list[tuple[Any, ...]]:
    """The newest `limit` stored event rows, as the driver returns them."""
    query = (
        "SELECT originator_id, originator_version, topic, state FROM uppfoljning_events "
        f"ORDER BY id DESC LIMIT {int(limit)}"
    )
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            return list(conn.execute(query))
    with psycopg.connect(_pg_dsn(url)) as conn:
        return list(conn.execute(query))


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


_RAW_INSERT_SQLITE = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)"
)
_RAW_INSERT_PG = _RAW_INSERT_SQLITE.replace("?", "%s")


def _raw_sqlite(url: str) -> sqlite3.Connection:
    """A connection to `url` set up as the service's (WAL, synchronous=FULL), with a copy
    of the event table."""
    conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS raw_events (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "originator_id CHAR(32) NOT NULL, originator_version INTEGER NOT NULL, "
        "topic TEXT NOT NULL, state BLOB NOT NULL)"
    )
    conn.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS raw_events_idx "
        "ON raw_events (originator_id, originator_version)"
    )
    return conn


def _raw_pg(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection to `url`, with a copy of the event table."""
    conn = psycopg.connect(_pg_dsn(url), autocommit=True)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS raw_events (id BIGSERIAL PRIMARY KEY, "
        "originator_id UUID NOT NULL, originator_version BIGINT NOT NULL, "
        "topic TEXT NOT NULL, state BYTEA NOT NULL, "
        "UNIQUE (originator_id, originator_version))"
    )
    return conn


def _fresh(rows: list[tuple[Any, ...]], sqlite: bool) -> list[tuple[Any, ...]]:
    """`rows` under new originator ids."""
    return [(uuid.uuid4().hex if sqlite else uuid.uuid4(), *r[1:]) for r in rows]


def raw_insert_rate(url: str, rows: list[tuple[Any, ...]], repeats: int) -> float:
    """Rows per second of one executemany per transaction into a copy of the event table."""
    times = []
    if url.startswith("sqlite"):
        conn = _raw_sqlite(url)
        for _ in range(repeats):
            fresh = _fresh(rows, sqlite=True)
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_RAW_INSERT_SQLITE, fresh)
            conn.execute("COMMIT")
            times.append(time.perf_counter() - start)
        conn.close()
    else:
        with _raw_pg(url) as conn:
            for _ in range(repeats):
                fresh = _fresh(rows, sqlite=False)
                start = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(_RAW_INSERT_PG, fresh)
                times.append(time.perf_counter() - start)
    return len(rows) / median(times)


def durable_commit_rate(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Transactions per second of one stored row each, committed durably, on the server's
    own database: the least an accepted POST must wait for before it may answer."""
    if url.startswith("sqlite"):
        conn = _raw_sqlite(url)
        fresh = _fresh(rows, sqlite=True)
        start = time.perf_counter()
        for row in fresh:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(_RAW_INSERT_SQLITE, row)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
    else:
        with _raw_pg(url) as conn:
            fresh = _fresh(rows, sqlite=False)
            start = time.perf_counter()
            for row in fresh:
                with conn.transaction():
                    conn.execute(_RAW_INSERT_PG, row)
            elapsed = time.perf_counter() - start
    return len(rows) / elapsed


# --- the benchmark ---------------------------------------------------------------------


def run(kind: str, quick: bool) -> list[Row]:
    """Every issue-3 measurement on one database kind."""
    singles = 40 if quick else 400
    each = 10 if quick else 100
    batches = 1 if quick else 3
    size = 200 if quick else 1000
    repeats = 1 if quick else 3
    rows: list[Row] = []
    with workdir() as folder, live_server(kind, folder) as server:
        tenant = provision(server.url, server.env, "bench-forbund")
        health, refused, single, multi = [], [], [], []
        for _ in range(repeats):
            health.append(health_rate(tenant, singles))
            refused.append(refused_rate(tenant, singles))
            single.append(enroll_rate(tenant, singles))
            multi.append(concurrent_enroll_rate(tenant, 4, each))
        h, s, m = median(health), median(single), median(multi)
        rows.append(
            Row("3a", "POST enrollment, 1 client", kind, s, "req/s", h, "GET /health",
                "≥ 50 % of /health", s >= 0.5 * h)
        )  # fmt: skip
        rows.append(
            Row("3a", "POST refused (422, writes nothing)", kind, median(refused), "req/s", h,
                "GET /health", "(no command: the framework's share)", None)
        )  # fmt: skip
        # The bound on 3a: a POST that did nothing but one durable commit would still take
        # a /health round trip plus that commit.
        database_url = server.env["UPPFOLJNING_DATABASE_URL"]
        commits = durable_commit_rate(database_url, _stored_rows(database_url, singles))
        bound = 1 / (1 / h + 1 / commits)
        rows.append(
            Row("3a", "bound: /health + 1 durable commit", kind, bound, "req/s", h,
                "GET /health", "(ceiling of 3a)", None,
                f"raw commit {commits:,.0f}/s = {1000 / commits:.2f} ms")
        )  # fmt: skip
        rows.append(
            Row("3b", "POST enrollment, 4 clients", kind, m, "req/s", s, "1 client",
                "> 1× (faster)", m > s)
        )  # fmt: skip
        events_per_s, per_request = batch_rate(tenant, batches, size)
        stored = _stored_rows(database_url, size)
        raw = raw_insert_rate(database_url, stored, repeats)
        target = "≥ 10 000 ev/s (SQLite)" if kind == "sqlite" else "(SQLite target)"
        rows.append(
            Row("3c", f"events:batch, {size} enrolled/request", kind, events_per_s, "ev/s",
                raw, "raw executemany", target,
                events_per_s >= 10_000 if kind == "sqlite" else None,
                f"{per_request:.2f} s/request")
        )  # fmt: skip
    today, one = inprocess.ab_rates(kind, size, repeats)
    rows.append(
        Row("3c", f"batch in-process, {size} enrolled, one commit", kind, one, "ev/s",
            today, "same, one commit per item", "(A/B of the optimisation)", None,
            "route function called directly, no HTTP")
    )  # fmt: skip
    return rows


if __name__ == "__main__":
    import sys

    from bench.common import markdown

    quick = "--quick" in sys.argv
    kinds = [a for a in sys.argv[1:] if not a.startswith("--")] or ["sqlite", "postgres"]
    print(markdown([r for k in kinds for r in run(k, quick)]))
