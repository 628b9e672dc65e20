"""Watching children without processes (service/runtime/child_process.py): restarts and back-off."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from service.runtime.child_process import (
    STABLE_SECONDS,
    ChildKeepsFailingError,
    ChildProcess,
    stop_all,
    stop_when_closed,
    supervise,
)


class FakeProcess:
    """A Popen stand-in: alive until `die()`."""

    def __init__(self) -> None:
        self.returncode: int | None = None
        self.stdin = io.BytesIO()
        self.pid = 4242

    def poll(self) -> int | None:
        return self.returncode


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Watched(ChildProcess):
    """A child whose starts are recorded instead of forked; `fail_next` makes one fail.
    An essential one says on its real ready pipe that it is ready if `gets_ready`."""

    def __init__(self, clock: Clock, essential: bool = False, gets_ready: bool = False) -> None:
        super().__init__("test", ["nothing"], essential=essential, clock=clock)
        self.starts: list[float] = []
        self.chosen: list[float] = []  # the wait chosen at each death
        self.fail_next = False
        self.gets_ready = gets_ready

    def _schedule_restart(self, now: float, interval: float) -> None:
        super()._schedule_restart(now, interval)
        self.chosen.append(self.back_off)

    def _spawn(self, ready_fd: int | None) -> Any:
        if self.fail_next:
            self.fail_next = False
            raise OSError(11, "Resource temporarily unavailable")
        self.starts.append(self.clock())
        if self.gets_ready:
            assert ready_fd is not None
            os.write(ready_fd, b"r")
        return FakeProcess()

    def die(self) -> None:
        self.process.returncode = -9  # type: ignore[union-attr]


def back_offs(child: Watched, clock: Clock, dies_after: float, deaths: int) -> list[float]:
    """The wait chosen at each of the child's next `deaths` deaths, with a check every
    second and the child dying `dies_after` seconds after each start."""
    before = len(child.chosen)
    while len(child.chosen) < before + deaths:
        clock.now += 1
        if child.restart_at is None and clock.now - child.started_at >= dies_after:
            child.die()
        pending = child.restart_at
        if child.restart_if_dead(interval=1.0, give_up_after=10**6) and pending is not None:
            assert clock.now >= pending  # never before its back-off has passed
    return child.chosen[before:]


@pytest.mark.parametrize("dies_after", [0.0, 2.5, 10.0])
def test_a_child_that_keeps_dying_soon_after_start_is_restarted_ever_more_slowly(
    dies_after: float,
) -> None:
    # Also one that lives a few checks each time (the review's 2.5 s worker): being seen
    # alive is not being stable.
    clock = Clock()
    child = Watched(clock)
    child.start()
    assert back_offs(child, clock, dies_after, 10) == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]


def test_a_child_that_ran_for_a_while_is_restarted_at_once_when_it_dies() -> None:
    clock = Clock()
    child = Watched(clock)
    child.start()
    assert back_offs(child, clock, 0.0, 4) == [1, 2, 4, 8]
    while child.restart_at is not None:  # let the pending restart happen
        clock.now += 1
        child.restart_if_dead(interval=1.0)
    assert back_offs(child, clock, STABLE_SECONDS, 1) == [0.0]
    assert child.starts[-1] == clock.now  # restarted at the check that found it dead
    assert child.failed_starts == 0


def test_a_live_child_is_left_alone() -> None:
    clock = Clock()
    child = Watched(clock)
    child.start()
    for second in range(100):
        clock.now = float(second)
        assert not child.restart_if_dead(interval=1.0)
    assert child.starts == [0.0]


def test_an_essential_child_that_keeps_dying_at_start_is_given_up() -> None:
    clock = Clock()
    worker = Watched(clock, essential=True)
    worker.start()
    with pytest.raises(ChildKeepsFailingError, match="5 times in a row"):
        for second in range(200):
            clock.now = float(second)
            worker.die()
            worker.restart_if_dead(interval=1.0, give_up_after=5)
    assert len(worker.starts) == 5  # the first start and four restarts


def test_a_worker_that_dies_after_it_was_ready_is_restarted_but_never_given_up() -> None:
    # A request that kills a serving worker (an OOM kill) is not a failed start: the
    # server goes on, restarting it ever more slowly if it keeps happening.
    clock = Clock()
    worker = Watched(clock, essential=True, gets_ready=True)
    worker.start()
    assert back_offs(worker, clock, 2.0, 8) == [1, 2, 4, 8, 16, 32, 60, 60]
    assert worker.ready and worker.failed_starts == 0
    starts = len(worker.starts)
    for _ in range(400):  # with the default of five: never given up
        clock.now += 1
        worker.die()
        worker.restart_if_dead(interval=1.0)
    assert len(worker.starts) >= starts + 5 and worker.failed_starts == 0


def test_a_start_failure_after_deaths_while_serving_counts_from_one() -> None:
    clock = Clock()
    worker = Watched(clock, essential=True, gets_ready=True)
    worker.start()
    back_offs(worker, clock, 0.0, 3)
    worker.gets_ready = False
    back_offs(worker, clock, 0.0, 1)  # the restart after the last death is not ready
    assert worker.failed_starts == 1
    with pytest.raises(ChildKeepsFailingError, match="5 times in a row before it was ready"):
        for _ in range(1000):
            clock.now += 1
            worker.die()
            worker.restart_if_dead(interval=1.0, give_up_after=5)
    assert worker.failed_starts == 5


def test_supervise_retries_a_failed_fork_and_keeps_watching_the_other_children(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    unlucky, other = Watched(clock), Watched(clock)
    for child in (unlucky, other):
        child.start()
        child.die()
    unlucky.fail_next = True
    checks: list[Any] = []

    class FourChecks(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            checks.append(timeout)
            clock.now += 10
            return len(checks) > 4

    supervise([unlucky, other], FourChecks(), interval=1.0)
    assert len(other.starts) == 2  # restarted at the first check despite its sibling
    assert len(unlucky.starts) == 2  # the failed fork was retried at a later check
    assert unlucky.failed_starts == 1  # and was not counted as another death
    assert "could not start the test process" in caplog.text


def test_the_parent_watch_fires_when_the_pipe_ends() -> None:
    ended = threading.Event()
    stop_when_closed(io.BytesIO(b"anything the parent wrote"), ended.set)
    assert ended.wait(5)


class Sleeper(ChildProcess):
    """A real child that ignores its pipe closing: it runs `code` and then sleeps."""

    def __init__(self, code: str) -> None:
        super().__init__("sleeper", [])
        self.code = code

    def _spawn(self, ready_fd: int | None) -> Any:
        return subprocess.Popen(
            [sys.executable, "-c", f"import signal, time\n{self.code}\ntime.sleep(60)"],
            stdin=subprocess.PIPE,
            process_group=0,
        )


def test_a_second_ctrl_c_hurries_a_child_that_is_still_finishing() -> None:
    child = Sleeper("")  # Python's default: SIGINT ends it (KeyboardInterrupt)
    child.start()
    hurry = threading.Event()
    threading.Timer(0.5, hurry.set).start()
    started = time.monotonic()
    process = child.process
    stop_all([child], seconds=30, hurry=hurry)
    assert time.monotonic() - started < 10
    assert process is not None and process.returncode not in (None, -signal.SIGKILL)


def test_a_child_that_will_not_stop_is_killed_at_the_deadline(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    child = Sleeper(f"signal.signal(signal.SIGINT, signal.SIG_IGN)\nopen({str(ready)!r}, 'w')")
    child.start()
    deadline = time.monotonic() + 30
    while not ready.exists():  # its handler is in place
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process = child.process
    hurry = threading.Event()
    hurry.set()
    started = time.monotonic()
    stop_all([child], seconds=1.5, hurry=hurry)
    assert 1.4 < time.monotonic() - started < 10
    assert process is not None and process.returncode == -signal.SIGKILL


def test_every_child_is_asked_to_stop_at_once() -> None:
    # Each takes a second to stop once its pipe closes; asked one after the other, two
    # would take two seconds (and the stop budget would be spent per child).
    children = [
        Sleeper("import sys\nsys.stdin.read()\ntime.sleep(1)\nraise SystemExit") for _ in range(2)
    ]
    for child in children:
        child.start()
    started = time.monotonic()
    stop_all(children, seconds=30, hurry=threading.Event())
    assert time.monotonic() - started < 1.8


class Announcer(ChildProcess):
    """A real essential child that says it is ready after `delay` seconds, then sleeps."""

    def __init__(self, delay: float) -> None:
        super().__init__("announcer", [], essential=True)
        self.delay = delay

    def _spawn(self, ready_fd: int | None) -> Any:
        assert ready_fd is not None
        code = (
            f"import os, time\ntime.sleep({self.delay})\nos.write({ready_fd}, b'r')\ntime.sleep(60)"
        )
        return subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, pass_fds=(ready_fd,),
            process_group=0,
        )  # fmt: skip


def test_a_live_child_is_not_ready_until_it_says_so() -> None:
    child = Announcer(delay=0.5)
    child.start()
    try:
        assert not child.note_ready()  # alive, nothing written yet: no wait, no error
        assert not child.restart_if_dead(interval=1.0)
        deadline = time.monotonic() + 30
        while not child.note_ready():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert child.ready and child.failed_starts == 0
    finally:
        hurry = threading.Event()
        hurry.set()  # it ignores its pipe: SIGINT ends it at once
        stop_all([child], seconds=5, hurry=hurry)
