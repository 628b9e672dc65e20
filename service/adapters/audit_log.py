"""The audit log (product.md §12): one row per authenticated request or data-changing
command. Rows are only ever inserted by the service; the one deletion is the log's own
retention (`remove_older_than`, run by gallring).

A write's entry is written in the write's own transaction: the request or command sets a
`PendingEntry` for its context (`pending_entry`), and the first unit of work that commits
in that context inserts it just before its commit (adapters/eventstore.py).

An entry holds no personal data: the route template (never the path with its values), the
key's id and name, the role, the association, and of the request's values only an
intervention id and a period — each kept only when it has the shape of one, so that a
personnummer typed into a query string is never written here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, insert, select
from sqlalchemy.orm import Session

from service.adapters.rows import naive_utc
from service.adapters.tables import api_keys, audit_log
from service.domain.pseudonym import looks_like_identity_number

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditEntry:
    """One audited action."""

    recorded_at: datetime
    key_id: str | None
    key_name: str | None
    role: str
    association_id: str | None
    action: str
    intervention_id: str | None
    period_from: date | None
    period_to: date | None
    status: int


@dataclass
class PendingEntry:
    """The entry of the request or command running in this context, as its success would
    answer: `make` builds it in the write's transaction (None when none is due); `written`
    is what was inserted once that transaction has committed."""

    make: Callable[[Session], AuditEntry | None]
    written: AuditEntry | None = None


_PENDING: ContextVar[PendingEntry | None] = ContextVar("audit_pending_entry", default=None)


@contextmanager
def pending_entry(pending: PendingEntry) -> Iterator[PendingEntry]:
    """Let the first unit of work that commits in this context carry `pending`."""
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


def current_pending() -> PendingEntry | None:
    """The pending entry of this context that no transaction has carried yet."""
    pending = _PENDING.get()
    return pending if pending is not None and pending.written is None else None


def write_pending(session: Session, pending: PendingEntry) -> AuditEntry | None:
    """Insert the pending entry in the caller's transaction (about to commit)."""
    entry = pending.make(session)
    if entry is not None:
        record(session, entry)
    return entry


def slug_or_none(value: Any) -> str | None:
    """An id of an association or intervention, or None for anything else."""
    if isinstance(value, str) and _SLUG.fullmatch(value) and not looks_like_identity_number(value):
        return value
    return None


def date_or_none(value: Any) -> date | None:
    """An ISO date (YYYY-MM-DD), or None for anything else."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def year_or_none(value: Any) -> tuple[date, date] | None:
    """A calendar year (2000..2100) as its first and last day, or None."""
    text = str(value) if value is not None else ""
    if re.fullmatch(r"[0-9]{4}", text) and 2000 <= int(text) <= 2100:
        return date(int(text), 1, 1), date(int(text), 12, 31)
    return None


def key_name(session: Session, key_id: str | None) -> str | None:
    """The name the key was issued under."""
    if key_id is None:
        return None
    return session.execute(select(api_keys.c.name).where(api_keys.c.id == key_id)).scalar()


def record(session: Session, entry: AuditEntry) -> None:
    """Append one entry (in the caller's transaction)."""
    values = asdict(entry)
    values["recorded_at"] = naive_utc(entry.recorded_at)
    session.execute(_INSERT, values)  # the values as parameters: compiled once, cached


_INSERT = insert(audit_log)


def count_older_than(session: Session, cutoff: datetime) -> int:
    """How many entries were recorded before `cutoff`."""
    query = select(func.count()).where(audit_log.c.recorded_at < naive_utc(cutoff))
    return int(session.execute(query).scalar() or 0)


def remove_older_than(session: Session, cutoff: datetime) -> int:
    """The log's own retention: delete the entries recorded before `cutoff`; how many."""
    statement = delete(audit_log).where(audit_log.c.recorded_at < naive_utc(cutoff))
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return int(result.rowcount)


def entries(
    session: Session,
    *,
    association_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    key_id: str | None = None,
    action: str | None = None,
    page: int | None = None,
) -> list[dict[str, Any]]:
    """Entries in the order they were written, filtered; one page of PAGE_SIZE when `page`
    (from 1) is given, else all of them."""
    return list(_entries(session, association_id, start, end, key_id, action, page))


def _entries(
    session: Session,
    association_id: str | None,
    start: datetime | None,
    end: datetime | None,
    key_id: str | None,
    action: str | None,
    page: int | None,
) -> Iterator[dict[str, Any]]:
    t = audit_log.c
    query = select(audit_log).order_by(t.id)
    if association_id is not None:
        query = query.where(t.association_id == association_id)
    if start is not None:
        query = query.where(t.recorded_at >= naive_utc(start))
    if end is not None:
        query = query.where(t.recorded_at < naive_utc(end))
    if key_id is not None:
        query = query.where(t.key_id == key_id)
    if action is not None:
        query = query.where(t.action == action)
    if page is not None:
        query = query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    for row in session.execute(query).mappings():
        yield dict(row)
