"""Sign-in sessions of the web pages (docs/web.md): a personal key in, a session out.

The key is checked once, at sign-in; the session then stands for the key's id, so a key
revoked later ends its sessions at their next request.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from service.adapters import keys
from service.adapters import web_sessions as store_sessions
from service.adapters.eventstore import EventStore, read_session, unit_of_work
from service.domain.principal import Principal

# `upf_<uuid>_<secret>`, as adapters/keys.py makes them: anything else is not looked up.
_KEY_SHAPE = re.compile(r"upf_[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}_[A-Za-z0-9_-]{16,128}")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class WebSessions:
    """Open, resume and close the sessions of signed-in browsers."""

    def __init__(self, store: EventStore, idle_seconds: int, max_seconds: int) -> None:
        self.store = store
        self.idle = timedelta(seconds=idle_seconds)
        self.lifetime = timedelta(seconds=max_seconds)

    def sign_in(self, key: str) -> tuple[str, str, Principal] | None:
        """(session id, CSRF token, principal) for a valid key; None otherwise."""
        key = key.strip()
        if not _KEY_SHAPE.fullmatch(key):
            return None
        now = _now()
        with unit_of_work(self.store, audited=False) as session:
            principal = keys.authenticate(session, key)
            if principal is None:
                return None
            store_sessions.purge_expired(session, now, self.idle, self.lifetime)
            session_id, csrf = store_sessions.open_session(session, principal.key_id, now)
        return session_id, csrf, principal

    def resume(self, session_id: str) -> tuple[Principal, str] | None:
        """The principal and CSRF token of a live session; None when it has ended, expired
        or its key was revoked."""
        if not session_id or len(session_id) > 100:
            return None
        with unit_of_work(self.store, audited=False) as session:
            found = store_sessions.use_session(
                session, session_id, _now(), self.idle, self.lifetime
            )
            if found is None:
                return None
            principal = keys.principal_of(session, found.key_id)
            if principal is None:
                store_sessions.close_session(session, session_id)
                return None
        return principal, found.csrf_token

    def renew_csrf(self, session_id: str) -> str:
        """The session's new CSRF token; a form made before it is refused (a reload of the
        page that answered it posts it again)."""
        with unit_of_work(self.store, audited=False) as session:
            return store_sessions.renew_csrf(session, session_id)

    def sign_out(self, session_id: str) -> None:
        """End the session."""
        with unit_of_work(self.store, audited=False) as session:
            store_sessions.close_session(session, session_id)

    def live_sessions(self) -> int:
        """How many sessions are stored (for tests and operators)."""
        with read_session(self.store) as session:
            return store_sessions.count(session)
