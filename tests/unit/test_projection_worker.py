"""The projection loop, without processes (service/runtime/projection_worker.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from service.runtime.projection_worker import follow


class Backlog:
    """A projector with `batches` batches waiting; sets `stopping` during the first."""

    def __init__(self, batches: int, stopping: threading.Event) -> None:
        self.batches = batches
        self.stopping = stopping
        self.applied = 0

    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
        while self.batches:
            self.batches -= 1
            self.applied += 1
            self.stopping.set()
            if on_batch:
                on_batch(1000)
        return self.applied


def test_a_stop_takes_effect_after_the_batch_in_hand_not_after_the_backlog() -> None:
    stopping = threading.Event()
    backlog = Backlog(batches=5, stopping=stopping)
    follow(backlog, poll_seconds=60, stopping=stopping)
    assert backlog.applied == 1


def test_a_failing_catch_up_is_retried_until_stopped() -> None:
    stopping = threading.Event()
    calls = []

    class Failing:
        def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
            calls.append(1)
            if len(calls) == 3:
                stopping.set()
            raise RuntimeError("database gone")

    follow(Failing(), poll_seconds=0.001, stopping=stopping)
    assert len(calls) == 3


def test_a_long_catch_up_rests_between_batches_so_waiting_writers_get_the_lock() -> None:
    rests: list[float] = []

    class Recording(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            rests.append(timeout or 0.0)
            return self.is_set()

    class ThreeBatches:
        def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
            assert on_batch is not None
            for _ in range(3):
                on_batch(5000)
            stopping.set()
            return 15000

    stopping = Recording()
    follow(ThreeBatches(), poll_seconds=1.0, stopping=stopping, pause_between_batches=0.12)
    assert rests == [0.12, 0.12, 0.12, 1.0]
