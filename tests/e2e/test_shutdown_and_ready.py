"""Graceful shutdown and readiness, on the real server.

- SIGTERM while a large batch import is in flight: the import still answers 200 with
  every item applied, the server then exits cleanly, and after a restart every item is
  there (durable).
- /ready with its own throwaway PostgreSQL server (initdb + pg_ctl on a free port): 200;
  stop that PostgreSQL and /ready answers 503 problem+json at once while /health stays
  200; start it again and /ready returns to 200 without restarting the service.
  The machine's shared PostgreSQL is never touched.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, func, select

from service.adapters.tables import events
from tests.conftest import IN_CI, KINDS
from tests.e2e.test_crash_safety import assert_clean_exit
from tests.factories import enrollment_body
from tests.server_process import (
    ServerProcess,
    dedicated_database,
    free_port,
    provision,
    running_server,
)

# 0.3-5 s here (1,000 events per commit): in flight for many polls, far below the 20 s grace.
BATCH_SIZE = 4000


def stored_events(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_sigterm_lets_an_in_flight_batch_finish_and_keeps_it(kind: str, tmp_path: Path) -> None:
    with dedicated_database(kind, tmp_path) as url, running_server(url, tmp_path) as server:
        tenant = provision(server.url, server.env)
        items = [
            {
                "id": str(uuid.uuid4()),
                "type": "enrolled",
                "enrollment_id": str(uuid.uuid4()),
                "intervention_id": tenant.interventions[n % 2],
                "data": enrollment_body(f"shutdown-{n:06d}", day=n),
            }
            for n in range(BATCH_SIZE)
        ]
        before = stored_events(url)
        answer: dict[str, Any] = {}

        def send_batch() -> None:
            try:
                with httpx.Client(timeout=120) as client:
                    answer["response"] = client.post(
                        f"{tenant.base}/events:batch",
                        json={"events": items},
                        headers=tenant.coach(),
                    )
            except Exception as error:  # failed on below
                answer["error"] = error

        sender = threading.Thread(target=send_batch)
        started = time.monotonic()
        sender.start()
        # SIGTERM once the server is demonstrably in the middle of the batch.
        deadline = time.monotonic() + 60
        while stored_events(url) == before:
            assert time.monotonic() < deadline and sender.is_alive(), "the batch never started"
            time.sleep(0.02)
        in_flight = stored_events(url) - before
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        in_flight_at_signal = sender.is_alive()  # no answer yet when the signal went out
        sender.join(timeout=120)
        seconds = time.monotonic() - started
        assert "error" not in answer, answer
        response = answer["response"]
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["status"] for r in results] == [201] * BATCH_SIZE
        code = server.process.wait(timeout=60)
        server.process = None
        assert_clean_exit(code, server.log())
        assert in_flight_at_signal and in_flight < BATCH_SIZE, "SIGTERM came too late"
        print(
            f"\n{kind}: SIGTERM after {in_flight} of {BATCH_SIZE} items; the batch "
            f"finished with 200 in {seconds:.1f} s; exit code {code}"
        )
        assert stored_events(url) == before + BATCH_SIZE
        server.start(timeout=60)
        listed = set()
        for iid in tenant.interventions:
            rows = httpx.get(tenant.enrollments_url(iid), headers=tenant.coach(), timeout=60)
            assert rows.status_code == 200, rows.text
            listed |= {row["id"] for row in rows.json()}
        assert listed == {item["enrollment_id"] for item in items}


def postgres_binaries() -> Path | None:
    """The bin folder of the newest PostgreSQL server installed, if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class OwnPostgres:
    """A throwaway PostgreSQL server: own folder, own port, trust auth, 127.0.0.1 only.

    initdb refuses to run as root; as root the server runs as the `postgres` user.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="uppfoljning-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.running = False

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_user, str(self.bin_dir / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.folder,
        )
        assert done.returncode == 0, f"{tool}: {done.stdout}\n{done.stderr}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "postgres.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start"
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def create_database(self, name: str) -> str:
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    bin_dir = postgres_binaries()
    if bin_dir is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        if IN_CI:
            pytest.fail("CI=true but no PostgreSQL server binaries (initdb, pg_ctl) were found")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    server = OwnPostgres(bin_dir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


def ready(server: ServerProcess) -> httpx.Response:
    return httpx.get(f"{server.url}/ready", timeout=30)


def wait_for_ready_status(server: ServerProcess, status: int, timeout: float = 60) -> float:
    """Poll /ready until it answers `status`; the seconds it took."""
    started = time.monotonic()
    while True:
        response = ready(server)
        if response.status_code == status:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, response.text
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.postgres
def test_ready_follows_its_own_postgresql_down_and_up(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    url = own_postgres.create_database("uppfoljning")
    with running_server(url, tmp_path) as server:
        tenant = provision(server.url, server.env)
        response = ready(server)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ready"

        own_postgres.stop("fast")
        started = time.monotonic()
        response = ready(server)
        seconds_down = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 503
        assert "database" in problem["detail"]
        assert seconds_down < 10
        assert httpx.get(f"{server.url}/health", timeout=30).status_code == 200
        refused = httpx.post(
            tenant.enrollments_url("team-a"),
            json=enrollment_body("while-db-down"),
            headers=tenant.coach(),
            timeout=30,
        )
        assert refused.status_code >= 500, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")

        own_postgres.start()
        seconds_back = wait_for_ready_status(server, 200)
        assert server.process is not None and server.process.poll() is None  # no restart
        write = httpx.post(
            tenant.enrollments_url("team-a"),
            json=enrollment_body("after-db-back"),
            headers=tenant.coach(),
            timeout=30,
        )
        assert write.status_code == 201, write.text
        print(
            f"\n/ready: 503 in {seconds_down:.2f} s with the database down "
            f"(a write meanwhile: {refused.status_code}); "
            f"200 again {seconds_back:.2f} s after PostgreSQL restarted"
        )
