"""Request dependencies: the container and the calling key."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from service.adapters.keys import authenticate_on
from service.api.schemas.common import SLUG_PATTERN
from service.bootstrap import Container
from service.domain.errors import InvalidValueError, UnauthenticatedError
from service.domain.principal import Principal
from service.request_state import PRINCIPAL_STATE

# `upf_<uuid>_<token_urlsafe secret>`, as adapters/keys.py makes them.
_KEY_SHAPE = re.compile(r"upf_[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}_[A-Za-z0-9_-]{16,128}")
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer upf_...`")


async def get_container(request: Request) -> Container:
    """The service container of this app."""
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def authenticate_key(container: Container, token: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None otherwise."""
    if not _KEY_SHAPE.fullmatch(token):
        return None  # not one of our keys: no database lookup (and no NUL bytes sent to it)
    return authenticate_on(container.engine, token)


async def get_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The key's principal, or 401. Async: a sync dependency costs a hop to the thread pool
    on every request, and the answer is usually in the request's state already."""
    if credentials is None:
        raise UnauthenticatedError("send an API key as 'Authorization: Bearer <key>'")
    # The rate limiter has already looked the key up when it is on (api/rate_limit.py).
    state = request.scope.get("state") or {}
    if PRINCIPAL_STATE in state:
        principal = state[PRINCIPAL_STATE]
    else:
        principal = await run_in_threadpool(authenticate_key, container, credentials.credentials)
    if principal is None:
        raise UnauthenticatedError("the API key is unknown or revoked")
    request.scope.setdefault("state", {})[PRINCIPAL_STATE] = principal  # for api/audit.py
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


_IF_MATCH = r'^\s*(\*|(W/)?("[0-9]{1,18}"|[0-9]{1,18}))\s*$'


async def get_if_match(
    # A plain string (not nullable) in the schema: an absent header is the empty default.
    if_match: Annotated[
        str,
        Header(
            pattern=_IF_MATCH,
            description='The enrollment\'s version: `3` or `"3"`; `*` matches any version',
        ),
    ] = "",
) -> int | None:
    """The version in If-Match ("3" or "\\"3\\""), if any; `*` asks for none (RFC 9110)."""
    if not if_match or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not re.fullmatch(r"[0-9]{1,18}", value):
        raise InvalidValueError("If-Match", "If-Match must be the enrollment's version number")
    return int(value)


IfMatchDep = Annotated[int | None, Depends(get_if_match)]
# Path parameters in their documented shapes: anything else is 422 before any lookup.
AssociationId = Annotated[str, Path(pattern=SLUG_PATTERN, examples=["sodra-dalarna"])]
InterventionId = Annotated[str, Path(pattern=SLUG_PATTERN, examples=["team-a"])]
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")]
# An empty key is refused, not taken as "no key": a client that sends one means a key.
IdempotencyKeyDep = Annotated[str | None, Header(min_length=1, max_length=200)]
