"""`Cache-Control: no-store` on every answer of the API (issue 17, finding 10).

Statistics, exports and enrollment reads are a förbund's data: no browser, proxy or
shared cache may keep a copy. Every answer under `/api/` and every answer to a request
that carries `Authorization` gets the header, errors included (a 401 or 404 says
something too); `/health`, `/ready` and the documentation pages are left as they are.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NO_STORE = (b"cache-control", b"no-store")


class NoStore:
    """Adds `Cache-Control: no-store` to each answer of the API (replacing any other)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_private(scope):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                message = {**message, "headers": [*headers, _NO_STORE]}
            await send(message)

        await self.app(scope, receive, send_no_store)


def _is_private(scope: Scope) -> bool:
    if str(scope.get("path", "")).startswith("/api/"):
        return True
    return any(name.lower() == b"authorization" for name, _ in scope.get("headers", []))
