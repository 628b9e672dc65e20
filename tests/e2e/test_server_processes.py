"""The real server's processes (service/runtime/serving.py): a supervisor, request workers and
the projection child.

- Writes are projected by the child without any read asking for it (/ready reaches lag 0).
- A child that dies is replaced, projection child or request worker, and work goes on.
- Requests are served by every worker: with one worker frozen, the others answer.
- SIGTERM and Ctrl-C stop every child with the server (exit 0); SIGKILL of the
  supervisor alone leaves no orphan behind: the children see their pipe close and exit,
  and the port is free for a new server.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import KINDS
from tests.e2e.test_crash_safety import assert_clean_exit, caught_up
from tests.factories import enrollment_body, unique_pseudonym
from tests.server_process import (
    HttpTenant,
    ServerProcess,
    bearer,
    dedicated_database,
    is_running,
    provision,
    running_server,
)

FAST_POLL = {"UPPFOLJNING_PROJECTION_POLL_SECONDS": "0.2"}


def eventually(condition: Callable[[], object], timeout: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def the_child(server: ServerProcess) -> int:
    """The server's one projection child, once it has started."""
    eventually(lambda: len(server.projection_children()) == 1, what="one projection child")
    (pid,) = server.projection_children()
    return pid


def the_workers(server: ServerProcess, count: int) -> list[int]:
    """The server's request workers, once `count` of them are running."""
    eventually(lambda: len(server.request_workers()) == count, what=f"{count} request workers")
    return server.request_workers()


def enroll_one(tenant: HttpTenant, expected: int = 201, name: str = "child") -> None:
    """One enrollment posted with the tenant's coach key, answered `expected`."""
    response = httpx.post(
        tenant.enrollments_url(tenant.interventions[0]),
        json=enrollment_body(unique_pseudonym(name)),
        headers=tenant.coach(),
        timeout=30,
    )
    assert response.status_code == expected, response.text


