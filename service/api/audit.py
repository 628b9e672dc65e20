"""ASGI middleware: every authenticated request leaves an entry in the audit log.

The entry is written when the route has answered and before its answer leaves: the
status line is held back until the entry is in the database. An entry that cannot be
written turns the answer into a 500 (no answer without its entry). A write's entry is
written in a transaction of its own right after the write's (docs/decisions.md §22): if
that fails the write stands but its client sees a 500 and retries, and the retry, replayed
by its Idempotency-Key or client id, is then the one recorded.

Only requests whose key was authenticated are recorded (the principal is left in the
request state by api/deps.py); /health and /ready are not.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.adapters.audit_log import AuditEntry, date_or_none, slug_or_none, year_or_none
from service.api.deps import PRINCIPAL_STATE
from service.api.middleware import send_problem
from service.domain.principal import Principal

log = logging.getLogger(__name__)
UNAUDITED_PATHS = frozenset({"/health", "/ready"})


class AuditRequests:
    """Records each authenticated request with its status, before the answer is sent."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix  # of the routers included with one

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = {"started": False, "failed": False}

        async def audited_send(message: Message) -> None:
            if state["failed"]:
                return  # the answer was replaced by a 500: the route's body is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
                if not await self._record(scope, message["status"]):
                    state["failed"] = True
                    await send_problem(
                        send, 500, "Internal Server Error", "the request could not be audited"
                    )
                    return
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            if not state["started"]:
                await self._record(scope, 500)  # the server error's answer is sent outside
            raise

    async def _record(self, scope: Scope, status: int) -> bool:
        """True when the entry was written or none was due."""
        entry = entry_for(scope, status, self.prefix)
        if entry is None:
            return True
        trail = scope["app"].state.container.audit
        try:
            await run_in_threadpool(trail.record, entry)
        except Exception:
            log.exception("an audit entry could not be written")
            return False
        return True


def entry_for(scope: Scope, status: int, prefix: str) -> AuditEntry | None:
    """The request's entry: None for an unauthenticated request or an unaudited path.
    The route's template is as the OpenAPI document has it, with the routers' prefix
    (FastAPI ≥ 0.16x keeps an included route's own path, without it, in the scope)."""
    principal = (scope.get("state") or {}).get(PRINCIPAL_STATE)
    route = scope.get("route")
    if not isinstance(principal, Principal) or route is None:
        return None
    template = getattr(route, "path", None)
    if not isinstance(template, str) or template in UNAUDITED_PATHS:
        return None
    if scope["path"].startswith(prefix + "/") and not template.startswith(prefix + "/"):
        template = prefix + template
    params: dict[str, Any] = scope.get("path_params") or {}
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))

    def first(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    period = year_or_none(params.get("year")) or year_or_none(first("year"))
    if period is None:
        start, end = date_or_none(first("from")), date_or_none(first("to"))
    else:
        start, end = period
    return AuditEntry(
        recorded_at=datetime.now(UTC),
        key_id=principal.key_id,
        key_name=None,  # looked up when written
        role=principal.role,
        association_id=slug_or_none(params.get("aid")) or principal.association_id,
        action=f"{scope['method']} {template}",
        intervention_id=slug_or_none(params.get("iid")) or slug_or_none(first("intervention")),
        period_from=start,
        period_to=end,
        status=status,
    )
