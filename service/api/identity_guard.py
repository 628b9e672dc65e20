"""The personnummer guard at the API's edges (issue 17, finding 1; the rules are in
service/domain/personnummer_guard.py).

Two halves, so that every route, the batch and `import` are covered from one place each:

- `guarded`, the validator of the request schemas' `Text` and `Slug` types
  (service/api/schemas/common.py): every name, title, reason, pseudonym and id of a body,
  a batch item's or an imported line's included. Only `personal_identity_number` is of
  another type.
- `IdentityNumberGuard`, ASGI middleware that refuses a request whose path, query string
  (names and values) or Idempotency-Key holds a number, before any route runs or any body
  is read.

Either answers 422 problem+json naming the field, never the value; nothing is written.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from service.domain.personnummer_guard import MESSAGE, contains_identity_number

# Request headers a route reads as text and may keep or echo.
_GUARDED_HEADERS = (b"idempotency-key",)


def _holds_number(raw: bytes) -> bool:
    """Bytes read as UTF-8 (a client's text) and as Latin-1 (as Starlette reads a header)."""
    return contains_identity_number(
        raw.decode("utf-8", errors="replace")
    ) or contains_identity_number(raw.decode("latin-1"))


def _offending_field(scope: Scope) -> str | None:
    """The name of the first part of the request that holds a number, if any."""
    if contains_identity_number(scope.get("path", "")):
        return "path"
    raw_query = scope.get("query_string", b"")
    # Read as UTF-8 (raw non-ASCII bytes a client sent unescaped) and as Latin-1.
    for query in {raw_query.decode("utf-8", errors="replace"), raw_query.decode("latin-1")}:
        for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8"):
            if contains_identity_number(name):
                return "query"
            if contains_identity_number(value):
                return f"query.{name}"
    for name, value in scope.get("headers", []):
        if name.lower() in _GUARDED_HEADERS and _holds_number(value):
            return "Idempotency-Key"
    return None


class IdentityNumberGuard:
    """422 for a request whose path, query string or Idempotency-Key holds a number."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        field = _offending_field(scope) if scope["type"] == "http" else None
        if field is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Unprocessable Content",
                "status": 422,
                "detail": f"the request is invalid: {field}",
                "errors": [{"field": field, "message": MESSAGE}],
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
