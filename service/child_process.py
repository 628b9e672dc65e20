"""Child processes of `serve`: started, watched (restarted if one dies) and stopped.

Every child reads a pipe on its standard input whose write end only the parent holds.
When the parent ends, even by SIGKILL, the pipe closes and the child stops by itself
(`stop_when_closed`); no child outlives the server it belongs to. Each child gets its own
process group, so Ctrl-C at a terminal reaches the parent alone, which then stops the
children in order, also while a child is still importing (before it could ignore SIGINT).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

log = logging.getLogger("uppfoljning.children")
# A child that dies soon after its start (a database newer than the code, a bad setting,
# an import error) is restarted after 1, 2, 4 ... seconds, up to a minute; one that ran
# this long before it died is restarted at once.
STABLE_SECONDS = 30.0
_LONGEST_BACK_OFF_SECONDS = 60.0


class ChildKeepsFailingError(RuntimeError):
    """An essential child died soon after each of its last starts."""


def stop_when_closed(stream: IO[bytes], on_end: Callable[[], None]) -> None:
    """Call `on_end` once `stream` reaches its end (its writer has gone), from a thread."""

    def wait_for_end() -> None:
        while stream.read(4096):
            pass
        on_end()

    threading.Thread(target=wait_for_end, name="parent-watch", daemon=True).start()


class ChildProcess:
    """One `python -m service <args>` child, with the stop pipe on its standard input.

    `essential`: the server is no use without it (a request worker). If it keeps dying
    soon after its start, `restart_if_dead` gives up rather than restart it forever, so
    that the server exits with an error its service manager can see.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        pass_fds: Sequence[int] = (),
        *,
        essential: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.pass_fds = tuple(pass_fds)
        self.essential = essential
        self.clock = clock
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.back_off = 0.0
        self.quick_deaths = 0
        self.restart_at: float | None = None  # set once a check finds the child dead

    def start(self) -> None:
        process = self._spawn()  # may raise (fork fails): then nothing here has changed
        self.process, self.started_at, self.restart_at = process, self.clock(), None

    def _spawn(self) -> subprocess.Popen[bytes]:
        # The child reads its configuration from the same environment as the parent.
        return subprocess.Popen(
            [sys.executable, "-m", "service", *self.args],
            stdin=subprocess.PIPE,
            pass_fds=self.pass_fds,
            process_group=0,
        )

    def restart_if_dead(self, interval: float, give_up_after: int = 5) -> bool:
        """Start a new child if the last one has ended and its back-off has passed."""
        if self.process is None or self.process.poll() is None:
            return False
        now = self.clock()
        if self.restart_at is None:
            self._schedule_restart(now, interval)
            if self.essential and self.quick_deaths >= give_up_after:
                raise ChildKeepsFailingError(
                    f"the {self.name} process ended {self.quick_deaths} times in a row "
                    f"within {STABLE_SECONDS:.0f} s of its start"
                )
        assert self.restart_at is not None
        if now < self.restart_at:
            return False
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.start()
        except Exception:
            # Not another death of the child: try again after the same wait.
            self.restart_at = now + max(self.back_off, interval)
            raise
        return True

    def _schedule_restart(self, now: float, interval: float) -> None:
        if now - self.started_at >= STABLE_SECONDS:
            self.quick_deaths, self.back_off = 0, 0.0
        else:
            self.quick_deaths += 1
            self.back_off = min(max(self.back_off * 2, interval), _LONGEST_BACK_OFF_SECONDS)
        self.restart_at = now + self.back_off
        assert self.process is not None
        log.error(
            "the %s process ended with status %s; starting a new one%s",
            self.name,
            self.process.returncode,
            f" in {self.back_off:.0f} s" if self.back_off else "",
        )

    def ask_to_stop(self) -> None:
        """Close the pipe: the child finishes what it has in hand and exits."""
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()

    def wait_or_kill(self, deadline: float, hurry: threading.Event) -> None:
        """Wait for the child to end until `deadline` (monotonic), then kill it. Once
        `hurry` is set (a second Ctrl-C) the child gets SIGINT: uvicorn then stops
        waiting for its connections, as it does on a second Ctrl-C of its own."""
        process, self.process = self.process, None
        if process is None:
            return
        hurried = False
        while process.poll() is None:
            if time.monotonic() >= deadline:
                log.error("the %s process did not stop in time; killing it", self.name)
                process.kill()
                break
            if hurry.is_set() and not hurried:
                hurried = True
                os.kill(process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
        process.wait()


def supervise(children: Sequence[ChildProcess], stopping: threading.Event, interval: float) -> None:
    """Restart any child that dies, checking every `interval` seconds, until `stopping`;
    raises ChildKeepsFailingError for an essential child that keeps dying at start."""
    while not stopping.wait(interval):
        for child in children:
            try:
                child.restart_if_dead(interval)
            except ChildKeepsFailingError:
                raise
            except Exception:  # e.g. fork fails (EAGAIN, ENOMEM): the next check retries
                log.exception("could not start the %s process; retrying", child.name)


def stop_all(children: Sequence[ChildProcess], seconds: float, hurry: threading.Event) -> None:
    """Ask every child to stop at once, then wait for them all, killing what overstays."""
    deadline = time.monotonic() + seconds
    for child in children:
        child.ask_to_stop()
    for child in children:
        child.wait_or_kill(deadline, hurry)
