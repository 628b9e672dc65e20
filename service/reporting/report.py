"""The annual export (product.md §9): statistics answers of two years -> an AnnualReport.

The answers are the §8 statistics answers, already disclosure-controlled; this module only
arranges their figures into the tables a förbundschef pastes into the årsredovisning, with
the previous year beside each figure, and writes the footnotes that define every figure.
Table modules: tables.py (main table), breakdowns.py, charts.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from service.reporting import breakdowns, text
from service.reporting.answer import (
    AnswerView,
    MeasureSource,
    change,
)
from service.reporting.charts import outcome_chart, report_charts, throughput_chart
from service.reporting.model import (
    AnnualReport,
    Column,
    Footnote,
    Row,
    RowStyle,
    Table,
    Value,
)
from service.reporting.overview import OVERVIEW_SECTION, overview_tables
from service.reporting.tables import (
    NoteBook,
    ReportContext,
    Scope,
    results_table,
)

TOTAL_SECTION = "Förbundet totalt"
OTHER_SECTION = "Anonyma deltagare och strukturövergripande insatser"
TableBuilder = Callable[[ReportContext, Scope], Table]
SCOPE_TABLES: tuple[TableBuilder, ...] = (
    results_table,
    breakdowns.support_active_table,
    breakdowns.support_before_after_table,
    breakdowns.youth_table,
    breakdowns.age_table,
    breakdowns.education_table,
    breakdowns.municipality_table,
)
ANONYMOUS_NOTE = (
    "Anonyma deltagare: personer som fått stöd, eller vars ärende tagits upp i konsultation, "
    "utan att skrivas in. De ingår inte i övriga tabeller. Antalet avser rapporter vars "
    "period slutar under året; ej angivet kön ingår i totalt."
)
STRUCTURAL_NOTE = (
    "Strukturövergripande insatser: utbildningar, forum och konferenser under året. "
    "Deltagare räknas per tillfälle, efter organisation: AF = Arbetsförmedlingen, "
    "FK = Försäkringskassan."
)


def build_annual_report(
    *,
    association_name: str,
    year: int,
    current: dict[str, Any],
    previous: dict[str, Any],
    generated_as_of: str | None,
    municipality_names: Mapping[str, str] | None = None,
    stamp: str | None = None,
    preliminary: bool = False,
    previous_available: bool = True,
) -> AnnualReport:
    """The annual export of `year`, with `previous` (the year before) for comparison.

    `stamp` is the instant the figures stand at (as_of, or when the export was made);
    `preliminary` marks the running year; without `previous_available` the comparison
    year is "uppgift saknas" (the association had no data yet), not a year of zeros.
    """
    if not previous_available:
        previous = {"settings": current.get("settings") or {}}
    now, before = AnswerView(current), AnswerView(previous)
    ctx = ReportContext(
        association_name=association_name,
        year=year,
        previous_year=year - 1,
        settings=now.settings,
        previous_settings=before.settings,
        as_of=stamp or generated_as_of or current.get("as_of"),
        municipality_names=dict(municipality_names or {}),
        preliminary=preliminary,
        previous_available=previous_available,
    )
    scopes = _scopes(association_name, now, before)
    total = scopes[0]
    tables = overview_tables(ctx, scopes)
    tables += [build(ctx, scope) for scope in scopes for build in SCOPE_TABLES]
    tables += [
        t for t in (anonymous_table(ctx, now, before), structural_table(ctx, now, before)) if t
    ]
    return AnnualReport(
        association_name=association_name,
        year=year,
        previous_year=year - 1,
        title=f"{association_name}: deltagare och resultat {year}"
        + (f" ({text.PRELIMINARY})" if preliminary else ""),
        introduction=_introduction(ctx),
        tables=tuple(tables),
        charts=report_charts(ctx, total.current, TOTAL_SECTION)
        + tuple(
            outcome_chart(ctx, scope.current, scope.section, (scope.key, scope.name))
            for scope in scopes[1:]
        )
        + tuple(c for c in (throughput_chart(ctx, scopes, OVERVIEW_SECTION),) if c),
        generated_as_of=generated_as_of or current.get("as_of"),
        stamp=ctx.as_of,
        preliminary=preliminary,
    )


def _scopes(association_name: str, now: AnswerView, before: AnswerView) -> list[Scope]:
    """The association total, then each individual intervention in the answer's order."""
    total = Scope(
        "total", f"{association_name}, totalt", TOTAL_SECTION, now.total(), before.total(), True
    )
    interventions = []
    for item in now.interventions("individual"):
        key, name = item["intervention"], item.get("name") or item["intervention"]
        current, previous = now.intervention(key), before.intervention(key)
        interventions.append(Scope(key, name, name, current, previous))
    return [total, *interventions]


