"""INSERT many rows at the driver's speed: what a rebuild spends most of its writing on.

`connection.execute(insert(table), rows)` builds and processes a parameter dict per row,
which costs more than the database's own insert at rebuild volumes. Here the statement is
prepared once per table, dialect and columns, each value still goes through its column
type's own bind processor, and the driver gets the rows as plain tuples: SQLite through
executemany of the compiled INSERT, PostgreSQL through COPY (psycopg's executemany sends
one statement per row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # column names in the order the statement takes them
    values: Callable[[dict[str, Any]], tuple[Any, ...]]  # a row's values in that order
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, type's processor)
    style: str  # "copy", or the compiled INSERT's "positional" or "named" parameters

    def tuples(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows' values, processed column by column (the loops run in C)."""
        values = list(map(self.values, rows))
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
            processors.append((position, process))
    return _Plan(sql, names, itemgetter(*names), tuple(processors), style)


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, column names) into `table`."""
    if not rows:
        return
    plan = _plan(table, connection.dialect, tuple(rows[0]))
    values = plan.tuples(rows)
    if plan.style == "copy":
        driver = connection.connection.driver_connection  # in the session's transaction
        with driver.cursor() as cursor, cursor.copy(plan.sql) as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
    elif plan.style == "positional":
        connection.exec_driver_sql(plan.sql, values)
    else:
        connection.exec_driver_sql(
            plan.sql, [dict(zip(plan.names, v, strict=True)) for v in values]
        )
