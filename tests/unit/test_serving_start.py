"""serve's supervisor before its children start (service/runtime/serving.py): the port is held
during the catch-up, and a stop then ends the catch-up and the server with status 0."""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any

from service.runtime.serving import supervise_server
from service.runtime.stop_signals import StopSignals
from tests.server_process import free_port


def test_the_port_is_claimed_during_the_catch_up_and_a_stop_ends_it() -> None:
    signals, port, seen = StopSignals(), free_port(), {}

    class Projector:
        def catch_up(self, on_batch: Any) -> None:
            with socket.socket() as other:  # a second server, as uvicorn binds
                other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    other.bind(("127.0.0.1", port))
                    seen["second bind"] = "succeeded"
                except OSError:
                    seen["second bind"] = "refused"
            signals.stopping.set()  # as SIGTERM's handler does
            on_batch(1)
            seen["went on after the stop"] = True

    container: Any = SimpleNamespace(
        settings=SimpleNamespace(log_level="INFO"), projector=Projector(), close=lambda: None
    )
    assert supervise_server(container, "127.0.0.1", port, 1, signals) == 0
    assert seen == {"second bind": "refused"}
    with socket.socket() as again:  # the supervisor closed its socket
        again.bind(("127.0.0.1", port))
