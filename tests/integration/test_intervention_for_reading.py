"""The intervention kept for enrollment checks follows changes made by another process."""

from __future__ import annotations

from pathlib import Path

from service.bootstrap import Container, bootstrap
from service.config import Settings
from service.domain.principal import Principal
from tests.conftest import TODAY

SYSTEM = Principal("operator", "system_admin", None, frozenset())
ADMIN = Principal("admin", "association_admin", "forbund", frozenset())


def test_a_change_by_another_process_is_seen_at_once(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    container.admin.create_association(SYSTEM, "forbund", "Förbundet", {})
    container.admin.register_intervention(
        ADMIN, "forbund", {"id": "team-a", "name": "Team A", "kind": "individual",
                           "starts_on": TODAY.replace(year=2020), "ends_on": None},
    )  # fmt: skip
    kept = container.admin.intervention_for_reading("forbund", "team-a")
    assert container.admin.intervention_for_reading("forbund", "team-a") is kept

    other = bootstrap(
        Settings(database_url=database_url, secrets_file=tmp_path / "other.json"),
        today=lambda: TODAY,
    )
    try:
        other.admin.record_finances(ADMIN, "forbund", "team-a", 2025, 100_000, 90_000)
    finally:
        other.close()

    current = container.admin.intervention_for_reading("forbund", "team-a")
    assert current.version == kept.version + 1
    assert current.finances == container.admin.intervention("forbund", "team-a").finances
