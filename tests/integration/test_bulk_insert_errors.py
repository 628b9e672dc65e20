"""A bulk insert the database refuses: the error, as logged, names the table and holds
none of the row's values (read-model rows carry pseudonyms)."""

from __future__ import annotations

import logging
import shutil
import traceback
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, exc

from service.adapters.bulk_insert import insert_rows, insert_values
from service.adapters.copy_errors import CopyRefusedError
from service.adapters.database import make_engine
from service.adapters.enrollment_versions import COLUMNS
from service.adapters.eventstore import unit_of_work
from service.adapters.rows import facts_to_values
from service.adapters.tables import anonymous_reports, enrollment_versions
from service.bootstrap import Container
from service.domain.errors import WriteConflictError
from service.domain.facts import EnrollmentFacts

MARKER = "pseudonym-7d1c-MARKER"  # stands for any value of a row: none may be logged
MOMENT = datetime(2024, 5, 2, 12, 0)


def version(**changes: Any) -> list[Any]:
    """An enrollment_versions row as the projection writes it, the marker as pseudonym."""
    facts = EnrollmentFacts(
        enrollment_id="6f1c2a9e-0000-4000-8000-000000000001", association_id="forbund",
        intervention_id="team-a", pseudonym=MARKER, sex="female", birth_year=1990,
        education="upper_secondary", municipality="2029", enrolled_on=date(2024, 1, 10),
        support_at_enrollment=frozenset({"social_assistance"}), months_on_public_support=12,
        months_without_work_or_studies=None, current_support=frozenset({"social_assistance"}),
    )  # fmt: skip
    values = dict(zip(COLUMNS, [1, *facts_to_values(facts), MOMENT, None], strict=True))
    return [{**values, **changes}[name] for name in COLUMNS]


def report() -> dict[str, Any]:
    return {"report_id": MARKER, "association_id": "forbund", "intervention_id": "team-a",
            "period_start": date(2024, 1, 1), "period_end": date(2024, 3, 31), "female": 1,
            "male": 2, "unspecified": 0, "recorded_at": MOMENT}  # fmt: skip


Write = Callable[[Connection], None]
# name: (the write, the table, the column or constraint PostgreSQL names, SQLite refuses it)
REFUSED: dict[str, tuple[Write, str, str, bool]] = {
    "a missing value": (
        lambda c: insert_values(c, enrollment_versions, COLUMNS, [version(), version(sex=None)]),
        "enrollment_versions", "column sex", True,
    ),
    "a duplicate key": (
        lambda c: insert_rows(c, anonymous_reports, [report(), report()]),
        "anonymous_reports", "constraint anonymous_reports_pkey", True,
    ),
    "a value too long": (  # SQLite does not check lengths
        lambda c: insert_values(c, enrollment_versions, COLUMNS, [version(municipality=MARKER)]),
        "enrollment_versions", "column municipality", False,
    ),
    "a value of the wrong type": (  # PostgreSQL's primary message quotes this one
        lambda c: insert_values(c, enrollment_versions, COLUMNS, [version(birth_year=MARKER)]),
        "enrollment_versions", "column birth_year", False,
    ),
}  # fmt: skip


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The service's engine (hide_parameters=True)."""
    made = make_engine(database_url)
    yield made
    made.dispose()


def refused(engine: Engine, write: Write) -> BaseException:
    with pytest.raises(Exception) as raised, engine.begin() as connection:
        write(connection)
    return raised.value


def logged(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    """What the projection child logs for it: `log.exception` with the whole chain."""
    with caplog.at_level(logging.ERROR, logger="uppfoljning.projection"):
        try:
            raise error
        except Exception:
            logging.getLogger("uppfoljning.projection").exception("catch-up failed; retrying")
    return caplog.text


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_bulk_insert_logs_the_table_but_no_value(
    case: str, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    write, table, named, sqlite_refuses = REFUSED[case]
    if engine.dialect.name == "sqlite" and not sqlite_refuses:
        # SQLite's column types are affinities: it stores this row, so there is no error
        # to tell and nothing to log.
        with engine.begin() as connection:
            write(connection)
        return

    error = refused(engine, write)

    told = [str(error), "".join(traceback.format_exception(error)), logged(error, caplog)]
    assert not [text for text in told if MARKER in text]
    assert all(table in text for text in told)
    if engine.dialect.name == "postgresql":
        assert isinstance(error, CopyRefusedError)
        assert error.table == table and error.sqlstate and named in str(error)
        assert error.__cause__ is None and error.__context__ is None
    else:  # the executemany path: SQLAlchemy's error, its parameters hidden
        assert isinstance(error, exc.IntegrityError)


def test_on_sqlite_it_is_hide_parameters_that_keeps_the_values_out(
    sqlite_template: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{shutil.copy(sqlite_template, tmp_path / 'test.db')}"
    write = REFUSED["a missing value"][0]
    for engine, shows_values in ((create_engine(url), True), (make_engine(url), False)):
        try:
            assert (MARKER in str(refused(engine, write))) is shows_values
        finally:
            engine.dispose()


def test_a_refused_copy_says_which_row_failed(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        error = refused(engine, REFUSED["a missing value"][0])
    finally:
        engine.dispose()
    assert isinstance(error, CopyRefusedError)
    assert (error.sqlstate, error.line, error.column) == ("23502", 2, "sex")
    assert "NotNullViolation" in str(error)


def test_a_duplicate_key_in_a_unit_of_work_is_a_write_conflict(container: Container) -> None:
    """A batch chunk's registers and events are bulk inserts: a row another writer took
    is the domain's WriteConflictError on both databases (PostgreSQL's COPY included),
    still naming no value."""
    with pytest.raises(WriteConflictError) as raised, unit_of_work(container.store) as session:
        insert_rows(session.connection(), anonymous_reports, [report(), report()])
    assert MARKER not in "".join(traceback.format_exception(raised.value))
