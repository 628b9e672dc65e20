"""A/B of the statistics answer on one store at two schema revisions (an index change).

python -m bench.schema_ab sqlite /tmp/stats.db --size 1M --before 0001 --rounds 10
python -m bench.schema_ab postgres bench_stats --size 1M --before 0001

The store is bench.statistics_only's (built if absent, migrated to head). A copy of it is
migrated down to --before, so both hold the same rows. The two are then timed in
alternating rounds (A B, B A, ...), so that a busy neighbour on the shared machine slows
both alike: each round takes the p95 and the median of 30 statistics answers
(`statistics_unchecked`, as bench.national) and the median of 30 reads of the enrollment
facts alone (the query the index is for).
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command

from bench import national
from bench.common import percentile
from bench.statistics_only import _url, open_store
from service.adapters import read_models
from service.adapters.eventstore import read_session
from service.adapters.migrations import alembic_config
from service.bootstrap import bootstrap
from service.config import Settings
from service.domain.facts import Period
from tests import pgdb

YEAR = 2023
REPEATS = 30


@contextlib.contextmanager
def copy_of(kind: str, where: str) -> Iterator[str]:
    """The URL of a copy of the store, removed afterwards."""
    if kind == "sqlite":
        copy = Path(where).with_suffix(".before.db")
        copy.unlink(missing_ok=True)
        source, target = sqlite3.connect(where), sqlite3.connect(copy)
        source.backup(target)  # the WAL's newest pages included
        source.close()
        target.close()
        try:
            yield _url(kind, str(copy))
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = f"{where}_before"
    with psycopg.connect(pgdb.ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{where}"')  # no one may be connected
    try:
        yield pgdb.url_for(name)
    finally:
        pgdb.main("drop", name)


def answer_times(container: Any, aid: str, period: Period) -> list[float]:
    """Seconds of each of REPEATS statistics answers (after one untimed)."""
    return national.answer_times(container, aid, period, REPEATS)


def read_times(container: Any, aid: str, period: Period) -> list[float]:
    """Seconds of each of REPEATS reads of the enrollment facts alone."""
    times = []
    for _ in range(REPEATS):
        with read_session(container.store) as session:
            start = time.perf_counter()
            read_models.enrollment_facts(session, aid, period)
            times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("sqlite", "postgres"))
    parser.add_argument("where", help="SQLite file, or PostgreSQL database name")
    parser.add_argument("--size", choices=sorted(national.SIZES), default="200k")
    parser.add_argument("--before", required=True, help="the revision to compare head with")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="upf-ab-") as name:
        folder = Path(name)
        built, ids = open_store(args.kind, args.where, args.size, folder)
        built.close()  # a PostgreSQL template must have no connections
        aid, period = ids[len(ids) // 2], Period.year(YEAR)
        with copy_of(args.kind, args.where) as before_url:
            command.downgrade(alembic_config(before_url), args.before)
            sides = {
                args.before: _open(before_url, folder),
                "head": _open(_url(args.kind, args.where), folder),
            }
            _compare(sides, aid, period, args.rounds)
            for container in sides.values():
                container.close()
    return 0


def _open(url: str, folder: Path) -> Any:
    settings = Settings(database_url=url, secrets_file=folder / "secrets.json")
    container = bootstrap(settings, check_schema=False, today=lambda: national.TODAY)
    container.projector.catch_up()
    return container


def _compare(sides: dict[str, Any], aid: str, period: Period, rounds: int) -> None:
    answers = [c.queries.statistics_unchecked(aid, period) for c in sides.values()]
    assert answers[0] == answers[1], "the two schemas answer differently"
    measures = ("answer p95", "answer median", "read median")
    found: dict[tuple[str, str], list[float]] = {(s, m): [] for s in sides for m in measures}
    for round_ in range(rounds):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for side in order:
            answer = answer_times(sides[side], aid, period)
            read = read_times(sides[side], aid, period)
            found[side, "answer p95"].append(percentile(answer, 95))
            found[side, "answer median"].append(statistics.median(answer))
            found[side, "read median"].append(statistics.median(read))
        print(f"round {round_ + 1}: " + "; ".join(
            f"{side} " + ", ".join(f"{m} {found[side, m][-1] * 1000:.1f}" for m in measures)
            for side in sides
        ), flush=True)  # fmt: skip
    print(f"{rounds} rounds of {REPEATS} calls; median over rounds (min–max), ms:")
    for side in sides:
        print(f"  {side}: " + "; ".join(
            f"{m} {statistics.median(v) * 1000:.1f} ({min(v) * 1000:.1f}–{max(v) * 1000:.1f})"
            for m in measures for v in [found[side, m]]
        ))  # fmt: skip
    # Within a round both sides met the same neighbours: the paired difference is steadier.
    before, after = sides
    print(f"  {after} − {before}, median of the rounds' differences: " + "; ".join(
        f"{m} {statistics.median(map(float.__sub__, found[after, m], found[before, m])) * 1000:+.1f}"
        for m in measures
    ))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
