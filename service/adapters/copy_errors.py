"""A COPY that PostgreSQL refused, told without the row it refused.

psycopg's error text for a failed COPY quotes the row: DETAIL "Failing row contains
(...)" or "Key (...)=(...) already exists", CONTEXT `COPY t, line 3: "..."`, and even the
primary message can quote a value ("invalid input syntax for type integer: ..."). Read
models hold pseudonyms, and the projection logs what it fails on (projection_worker.follow,
the API's handler of unexpected errors). SQLAlchemy's hide_parameters does not help: the
rows of a COPY are data, not parameters, and SQLAlchemy never sees this error. So only
what comes from the schema is kept: the SQLSTATE, the table, the line (the row's place in
the COPY), and the column or constraint named.
"""

from __future__ import annotations

import re

import psycopg

# SQLSTATE of a row whose unique key another transaction (or the same COPY) holds.
UNIQUE_VIOLATION = "23505"
# The start of a COPY's CONTEXT line, before any quoted values: 'COPY t, line 3, column c: '.
_WHERE = re.compile(r"COPY [^,]+, line (\d+)(?:, column (\w+))?")


class CopyRefusedError(RuntimeError):
    """PostgreSQL refused the rows of a bulk insert; the message names no value."""

    def __init__(
        self,
        table: str,
        sqlstate: str | None,
        *,
        kind: str = "Error",
        line: int | None = None,
        column: str | None = None,
        constraint: str | None = None,
    ) -> None:
        self.table, self.sqlstate, self.line = table, sqlstate, line
        self.column, self.constraint = column, constraint
        where = [f"line {line}" if line else "", f"column {column}" if column else "",
                 f"constraint {constraint}" if constraint else ""]  # fmt: skip
        super().__init__(
            f"COPY into {table} refused: SQLSTATE {sqlstate or 'unknown'} ({kind})"
            + "".join(f", {part}" for part in where if part)
            + "; the database's message is left out, as it may quote the row"
        )

    @classmethod
    def of(cls, table: str, error: psycopg.Error) -> CopyRefusedError:
        """The schema's part of the driver's error: its diagnostics, never its message."""
        diag = error.diag
        found = _WHERE.match(diag.context or "")
        return cls(
            table,
            error.sqlstate,
            kind=type(error).__name__,  # psycopg's class for the SQLSTATE, e.g. NotNullViolation
            line=int(found.group(1)) if found else None,
            column=diag.column_name or (found.group(2) if found else None),
            constraint=diag.constraint_name,
        )
