"""Create or drop the throwaway PostgreSQL database of a test run.

python -m tests.pgdb create NAME   # prints the SQLAlchemy URL
python -m tests.pgdb drop NAME
"""

from __future__ import annotations

import os
import sys

import psycopg

ADMIN_DSN = os.environ.get(
    "UPPFOLJNING_TEST_POSTGRES_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


def main(action: str, name: str) -> int:
    """Run `action` on database `name`."""
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"unsafe database name {name!r}")
    try:
        with psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if action == "create":
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is not reachable ({ADMIN_DSN}): {error}", file=sys.stderr)
        return 1
    if action == "create":
        print(url_for(name))
    return 0


def url_for(name: str) -> str:
    """The SQLAlchemy URL of database `name` on the admin DSN's server."""
    params = dict(p.split("=", 1) for p in ADMIN_DSN.split())
    user, host, port = (params.get(k, d) for k, d in USER_HOST_PORT)
    return f"postgresql+psycopg://{user}@{host}:{port}/{name}"


USER_HOST_PORT = (("user", "postgres"), ("host", "127.0.0.1"), ("port", "5432"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
