"""The server projects in a child process (service/projection_worker.py), on the real server.

- Writes are projected by the child without any read asking for it (/ready reaches lag 0).
- A child that dies is replaced, and projecting goes on.
- SIGTERM stops the child with the server (exit 0); SIGKILL of the server, a crash, leaves
  no orphan behind: the child sees its pipe close and exits.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_crash_safety import KINDS, assert_clean_exit, caught_up
from tests.server_process import (
    HttpTenant,
    ServerProcess,
    dedicated_database,
    enrollment_body,
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


def enroll_one(tenant: HttpTenant) -> None:
    response = httpx.post(
        tenant.enrollments_url(tenant.interventions[0]),
        json=enrollment_body(f"child-{uuid.uuid4().hex[:12]}"),
        headers=tenant.coach(),
        timeout=30,
    )
    assert response.status_code == 201, response.text


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
@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_the_child_ends_with_the_server(kind: str, how: str, tmp_path: Path) -> None:
    with (
        dedicated_database(kind, tmp_path) as url,
        running_server(url, tmp_path, **FAST_POLL) as server,
    ):
        tenant = provision(server.url, server.env)
        child = the_child(server)
        enroll_one(tenant)
        if how == "sigterm":
            assert_clean_exit(server.stop(), server.log())
        else:
            server.kill()
        eventually(lambda: not is_running(child), timeout=20, what="the child to exit")
