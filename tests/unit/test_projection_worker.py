"""The projection loop, without processes (service/runtime/projection_worker.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from service.adapters.projection import DEFAULT_BATCH_SIZE
from service.runtime import projection_worker
from service.runtime.projection_worker import (
    QUIET_PAUSE_BETWEEN_BATCHES,
    SQLITE_BATCH_SIZE,
    SQLITE_PAUSE_BETWEEN_BATCHES,
    catch_up_until,
    follow,
    projection_pace,
)


@pytest.fixture(autouse=True)
def instant_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake batches below take no time, however loaded the machine running them."""
    monkeypatch.setattr(projection_worker, "_clock", lambda: 0.0)


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


class Resting(threading.Event):
    """A stop signal that records each rest asked of it instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.rests: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.rests.append(timeout or 0.0)
        return self.is_set()


class ThreeBatches:
    """Three batches to catch up; `recorded[n]` events are recorded during batch n."""

    def __init__(self, stopping: threading.Event, recorded: list[int]) -> None:
        self.stopping = stopping
        self.recorded = recorded
        self.newest = 100

    def newest_event_id(self) -> int:
        return self.newest

    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
        assert on_batch is not None
        for count in self.recorded:
            self.newest += count
            on_batch(500)
        self.stopping.set()
        return 1500


def test_a_catch_up_rests_between_batches_while_writers_record_events() -> None:
    stopping = Resting()
    follow(ThreeBatches(stopping, [7, 1, 0]), 1.0, stopping, pause_between_batches=0.12)
    # Writers were at work during the first two batches: they get SQLite's lock.
    assert stopping.rests == [0.12, 0.12, QUIET_PAUSE_BETWEEN_BATCHES, 1.0]


def test_a_catch_up_with_no_writer_about_only_breathes_between_batches() -> None:
    stopping = Resting()
    follow(ThreeBatches(stopping, [0, 0, 0]), 1.0, stopping, pause_between_batches=0.12)
    assert stopping.rests == [QUIET_PAUSE_BETWEEN_BATCHES] * 3 + [1.0]
    assert QUIET_PAUSE_BETWEEN_BATCHES < 0.12


def test_without_a_pause_the_catch_up_never_asks_for_the_newest_event() -> None:
    stopping = Resting()
    asked: list[int] = []

    class NoNewest(ThreeBatches):
        def newest_event_id(self) -> int:
            asked.append(1)
            return 0

    # Called directly: `follow` would log and retry an error here instead of ending.
    assert catch_up_until(NoNewest(stopping, [5, 5, 5]), stopping) is True
    assert asked == []  # PostgreSQL's projection does not rest
    assert stopping.rests == [0.0, 0.0, 0.0]


def test_with_no_writer_about_the_rest_is_as_long_as_the_batch_held_the_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A writer that records no event (or has only just come) finds the lock free as often
    as taken, whatever a batch takes on a busy machine; never longer than the full rest."""
    now = [100.0]
    monkeypatch.setattr(projection_worker, "_clock", lambda: now[0])
    stopping = Resting()

    class SlowBatches(ThreeBatches):
        def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
            assert on_batch is not None
            for took in (0.002, 0.04, 0.5):
                now[0] += took
                on_batch(500)
            return 1500

    assert catch_up_until(SlowBatches(stopping, []), stopping, pause_between_batches=0.12)
    assert stopping.rests == [QUIET_PAUSE_BETWEEN_BATCHES, pytest.approx(0.04), 0.12]


def test_sqlite_projects_in_small_batches_with_rests_and_postgresql_in_large_ones() -> None:
    assert projection_pace(is_sqlite=True) == (SQLITE_BATCH_SIZE, SQLITE_PAUSE_BETWEEN_BATCHES)
    assert projection_pace(is_sqlite=False) == (DEFAULT_BATCH_SIZE, 0.0)
    assert SQLITE_BATCH_SIZE < DEFAULT_BATCH_SIZE
