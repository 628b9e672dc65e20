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
# an import error) is restarted after 1, 2, 4 ... check intervals (serve checks every
# UPPFOLJNING_PROJECTION_POLL_SECONDS, 1 s by default), up to a minute; one that ran
# this long before it died is restarted at once.
STABLE_SECONDS = 30.0
_LONGEST_BACK_OFF_SECONDS = 60.0


class ChildKeepsFailingError(RuntimeError):
    """An essential child failed each of its last starts."""


def stop_when_closed(stream: IO[bytes], on_end: Callable[[], None]) -> None:
    """Call `on_end` once `stream` reaches its end (its writer has gone), from a thread."""

    def wait_for_end() -> None:
        while stream.read(4096):
            pass
        on_end()

    threading.Thread(target=wait_for_end, name="parent-watch", daemon=True).start()


class ChildProcess:
    """One `python -m service <args>` child, with the stop pipe on its standard input.

    `essential`: the server is no use without it (a request worker). If it keeps failing
    at start, `restart_if_dead` gives up rather than restart it forever, so that the
    server exits with an error its service manager can see. An essential child is given
    `--ready-fd N`, a pipe on which it writes once it serves: a start has failed when the
    child dies before that, not when it dies later (a request that killed it).
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
        self.failed_starts = 0
        self.restart_at: float | None = None  # set once a check finds the child dead
        self.ready = False
        self._ready_pipe: int | None = None  # the read end, while the child is not ready

    def start(self) -> None:
        self._close_ready_pipe()
        ready_pipe = os.pipe() if self.essential else None
        try:
            process = self._spawn(ready_pipe[1] if ready_pipe else None)
        except BaseException:  # fork fails: the dead child's state stays as it was
            if ready_pipe:
                os.close(ready_pipe[0])
            raise
        finally:
            if ready_pipe:
                os.close(ready_pipe[1])  # the child's end: the child holds its own copy
        self.process, self.started_at, self.restart_at = process, self.clock(), None
        self.ready = False
        if ready_pipe:
            os.set_blocking(ready_pipe[0], False)
            self._ready_pipe = ready_pipe[0]

    def _spawn(self, ready_fd: int | None) -> subprocess.Popen[bytes]:
        # The child reads its configuration from the same environment as the parent.
        ready = ["--ready-fd", str(ready_fd)] if ready_fd is not None else []
        return subprocess.Popen(
            [sys.executable, "-m", "service", *self.args, *ready],
            stdin=subprocess.PIPE,
            pass_fds=(*self.pass_fds, *([ready_fd] if ready_fd is not None else [])),
            process_group=0,
        )

    def note_ready(self) -> bool:
        """True once the child has said it is ready (logged the first time)."""
        if self._ready_pipe is not None:
            try:
                said = os.read(self._ready_pipe, 1)
            except BlockingIOError:
                said = None  # not yet
            if said is not None:  # a byte: ready; the end of the pipe: it never will be
                self.ready = bool(said)
                self._close_ready_pipe()
                if self.ready and self.process is not None:
                    log.info("the %s process [%d] is ready", self.name, self.process.pid)
        return self.ready

    def _close_ready_pipe(self) -> None:
        if self._ready_pipe is not None:
            os.close(self._ready_pipe)
            self._ready_pipe = None

    def restart_if_dead(self, interval: float, give_up_after: int = 5) -> bool:
        """Start a new child if the last one has ended and its back-off has passed."""
        if self.process is None:
            return False
        if self.process.poll() is None:
            self.note_ready()
            return False
        now = self.clock()
        if self.restart_at is None:
            self._schedule_restart(now, interval)
            if self.essential and self.failed_starts >= give_up_after:
                raise ChildKeepsFailingError(
                    f"the {self.name} process ended {self.failed_starts} times in a row "
                    "before it was ready"
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
        stable = now - self.started_at >= STABLE_SECONDS
        if stable:
            self.back_off = 0.0
        else:
            self.back_off = min(max(self.back_off * 2, interval), _LONGEST_BACK_OFF_SECONDS)
        # A child with a ready pipe failed its start if it died before it was ready (it
        # may have written and died since the last check); one without, if it died soon.
        failed = not self.note_ready() if self.essential else not stable
        self.failed_starts = self.failed_starts + 1 if failed else 0
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
        self._close_ready_pipe()
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
