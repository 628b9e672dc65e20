"""`python -m service demo`: the example förbund is plausible, idempotent and deterministic.

With TODAY = 2026-11-24 the demo reports 2023-2025 (intake from 2022). The full demo
(140 intakes a year, ~570 enrollments) takes 4-10 s on SQLite and 5-20 s on PostgreSQL,
depending on the machine's load, so the tests load smaller ones: half size to check the
figures and idempotency, and a small one twice to check determinism.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import func, select

from service.adapters.tables import EVENTS_TABLE, metadata
from service.bootstrap import Container
from service.cli import demo
from service.cli.demo import HEADINGS, run_demo
from service.cli.demo_data import ASSOCIATION_ID, plan_demo
from service.domain.codes import Role
from service.domain.facts import Period
from service.domain.principal import Principal
from tests.conftest import TODAY, empty_tables

INDIVIDUAL = ("gron-rehab", "samverkansteam", "unga-vuxna")
YEARS = (2023, 2024, 2025)
HALF_SIZE = 70
SMALL_SIZE = 25


def recording_console() -> Console:
    return Console(record=True, width=160, force_terminal=False, color_system=None)


def event_count(container: Container) -> int:
    events = metadata.tables[EVENTS_TABLE]
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def answers(container: Container) -> dict[str, Any]:
    """Every statistics answer the demo is about: each year and the three years together."""
    periods = {str(y): Period.year(y) for y in YEARS}
    periods["2023-2025"] = Period(date(2023, 1, 1), date(2025, 12, 31))
    return {
        name: container.queries.statistics_unchecked(ASSOCIATION_ID, period)
        for name, period in periods.items()
    }


def by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["intervention"]: e["measures"] for e in answer["interventions"]}


def empty_database(container: Container) -> None:
    """Every table emptied and the projection reset: a fresh database on the same engine."""
    with container.engine.begin() as conn:
        empty_tables(conn)


def test_demo_is_idempotent_and_prints_the_table(container: Container) -> None:
    console = recording_console()
    run_demo(container, today=TODAY, participants_per_year=HALF_SIZE, console=console)
    written = event_count(container)
    first = answers(container)

    text = console.export_text()
    assert "Klart: Demoförbundet Mellandalen" in text
    assert "helårsresultat 2025" in text
    for heading in ("Totalt", *HEADINGS):
        assert heading in text, heading

    again = recording_console()
    run_demo(container, today=TODAY, participants_per_year=HALF_SIZE, console=again)
    assert event_count(container) == written
    assert answers(container) == first
    assert "inga nya händelser" in again.export_text()

    planned = plan_demo(2023, 2025, participants_per_year=HALF_SIZE).enrollments[0]
    history: list[Any] = list(container.store.events.get(planned.id))
    assert history and all(event.recorded_by == "demo" for event in history)

    # The figures themselves, without disclosure control in the way (the operator lowers it).
    operator = Principal("test", Role.SYSTEM_ADMIN.value, None, frozenset())
    container.admin.change_association(operator, ASSOCIATION_ID, None, {"min_cell_size": 0})
    plain = answers(container)
    total = plain["2023-2025"]["total"]["measures"]
    assert 200 <= total["unique_participants"]["total"] <= 500
    assert 0.30 <= total["share_to_work_or_studies"]["total"] <= 0.45
    assert 0.45 <= total["share_to_goal"]["total"] <= 0.75
    assert 0.05 <= total["early_dropouts"]["total"] / total["exits"]["total"] <= 0.2
    assert total["activities"]["count"] >= 20
    assert total["anonymous_participants"]["total"] > 0
    for iid in INDIVIDUAL:
        measures = by_id(plain["2023-2025"])[iid]
        assert measures["exits"]["total"] >= 20, iid
        assert measures["to_goal"]["total"] >= 5, iid
        mean_months = measures["throughput_days"]["mean"]["total"] / 30.4375
        assert 3 <= mean_months <= 24, iid
        last_year = by_id(plain["2025"])[iid]
        assert last_year["exits"]["total"] > 0, iid
        assert last_year["cost_per_participant"] is not None, iid
    assert by_id(plain["2025"])["kompetensutveckling"]["activities"]["count"] >= 5


def test_demo_is_deterministic(container: Container) -> None:
    run_demo(container, today=TODAY, participants_per_year=SMALL_SIZE, console=recording_console())
    first = answers(container)
    written = event_count(container)
    empty_database(container)
    assert event_count(container) == 0
    run_demo(container, today=TODAY, participants_per_year=SMALL_SIZE, console=recording_console())
    assert event_count(container) == written
    assert answers(container) == first


def test_a_database_of_another_demo_version_is_a_clear_error(
    container: Container, monkeypatch: Any
) -> None:
    """Its steps carry other keys: written again they meet what the first run did (an exit
    already made) and the demo says so in Swedish, instead of a traceback."""
    run_demo(container, today=TODAY, participants_per_year=SMALL_SIZE, console=recording_console())
    monkeypatch.setattr(demo, "step_key", lambda planned, step: f"v2:{planned.id}:{step.key}")
    with pytest.raises(demo.DemoConflictError, match="en annan version av demon"):
        run_demo(
            container, today=TODAY, participants_per_year=SMALL_SIZE, console=recording_console()
        )


def test_demo_plan_has_every_kind_of_event() -> None:
    plan = plan_demo(2023, 2025)
    assert plan == plan_demo(2023, 2025)
    commands = [step.command for e in plan.enrollments for step in e.steps]
    for command in ("change_support", "record_exit", "retract_exit", "correct", "void"):
        assert commands.count(command) >= 3, command
    assert len({e.id for e in plan.enrollments}) == len(plan.enrollments)
    dates = [e.body["enrolled_on"] for e in plan.enrollments]
    assert date(2022, 1, 1) <= min(dates) and max(dates) <= date(2025, 12, 31)
