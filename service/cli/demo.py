"""`python -m service demo`: load an example förbund and print its annual table.

The demo writes "Demoförbundet Mellandalen" (id `demo-mellandalen`) through the
application services, as the operator, the förbund's admin and its coaches would through
the API: four insatser, a few hundred participants over the three full calendar years
before today (and a year of intake before them), with support changes, exits, early
dropouts, corrections, retracted exits and voidings, anonymous participants, structural
activities and each year's budget and cost. The data is a plan made by
`service.cli.demo_data.plan_demo` from a fixed seed: fixed enrollment ids and idempotency
keys, so a second run writes nothing new.

The events record the key id "demo" as their writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.bootstrap import Container
from service.cli.demo_data import (
    ASSOCIATION_ID,
    ASSOCIATION_NAME,
    DEFAULT_PARTICIPANTS_PER_YEAR,
    DEFAULT_SEED,
    DemoPlan,
    PlannedEnrollment,
    plan_demo,
)
from service.domain.codes import Role
from service.domain.errors import ConflictError
from service.domain.facts import Period
from service.domain.principal import Principal
from service.reporting.model import MISSING_TEXT, SUPPRESSED_TEXT, ZERO_TEXT

DEMO_KEY_ID = "demo"
DAYS_PER_MONTH = 30.4375


class DemoConflictError(RuntimeError):
    """The database holds a demo förbund written from another plan (other years or size)."""


@dataclass
class _Tally:
    """What a run wrote: new events, and what the plan holds."""

    events: int = 0
    enrollments: int = 0


def run_demo(
    container: Container | None = None,
    *,
    today: date | None = None,
    participants_per_year: int = DEFAULT_PARTICIPANTS_PER_YEAR,
    seed: int = DEFAULT_SEED,
    console: Console | None = None,
) -> None:
    """Load the demo förbund into the container's database and print its annual table.

    `today` (default: the container's today) picks the years: the three full calendar
    years before it. It may not lie after the container's today (nothing is written in
    the future). Without a container, the configured database is used and closed after.
    """
    console = console or Console()
    if container is not None:
        _run(container, today, participants_per_year, seed, console)
        return
    from service.adapters.migrations import SchemaMismatchError
    from service.bootstrap import bootstrap

    try:
        own = bootstrap()
    except SchemaMismatchError as error:
        console.print(f"[red]Kan inte ladda demon:[/red] {error}")
        raise SystemExit(2) from None
    try:
        _run(own, today, participants_per_year, seed, console)
    except DemoConflictError as error:
        console.print(f"[red]{error}[/red]")
        raise SystemExit(1) from None
    finally:
        own.close()


def _run(
    container: Container,
    today: date | None,
    participants_per_year: int,
    seed: int,
    console: Console,
) -> None:
    service_today = container.admin.today()
    today = today or service_today
    if today > service_today:
        raise ValueError(f"today {today} lies after the service's today {service_today}")
    last_year = today.year - 1
    first_year = last_year - 2
    plan = plan_demo(first_year, last_year, participants_per_year=participants_per_year, seed=seed)
    try:
        tally = _load(container, plan, console)
    except ConflictError as error:  # an id, a key or a state the demo did not make
        raise DemoConflictError(
            f"{ASSOCIATION_NAME} finns redan i databasen men med andra uppgifter "
            f"(andra år, annan storlek eller en annan version av demon): {error}. "
            "Kör demo mot en tom databas."
        ) from error
    answer = container.queries.statistics_unchecked(ASSOCIATION_ID, Period.year(last_year))
    participants = answer["total"]["measures"]["unique_participants"]["total"]
    news = f"{tally.events} nya händelser" if tally.events else "inga nya händelser (fanns redan)"
    console.print(
        f"Klart: {ASSOCIATION_NAME} ({ASSOCIATION_ID}): {len(plan.interventions)} insatser, "
        f"{tally.enrollments} inskrivningar {first_year - 1}–{last_year}, "
        f"{participants} deltagare under {last_year}; {news}.",
        soft_wrap=True,
    )
    console.print(annual_table(answer, last_year))
    console.print(how_to_read(last_year), soft_wrap=True, highlight=False, markup=False)


def how_to_read(year: int) -> str:
    """What to run next to read the demo's figures: the export, or the API with a key.
    A system key makes only association_admin keys; the admin's key makes the analyst's."""
    api = f"http://127.0.0.1:8000/api/v1/associations/{ASSOCIATION_ID}"
    key_of = ".venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)[\"key\"])'"

    def new_key(variable: str, by: str, name: str, role: str) -> str:
        return (
            f'    {variable}=$(curl -sS -X POST {api}/api-keys -H "Authorization: Bearer ${by}" '
            f'-H \'Content-Type: application/json\' -d \'{{"name": "{name}", '
            f'"role": "{role}"}}\' | {key_of})'
        )

    return "\n".join(
        [
            "Så läser du demons siffror:",
            "  Årsredovisningens tabeller som fil (även docx, csv, json, html):",
            f"    .venv/bin/python -m service export --association {ASSOCIATION_ID} "
            f"--year {year} --format xlsx",
            "  Via API:t (starta med make run): en systemnyckel, med den en nyckel för "
            "förbundets administratör, med den en analytikernyckel:",
            "    ROOT=$(.venv/bin/python -m service create-key --role system_admin --name demo)",
            new_key("ADMIN", "ROOT", "förbundsadmin", "association_admin"),
            new_key("ANALYST", "ADMIN", "analytiker", "analyst"),
            f'    curl -sS "{api}/statistics?year={year}" -H "Authorization: Bearer $ANALYST"',
        ]
    )


def _principals(plan: DemoPlan) -> tuple[Principal, Principal, Principal]:
    """The operator, the förbund's admin and a coach of every insats, as key id "demo"."""
    system = Principal(DEMO_KEY_ID, Role.SYSTEM_ADMIN.value, None, frozenset())
    admin = Principal(DEMO_KEY_ID, Role.ASSOCIATION_ADMIN.value, ASSOCIATION_ID, frozenset())
    coach = Principal(
        DEMO_KEY_ID,
        Role.COACH.value,
        ASSOCIATION_ID,
        frozenset(i["id"] for i in plan.interventions),
    )
    return system, admin, coach


