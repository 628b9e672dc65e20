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
        params = dict(p.split("=", 1) for p in ADMIN_DSN.split())
        print(
            f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/{name}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
