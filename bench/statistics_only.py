"""Time only the statistics answer, on a national store built once and kept.

python -m bench.statistics_only sqlite /tmp/stats.db            # builds the file if absent
python -m bench.statistics_only postgres bench_stats --runs 3   # a kept PostgreSQL database

The store is the 200k-event one of `bench.national` (same generator and seed). Each run
prints statistics_p95 and the plain-SQL baseline of the same association-year.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import national
from bench.common import open_container
from service.adapters.tables import events
from tests import pgdb


def _url(kind: str, where: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{Path(where).resolve()}"
    return pgdb.url_for(where)


def _ensure_postgres(name: str) -> bool:
    """True when the database was there already (it is never dropped here)."""
    import psycopg

    with psycopg.connect(pgdb.ADMIN_DSN, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')
    return found is not None


def open_store(kind: str, where: str, size: str, folder: Path) -> tuple[Any, list[str]]:
    """The service on the kept store (built if absent, migrated to head, caught up), and
    its association ids."""
    if kind == "postgres":
        _ensure_postgres(where)
    associations, interventions, per_intervention = national.SIZES[size]
    with contextlib.redirect_stdout(io.StringIO()):
        container = open_container(_url(kind, where), folder)
    container.enrollments.today = lambda: national.TODAY
    with container.engine.connect() as conn:
        stored = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    ids = [f"forbund-{a:02d}" for a in range(associations)]
    if stored == 0:
        national.build_associations(container, associations, interventions)
        national.load_enrollments(container, ids, interventions, per_intervention)
        print("built; catching up", file=sys.stderr)
    container.projector.catch_up()
    return container, ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("sqlite", "postgres"))
    parser.add_argument("where", help="SQLite file, or PostgreSQL database name")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", choices=sorted(national.SIZES), default="200k")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="upf-stats-") as folder:
        container, ids = open_store(args.kind, args.where, args.size, Path(folder))
        aid, year = ids[len(ids) // 2], 2023
        active = national.active_rows(container, aid, year)
        for run in range(args.runs):
            p95 = national.statistics_p95(container, aid, year, 30)
            base = national.sql_baseline_p95(container, aid, year, 30)
            print(
                f"{args.kind} run {run + 1}: statistics p95 {p95 * 1000:.1f} ms, "
                f"plain SQL {base * 1000:.2f} ms ({active} active)"
            )
        container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
