"""Child processes of `serve`: started, watched (restarted if one dies) and stopped.

Every child reads a pipe on its standard input whose write end only the parent holds.
When the parent ends, even by SIGKILL, the pipe closes and the child stops by itself
(`stop_when_closed`); no child outlives the server it belongs to. Each child gets its own
process group, so Ctrl-C at a terminal reaches the parent alone, which then stops the
children in order, also while a child is still importing (before it could ignore SIGINT).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

log = logging.getLogger("uppfoljning.children")
# A child that dies at once (database newer than the code, bad settings) is not restarted
# every second forever: the wait doubles, up to a minute, until a check finds it alive.
_LONGEST_BACK_OFF_SECONDS = 60.0


def stop_when_closed(stream: IO[bytes], on_end: Callable[[], None]) -> None:
    """Call `on_end` once `stream` reaches its end (its writer has gone), from a thread."""

    def wait_for_end() -> None:
        while stream.read(4096):
            pass
        on_end()

    threading.Thread(target=wait_for_end, name="parent-watch", daemon=True).start()


class ChildProcess:
    """One `python -m service <args>` child, with the stop pipe on its standard input."""

    def __init__(self, name: str, args: Sequence[str], pass_fds: Sequence[int] = ()) -> None:
        self.name = name
        self.args = list(args)
        self.pass_fds = tuple(pass_fds)
        self.process: subprocess.Popen[bytes] | None = None
        self.back_off = 0.0
        self.not_before = 0.0

    def start(self) -> None:
        # The child reads its configuration from the same environment as the parent.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", *self.args],
            stdin=subprocess.PIPE,
            pass_fds=self.pass_fds,
            process_group=0,
        )

    def restart_if_dead(self, now: float, interval: float) -> bool:
        """Start a new child if the last one has ended, unless it is still backing off."""
        if self.process is None:
            return False
        if self.process.poll() is None:
            self.back_off = 0.0  # alive at a check: the next death is restarted at once
            return False
        if now < self.not_before:
            return False
        log.error(
            "the %s process ended with status %s; starting a new one",
            self.name,
            self.process.returncode,
        )
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.back_off = min(max(self.back_off * 2, interval), _LONGEST_BACK_OFF_SECONDS)
        self.not_before = now + self.back_off
        self.start()
        return True

    def ask_to_stop(self) -> None:
        """Close the pipe: the child finishes what it has in hand and exits."""
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()

    def wait_or_kill(self, deadline: float) -> None:
        """Wait for the child to end until `deadline` (monotonic), then kill it."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:
            log.error("the %s process did not stop in time; killing it", self.name)
            process.kill()
            process.wait()


def supervise(
    children: Sequence[ChildProcess],
    stopping: threading.Event,
    interval: float,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Restart any child that dies, checking every `interval` seconds, until `stopping`."""
    while not stopping.wait(interval):
        for child in children:
            try:
                child.restart_if_dead(clock(), interval)
            except Exception:  # e.g. fork fails (EAGAIN, ENOMEM): the next check retries
                log.exception("could not start the %s process; retrying", child.name)


def stop_all(children: Sequence[ChildProcess], seconds: float) -> None:
    """Ask every child to stop at once, then wait for them all, killing what overstays."""
    deadline = time.monotonic() + seconds
    for child in children:
        child.ask_to_stop()
    for child in children:
        child.wait_or_kill(deadline)
