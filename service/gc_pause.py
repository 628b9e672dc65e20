"""Pausing Python's cyclic garbage collector around work that makes many small objects."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Overlapping requests could keep the collector off for as long as the load lasts, and
# garbage in cycles would pile up: past this long, a leaving pauser collects once.
MAX_PAUSE_SECONDS = 5.0

_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True
_gc_paused_since = 0.0


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector while a statistics answer is read and built, a projection
    batch is applied, or a chunk of a batch import is written.

    All are large numbers of small acyclic objects, freed by reference counting; the cyclic
    collector only rescans them again and again (measured: an answer's median 162 → 101 ms
    for a 25-intervention association; a projection batch spent ≈ 10 µs per event in it;
    a full collection during a batch chunk cost up to 150 ms).
    Counted, so concurrent users (request threads, the projector) re-enable it once the
    last of them is done.
    """
    global _gc_pausers, _gc_was_enabled, _gc_paused_since
    with _gc_lock:
        _gc_pausers += 1
        if _gc_pausers == 1:
            _gc_was_enabled = gc.isenabled()
            _gc_paused_since = time.monotonic()
            gc.disable()
    try:
        yield
    finally:
        overdue = False
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()
            elif _gc_was_enabled and time.monotonic() - _gc_paused_since > MAX_PAUSE_SECONDS:
                _gc_paused_since, overdue = time.monotonic(), True
        if overdue:
            gc.collect()


def freeze_startup_objects() -> None:
    """Keep what a process built at its start (modules, the app, its routes and schemas,
    the container) out of every later collection: a long-running process's full passes
    otherwise scan all of it again, each pass 120–150 ms in a request worker, once every
    20,000–40,000 events of an import (docs/decisions.md §37). What is made later is
    collected as before; what is frozen lives as long as the process, as it would."""
    gc.collect()
    gc.freeze()
