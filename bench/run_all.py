"""Run every benchmark and print one markdown table.

python -m bench.run_all --quick          # small sizes: checks the benchmarks still run (< 60 s)
python -m bench.run_all                  # full: 1,000-event batches, 200k-event national store
python -m bench.run_all --national 1M    # the full national decade (slow on 2 cores)
python -m bench.run_all --db sqlite      # one database kind only
python -m bench.run_all --skip audit     # without the audit log's cost (bench/audit_cost.py)
python -m bench.run_all --skip http --skip national   # issue 21: the large association-year only

Every value is stated next to a baseline measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import time

from bench import audit_cost, http_writes, large_year, national, write_floor
from bench.common import KINDS, Row, markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, < 60 s")
    parser.add_argument("--db", choices=KINDS, action="append", help="default: both")
    parser.add_argument("--national", choices=sorted(national.SIZES), default=None)
    parser.add_argument(
        "--skip",
        choices=("http", "national", "audit", "large"),
        action="append",
        default=[],
    )
    args = parser.parse_args(argv)
    kinds = args.db or list(KINDS)
    size = args.national or ("quick" if args.quick else "200k")
    started = time.perf_counter()
    rows: list[Row] = []
    for kind in kinds:
        if "http" not in args.skip:
            rows += http_writes.run(kind, args.quick)
            rows += http_writes.mixed_history_rows(kind, args.quick)
            rounds, count = (1, 40) if args.quick else (3, 400)
            rows += write_floor.rows(kind, write_floor.measure(kind, rounds, count))
            print(f"[{kind}] issue 3 done after {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)  # fmt: skip
        if "audit" not in args.skip:
            rows += audit_cost.run(kind, args.quick)
            print(f"[{kind}] issue 20 done after {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)  # fmt: skip
        if "national" not in args.skip:
            rows += national.run(kind, size)
            print(f"[{kind}] issue 4 done after {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)  # fmt: skip
        if "large" not in args.skip:
            rows += large_year.measure(kind, 10 if args.quick else 30, quick=args.quick)
            print(f"[{kind}] issue 21 done after {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)  # fmt: skip
    mode = "quick" if args.quick else "full"
    print(
        f"Benchmarks ({mode}, national store: {size}) — Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {time.perf_counter() - started:.0f} s\n"
    )
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
