"""Shared pieces of the benchmarks: databases, a real server, a tenant, timing, tables."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.server_process import ServerProcess, dedicated_database, running_server, service_env

# The benchmarks' databases are the live tests' own: a fresh SQLite file or PostgreSQL database.
database = dedicated_database

KINDS = ("sqlite", "postgres")


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="upf-bench-") as name:
        yield Path(name)


@contextmanager
def live_server(kind: str, folder: Path, **env: str) -> Iterator[ServerProcess]:
    """A real `python -m service serve` on a fresh database of `kind`."""
    with dedicated_database(kind, folder) as url, running_server(url, folder, **env) as server:
        yield server


def open_container(url: str, folder: Path) -> Any:
    """The wired service in this process, on a migrated database."""
    from service.adapters.migrations import upgrade_to_head
    from service.bootstrap import bootstrap
    from service.config import Settings

    upgrade_to_head(url)
    env = service_env(url, folder)
    settings = Settings(database_url=url, secrets_file=Path(env["UPPFOLJNING_SECRETS_FILE"]))
    return bootstrap(settings)


def timed(fn: Callable[[], Any]) -> float:
    """Seconds `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Row:
    """One result line: a measured value, its baseline, the ratio and the target."""

    issue: str
    name: str
    db: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]


def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def markdown(rows: list[Row]) -> str:
    """The results as a markdown table."""
    head = (
        "| Issue | Measure | DB | Value | Baseline | Ratio | Target | Met | Note |\n"
        "|---|---|---|---:|---:|---:|---|---|---|"
    )
    lines = [head]
    for r in rows:
        base = f"{fmt(r.baseline)} ({r.baseline_name})" if r.baseline is not None else "–"
        ratio = "–" if r.ratio is None else f"{r.ratio:.3g}×" if r.ratio < 10 else f"{r.ratio:.0f}×"
        met = {True: "yes", False: "**no**", None: "–"}[r.met]
        lines.append(
            f"| {r.issue} | {r.name} | {r.db} | {fmt(r.value)} {r.unit} | {base} | {ratio} "
            f"| {r.target} | {met} | {r.note} |"
        )
    return "\n".join(lines)
