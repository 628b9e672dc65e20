"""A child process that kills itself (SIGKILL, as a crash) at a chosen point of a write, a
gallring or an erasure; the crash tests run it and then look at what the database kept.

    python -m tests.crash_child write EID                    # enroll EID, die after commit
    python -m tests.crash_child remove N inside|after ARGS   # run `python -m service ARGS`,
                                                             # die at the N-th aggregate

`inside`: after the N-th aggregate's rows are deleted, before its transaction commits;
`after`: right after that transaction has committed. The database and secrets come from
the UPPFOLJNING_* environment, as for `python -m service`.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from service.adapters.tables import EVENTS_TABLE


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def die_after_next_commit(engine: Engine | None = None) -> None:
    """SIGKILL once the next transaction that commits has committed (given `engine`: the
    next one that inserted events)."""
    wrote = [engine is None]

    def statement(_: Any, __: Any, text: str, *args: Any) -> None:
        if text.lstrip().upper().startswith(f"INSERT INTO {EVENTS_TABLE.upper()}"):
            wrote[0] = True

    def after_commit(_: Session) -> None:
        if wrote[0]:
            die()

    if engine is not None:
        event.listen(engine, "before_cursor_execute", statement)
    event.listen(Session, "after_commit", after_commit)


def write(enrollment_id: str) -> None:
    """Enroll one participant through the API; die right after the write commits."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.bootstrap import bootstrap
    from tests.conftest import make_tenant

    container = bootstrap()
    with TestClient(create_app(container)) as client:
        tenant = make_tenant(client, container)
        print(tenant.coach_key.split("_", 2)[1], flush=True)  # the coach's key id
        die_after_next_commit(container.engine)
        tenant.enroll(id=enrollment_id)
    raise SystemExit("the write did not commit")


def remove(nth: int, when: str, args: list[str]) -> None:
    """Run a command of `python -m service`; die at its `nth` removed aggregate."""
    from service.adapters import removal
    from service.cli.commands import app

    original = removal.remove_aggregate
    seen = [0]

    def remove_aggregate(session: Session, aggregate_id: str) -> dict[str, Any]:
        counts = original(session, aggregate_id)
        seen[0] += 1
        if seen[0] == nth:
            if when == "inside":
                die()
            die_after_next_commit()
        return counts

    removal.remove_aggregate = remove_aggregate  # type: ignore[assignment]
    app(args=args)


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "write":
        write(rest[0])
    else:
        remove(int(rest[0]), rest[1], rest[2:])
