"""API keys: random secrets, stored only as a SHA-256 hash.

A key is `upf_<id>_<secret>` with a 256-bit random secret. Because the secret has full
entropy, a fast hash is enough (slow hashes guard guessable passwords); the id lets us
look a key up without scanning, and the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from service.adapters.tables import api_keys
from service.domain.principal import Principal


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    session: Session,
    *,
    name: str,
    role: str,
    association_id: str | None,
    interventions: list[str],
    created_by: str | None,
) -> tuple[str, str]:
    """Store a new key; returns (key id, the full key, shown once)."""
    key_id = str(uuid.uuid4())
    secret = secrets.token_urlsafe(32)
    session.execute(insert(api_keys).values(
        id=key_id, association_id=association_id, name=name, role=role,
        interventions=sorted(interventions), secret_hash=_hash(secret),
        created_at=datetime.now(UTC).replace(tzinfo=None), created_by=created_by,
    ))  # fmt: skip
    return key_id, f"upf_{key_id}_{secret}"


def authenticate(session: Session, presented: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None otherwise."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "upf":
        return None
    row = session.execute(select(api_keys).where(api_keys.c.id == parts[1])).mappings().first()
    return _verified(row, parts[2])


# Every API request's first statement: its columns, the key's id as the one parameter.
_KEY_BY_ID = select(
    api_keys.c.id, api_keys.c.role, api_keys.c.association_id, api_keys.c.interventions,
    api_keys.c.secret_hash, api_keys.c.revoked_at,
).where(api_keys.c.id == bindparam("key_id"))  # fmt: skip
_COMPILED: dict[tuple[str, str], tuple[str, bool]] = {}


def authenticate_on(engine: Engine, presented: str) -> Principal | None:
    """`authenticate`, as one statement on a pooled DB-API connection, outside any
    transaction of ours: the same row and the same checks, at a twentieth of the CPU of
    an ORM session's read transaction on SQLite (a session, a BEGIN, statement caching
    and a ROLLBACK around a primary-key read; docs/decisions.md §29). On SQLite (WAL,
    autocommit) the read takes no lock a writer waits for."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "upf":
        return None
    sql, positional = _compiled(engine.dialect)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, (parts[1],) if positional else {"key_id": parts[1]})
            found = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool, which ends PostgreSQL's implicit transaction
    if found is None:
        return None
    row = dict(zip(("id", "role", "association_id", "interventions", "secret_hash",
                    "revoked_at"), found, strict=True))  # fmt: skip
    if isinstance(row["interventions"], str):  # SQLite hands JSON back as its text
        row["interventions"] = json.loads(row["interventions"])
    return _verified(row, parts[2])


def _compiled(dialect: Dialect) -> tuple[str, bool]:
    """`_KEY_BY_ID` in the dialect's SQL and parameter style, compiled once."""
    name = (dialect.name, dialect.paramstyle)
    if name not in _COMPILED:
        compiled = _KEY_BY_ID.compile(dialect=dialect)
        _COMPILED[name] = (str(compiled), bool(compiled.positional))
    return _COMPILED[name]


def _verified(row: Mapping[Any, Any] | None, secret: str) -> Principal | None:
    """The key row's principal when the row is unrevoked and the secret is its own."""
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["secret_hash"], _hash(secret)):
        return None
    return Principal(row["id"], row["role"], row["association_id"], frozenset(row["interventions"]))


def revoke_key(session: Session, association_id: str | None, key_id: str) -> bool:
    """Revoke a key of the association (None: a system key); False when there is none."""
    owner = (
        api_keys.c.association_id.is_(None)
        if association_id is None
        else api_keys.c.association_id == association_id
    )
    result: Any = session.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, owner, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC).replace(tzinfo=None))
    )
    return bool(result.rowcount)


def list_keys(session: Session) -> list[dict[str, Any]]:
    """Every key's description, oldest first; never the secret or its hash."""
    columns = [c for c in api_keys.c if c.name != "secret_hash"]
    query = select(*columns).order_by(api_keys.c.created_at, api_keys.c.id)
    return [dict(row) for row in session.execute(query).mappings()]


def principal_of(session: Session, key_id: str) -> Principal | None:
    """The principal of an unrevoked key found by its id (a web session stands for one)."""
    row = session.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
    if row is None or row["revoked_at"] is not None:
        return None
    return Principal(row["id"], row["role"], row["association_id"], frozenset(row["interventions"]))


def keys_of(session: Session, association_id: str) -> list[dict[str, Any]]:
    """The association's keys, oldest first; never the secret or its hash."""
    columns = [c for c in api_keys.c if c.name != "secret_hash"]
    query = (
        select(*columns)
        .where(api_keys.c.association_id == association_id)
        .order_by(api_keys.c.created_at, api_keys.c.id)
    )
    return [dict(row) for row in session.execute(query).mappings()]
