"""The background projection: a loop that keeps the read models caught up, and the child
process the server runs it in.

`serve` projects in a child process (`python -m service project --until-stdin-closes`),
not in a thread: projecting is pure Python work, and in a thread of the server it competed
with every request for the GIL (a batch import ran at half its in-process rate). The
child holds the read end of a pipe whose write end only the server holds, so when the
server ends, even by SIGKILL, the pipe closes and the child stops. Exactly-once tracking
makes any overlap harmless: projectors serialise on the tracking row (adapters/projection.py).
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Protocol

log = logging.getLogger("uppfoljning.projection")
_STOP_SECONDS = 5.0
_LONGEST_BACK_OFF_SECONDS = 60.0
# Longer than the longest poll of SQLite's busy handler (100 ms): a waiting writer gets in.
SQLITE_PAUSE_BETWEEN_BATCHES = 0.12


class CatchesUp(Protocol):
    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int: ...


class _Stopping(Exception):
    """Raised between two committed batches once `stopping` is set."""


def follow(
    projector: CatchesUp,
    poll_seconds: float,
    stopping: threading.Event,
    pause_between_batches: float = 0.0,
) -> None:
    """Catch up now and then every `poll_seconds`, until `stopping` is set; a stop takes
    effect after the batch in hand (each batch commits on its own). A long catch-up rests
    `pause_between_batches` after each batch, so that writers waiting for SQLite's lock
    get it (SQLite's busy handler polls, up to every 100 ms, and is not fair)."""

    def between_batches(_: int) -> None:
        if stopping.wait(pause_between_batches):
            raise _Stopping

    while not stopping.is_set():
        try:
            projector.catch_up(on_batch=between_batches)
        except _Stopping:
            return
        except Exception:
            log.exception("projection catch-up failed; retrying")
        if stopping.wait(poll_seconds):
            return


def stop_when_closed(stream: IO[bytes], stopping: threading.Event) -> None:
    """Set `stopping` once `stream` reaches its end (its writer has gone), in a thread."""

    def wait_for_end() -> None:
        while stream.read(4096):
            pass
        stopping.set()

    threading.Thread(target=wait_for_end, name="parent-watch", daemon=True).start()


class ProjectionProcess:
    """The server's projection child: started, watched (restarted if it dies) and stopped."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # The child reads its configuration from the same environment as the server.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "project", "--until-stdin-closes"],
            stdin=subprocess.PIPE,
            # Its own process group: Ctrl-C at a terminal reaches the server only, also
            # while the child is still importing (before it can ignore SIGINT).
            process_group=0,
        )

    def restart_if_dead(self) -> bool:
        """Start a new child if the last one ended while the server is running."""
        if self.process is None or self.process.poll() is None:
            return False
        log.error(
            "the projection process ended with status %s; starting a new one",
            self.process.returncode,
        )
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.start()
        return True

    def stop(self) -> None:
        """Close the pipe (the child finishes its batch and exits); kill it if it hangs."""
        process, self.process = self.process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("the projection process did not stop in time; killing it")
            process.kill()
            process.wait()


class Restartable(Protocol):
    def restart_if_dead(self) -> bool: ...


async def keep_running(projection: Restartable, poll_seconds: float) -> None:
    """Restart the projection child should it die (the read path would still catch up,
    but only on demand, and /ready would report the lag); runs until cancelled."""
    interval = wait = max(poll_seconds, 1.0)
    while True:
        await asyncio.sleep(wait)
        try:
            restarted = projection.restart_if_dead()
        except Exception:  # e.g. fork fails (EAGAIN, ENOMEM): try again later
            log.exception("could not start the projection process; retrying")
            restarted = True
        # A child that dies at once (database newer than the code, bad settings) is not
        # restarted every second forever: back off, up to a minute.
        wait = min(wait * 2, _LONGEST_BACK_OFF_SECONDS) if restarted else interval
