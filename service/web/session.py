"""Who is signed in, and the CSRF check (docs/web.md).

The session cookie holds a random id only; the key stays on the server side as the key id
its session row stands for. Every POST carries the session's CSRF token in a hidden field
`csrf`; the sign-in form, which has no session yet, carries the token of a short cookie
of its own (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from starlette.requests import HTTPConnection
from starlette.types import Scope

from service.bootstrap import Container
from service.domain.principal import Principal

SESSION_COOKIE = "upf_session"
LOGIN_CSRF_COOKIE = "upf_login_csrf"
# The request-state key of the session looked up for this request.
SESSION_STATE = "uppfoljning_web_session"


@dataclass(frozen=True)
class Viewer:
    """A signed-in browser: its key's principal and the session's CSRF token."""

    principal: Principal
    csrf: str
    session_id: str


class SignInRequired(Exception):
    """No live session: the browser is sent to the start page."""

    def __init__(self, expired: bool) -> None:
        super().__init__("sign in")
        self.expired = expired


class CsrfRefused(Exception):
    """A POST without the right CSRF token (403, nothing done)."""


def container_of(request: Request) -> Container:
    """The service container of this app."""
    container: Container = request.app.state.container
    return container


def session_of(scope: Scope, container: Container) -> tuple[str, Principal, str] | None:
    """(session id, principal, CSRF token) of the request's live session, or None; looked
    up once per request (the rate limiter asks first, the page reuses its answer)."""
    state = scope.setdefault("state", {})
    if SESSION_STATE not in state:
        session_id = HTTPConnection(scope).cookies.get(SESSION_COOKIE)
        found = container.sessions.resume(session_id) if session_id else None
        state[SESSION_STATE] = (session_id, *found) if session_id and found else None
    resumed: tuple[str, Principal, str] | None = state[SESSION_STATE]
    return resumed


def current_viewer(request: Request) -> Viewer | None:
    """The signed-in viewer, or None."""
    found = session_of(request.scope, container_of(request))
    if found is None:
        return None
    session_id, principal, csrf = found
    return Viewer(principal, csrf, session_id)


def require_viewer(request: Request) -> Viewer:
    """The signed-in viewer; SignInRequired otherwise."""
    viewer = current_viewer(request)
    if viewer is None:
        raise SignInRequired(expired=SESSION_COOKIE in request.cookies)
    return viewer


def check_csrf(expected: str, sent: str) -> None:
    """The form's token must be the session's."""
    if not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure over https; no Max-Age, so
    it ends with the browser too (the server ends it earlier: idle and absolute expiry)."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


def login_token(request: Request) -> str:
    """The sign-in form's token: the one in its cookie, or a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    """The sign-in form's token, kept in a cookie of its own (double submit)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    """Sign out in the browser too."""
    response.delete_cookie(SESSION_COOKIE, path="/")
