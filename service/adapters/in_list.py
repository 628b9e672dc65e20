"""`column IN (values)` for the long lists a batch chunk looks up (a thousand ids)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """The condition that `column` is one of `values`. On PostgreSQL the values travel as
    one array parameter (`= ANY(...)`): a thousand separate parameters cost several times
    more to send and to plan. SQLite takes the plain IN list."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))
