"""SIGTERM while the main thread waits on the stop event (service/runtime/stop_signals.py)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

from tests.server_process import ROOT

# A loop like the supervisor's and the catch-up's: wait(0) on the event, over and over.
_WAITER = """
from service.runtime.stop_signals import StopSignals
signals = StopSignals()
signals.install()
print("ready", flush=True)
while not signals.stopping.wait(0):
    pass
"""


def test_a_stop_signal_is_seen_while_the_main_thread_waits_on_the_event() -> None:
    # With Event.set() in the signal handler itself about half of these hung for good
    # (the handler waits for the Event's lock that the interrupted main thread holds).
    hung = 0
    for _ in range(20):
        with subprocess.Popen(
            [sys.executable, "-c", _WAITER], cwd=ROOT, stdout=subprocess.PIPE, text=True
        ) as child:
            assert child.stdout is not None and child.stdout.readline() == "ready\n"
            time.sleep(random.uniform(0.01, 0.05))
            child.send_signal(signal.SIGTERM)
            try:
                assert child.wait(timeout=10) == 0
            except subprocess.TimeoutExpired:
                hung += 1
                child.kill()
    assert hung == 0
