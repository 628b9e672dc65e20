"""`serve`: one supervising process, N request workers and the projection child.

The supervisor binds and listens on the socket, catches the read models up, then starts
the projection child and `workers` request workers (`python -m service serve-worker
--fd N`) that all accept on the socket it passed them. It restarts any child that dies
and, on SIGTERM or Ctrl-C, stops them all: the workers finish their requests in flight,
the projection child its batch. Should the supervisor itself be killed, its children see
their stdin pipe close and stop too (service/runtime/child_process.py), freeing the port.

Why processes: a request's work is Python, and one process runs Python on one core at a
time; with two or more workers, concurrent clients are served on every core. The workers
share nothing but the database, which already serialises what must be serialised.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
from typing import Any

import uvicorn

from service.adapters.log_redaction import redact_database_errors_in_logs
from service.bootstrap import Container
from service.gc_pause import freeze_startup_objects
from service.runtime.child_process import (
    ChildKeepsFailingError,
    ChildProcess,
    stop_all,
    stop_when_closed,
    supervise,
)
from service.runtime.projection_worker import catch_up_until, projection_child
from service.runtime.stop_signals import StopSignals

log = logging.getLogger("uppfoljning.serve")
# Requests in flight get this long to finish after a stop (SIGTERM, Ctrl-C); a child
# still running after _STOP_SECONDS is killed. Both within the 30 s that systemd's
# TimeoutStopSec and Compose's grace period give.
GRACEFUL_SHUTDOWN_SECONDS = 20
_STOP_SECONDS = 25


def worker_child(fd: int) -> ChildProcess:
    """A request worker serving the listening socket `fd`."""
    return ChildProcess(
        "request worker", ["serve-worker", "--fd", str(fd)], pass_fds=(fd,), essential=True
    )


def supervise_server(
    container: Container, host: str, port: int, workers: int, signals: StopSignals
) -> int:
    """Serve on `host:port` with `workers` request workers until `signals` ask to stop;
    the exit status: 0 after a stop, 1 if the workers keep failing at start."""
    settings = container.settings
    # uvicorn's own binding (IPv4/IPv6, SO_REUSEADDR, inheritable), which logs the address;
    # the app named here is never loaded in this process. Listening at once claims the
    # port: another server cannot take it while this one catches up.
    binding = uvicorn.Config(
        "service.api.app:create_app", host=host, port=port, log_level=settings.log_level.lower()
    )
    listening = binding.bind_socket()
    listening.listen(binding.backlog)
    try:
        # Reads are current from the first request. A stop ends this after the batch in
        # hand (each commits on its own).
        if not catch_up_until(container.projector, signals.stopping) or signals.stopping.is_set():
            return 0
        container.close()  # the supervisor holds no connection while it waits
        # The same pace as the projection's polling: how often children are checked, and
        # the first of the back-offs of a child that dies at its start.
        return _run_children(listening, workers, signals, settings.projection_poll_seconds)
    finally:
        listening.close()


def _run_children(
    listening: socket.socket, workers: int, signals: StopSignals, check_seconds: float
) -> int:
    fd = listening.fileno()
    children = [projection_child(), *(worker_child(fd) for _ in range(workers))]
    try:
        for child in children:
            child.start()
        log.info("serving with %d request worker(s) and a projection process", workers)
        supervise(children, signals.stopping, check_seconds)
        return 0
    except ChildKeepsFailingError as error:
        log.error("%s; stopping the server (see the errors above)", error)
        return 1
    finally:
        listening.close()  # new connections are refused while the workers drain
        stop_all(children, _STOP_SECONDS, signals.hurry)


class _Worker(uvicorn.Server):
    """uvicorn's server, which says on `ready_fd` (if any) when it has started to serve."""

    def __init__(self, config: uvicorn.Config, ready_fd: int | None) -> None:
        super().__init__(config)
        self.ready_fd = ready_fd

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)  # a failed app start exits here: no byte
            freeze_startup_objects()
            if self.ready_fd is not None:
                # The supervisor may have closed its end (it is stopping): nothing to say.
                with contextlib.suppress(OSError):
                    os.write(self.ready_fd, b"r")
        finally:
            if self.ready_fd is not None:
                os.close(self.ready_fd)
                self.ready_fd = None


def run_worker(app: Any, fd: int, log_level: str, ready_fd: int | None = None) -> None:
    """Serve `app` on the inherited listening socket `fd` until the supervisor's pipe
    closes (or SIGTERM/SIGINT), finishing the requests in flight; write one byte to
    `ready_fd` once serving."""
    config = uvicorn.Config(
        app, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, log_level=log_level.lower()
    )
    # uvicorn has just configured its loggers: its "Exception in ASGI application"
    # traceback must leave PostgreSQL's error texts out too.
    redact_database_errors_in_logs()
    server = _Worker(config, ready_fd)

    def supervisor_gone() -> None:
        server.should_exit = True

    stop_when_closed(sys.stdin.buffer, supervisor_gone)
    server.run(sockets=[socket.socket(fileno=fd)])
