"""PostgreSQL's error texts stay out of the log (service/adapters/log_redaction.py)."""

from __future__ import annotations

import io
import logging
import logging.config
import shutil
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from uvicorn.config import LOGGING_CONFIG

from service.adapters.database import make_engine
from service.adapters.log_redaction import (
    printing_redacted,
    redact_database_errors_in_logs,
    redacted,
)
from service.adapters.tables import open_enrollments

MARKER = "pseudonym-9f8e7d6c-in-the-log"


def unexpected_error(engine: Engine) -> BaseException:
    """A duplicate key whose value is MARKER, wrapped as code above the adapter would."""
    row = {"association_id": "a", "intervention_id": "i", "pseudonym": MARKER}
    with engine.begin() as connection:
        connection.execute(insert(open_enrollments).values(**row, enrollment_id="e1"))
    try:
        try:
            with engine.begin() as connection:
                connection.execute(insert(open_enrollments).values(**row, enrollment_id="e2"))
        except Exception as error:
            raise RuntimeError("while recording the enrollment") from error
    except RuntimeError as wrapped:
        return wrapped
    raise AssertionError("the duplicate was accepted")


@pytest.fixture
def postgres_error(postgres_url: str) -> RuntimeError:
    """`unexpected_error` on PostgreSQL: its driver error's DETAIL quotes MARKER."""
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(open_enrollments.delete())
        error = unexpected_error(engine)
    finally:
        engine.dispose()
    assert isinstance(error, RuntimeError)
    return error


def log_of(logger: str, error: BaseException, handler: logging.Handler) -> str:
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        raise error
    except RuntimeError:
        logging.getLogger(logger).exception("unhandled error on POST /x")
    return stream.getvalue()


@pytest.fixture
def uvicorn_logging() -> Iterator[logging.Handler]:
    """uvicorn's own logging setup, as a worker has it, plus a root handler."""
    root = logging.getLogger()
    saved = root.handlers[:]
    logging.config.dictConfig(LOGGING_CONFIG)
    root.addHandler(logging.StreamHandler())
    yield logging.getLogger("uvicorn").handlers[0]
    root.handlers[:] = saved


def test_a_postgresql_error_is_logged_by_its_diagnostics_not_its_message(
    postgres_error: RuntimeError, uvicorn_logging: logging.Handler
) -> None:
    error = postgres_error
    root_handler = logging.getLogger().handlers[-1]
    # Without the filter the driver's DETAIL quotes the key: the test can fail.
    assert MARKER in log_of("uppfoljning.api", error, root_handler)

    redact_database_errors_in_logs()
    for logger, handler in (("uppfoljning.api", root_handler), ("uvicorn.error", uvicorn_logging)):
        text = log_of(logger, error, handler)
        assert MARKER not in text
        assert "RuntimeError: while recording the enrollment" in text  # the wrapper kept
        assert "UniqueViolation: SQLSTATE 23505" in text
        assert "open_enrollments" in text  # the table (or its constraint) is named
        assert "in unexpected_error" in text  # the traceback's frames are kept
    assert MARKER in str(error.__cause__)  # the exception itself is left unchanged


def test_sqlite_errors_and_other_errors_are_logged_unchanged(
    sqlite_template: Path, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{shutil.copy(sqlite_template, tmp_path / 'test.db')}")
    try:
        error = unexpected_error(engine)
    finally:
        engine.dispose()
    assert redacted(error) is error  # SQLite names the constraint, never the value
    assert MARKER not in str(error.__cause__)
    plain = ValueError("nothing from a database")
    assert redacted(plain) is plain


def test_groups_and_messages_that_repeat_the_database_are_redacted_too(
    postgres_error: RuntimeError,
) -> None:
    database_error = postgres_error.__cause__
    assert database_error is not None and MARKER in str(database_error)

    def told(error: BaseException) -> str:
        return "".join(traceback.format_exception(redacted(error)))

    group = ExceptionGroup("two writes failed", [ValueError("other"), database_error])
    assert MARKER in "".join(traceback.format_exception(group))  # the test can fail
    assert MARKER not in told(group)
    assert "ValueError: other" in told(group) and "SQLSTATE 23505" in told(group)
    twice = ExceptionGroup("the same failure twice", [database_error, database_error])
    assert MARKER not in told(twice)  # met again, told again the same way

    try:
        raise RuntimeError(f"could not record: {database_error}") from database_error
    except RuntimeError as repeating:
        assert MARKER not in told(repeating)
        assert "RuntimeError (its message is left out of the log)" in told(repeating)


def test_a_failing_excepthook_falls_back_to_the_redacted_error(
    postgres_error: RuntimeError, capsys: pytest.CaptureFixture[str]
) -> None:
    error = postgres_error

    def broken_printer(*_: object) -> None:
        raise OSError("the terminal is gone")

    printing_redacted(broken_printer)(type(error), error, error.__traceback__)
    printed = capsys.readouterr().err
    assert "RuntimeError: while recording the enrollment" in printed
    assert "SQLSTATE 23505" in printed and MARKER not in printed
