"""Issue 21: CPU time per event of `python -m service import`, in this process.

`python -m bench.import_cpu [sqlite|postgres] [--rounds N]`

`run_import` on JSON Lines files of 3,000 pure `enrolled` events and of the mixed history
of 1,000 people (bench.http_writes.history_events), alternating; the median CPU time
(`time.process_time`) per event. The projection's catch-up, which the import's first
query makes, is done before each timing: it is the projector's work, once per import.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

from rich.console import Console

from bench.common import database, median, open_container, workdir
from bench.http_writes import batch_events, history_events
from bench.inprocess import setup_association
from tests.server_process import HttpTenant


def run(kind: str, rounds: int) -> dict[str, float]:
    """Median CPU µs per event of importing the pure and the mixed file."""
    from service.cli.import_events import run_import

    per_event: dict[str, list[float]] = {"pure": [], "mixed": []}
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, folder)
        setup_association(container, "import-cpu", ("team-a", "team-b"))
        tenant = HttpTenant("", "import-cpu", "", "", "", ("team-a", "team-b"))
        for number in range(rounds):
            files = {"pure": batch_events(tenant, 3000), "mixed": history_events(tenant, 1000)}
            for name, events in files.items():
                path = Path(folder) / f"{name}-{number}.jsonl"
                path.write_text("\n".join(json.dumps(event) for event in events))
                container.queries.association_name("import-cpu")  # the catch-up, untimed
                start = time.process_time()
                statuses, _ = run_import(container, "import-cpu", path, Console(file=io.StringIO()))
                per_event[name].append((time.process_time() - start) / len(events) * 1e6)
                assert set(statuses) == {201}, statuses
        container.close()
    return {name: median(values) for name, values in per_event.items()}


if __name__ == "__main__":
    args = sys.argv[1:]
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    for each in [a for a in args if a in ("sqlite", "postgres")] or ["sqlite"]:
        result = run(each, rounds)
        print(each, "  ".join(
            f"{name}: {us:.0f} µs/event CPU = {1e6 / us:,.0f} ev/s" for name, us in result.items()
        ))  # fmt: skip
