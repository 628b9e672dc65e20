"""The web pages' sessions, in the database (docs/web.md).

A session id is 256 random bits, sent only in the cookie and stored only as its SHA-256;
each session has its own CSRF token. Expiry is checked on every read: idle (since the last
request) and absolute (since sign-in).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from service.adapters.tables import web_sessions


@dataclass(frozen=True)
class WebSession:
    """One signed-in browser: the key it stands for and its CSRF token."""

    key_id: str
    csrf_token: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(session: Session, key_id: str, now: datetime) -> tuple[str, str]:
    """A new session for `key_id`: (session id for the cookie, CSRF token)."""
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.execute(insert(web_sessions).values(
        id_hash=_hash(session_id), key_id=key_id, csrf_token=csrf,
        created_at=now, last_seen_at=now,
    ))  # fmt: skip
    return session_id, csrf


def use_session(
    session: Session, session_id: str, now: datetime, idle: timedelta, lifetime: timedelta
) -> WebSession | None:
    """The live session of `session_id`, its last use set to `now`; None when there is none
    or it has expired (an expired one is deleted)."""
    id_hash = _hash(session_id)
    row = session.execute(select(web_sessions).where(web_sessions.c.id_hash == id_hash)).first()
    if row is None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        session.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))
        return None
    session.execute(
        update(web_sessions).where(web_sessions.c.id_hash == id_hash).values(last_seen_at=now)
    )
    return WebSession(row.key_id, row.csrf_token)


def renew_csrf(session: Session, session_id: str) -> str:
    """A new CSRF token for the session: forms made with the old one are refused."""
    csrf = secrets.token_urlsafe(32)
    session.execute(
        update(web_sessions)
        .where(web_sessions.c.id_hash == _hash(session_id))
        .values(csrf_token=csrf)
    )
    return csrf


def close_session(session: Session, session_id: str) -> None:
    """Sign out: the session is gone."""
    session.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(session_id)))


def purge_expired(session: Session, now: datetime, idle: timedelta, lifetime: timedelta) -> None:
    """Delete every expired session (called at sign-in, so the table stays small)."""
    session.execute(
        delete(web_sessions).where(
            or_(
                web_sessions.c.last_seen_at < now - idle,
                web_sessions.c.created_at < now - lifetime,
            )
        )
    )


def count(session: Session) -> int:
    """How many sessions are stored."""
    return len(session.execute(select(web_sessions.c.id_hash)).all())
