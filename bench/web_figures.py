"""The statistics pages of the web application on the demo data (issue 18: an
association-year's figures in under 300 ms), next to the API's /statistics answer for the
same year, all in this process through the ASGI app (no network): the year, a period, the
trend over every year, and one chart (drawn once, then from the drawing cache); each warm
(the answer kept from the call before) and cold (kept answers dropped before each call).

python -m bench.web_figures            # SQLite in a temporary folder
python -m bench.web_figures --runs 50
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console

from bench.common import open_container
from service.adapters import keys
from service.adapters.eventstore import unit_of_work
from service.api.app import create_app
from service.cli.demo import run_demo
from service.cli.demo_data import ASSOCIATION_ID


def _key(container: object, role: str) -> str:
    with unit_of_work(container.store) as session:  # type: ignore[attr-defined]
        return keys.create_key(
            session, name=f"bench {role}", role=role, association_id=ASSOCIATION_ID,
            interventions=[], created_by=None,
        )[1]  # fmt: skip


def _times(fn: object, runs: int, before: object = None) -> list[float]:
    """Seconds of each call; `before` runs untimed ahead of each (cold: kept answers dropped)."""
    out = []
    for _ in range(runs):
        if before is not None:
            before()  # type: ignore[operator]
        start = time.perf_counter()
        response = fn()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        container = open_container(f"sqlite:///{folder}/bench.db", Path(folder))
        run_demo(container, console=Console(file=io.StringIO()))
        year = container.admin.today().year - 1
        analyst = _key(container, "analyst")
        with TestClient(create_app(container)) as client:
            start = client.get("/")
            token = start.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            signed = client.post("/logga-in", data={"key": analyst, "csrf": token})
            assert signed.status_code == 200, signed.text
            period = {"from": f"{year}-03-01", "to": f"{year}-08-31"}
            pages = {
                f"web /statistik?year={year}": ("/statistik", {"year": year}),
                "web /statistik?from=…-03-01&to=…-08-31": ("/statistik", period),
                "web /statistik/utveckling (every year)": ("/statistik/utveckling", {}),
                "web chart /statistik/diagram/age-pyramid.svg": (
                    "/statistik/diagram/age-pyramid.svg",
                    {"year": year},
                ),
                f"API /statistics?year={year} (baseline)": (
                    f"/api/v1/associations/{ASSOCIATION_ID}/statistics",
                    {"year": year},
                ),
            }
            headers = {"Authorization": f"Bearer {analyst}"}
            forget = container.queries.forget_answers
            times = {
                (name, state): _times(
                    lambda p=path, q=query: client.get(p, params=q, headers=headers),
                    args.runs,
                    forget if state == "cold" else None,
                )
                for state in ("warm", "cold")
                for name, (path, query) in pages.items()
            }
        container.close()
    ms = 1000
    print("| page (demo data, SQLite, in process) | state | median | p95 |")
    print("| --- | --- | --- | --- |")
    for (name, state), measured in times.items():
        p95 = sorted(measured)[int(0.95 * (len(measured) - 1))]
        print(
            f"| {name} | {state} | {statistics.median(measured) * ms:.0f} ms | {p95 * ms:.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
