"""The pseudonym secrets file (service/adapters/secrets_file.py) shared by processes."""

from __future__ import annotations

import multiprocessing
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from service.adapters.secrets_file import PseudonymKeys


def _first_key(path: Path, association: str, barrier: Barrier, answers: Queue[str]) -> None:
    keys = PseudonymKeys(path)
    barrier.wait()
    try:
        answers.put(keys.key_for(association).hex())
    except Exception as error:
        answers.put(f"failed: {error!r}")


def test_processes_asking_at_once_for_a_new_associations_key_all_get_the_stored_one(
    tmp_path: Path,
) -> None:
    # serve's request workers are processes: two first personnummer of an association at
    # the same moment must not make two keys (the pseudonyms of one would match nothing).
    context = multiprocessing.get_context("fork")
    path = tmp_path / "secrets.json"
    for trial in range(20):
        association = f"association-{trial}"
        barrier, answers = context.Barrier(3), context.Queue()
        workers = [
            context.Process(target=_first_key, args=(path, association, barrier, answers))
            for _ in range(3)
        ]
        for worker in workers:
            worker.start()
        used = {answers.get(timeout=30) for _ in workers}
        for worker in workers:
            worker.join(timeout=30)
        stored = PseudonymKeys(path).key_for(association).hex()
        assert used == {stored}, (trial, used)
    assert len(PseudonymKeys(path)._read()) == 20  # no association's key overwritten
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.json"]


def test_a_key_once_made_is_the_same_for_every_later_reader(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "secrets.json"
    first = PseudonymKeys(path).key_for("sodra-dalarna")
    assert PseudonymKeys(path).key_for("sodra-dalarna") == first
    assert PseudonymKeys(path).key_for("norra") != first
    assert len(first) == 32
