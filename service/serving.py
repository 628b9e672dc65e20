"""`serve`: one supervising process, N request workers and the projection child.

The supervisor binds the listening socket, catches the read models up, then starts the
projection child and `workers` request workers (`python -m service serve-worker --fd N`)
that all accept on the socket it passed them. It restarts any child that dies and, on
SIGTERM or Ctrl-C, stops the workers (each finishes its requests in flight) and then the
projection. Should the supervisor itself be killed, its children see their stdin pipe
close and stop too (service/child_process.py), freeing the port for a restart.

Why processes: a request's work is Python, and one process runs Python on one core at a
time; with two or more workers, concurrent clients are served on every core. The workers
share nothing but the database, which already serialises what must be serialised.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from typing import Any

import uvicorn

from service.bootstrap import Container
from service.child_process import ChildProcess, stop_all, stop_when_closed, supervise
from service.projection_worker import projection_child

log = logging.getLogger("uppfoljning.serve")
# Requests in flight get this long to finish after a stop (SIGTERM, Ctrl-C) ...
GRACEFUL_SHUTDOWN_SECONDS = 20
# ... and a worker this long to end before it is killed.
_WORKER_STOP_SECONDS = GRACEFUL_SHUTDOWN_SECONDS + 5
_PROJECTION_STOP_SECONDS = 5


def worker_child(fd: int) -> ChildProcess:
    """A request worker serving the listening socket `fd`."""
    return ChildProcess("request worker", ["serve-worker", "--fd", str(fd)], pass_fds=(fd,))


def supervise_server(container: Container, host: str, port: int, workers: int) -> None:
    """Serve on `host:port` with `workers` request workers until SIGTERM or SIGINT."""
    settings = container.settings
    # uvicorn's own binding (IPv4/IPv6, SO_REUSEADDR, inheritable), which logs the
    # address; the app named here is never loaded in this process.
    binding = uvicorn.Config(
        "service.api.app:create_app", host=host, port=port, log_level=settings.log_level.lower()
    )
    listening = binding.bind_socket()
    # Reads are current from the first request. Until the handlers below are in place a
    # SIGTERM ends the catch-up at once, which is safe: every batch commits on its own.
    container.projector.catch_up()
    container.close()  # the supervisor holds no connection while it waits
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    projection = projection_child()
    request_workers = [worker_child(listening.fileno()) for _ in range(workers)]
    children = [projection, *request_workers]
    try:
        for child in children:
            child.start()
        log.info("serving with %d request worker(s) and a projection process", workers)
        supervise(children, stopping, interval=max(settings.projection_poll_seconds, 1.0))
    finally:
        listening.close()
        stop_all(request_workers, _WORKER_STOP_SECONDS)
        stop_all([projection], _PROJECTION_STOP_SECONDS)


def run_worker(app: Any, fd: int, log_level: str) -> None:
    """Serve `app` on the inherited listening socket `fd` until the supervisor's pipe
    closes (or SIGTERM/SIGINT), finishing the requests in flight."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            log_level=log_level.lower(),
        )
    )

    def supervisor_gone() -> None:
        server.should_exit = True

    stop_when_closed(sys.stdin.buffer, supervisor_gone)
    server.run(sockets=[socket.socket(fileno=fd)])
