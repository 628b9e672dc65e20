"""A request worker says on its ready pipe when it serves (service/runtime/serving.py `_Worker`)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from service.runtime.serving import _Worker


def lifespan_app(fails: bool) -> Any:
    """An ASGI app whose lifespan start succeeds or fails."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                kind = "lifespan.startup.failed" if fails else "lifespan.startup.complete"
                await send({"type": kind, "message": "no database"} if fails else {"type": kind})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return app


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def start(app: Any, sock: socket.socket) -> tuple[bytes, bool]:
    """What the worker wrote on its ready pipe by the end of its start, and whether the
    start ended the process (SystemExit)."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)  # a worker that left its end open fails, not hangs
    worker = _Worker(uvicorn.Config(app, log_level="warning"), write_end)
    worker.config.load()
    worker.lifespan = worker.config.lifespan_class(worker.config)

    async def run() -> None:
        try:
            await worker.startup(sockets=[sock])
        finally:
            if worker.started:
                await worker.shutdown(sockets=[sock])

    exited = False
    try:
        asyncio.run(run())
    except SystemExit:
        exited = True
    try:
        return os.read(read_end, 16), exited  # b"" once the worker has closed its end
    finally:
        os.close(read_end)


def test_a_worker_says_it_is_ready_once_it_serves(listening: socket.socket) -> None:
    assert start(lifespan_app(fails=False), listening) == (b"r", False)


def test_a_worker_whose_app_fails_to_start_says_nothing(listening: socket.socket) -> None:
    # uvicorn ends the process; the pipe ends without a byte, which the supervisor
    # counts as a failed start.
    assert start(lifespan_app(fails=True), listening) == (b"", True)
