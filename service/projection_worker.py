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

import logging
import subprocess
import sys
import threading
from typing import IO, Protocol

log = logging.getLogger("uppfoljning.projection")
_STOP_SECONDS = 10.0


class CatchesUp(Protocol):
    def catch_up(self) -> int: ...


def follow(projector: CatchesUp, poll_seconds: float, stopping: threading.Event) -> None:
    """Catch up now and then every `poll_seconds`, until `stopping` is set."""
    while True:
        try:
            projector.catch_up()
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
        )

    def restart_if_dead(self) -> None:
        """Start a new child if the last one ended while the server is running."""
        if self.process is not None and self.process.poll() is not None:
            log.error(
                "the projection process ended with status %s; starting a new one",
                self.process.returncode,
            )
            self.start()

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
