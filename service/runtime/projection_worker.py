"""The background projection: a loop that keeps the read models caught up, and the child
process the server runs it in.

`serve` projects in a child process (`python -m service project --until-stdin-closes`),
not in a thread: projecting is pure Python work, and in a thread of the server it competed
with every request for the GIL (a batch import ran at half its in-process rate). The
child holds the read end of a pipe whose write end only the server holds, so when the
server ends, even by SIGKILL, the pipe closes and the child stops. Exactly-once tracking
makes any overlap harmless: projectors serialise on the tracking row (adapters/projection.py).

On SQLite the projection and every writer share one write lock, and a writer that finds it
taken sleeps in SQLite's busy handler, polling at most every 100 ms (it is not woken, and
it is not fair). So the child projects in small batches, each holding the lock ≈ 11 ms,
and rests between them while writers are recording events; an import then waits for the
projection a few milliseconds at a time instead of ≈ 110 ms for a batch of 5,000
(decisions.md §31).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from service.adapters.projection import DEFAULT_BATCH_SIZE
from service.runtime.child_process import ChildProcess

log = logging.getLogger("uppfoljning.projection")
# SQLite: events per batch of the projection child (≈ 22 µs each under the write lock).
SQLITE_BATCH_SIZE = 500
# Longer than the longest poll of SQLite's busy handler (100 ms): a waiting writer gets in.
SQLITE_PAUSE_BETWEEN_BATCHES = 0.12
# The least rest when no event was recorded during the batch; it is as long as the batch
# held the lock, so that a writer polling in the busy handler finds the lock free as often
# as taken (a writer that records no event, or has only just come, gets in within about
# 30–80 ms for batches of 18–60 ms), and a catch-up with no writer about goes on at speed.
QUIET_PAUSE_BETWEEN_BATCHES = 0.01
# The projection child's pace: (events per batch, the rest while writers record events).
DEFAULT_PACE = (DEFAULT_BATCH_SIZE, 0.0)  # PostgreSQL: it reads beside the writers
SQLITE_PACE = (SQLITE_BATCH_SIZE, SQLITE_PAUSE_BETWEEN_BATCHES)
_clock = time.monotonic


class CatchesUp(Protocol):
    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int: ...

    def newest_event_id(self) -> int: ...


class _Stopping(Exception):
    """Raised between two committed batches once `stopping` is set."""


def projection_pace(is_sqlite: bool) -> tuple[int, float]:
    """The projection child's batch size and rest between batches on this database."""
    return SQLITE_PACE if is_sqlite else DEFAULT_PACE


def catch_up_until(
    projector: CatchesUp, stopping: threading.Event, pause_between_batches: float = 0.0
) -> bool:
    """Catch up; after each committed batch rest `pause_between_batches` if events were
    recorded meanwhile (writers are at work), else as long as the batch took, at least
    QUIET_PAUSE_BETWEEN_BATCHES and at most `pause_between_batches`. False if `stopping`
    cut it short (after the batch in hand)."""
    newest = projector.newest_event_id() if pause_between_batches else 0
    batch_began = _clock()

    def between_batches(_: int) -> None:
        nonlocal newest, batch_began
        rest = pause_between_batches
        if rest:
            before, newest = newest, projector.newest_event_id()
            if newest == before:
                took = _clock() - batch_began
                rest = min(rest, max(QUIET_PAUSE_BETWEEN_BATCHES, took))
        if stopping.wait(rest):
            raise _Stopping
        batch_began = _clock()

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
    between batches (`catch_up_until`), so that writers waiting for SQLite's lock get it."""
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
