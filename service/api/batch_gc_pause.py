"""The cyclic garbage collector paused for the whole of a batch request (issue 21).

`apply_in_chunks` pauses it while chunks are written; but reading the body (JSON of up to
10,000 events), validating it and answering it make as many small acyclic objects again,
and there the collector's full passes over the worker's heap cost ≈ 5 µs an event
(measured with `bench.batch_cpu`, 1,000 events a request). Freed by reference counting
all the same; `cyclic_gc_paused` bounds the pause (service/gc_pause.py).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service.gc_pause import cyclic_gc_paused


class BatchGcPause:
    """ASGI middleware: `POST …:batch` runs with the cyclic collector paused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # POST only: nothing else on that path builds a batch's objects. (An unauthenticated
        # upload is paused too while its body arrives; the pause is bounded, gc_pause.)
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].endswith(":batch")
        ):
            with cyclic_gc_paused():
                await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send)
