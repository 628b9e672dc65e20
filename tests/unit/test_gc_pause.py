"""The cyclic GC is paused while answers are built, and always given back."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from service import gc_pause
from service.gc_pause import cyclic_gc_paused


def test_paused_inside_and_enabled_after_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failing answer")
    assert gc.isenabled()


def test_overlapping_requests_enable_it_once_the_last_is_done() -> None:
    first_in, second_done = threading.Event(), threading.Event()

    def first() -> None:
        with cyclic_gc_paused():
            first_in.set()
            second_done.wait(5)
            assert not gc.isenabled(), "the other request must not re-enable it early"

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with cyclic_gc_paused():
        pass
    second_done.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_process_that_disabled_the_gc_keeps_it_disabled() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_pause_kept_up_by_overlapping_requests_still_collects_now_and_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collections: list[int] = []
    monkeypatch.setattr(gc_pause, "MAX_PAUSE_SECONDS", 0.0)
    monkeypatch.setattr(gc_pause.gc, "collect", lambda *_: collections.append(1) or 0)
    holder_in, release = threading.Event(), threading.Event()

    def long_request() -> None:
        with cyclic_gc_paused():
            holder_in.set()
            release.wait(5)

    thread = threading.Thread(target=long_request)
    thread.start()
    holder_in.wait(5)
    time.sleep(0.01)
    with cyclic_gc_paused():
        pass
    assert collections == [1], "an overdue pause collects when a pauser leaves"
    assert not gc.isenabled(), "the long request still holds the pause"
    release.set()
    thread.join(5)
    assert gc.isenabled()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_startup_objects_are_frozen_and_later_garbage_is_still_collected() -> None:
    built_at_start = [_Node() for _ in range(100)]
    try:
        gc_pause.freeze_startup_objects()
        assert gc.get_freeze_count() >= len(built_at_start)
        frozen = {id(o) for o in built_at_start}
        assert not frozen & {id(o) for o in gc.get_objects()}, "frozen: out of every pass"

        first, second = _Node(), _Node()
        first.other, second.other = second, first  # a cycle only the collector can free
        del first, second
        assert gc.collect() >= 2, "what is made after the freeze is collected as before"
    finally:
        gc.unfreeze()
