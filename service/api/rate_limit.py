"""Rate limiting per client (OWASP API4): a token bucket per API key, or per address.

A request with a valid key is charged to that key, and a web page or form of a live
session to the session's key; one without a key, or with an unknown or revoked key, or
with an ended session, to the client's address. The key is identified after authentication, so a
forged `upf_<victim id>_...` token cannot spend someone else's budget. Over the limit the
answer is 429 problem+json with `Retry-After`, before the body is read or a route runs.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.deps import authenticate_key
from service.api.middleware import send_problem
from service.domain.principal import Principal
from service.request_state import PRINCIPAL_STATE
from service.web.session import SESSION_COOKIE, session_of

EXEMPT_PATHS = frozenset({"/health", "/ready"})
_WINDOW_SECONDS = 60.0


class TokenBuckets:
    """`per_minute` requests a minute per client, in bursts of up to `per_minute`; thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / _WINDOW_SECONDS
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, updated at)
        self._pruned_at = clock()

    def take(self, client: str) -> int:
        """Spend one token of `client`: 0 when allowed, else whole seconds until one is due."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            tokens, updated = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - updated) * self.refill_per_second)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.refill_per_second))

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        # A bucket untouched for a whole window is full again: forgetting it changes nothing.
        if now - self._pruned_at < _WINDOW_SECONDS:
            return
        self._buckets = {
            client: state
            for client, state in self._buckets.items()
            if now - state[1] < _WINDOW_SECONDS
        }
        self._pruned_at = now


class RateLimit:
    """ASGI middleware: charges each request to its key or address; 429 once one is spent."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        client = await self._client(scope)
        retry_after = self.buckets.take(client)
        if retry_after:
            await send_problem(
                send,
                429,
                "Too Many Requests",
                f"the rate limit of {int(self.buckets.capacity)} requests a minute is spent; "
                f"retry in {retry_after} s",
                headers=[(b"retry-after", str(retry_after).encode())],
            )
            return
        await self.app(scope, receive, send)

    async def _client(self, scope: Scope) -> str:
        token = _bearer_token(scope)
        container = scope["app"].state.container
        if token is not None:
            principal: Principal | None = await run_in_threadpool(
                authenticate_key, container, token
            )
            # The route's dependency reuses this answer instead of looking the key up again.
            scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
            if principal is not None:
                return f"key:{principal.key_id}"
        elif _has_session_cookie(scope) and not scope["path"].startswith("/static/"):
            # A signed-in browser is charged to its session's key, as that key's API calls
            # are: coaches behind one address do not share a bucket (docs/rate-limiting.md).
            session = await run_in_threadpool(session_of, scope, container)
            if session is not None:
                return f"key:{session[1].key_id}"
        address = scope.get("client")
        return f"address:{address[0] if address else 'unknown'}"


def _has_session_cookie(scope: Scope) -> bool:
    cookie = SESSION_COOKIE.encode() + b"="
    return any(name == b"cookie" and cookie in value for name, value in scope["headers"])


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None