def _introduction(ctx: ReportContext) -> tuple[str, ...]:
    when = ""
    if ctx.as_of:
        when = f" Siffrorna avser registreringar till och med {text.swedish_instant(ctx.as_of)}."
    status = text.year_notes(
        ctx.year, ctx.previous_year, preliminary=ctx.preliminary, previous=ctx.previous_available
    )
    return (
        f"Tabeller och diagram till årsredovisningen {ctx.year}, beräknade i Uppföljning ur "
        f"de händelser som insatserna registrerat. Jämförelseår är {ctx.previous_year}.{when}",
        *status,
        "Varje tabell har egna fotnoter med definitioner och kan klistras in för sig. "
        + text.disclosure_note(ctx.settings),
        text.FULL_LEGEND,
    )


def anonymous_table(ctx: ReportContext, now: AnswerView, before: AnswerView) -> Table | None:
    """Anonyma deltagare per individual intervention; None when none were reported."""
    fields = ("total", "female", "male", "unspecified")
    year, previous_year = str(ctx.year), str(ctx.previous_year)
    columns = (
        *(Column(label, year) for label in (*text.SEX_LABELS, "Ej angivet kön")),
        Column("Totalt", previous_year),
        Column("Totalt", "Förändring"),
    )

    def values(current: MeasureSource, previous: MeasureSource) -> tuple[Value, ...]:
        figures = [current.value("anonymous_participants", f) for f in fields]
        earlier = previous.value("anonymous_participants", "total")
        return (*figures, earlier, change(figures[0], earlier))

    rows = [
        Row(
            item.get("name") or item["intervention"],
            values(
                now.intervention(item["intervention"]), before.intervention(item["intervention"])
            ),
            level=1,
        )
        for item in now.interventions("individual")
    ]
    rows.append(Row("Totalt", values(now.total(), before.total()), style=RowStyle.TOTAL))
    if not any(_reported(v) for row in rows for v in row.values[:5]):
        return None
    return _association_table(
        ctx, "anonymous", f"Anonyma deltagare {ctx.year}", "Anonyma", columns, rows, ANONYMOUS_NOTE
    )


def structural_table(ctx: ReportContext, now: AnswerView, before: AnswerView) -> Table | None:
    """Strukturinsatser: activities and participants by organisation; None without any."""
    organisations = tuple(text.ORGANISATION_NAMES)
    short = {"af": "AF", "fk": "FK", "region": "Region", "kommun": "Kommun", "other": "Övriga"}
    year, previous_year = str(ctx.year), str(ctx.previous_year)
    columns = (
        Column("Aktiviteter", year),
        *(Column(short[o], year) for o in organisations),
        Column("Deltagare totalt", year),
        Column("Aktiviteter", previous_year),
        Column("Deltagare totalt", previous_year),
        Column("Deltagare totalt", "Förändring"),
    )

    def values(current: MeasureSource, previous: MeasureSource) -> tuple[Value, ...]:
        people = [current.value("activities", "participants", o) for o in (*organisations, "total")]
        earlier = previous.value("activities", "participants", "total")
        return (
            current.value("activities", "count"),
            *people,
            previous.value("activities", "count"),
            earlier,
            change(people[-1], earlier),
        )

    items = now.interventions("structural")
    rows = [
        Row(
            item.get("name") or item["intervention"],
            values(
                now.intervention(item["intervention"]), before.intervention(item["intervention"])
            ),
            level=1,
        )
        for item in items
    ]
    rows.append(Row("Totalt", values(now.total(), before.total()), style=RowStyle.TOTAL))
    if not items and not any(_reported(v) for v in rows[-1].values):
        return None
    title = f"Strukturövergripande insatser {ctx.year}: aktiviteter och deltagare"
    return _association_table(
        ctx, "structural", title, "Strukturinsatser", columns, rows, STRUCTURAL_NOTE
    )


def _reported(value: Value) -> bool:
    """True when a value is a non-zero count or hides one."""
    return bool(value.number) or value.status.value.startswith("suppressed")


def _association_table(
    ctx: ReportContext,
    key: str,
    title: str,
    short: str,
    columns: tuple[Column, ...],
    rows: list[Row],
    note: str,
) -> Table:
    footnotes = NoteBook().footnotes(ctx, rows, sexes=False)
    return Table(
        key=f"association.{key}",
        title=f"{title} – {ctx.association_name}",
        section=OTHER_SECTION,
        short_name=short,
        stub_header="Insats",
        columns=columns,
        rows=tuple(rows),
        footnotes=(Footnote("", note), *footnotes),
    )
