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
import threading
from collections.abc import Callable
from typing import Protocol

from service.runtime.child_process import ChildProcess

log = logging.getLogger("uppfoljning.projection")
# Longer than the longest poll of SQLite's busy handler (100 ms): a waiting writer gets in.
SQLITE_PAUSE_BETWEEN_BATCHES = 0.12


class CatchesUp(Protocol):
    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int: ...


class _Stopping(Exception):
    """Raised between two committed batches once `stopping` is set."""


def catch_up_until(
    projector: CatchesUp, stopping: threading.Event, pause_between_batches: float = 0.0
) -> bool:
    """Catch up, resting `pause_between_batches` after each committed batch; False if
    `stopping` cut it short (after the batch in hand)."""

    def between_batches(_: int) -> None:
        if stopping.wait(pause_between_batches):
            raise _Stopping

    try:
        projector.catch_up(on_batch=between_batches)
    except _Stopping:
        return False
    return True


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
    while not stopping.is_set():
        try:
            if not catch_up_until(projector, stopping, pause_between_batches):
                return
        except Exception:
            log.exception("projection catch-up failed; retrying")
        if stopping.wait(poll_seconds):
            return


def projection_child() -> ChildProcess:
    """The child `serve` projects in."""
    return ChildProcess("projection", ["project", "--until-stdin-closes"])
