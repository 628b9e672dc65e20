"""Bulk inserts store exactly what SQLAlchemy's own INSERT stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as hs
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    insert,
)

from service.adapters.bulk_insert import insert_rows, insert_values

metadata = MetaData()
sample = Table(
    "sample", metadata,
    Column("n", Integer, primary_key=True), Column("day", Date, nullable=True),
    Column("moment", DateTime, nullable=True), Column("flag", Boolean, nullable=True),
)  # fmt: skip
COLUMNS = ("n", "day", "moment", "flag")

# Aware datetimes too: SQLAlchemy's SQLite processor drops the zone, isoformat would not.
aware = hs.datetimes(timezones=hs.sampled_from([UTC, timezone(timedelta(hours=2))]))
days = hs.none() | hs.dates() | hs.datetimes() | aware  # a datetime in a Date column is allowed
moments = hs.none() | hs.datetimes() | hs.dates() | aware


def _stored(rows: list[dict[str, Any]], write: Any) -> list[tuple[Any, ...]]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        write(connection, rows)
        return list(connection.exec_driver_sql("SELECT * FROM sample ORDER BY n"))


@settings(max_examples=100, deadline=None)
@given(hs.lists(hs.tuples(days, moments, hs.none() | hs.booleans()), min_size=1, max_size=20))
def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(values: list[tuple[Any, ...]]) -> None:
    rows = [dict(zip(COLUMNS, (n, *v), strict=True)) for n, v in enumerate(values)]
    expected = _stored(rows, lambda c, r: c.execute(insert(sample), r))
    assert _stored(rows, lambda c, r: insert_rows(c, sample, r)) == expected
    as_values = [[r[name] for name in COLUMNS] for r in rows]
    assert _stored(rows, lambda c, _: insert_values(c, sample, COLUMNS, as_values)) == expected


def test_dates_and_datetimes_at_the_edges() -> None:
    rows = [
        {"n": 1, "day": date(1, 1, 1), "moment": datetime(2024, 2, 29, 0, 0), "flag": True},
        {"n": 2, "day": date(9999, 12, 31), "moment": date(2024, 3, 1), "flag": None},
    ]
    expected = _stored(rows, lambda c, r: c.execute(insert(sample), r))
    assert _stored(rows, lambda c, r: insert_rows(c, sample, r)) == expected
