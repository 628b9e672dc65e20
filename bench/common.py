"""Shared pieces of the benchmarks: databases, a real server, a tenant, timing, tables."""

from __future__ import annotations

import contextlib
import io
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests import pgdb
from tests.server_process import ServerProcess, run_cli, running_server, service_env

KINDS = ("sqlite", "postgres")


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database of `kind` (SQLite file or throwaway PostgreSQL), dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"upf_bench_{uuid.uuid4().hex[:10]}"
    with contextlib.redirect_stdout(io.StringIO()):  # pgdb prints the URL
        created = pgdb.main("create", name)
    if created != 0:
        raise RuntimeError("PostgreSQL is not reachable")
    try:
        yield pgdb.url_for(name)
    finally:
        pgdb.main("drop", name)


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="upf-bench-") as name:
        yield Path(name)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class LiveTenant:
    """An association with one coach key, on a running server."""

    url: str
    association_id: str
    coach_key: str
    interventions: tuple[str, ...]

    @property
    def base(self) -> str:
        return f"{self.url}/api/v1/associations/{self.association_id}"


def make_live_tenant(
    server: ServerProcess,
    association_id: str = "bench-forbund",
    interventions: tuple[str, ...] = ("team-a", "team-b"),
) -> LiveTenant:
    """Set up an association the way an operator would: CLI key, then the API."""
    root = run_cli(server.env, "create-key").strip()
    base = f"{server.url}/api/v1/associations/{association_id}"
    with httpx.Client(timeout=60) as client:
        body = {"id": association_id, "name": "Bench", "settings": {"min_cell_size": 0}}
        response = client.post(f"{server.url}/api/v1/associations", json=body, headers=bearer(root))
        assert response.status_code == 201, response.text
        admin = client.post(
            f"{base}/api-keys",
            json={"name": "admin", "role": "association_admin"},
            headers=bearer(root),
        ).json()["key"]
        for iid in interventions:
            body = {"id": iid, "name": iid, "kind": "individual", "starts_on": "2019-01-01"}
            response = client.post(f"{base}/interventions", json=body, headers=bearer(admin))
            assert response.status_code == 201, response.text
        coach = client.post(
            f"{base}/api-keys",
            headers=bearer(admin),
            json={"name": "coach", "role": "coach", "interventions": list(interventions)},
        ).json()["key"]
    return LiveTenant(server.url, association_id, coach, interventions)


@contextmanager
def live_server(kind: str, folder: Path, **env: str) -> Iterator[ServerProcess]:
    """A real `python -m service serve` on a fresh database of `kind`."""
    with database(kind, folder) as url, running_server(url, folder, **env) as server:
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
