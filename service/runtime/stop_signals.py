"""SIGTERM and SIGINT as a request to stop, safe to wait on from the main thread."""

from __future__ import annotations

import os
import signal
import threading

_STOP = (signal.SIGTERM, signal.SIGINT)


class StopSignals:
    """SIGTERM and SIGINT: the first asks for a graceful stop, a second one hurries it."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.hurry = threading.Event()

    def install(self) -> None:
        """Handle SIGTERM and SIGINT from now on (call from the main thread)."""
        # The Python handler itself does nothing: the interpreter's C-level handler writes
        # the signal's number to the wakeup pipe, and a thread of its own sets the events.
        # Setting an Event inside a handler deadlocks if the main thread was interrupted
        # while holding that Event's lock (in stopping.wait; CPython issue 126434).
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in _STOP:
            signal.signal(signum, lambda *_: None)

        def relay() -> None:
            while True:
                for signum in os.read(read_end, 64):
                    if signum in _STOP:
                        self._received()

        threading.Thread(target=relay, name="stop-signals", daemon=True).start()

    def _received(self) -> None:
        if self.stopping.is_set():
            self.hurry.set()
        self.stopping.set()
