"""PostgreSQL's error texts kept out of the log: only what comes from the schema is logged.

psycopg's error message can quote a row: DETAIL "Key (pseudonym)=(…) already exists" or
"Failing row contains (…)", a CONTEXT line, and for a malformed value the primary message
itself. SQLAlchemy's `hide_parameters` hides the statement's parameters, not these. Any
unexpected error is logged with its traceback (the API's 500 handler, uvicorn's "Exception
in ASGI application", the projection's retry loop), so a filter on the log handlers
replaces every PostgreSQL error in a logged exception's chain by `RedactedDatabaseError`:
SQLSTATE, table, column and constraint, with the original traceback. SQLite's messages
name constraints and columns, never values (tests/integration/test_bulk_insert_errors.py),
and are left as they are.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError


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


def _quotes_the_database(error: BaseException) -> psycopg.Error | None:
    """The psycopg error that `error` is, wraps, or was made of, if any.

    "Made of": eventsourcing re-raises SQLAlchemy's errors as its own with the original
    as argument (`ProgrammingError(e)`), so the wrapper's message is the database's.
    """
    if isinstance(error, psycopg.Error):
        return error
    if isinstance(error, DBAPIError) and isinstance(error.orig, psycopg.Error):
        return error.orig
    for argument in error.args:
        if isinstance(argument, BaseException) and argument is not error:
            found = _quotes_the_database(argument)
            if found is not None:
                return found
    return None


def redacted(error: BaseException, _seen: set[int] | None = None) -> BaseException:
    """`error` with every PostgreSQL error in its chain (cause, context) told redacted;
    `error` itself when there is none."""
    seen = _seen if _seen is not None else set()
    if id(error) in seen:
        return error
    seen.add(id(error))
    database_error = _quotes_the_database(error)
    if database_error is not None:
        told: BaseException = RedactedDatabaseError.of(database_error)
        told.__traceback__ = error.__traceback__
        return told  # its chain would be the driver's error again: left out
    cause = error.__cause__ and redacted(error.__cause__, seen)
    context = error.__context__ and redacted(error.__context__, seen)
    if cause is error.__cause__ and context is error.__context__:
        return error
    try:
        told = copy.copy(error)
    except Exception:  # an exception that cannot be copied: its type and traceback only
        told = RuntimeError(f"{type(error).__name__} (its message is left out)")
    told.__traceback__ = error.__traceback__
    told.__cause__, told.__context__ = cause, context
    told.__suppress_context__ = error.__suppress_context__
    return told


class RedactDatabaseErrors(logging.Filter):
    """Rewrites a record's exception as `redacted` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = redacted(record.exc_info[1])
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


def printing_redacted(hook: Callable[..., Any]) -> Callable[..., Any]:
    """`sys.excepthook` `hook`, handed every uncaught error as `redacted`."""

    def print_redacted(
        kind: type[BaseException], error: BaseException, traceback: TracebackType | None
    ) -> None:
        told = redacted(error)
        if told is error:
            hook(kind, error, traceback)
        else:
            hook(type(told), told, told.__traceback__)

    return print_redacted
