"""INSERT many rows at the driver's speed: what a rebuild spends most of its writing on.

`connection.execute(insert(table), rows)` builds and processes a parameter dict per row,
which costs more than the database's own insert at rebuild volumes. Here the INSERT is
compiled once per table, dialect and columns, each value still goes through its column
type's own bind processor, and the driver's executemany gets the rows as plain parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # bind names in the order the statement takes them
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, type's processor)
    positional: bool

    def parameters(self, row: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = [row[name] for name in self.names]
        for position, process in self.processors:
            values[position] = process(values[position])
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


@lru_cache(maxsize=64)
def _plan(table: Table, dialect: Dialect, columns: tuple[str, ...]) -> _Plan:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or ()) if compiled.positional else columns
    processors = []
    for position, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((position, process))
    return _Plan(compiled.string, names, tuple(processors), compiled.positional)


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, column names) into `table`."""
    if not rows:
        return
    plan = _plan(table, connection.dialect, tuple(rows[0]))
    connection.exec_driver_sql(plan.sql, [plan.parameters(row) for row in rows])
