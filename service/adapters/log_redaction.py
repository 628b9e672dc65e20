"""PostgreSQL's error texts kept out of the log: only what comes from the schema is logged.

psycopg's error message can quote a row: DETAIL "Key (pseudonym)=(…) already exists" or
"Failing row contains (…)", a CONTEXT line, and for a malformed value the primary message
itself. SQLAlchemy's `hide_parameters` hides the statement's parameters, not these. Any
unexpected error is logged with its traceback (the API's 500 handler, uvicorn's "Exception
in ASGI application", the projection's retry loop), so a filter on the log handlers
replaces every PostgreSQL error in a logged exception's chain by `RedactedDatabaseError`:
SQLSTATE, table, column and constraint, with the original traceback. An error whose own
message repeats such a text (`f"...: {e}"`, SQLAlchemy's PendingRollbackError) is told by
its type alone. SQLite's messages name constraints and columns, never values
(tests/integration/test_bulk_insert_errors.py), and are left as they are.
"""

from __future__ import annotations

import copy
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError

from service.adapters import identity_log_redaction


class RedactedDatabaseError(Exception):
    """A PostgreSQL error told by its diagnostics only, never by its message."""

    @classmethod
    def of(cls, error: psycopg.Error) -> RedactedDatabaseError:
        diag = error.diag
        named = {
            "table": diag.table_name,
            "column": diag.column_name,
            "constraint": diag.constraint_name,
        }
        where = "".join(f", {name} {value}" for name, value in named.items() if value)
        return cls(
            f"{type(error).__name__}: SQLSTATE {error.sqlstate or 'unknown'}{where} "
            "(the database's message is left out of the log, as it may quote a row)"
        )


def _quotes_the_database(
    error: BaseException, _seen: set[int] | None = None
) -> psycopg.Error | None:
    """The psycopg error that `error` is, wraps, or was made of, if any.

    "Made of": eventsourcing re-raises SQLAlchemy's errors as its own with the original
    as argument (`ProgrammingError(e)`), so the wrapper's message is the database's.
    """
    if isinstance(error, psycopg.Error):
        return error
    if isinstance(error, DBAPIError) and isinstance(error.orig, psycopg.Error):
        return error.orig
    seen = _seen if _seen is not None else {id(error)}
    for argument in error.args:
        if isinstance(argument, BaseException) and id(argument) not in seen:
            seen.add(id(argument))
            found = _quotes_the_database(argument, seen)
            if found is not None:
                return found
    return None


def _database_texts(error: BaseException, seen: set[int]) -> Iterator[str]:
    """The messages of the PostgreSQL errors anywhere in `error`'s chain."""
    if id(error) in seen:
        return
    seen.add(id(error))
    found = _quotes_the_database(error)
    if found is not None:
        diag = found.diag
        yield from (t for t in (diag.message_primary, diag.message_detail, diag.context) if t)
        return
    linked = [error.__cause__, error.__context__]
    if isinstance(error, BaseExceptionGroup):
        linked.extend(error.exceptions)
    for other in linked:
        if other is not None:
            yield from _database_texts(other, seen)


def _repeats_the_database(error: BaseException) -> bool:
    """True when `error`'s own message repeats a database text of its chain, as an error
    built with `f"...: {e}"` does (SQLAlchemy's PendingRollbackError among them)."""
    texts = [t for t in _database_texts(error, set()) if len(t.strip()) >= 4]
    if not texts:
        return False
    try:
        message = str(error)
    except Exception:  # a message that cannot even be made: not kept either
        return True
    return any(t in message for t in texts)


def _without_message(error: BaseException) -> BaseException:
    return RuntimeError(f"{type(error).__name__} (its message is left out of the log)")


def redacted(error: BaseException, _told: dict[int, BaseException] | None = None) -> BaseException:
    """`error` with every PostgreSQL error in its chain (cause, context, the members of an
    exception group) told redacted, and any message repeating one left out; `error`
    itself when there is none."""
    told_before = _told if _told is not None else {}
    if id(error) in told_before:  # met again (`raise ... from e` in `except e`: cause and
        return told_before[id(error)]  # context are one error): told the same way
    told_before[id(error)] = error  # a cycle back to here ends here
    told = _retold(error, told_before)
    told_before[id(error)] = told
    return told


def _retold(error: BaseException, told_before: dict[int, BaseException]) -> BaseException:
    database_error = _quotes_the_database(error)
    if database_error is not None:
        told: BaseException = RedactedDatabaseError.of(database_error)
        told.__traceback__ = error.__traceback__
        return told  # its chain would be the driver's error again: left out
    members: list[BaseException] | None = None
    if isinstance(error, BaseExceptionGroup):
        members = [redacted(member, told_before) for member in error.exceptions]
        if all(m is e for m, e in zip(members, error.exceptions, strict=True)):
            members = None
    cause = error.__cause__ and redacted(error.__cause__, told_before)
    context = error.__context__ and redacted(error.__context__, told_before)
    if members is None and cause is error.__cause__ and context is error.__context__:
        return error  # no database error below, so none whose text it could repeat
    try:
        if _repeats_the_database(error):
            told = _without_message(error)
        elif members is not None:
            told = error.derive(members)  # type: ignore[attr-defined]
        else:
            told = copy.copy(error)
    except Exception:  # an exception that cannot be copied: its type and traceback only
        told = _without_message(error)
    told.__traceback__ = error.__traceback__
    told.__cause__, told.__context__ = cause, context
    told.__suppress_context__ = error.__suppress_context__
    return told


def safely_redacted(error: BaseException) -> BaseException:
    """`redacted`, or, should telling it fail, the error's type and traceback alone."""
    try:
        return redacted(error)
    except Exception:
        told = RuntimeError(f"{type(error).__name__} (left out: it could not be told safely)")
        told.__traceback__ = error.__traceback__
        return told


class RedactDatabaseErrors(logging.Filter):
    """Rewrites a record's exception as `redacted` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = safely_redacted(record.exc_info[1])
            if error is not record.exc_info[1]:
                record.exc_info = (type(error), error, error.__traceback__)
                record.exc_text = None
        return True


def redact_database_errors_in_logs() -> None:
    """Install the filter on every handler of the root and uvicorn loggers (after logging
    has been configured), and on the handler Python logs to while none is configured (a
    one-shot command's `logger.exception` still prints its traceback there)."""
    handlers = [logging.lastResort] if logging.lastResort is not None else []
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        handlers.extend(logging.getLogger(name).handlers)
    for handler in handlers:
        if not any(isinstance(f, RedactDatabaseErrors) for f in handler.filters):
            handler.addFilter(RedactDatabaseErrors())
    identity_log_redaction.install(handlers)  # and no personnummer in a logged URL


def printing_redacted(hook: Callable[..., Any], keep: Sequence[str] = ()) -> Callable[..., Any]:
    """`sys.excepthook` `hook`, handed every uncaught error as `redacted`; a retold error
    keeps the original's attributes named in `keep` (a printer's own markers).

    Python prints the original error in full when a hook fails, so a failing `hook` is
    followed by the standard printout of the redacted error, and that by its type alone.
    """

    def print_redacted(
        kind: type[BaseException], error: BaseException, traceback: TracebackType | None
    ) -> None:
        told = safely_redacted(error)
        for name in keep:
            if told is not error and hasattr(error, name):
                setattr(told, name, getattr(error, name))
        try:
            hook(type(told), told, told.__traceback__)
        except Exception:
            try:
                sys.__excepthook__(type(told), told, told.__traceback__)
            except Exception:
                sys.stderr.write(f"{type(told).__name__}\n")

    return print_redacted