def lag(server: ServerProcess) -> int:
    """The projection lag /ready reports; /ready itself never projects."""
    response = httpx.get(f"{server.url}/ready", timeout=10)
    assert response.status_code == 200, response.text
    return int(response.json()["projection_lag"])


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_child_projects_writes_and_is_replaced_when_it_dies(kind: str, tmp_path: Path) -> None:
    with (
        dedicated_database(kind, tmp_path) as url,
        running_server(url, tmp_path, **FAST_POLL) as server,
    ):
        tenant = provision(server.url, server.env)
        first = the_child(server)
        enroll_one(tenant)
        caught_up(server)

        # With the child paused, a write stays unprojected: it is the child, not the
        # server, that projects. (Caught up, the child holds no write lock to pause with.)
        os.kill(first, signal.SIGSTOP)
        try:
            enroll_one(tenant)
            time.sleep(1.0)
            assert lag(server) > 0
        finally:
            os.kill(first, signal.SIGKILL)
        eventually(lambda: not is_running(first), what="the killed child to go")
        second = the_child(server)
        assert second != first
        caught_up(server)
        enroll_one(tenant)
        caught_up(server)
        assert "starting a new one" in server.log()


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["sigterm", "ctrl-c", "sigkill"])
def test_every_child_ends_with_the_server(kind: str, how: str, tmp_path: Path) -> None:
    with (
        dedicated_database(kind, tmp_path) as url,
        running_server(url, tmp_path, **FAST_POLL) as server,
    ):
        tenant = provision(server.url, server.env)
        children = [the_child(server), *the_workers(server, 2)]
        enroll_one(tenant)
        if how == "sigterm":
            assert_clean_exit(server.stop(), server.log())
        elif how == "ctrl-c":
            # A terminal sends SIGINT to its foreground process group: the server's.
            assert server.process is not None
            os.killpg(server.process.pid, signal.SIGINT)
            assert_clean_exit(server.wait(), server.log())
        else:
            server.kill_supervisor()
        eventually(
            lambda: not any(map(is_running, children)), timeout=30, what="every child to exit"
        )
        # The port is free again: a new server starts on it and has every write.
        server.start()
        caught_up(server)
        listed = httpx.get(
            tenant.enrollments_url(tenant.interventions[0]), headers=tenant.coach(), timeout=10
        )
        assert listed.status_code == 200 and len(listed.json()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_every_worker_serves_and_a_dead_worker_is_replaced(kind: str, tmp_path: Path) -> None:
    with (
        dedicated_database(kind, tmp_path) as url,
        running_server(url, tmp_path, UPPFOLJNING_WORKERS="3", **FAST_POLL) as server,
    ):
        tenant = provision(server.url, server.env)
        workers = the_workers(server, 3)
        # With all workers but one frozen, new connections are still answered: they share
        # one listening socket, and whichever worker is free accepts.
        for frozen in itertools.combinations(workers, 2):
            for pid in frozen:
                os.kill(pid, signal.SIGSTOP)
            try:
                enroll_one(tenant)  # a new connection each time
            finally:
                for pid in frozen:
                    os.kill(pid, signal.SIGCONT)
        gone = workers[0]
        os.kill(gone, signal.SIGKILL)
        eventually(lambda: not is_running(gone), what="the killed worker to go")
        replaced = the_workers(server, 3)
        assert gone not in replaced and set(workers[1:]) <= set(replaced)
        assert "the request worker process ended with status -9" in server.log()
        # Each worker said on its ready pipe that it serves, the new one too; so the
        # supervisor does not count this death as a failed start.
        for pid in {*workers, *replaced}:
            eventually(
                lambda pid=pid: f"the request worker process [{pid}] is ready" in server.log(),
                what=f"worker {pid} to be ready",
            )
        for _ in range(6):
            enroll_one(tenant)
        caught_up(server)
        listed = httpx.get(
            tenant.enrollments_url(tenant.interventions[0]), headers=tenant.coach(), timeout=10
        )
        assert len(listed.json()) == 3 + 6


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_revoked_key_is_refused_by_every_worker_at_once(kind: str, tmp_path: Path) -> None:
    """A revocation holds in every request worker from the revoking request's answer on:
    each worker reads the key's row on every request (docs/decisions.md §29); none keeps
    an earlier verdict, even of a key it has just let in."""
    with (
        dedicated_database(kind, tmp_path) as url,
        running_server(url, tmp_path, UPPFOLJNING_WORKERS="2", **FAST_POLL) as server,
    ):
        tenant = provision(server.url, server.env)
        workers = the_workers(server, 2)

        def on_each_worker(check: Callable[[], None]) -> None:
            for serving in workers:  # the other one frozen: this one accepts
                frozen = [pid for pid in workers if pid != serving]
                for pid in frozen:
                    os.kill(pid, signal.SIGSTOP)
                try:
                    check()
                finally:
                    for pid in frozen:
                        os.kill(pid, signal.SIGCONT)

        on_each_worker(lambda: enroll_one(tenant))  # each worker has let the key in
        key_id = tenant.coach_key.split("_")[1]
        revoked = httpx.delete(
            f"{tenant.base}/api-keys/{key_id}", headers=bearer(tenant.admin_key), timeout=30
        )
        assert revoked.status_code == 204, revoked.text

        on_each_worker(lambda: enroll_one(tenant, 401, "revoked"))


@pytest.mark.slow
def test_a_second_server_on_a_port_in_use_fails_at_once(tmp_path: Path) -> None:
    with (
        dedicated_database("sqlite", tmp_path) as url,
        running_server(url, tmp_path) as server,
    ):
        second = subprocess.run(
            [sys.executable, "-m", "service", "serve", "--port", str(server.port)],
            env=server.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "Address already in use" in second.stderr
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


@pytest.mark.slow
def test_a_server_whose_workers_keep_dying_at_start_gives_up_with_status_1(
    tmp_path: Path,
) -> None:
    with (
        dedicated_database("sqlite", tmp_path) as url,
        running_server(url, tmp_path, UPPFOLJNING_WORKERS="1") as server,
    ):
        assert server.process is not None
        projection = the_child(server)
        killed: set[int] = set()
        deadline = time.monotonic() + 90
        while server.process.poll() is None:  # every new worker dies at once
            assert time.monotonic() < deadline, server.log()[-3000:]
            for pid in set(server.request_workers()) - killed:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            time.sleep(0.05)
        assert server.wait() == 1
        # The first worker was serving (the server answered before the test began): its
        # death is not a failed start. The next five were killed before they were ready.
        assert len(killed) == 1 + 5
        log = server.log()
        assert "ended 5 times in a row before it was ready" in log
        assert "stopping the server" in log
        assert not is_running(projection)  # stopped with the supervisor, not left behind
