"""INSERT many rows at the driver's speed: what a rebuild spends most of its writing on.

`connection.execute(insert(table), rows)` builds and processes a parameter dict per row,
which costs more than the database's own insert at rebuild volumes. Here the statement is
prepared once per table, dialect and columns, each value still goes through its column
type's own bind processor, and the driver gets the rows as plain tuples (rows come as dicts,
or as sequences of values in a given column order): SQLite through
executemany of the compiled INSERT, PostgreSQL through COPY (psycopg's executemany sends
one statement per row). A COPY the database refuses raises CopyRefusedError, which tells
where it failed but none of the row's values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter, methodcaller
from typing import Any

import psycopg
from sqlalchemy import Connection, Dialect, Table, insert

from service.adapters.copy_errors import CopyRefusedError


@dataclass(frozen=True, slots=True)
class _Plan:
    table: str
    sql: str
    names: tuple[str, ...]  # column names in the order the statement takes them
    from_dict: Callable[[dict[str, Any]], tuple[Any, ...]]  # a dict row's values in that order
    from_sequence: Callable[[Sequence[Any]], tuple[Any, ...]]  # the same for a value row
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, type's processor)
    style: str  # "copy", or the compiled INSERT's "positional" or "named" parameters

    def processed(self, values: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows' values, processed column by column (the loops run in C)."""
        if self.processors:
            columns: list[Iterable[Any]] = list(zip(*values, strict=True))
            for position, process in self.processors:
                columns[position] = map(process, columns[position])
            values = list(zip(*columns, strict=True))
        return values


@lru_cache(maxsize=64)
def _plan(table: Table, dialect: Dialect, columns: tuple[str, ...]) -> _Plan:
    if dialect.driver == "psycopg":
        quote = dialect.identifier_preparer.quote
        names = columns
        sql = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
        style = "copy"
    else:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        names = tuple(compiled.positiontup or ()) if compiled.positional else columns
        sql = compiled.string
        style = "positional" if compiled.positional else "named"
    if len(names) < 2:  # itemgetter returns a tuple only for two names or more
        raise ValueError(f"bulk inserts into {table.name} need two columns or more")
    processors = []
    for position, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((position, _in_c(process) or process))
    from_sequence = itemgetter(*(columns.index(name) for name in names))
    return _Plan(
        table.name, sql, names, itemgetter(*names), from_sequence, tuple(processors), style
    )


# SQLite's date and datetime processors format in Python; isoformat writes the same in C.
_ISO_FORMATS: tuple[tuple[type, Callable[[Any], str], tuple[Any, ...]], ...] = (
    (date, date.isoformat, (date(1, 1, 1), date(2024, 2, 29), date(9999, 12, 31))),
    (
        datetime,
        methodcaller("isoformat", " ", "microseconds"),
        (datetime(1, 1, 1), datetime(2024, 2, 29, 23, 59, 59), datetime(2024, 2, 29, 0, 0, 0, 7)),
    ),
)


def _in_c(process: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
    """`process`, with values of the exact type it formats as isoformat does formatted in C;
    None when no isoformat gives what it gives."""
    for kind, iso, samples in _ISO_FORMATS:
        try:
            if all(iso(sample) == process(sample) for sample in samples):
                return _formatted_in_c(kind, iso, process)
        except Exception:  # a processor of other kinds of values
            continue
    return None


def _formatted_in_c(
    kind: type, iso: Callable[[Any], str], process: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    def formatted(value: Any) -> Any:
        # Aware datetimes are left to `process`: it drops the zone, isoformat does not.
        if type(value) is kind and getattr(value, "tzinfo", None) is None:
            return iso(value)
        return process(value)

    return formatted


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, column names) into `table`."""
    if not rows:
        return
    plan = _plan(table, connection.dialect, tuple(rows[0]))
    _execute(connection, plan, plan.processed(list(map(plan.from_dict, rows))))


def insert_values(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: list[Sequence[Any]]
) -> None:
    """INSERT `rows` (sequences of the values of `columns`, in that order) into `table`."""
    if not rows:
        return
    plan = _plan(table, connection.dialect, columns)
    _execute(connection, plan, plan.processed(list(map(plan.from_sequence, rows))))


def _execute(connection: Connection, plan: _Plan, values: list[tuple[Any, ...]]) -> None:
    if plan.style == "copy":
        _copy(connection, plan, values)
    elif plan.style == "positional":
        connection.exec_driver_sql(plan.sql, values)
    else:
        connection.exec_driver_sql(
            plan.sql, [dict(zip(plan.names, v, strict=True)) for v in values]
        )


def _copy(connection: Connection, plan: _Plan, values: list[tuple[Any, ...]]) -> None:
    driver = connection.connection.driver_connection  # in the session's transaction
    try:
        with driver.cursor() as cursor, cursor.copy(plan.sql) as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
        return
    except psycopg.Error as error:
        refused = CopyRefusedError.of(plan.table, error)
    # Raised after the except block, so the driver's error, whose text quotes the row, is
    # not even kept as the __context__ (some tools print that whatever `from None` says).
    raise refused
