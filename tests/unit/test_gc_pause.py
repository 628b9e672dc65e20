"""The cyclic GC is paused while answers are built, and always given back."""

from __future__ import annotations

import gc
import threading

import pytest

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