def _load(container: Container, plan: DemoPlan, console: Console) -> _Tally:
    system, admin, coach = _principals(plan)
    tally = _Tally(enrollments=len(plan.enrollments))
    _, created = container.admin.create_association(system, ASSOCIATION_ID, ASSOCIATION_NAME, {})
    tally.events += created
    for fields in plan.interventions:
        _, created = container.admin.register_intervention(admin, ASSOCIATION_ID, dict(fields))
        tally.events += created
    for slug, year, budget, cost in plan.finances:
        before = container.admin.intervention(ASSOCIATION_ID, slug).finances.get(str(year))
        container.admin.record_finances(admin, ASSOCIATION_ID, slug, year, budget, cost)
        tally.events += before != {"budget_sek": budget, "cost_sek": cost}
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task("Deltagare", total=len(plan.enrollments))
        for planned in plan.enrollments:
            tally.events += _write_enrollment(container, coach, planned)
            progress.advance(task)
    for key, body in plan.anonymous:
        _, created = container.count_reports.report_anonymous(coach, ASSOCIATION_ID, body, key)
        tally.events += created
    for key, body in plan.activities:
        _, created = container.count_reports.hold_activity(coach, ASSOCIATION_ID, body, key)
        tally.events += created
    return tally


def step_key(planned: PlannedEnrollment, step: Any) -> str:
    """A step's idempotency key. A key names one event of the association, so it carries
    the enrollment's id (a demo loaded before migration 0003 used the step's name alone,
    and is told apart as another version of the demo)."""
    return f"demo:{planned.id}:{step.key}"


def _write_enrollment(container: Container, coach: Principal, planned: PlannedEnrollment) -> int:
    """Write one enrollment and its later events; returns how many events were new."""
    commands = container.enrollments
    written = 0
    result = commands.enroll(
        coach, ASSOCIATION_ID, planned.intervention_id, planned.body, enrollment_id=planned.id
    )
    written += result.created
    for step in planned.steps:
        handler: Any = getattr(commands, step.command)
        result = handler(coach, planned.id, step.body, idempotency_key=step_key(planned, step))
        written += result.created
    return written


