"""ASGI middleware: every authenticated request leaves an entry in the audit log.

A write (any method but GET, HEAD, OPTIONS) that commits has its entry written in its own
transaction, with the status its success answers (the route's `status_code`, else 200):
the entry and the write are committed together or not at all (docs/decisions.md §22).
Every other entry — a read's, a refused write's, or a write whose answer turned out other
than its success status — is written when the route has answered and before its answer
leaves: the status line is held back until the entry is in the database. An entry that
cannot be written turns the answer into a 500 (no answer without its entry).

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

from service.adapters.audit_log import (
    AuditEntry,
    PendingEntry,
    date_or_none,
    slug_or_none,
    year_or_none,
)
from service.api.middleware import send_problem
from service.domain.principal import Principal
from service.request_state import FORM_INTERVENTION_STATE, PRINCIPAL_STATE

log = logging.getLogger(__name__)
UNAUDITED_PATHS = frozenset({"/health", "/ready"})
READS = frozenset({"GET", "HEAD", "OPTIONS"})


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
        trail = scope["app"].state.container.audit
        written: list[PendingEntry] = []  # the write's pending entry, when it is one

        async def audited_send(message: Message) -> None:
            if state["failed"]:
                return  # the answer was replaced by a 500: the route's body is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
                if not await self._record(scope, message["status"], written):
                    state["failed"] = True
                    await send_problem(
                        send, 500, "Internal Server Error", "the request could not be audited"
                    )
                    return
            await send(message)

        try:
            if scope["method"] in READS:
                await self.app(scope, receive, audited_send)
            else:
                with trail.pending(lambda: self._success_entry(scope)) as pending:
                    written.append(pending)
                    await self.app(scope, receive, audited_send)
        except Exception:
            if not state["started"]:
                await self._record(scope, 500, written)  # the error's answer is sent outside
            raise

    def _success_entry(self, scope: Scope) -> AuditEntry | None:
        """The entry of the write as its success answers (the route is matched by then)."""
        status = getattr(scope.get("route"), "status_code", None) or 200
        return entry_for(scope, status, self.prefix)

    async def _record(self, scope: Scope, status: int, written: list[PendingEntry]) -> bool:
        """True when the entry was written (now, or with the write) or none was due."""
        done = written[0].written if written else None
        if done is not None and done.status == status:
            return True
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
    state = scope.get("state") or {}
    principal = state.get(PRINCIPAL_STATE)
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
        intervention_id=slug_or_none(params.get("iid"))
        or slug_or_none(first("intervention"))
        or slug_or_none(state.get(FORM_INTERVENTION_STATE)),
        period_from=start,
        period_to=end,
        status=status,
    )
