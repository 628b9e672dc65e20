"""INSERT many rows at the driver's speed: what a rebuild spends most of its writing on.

`connection.execute(insert(table), rows)` builds and processes a parameter dict per row,
which costs more than the database's own insert at rebuild volumes. Here the INSERT is
compiled once per table, dialect and columns, each value still goes through its column
type's own bind processor, and the driver's executemany gets the rows as plain parameters.
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
    names: tuple[str, ...]  # bind names in the order the statement takes them
    values: Callable[[dict[str, Any]], tuple[Any, ...]]  # a row's values in that order
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, type's processor)
    positional: bool

    def parameters(self, rows: list[dict[str, Any]]) -> list[Any]:
        """The rows as the driver takes them, processed column by column (loops in C)."""
        values = list(map(self.values, rows))
        if self.processors:
            columns: list[Iterable[Any]] = list(zip(*values, strict=True))
            for position, process in self.processors:
                columns[position] = map(process, columns[position])
            values = list(zip(*columns, strict=True))
        if self.positional:
            return values
        return [dict(zip(self.names, v, strict=True)) for v in values]


@lru_cache(maxsize=64)
def _plan(table: Table, dialect: Dialect, columns: tuple[str, ...]) -> _Plan:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or ()) if compiled.positional else columns
    processors = []
    for position, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((position, process))
    if len(names) < 2:  # itemgetter returns a tuple only for two names or more
        raise ValueError(f"bulk inserts into {table.name} need two columns or more")
    getter = itemgetter(*names)
    return _Plan(compiled.string, names, getter, tuple(processors), compiled.positional)


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, column names) into `table`."""
    if not rows:
        return
    plan = _plan(table, connection.dialect, tuple(rows[0]))
    connection.exec_driver_sql(plan.sql, plan.parameters(rows))
