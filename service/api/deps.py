"""Request dependencies: the container and the calling key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.adapters.eventstore import read_session
from service.adapters.keys import Principal, authenticate
from service.bootstrap import Container
from service.domain.errors import InvalidValueError, UnauthenticatedError

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer upf_...`")


def get_container(request: Request) -> Container:
    """The service container of this app."""
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The key's principal, or 401."""
    if credentials is None:
        raise UnauthenticatedError("send an API key as 'Authorization: Bearer <key>'")
    with read_session(container.store) as session:
        principal = authenticate(session, credentials.credentials)
    if principal is None:
        raise UnauthenticatedError("the API key is unknown or revoked")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version in If-Match ("3" or "\\"3\\""), if any."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise InvalidValueError("If-Match", "If-Match must be the enrollment's version number")
    return int(value)


IfMatchDep = Annotated[int | None, Depends(get_if_match)]
IdempotencyKeyDep = Annotated[str | None, Header(max_length=200)]
