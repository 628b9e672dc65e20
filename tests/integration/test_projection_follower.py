"""The projection child's follower on a real database (service/runtime/projection_worker.py):
in small batches, every event exactly once, resting between batches while writers record
events (decisions.md §31); on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from service.adapters.projection import Projector
from service.bootstrap import Container
from service.runtime.projection_worker import QUIET_PAUSE_BETWEEN_BATCHES, catch_up_until
from tests.conftest import Tenant


class WriterAtWork(threading.Event):
    """A stop signal that never stops; during the first `writes` rests a coach enrolls
    someone (as an import would, between the projection's batches)."""

    def __init__(self, tenant: Tenant, writes: int) -> None:
        super().__init__()
        self.tenant, self.writes = tenant, writes
        self.rests: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.rests.append(timeout or 0.0)
        if len(self.rests) <= self.writes:
            response = self.tenant.enroll(pseudonym=f"while-projecting-{len(self.rests)}")
            assert response.status_code == 201, response.text
        return False


def test_small_batches_project_each_event_once_and_rest_while_writers_record(
    container: Container, tenant: Tenant
) -> None:
    for n in range(5):
        assert tenant.enroll(pseudonym=f"person-{n}").status_code == 201
    projector = Projector(container.store, batch_size=2)
    newest = projector.newest_event_id()
    assert newest > 0 and projector.lag() >= 5

    stopping = WriterAtWork(tenant, writes=2)
    assert catch_up_until(projector, stopping, pause_between_batches=0.12)

    assert projector.newest_event_id() == newest + 2
    assert projector.lag() == 0
    # Quiet at first; a full rest after each batch that saw an event recorded; quiet again
    # (a quiet rest lasts as long as its batch did: at least the least rest, at most 0.12 s).
    quiet = [stopping.rests[0], *stopping.rests[3:]]
    assert stopping.rests[1:3] == [0.12, 0.12]
    assert all(QUIET_PAUSE_BETWEEN_BATCHES <= rest <= 0.12 for rest in quiet), quiet
    active = tenant.statistics(year=2023)["total"]["measures"]["active"]["total"]
    assert active == 7  # each enrollment once: none lost, none applied twice
