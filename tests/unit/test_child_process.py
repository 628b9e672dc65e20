"""Watching children without processes (service/child_process.py): restarts and back-off."""

from __future__ import annotations

import io
import itertools
import threading
from typing import Any

import pytest

from service.child_process import ChildProcess, stop_when_closed, supervise


class FakeProcess:
    """A Popen stand-in: alive until `die()`."""

    def __init__(self) -> None:
        self.returncode: int | None = None
        self.stdin = io.BytesIO()

    def poll(self) -> int | None:
        return self.returncode

    def die(self) -> None:
        self.returncode = -9


class Watched(ChildProcess):
    """A child whose starts are recorded instead of forked; `fail_next` makes one fail."""

    def __init__(self) -> None:
        super().__init__("test", ["nothing"])
        self.starts = 0
        self.fail_next = False

    def start(self) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError(11, "Resource temporarily unavailable")
        self.starts += 1
        self.process = FakeProcess()  # type: ignore[assignment]

    def die(self) -> None:
        assert isinstance(self.process, FakeProcess)
        self.process.die()


def test_a_child_that_keeps_dying_is_restarted_ever_more_slowly_up_to_a_minute() -> None:
    child = Watched()
    child.start()
    restarts = []
    for second in range(400):
        child.die()
        if child.restart_if_dead(now=float(second), interval=1.0):
            restarts.append(second)
    gaps = [b - a for a, b in itertools.pairwise(restarts)]
    assert restarts[0] == 0
    assert gaps[:6] == [1, 2, 4, 8, 16, 32]
    assert set(gaps[6:]) == {60}


def test_a_child_seen_alive_is_restarted_at_once_when_it_dies_again() -> None:
    child = Watched()
    child.start()
    for second in range(4):  # dies four times in a row: backing off
        child.die()
        child.restart_if_dead(now=float(second), interval=1.0)
    assert child.back_off > 1.0
    assert not child.restart_if_dead(now=100.0, interval=1.0)  # alive at a check
    child.die()
    assert child.restart_if_dead(now=101.0, interval=1.0)
    assert child.back_off == 1.0


def test_a_live_child_is_left_alone() -> None:
    child = Watched()
    child.start()
    assert not any(child.restart_if_dead(now=float(t), interval=1.0) for t in range(10))
    assert child.starts == 1


def test_supervise_retries_a_failed_fork_and_keeps_watching_the_other_children(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unlucky, other = Watched(), Watched()
    for child in (unlucky, other):
        child.start()
        child.die()
    unlucky.fail_next = True
    checks: list[Any] = []

    class ThreeChecks(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            checks.append(timeout)
            return len(checks) > 3

    clock = iter(range(0, 100, 10))
    supervise([unlucky, other], ThreeChecks(), interval=1.0, clock=lambda: float(next(clock)))
    assert other.starts == 2  # restarted at the first check despite its sibling's failure
    assert unlucky.starts == 2  # the failed fork was retried at a later check
    assert checks == [1.0] * 4
    assert "could not start the test process" in caplog.text


def test_the_parent_watch_fires_when_the_pipe_ends() -> None:
    ended = threading.Event()
    stop_when_closed(io.BytesIO(b"anything the parent wrote"), ended.set)
    assert ended.wait(5)
