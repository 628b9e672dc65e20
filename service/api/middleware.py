"""ASGI middleware: body size limit and JSON content type, before any route runs."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_METHODS_WITH_BODY = {"POST", "PUT", "PATCH"}


async def send_problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer a problem+json document straight from ASGI middleware."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """413 above `max_bytes` (declared, or found while reading the body, chunked or not);
    415 for a non-JSON body (a web page's form: not urlencoded)."""

    def __init__(self, app: ASGIApp, max_bytes: int, batch_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.batch_max_bytes = batch_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        limit = self.batch_max_bytes if scope["path"].endswith(":batch") else self.max_bytes
        # Header bytes are Latin-1 (as Starlette reads them): any byte decodes, none raises.
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_problem(send, 413, "Content Too Large", _too_large(limit))
            return
        # The web pages (service/web) post HTML forms; everything else takes JSON only.
        accepted = _is_json if scope["path"].startswith("/api/") else _is_form
        if (declared not in (None, "0")) and not accepted(headers.get("content-type", "")):
            await send_problem(
                send, 415, "Unsupported Media Type", "send the body as application/json"
            )
            return
        await self._read_within(scope, receive, send, limit)

    async def _read_within(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read the body here, up to `limit`, then hand it on. A chunked body or one that
        outruns its Content-Length, read by the route, would end over the limit in the
        framework's 400 "error parsing the body" instead of a 413; and the route reads the
        whole body anyway."""
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await send_problem(send, 413, "Content Too Large", _too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        pending = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)


def _too_large(limit: int) -> str:
    return f"the body is larger than {limit} bytes"


def _is_json(content_type: str) -> bool:
    """application/json or any +json type, in any case (media types are case-insensitive,
    RFC 9110), with or without parameters: what FastAPI reads as JSON."""
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _is_form(content_type: str) -> bool:
    """An HTML form's body (the web pages send no files)."""
    return content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded"