# --- the annual table -------------------------------------------------------------------


def annual_table(answer: dict[str, Any], year: int) -> Table:
    """The year's key figures per individual insats and in total, in Swedish.

    One column per insats and one for the förbund, one row per measure, so the table fits
    an ordinary terminal. Values show with the annual export's signs (SCB's): ".." hidden,
    "–" zero, "." a share or mean with nothing to compute it over.
    """
    min_cell = answer["settings"]["min_cell_size"]
    hidden = {pointer: "hidden" for pointer in answer["suppressed"]}
    columns = [
        (
            entry["name"],
            _Cells(entry["measures"], f"/interventions/{index}/measures", hidden, min_cell),
        )
        for index, entry in enumerate(answer["interventions"])
        if entry["kind"] == "individual"
    ]
    columns.append(
        ("Totalt", _Cells(answer["total"]["measures"], "/total/measures", hidden, min_cell))
    )
    window = answer["settings"]["early_dropout_months"]
    table = Table(
        title=f"{ASSOCIATION_NAME}: helårsresultat {year}",
        caption=(
            f"Andelar av avslut exkl. tidiga avhopp (inom {window} "
            "mån. från inskrivning). Mål: arbete, studier, arbetssökande, arbetslivsinriktad "
            f"rehabilitering. .. = visas inte (färre än {min_cell} personer; röjandekontroll, "
            "där varje antal har ett litet fast slumptillägg); – = noll; . = uppgift saknas."
        ),
        box=box.SIMPLE_HEAD,
        caption_justify="left",
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Mått")
    for name, _ in columns:
        table.add_column(name, justify="right", style="bold" if name == "Totalt" else None)
    for label, render in ROWS:
        table.add_row(label, *(render(cells) for _, cells in columns))
    return table


@dataclass
class _Cells:
    """One insats's (or the förbund's) measures, formatted for the table."""

    measures: dict[str, Any]
    at: str
    hidden: dict[str, str]
    min_cell: int

    def value(self, *path: str) -> Any:
        node: Any = self.measures
        for part in path:
            node = node[part]
        return node

    def missing(self, *path: str) -> str:
        rule = self.hidden.get("/".join((self.at, *path)))
        return MISSING_TEXT if rule is None else SUPPRESSED_TEXT

    def count(self, name: str, sex: str = "total") -> str:
        value = self.value(name, sex)
        if value is None:
            return self.missing(name, sex)
        return ZERO_TEXT if value == 0 else str(value)

    def by_sex(self, name: str) -> str:
        return f"{self.count(name)} ({self.count(name, 'female')}/{self.count(name, 'male')})"

    def with_share(self, name: str, share: str) -> str:
        value = self.value(share, "total")
        shown = self.missing(share, "total") if value is None else f"{round(value * 100)}\u00a0%"
        return f"{self.count(name)} ({shown})"

    def months(self, name: str, statistic: str) -> str:
        value = self.value(name, statistic, "total")
        if value is None:
            return self.missing(name, statistic, "total")
        return f"{value / DAYS_PER_MONTH:.1f}".replace(".", ",")


ROWS: tuple[tuple[str, Callable[[_Cells], str]], ...] = (
    ("Aktiva (K/M)", lambda c: c.by_sex("active")),
    ("Nytillkomna", lambda c: c.count("new")),
    ("Avslut", lambda c: c.count("exits")),
    ("varav tidiga avhopp", lambda c: c.count("early_dropouts")),
    (
        "Till arbete/studier (andel)",
        lambda c: c.with_share("to_work_or_studies", "share_to_work_or_studies"),
    ),
    ("Mot mål (andel)", lambda c: c.with_share("to_goal", "share_to_goal")),
    ("Genomströmningstid medel (mån)", lambda c: c.months("throughput_days", "mean")),
    ("Aktiva vid årets slut", lambda c: c.count("active_at_end")),
)
HEADINGS = tuple(label for label, _ in ROWS)
