"""Helårsresultat per insats (like Södra Dalarna's Tabell 9), split by kön as the references.

Three tables, so each fits an A4 page in Word: deltagare and avslut, mot mål, and the times.
Each has a row per individual intervention, the total of both years and the change, and
splits every figure by kvinnor and män, with andel kvinnor where the references show it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from service.reporting import text
from service.reporting.answer import MeasureSource, change, days_to_months, months_to_years, ratio
from service.reporting.model import Column, Row, RowStyle, Table, Unit, Value, superscript
from service.reporting.tables import NoteBook, ReportContext, Scope

OVERVIEW_SECTION = "Översikt"
SHARE_OF_WOMEN = "Andel kvinnor"
Values = Callable[[MeasureSource], tuple[Value, ...]]


def _with_share_of_women(cell: tuple[Value, Value, Value]) -> tuple[Value, ...]:
    total, female, _ = cell
    return (*cell, ratio(female, total))


def _marker(notes: NoteBook, note: str) -> str:
    return "".join(superscript(m) for m in notes.ref(note))


def overview_tables(ctx: ReportContext, scopes: Sequence[Scope]) -> list[Table]:
    """The three overview tables, in the order a reader meets them."""
    return [_participants(ctx, scopes), _goal(ctx, scopes), _times(ctx, scopes)]


def _participants(ctx: ReportContext, scopes: Sequence[Scope]) -> Table:
    notes = NoteBook()
    active, early = (
        _marker(notes, text.active_note(ctx.year)),
        _marker(notes, text.early_dropout_note(ctx.settings)),
    )
    columns = (
        *(Column(label, f"Aktiva under året{active}") for label in text.SEX_LABELS),
        Column(SHARE_OF_WOMEN, f"Aktiva under året{active}"),
        *(Column(label, f"Avslut exkl. tidiga avhopp{early}") for label in text.SEX_LABELS),
        Column(SHARE_OF_WOMEN, f"Avslut exkl. tidiga avhopp{early}"),
    )

    def values(source: MeasureSource) -> tuple[Value, ...]:
        return (
            *_with_share_of_women(source.cell("active")),
            *_with_share_of_women(source.cell("completed_exits")),
        )

    title = f"Helårsresultat {ctx.year} per insats: deltagare och avslut"
    return _table(ctx, scopes, ("overview", title, "Översikt deltagare"), columns, values, notes)


def _goal(ctx: ReportContext, scopes: Sequence[Scope]) -> Table:
    notes = NoteBook()
    goal, share = _marker(notes, text.goal_note(ctx.settings)), _marker(notes, text.SHARE_NOTE)
    columns = (
        *(Column(label, f"Avslut mot mål{goal}") for label in text.SEX_LABELS),
        Column(SHARE_OF_WOMEN, f"Avslut mot mål{goal}"),
        *(Column(label, f"Andel mot mål{share}") for label in text.SEX_LABELS),
    )

    def values(source: MeasureSource) -> tuple[Value, ...]:
        return (
            *_with_share_of_women(source.cell("to_goal")),
            *source.cell("share_to_goal", unit=Unit.SHARE),
        )

    title = f"Helårsresultat {ctx.year} per insats: avslut mot mål"
    return _table(ctx, scopes, ("overview.goal", title, "Översikt mål"), columns, values, notes)


def _times(ctx: ReportContext, scopes: Sequence[Scope]) -> Table:
    notes = NoteBook()
    through, before = _marker(notes, text.THROUGHPUT_NOTE), _marker(notes, text.BEFORE_START_NOTE)
    months_group = f"Genomströmningstid mot mål, medel (mån){through}"
    years_group = f"Tid med offentlig försörjning före start, mot mål (år){before}"
    columns = (
        *(Column(label, months_group) for label in text.SEX_LABELS),
        *(Column(label, years_group) for label in text.SEX_LABELS),
    )

    def values(source: MeasureSource) -> tuple[Value, ...]:
        return (
            *source.cell(
                "throughput_days_to_goal", "mean", unit=Unit.MONTHS, convert=days_to_months
            ),
            *source.cell(
                "months_on_public_support_before",
                "to_goal",
                unit=Unit.YEARS,
                convert=months_to_years,
            ),
        )

    title = f"Helårsresultat {ctx.year} per insats: tid i insatsen och före start"
    return _table(ctx, scopes, ("overview.time", title, "Översikt tider"), columns, values, notes)


def _table(
    ctx: ReportContext,
    scopes: Sequence[Scope],
    kind: tuple[str, str, str],
    columns: tuple[Column, ...],
    values: Values,
    notes: NoteBook,
) -> Table:
    key, title, short = kind
    total = scopes[0]
    rows = [Row(scope.name, values(scope.current)) for scope in scopes[1:]]
    now, before = values(total.current), values(total.previous)
    rows += [
        Row(f"Totalt {ctx.year}", now, style=RowStyle.TOTAL),
        Row(f"Totalt {ctx.previous_year}", before),
        Row(f"Förändring {ctx.previous_year}–{ctx.year}", tuple(map(change, now, before))),
    ]
    return Table(
        key=key,
        title=f"{title}, jämfört med {ctx.previous_year}",
        section=OVERVIEW_SECTION,
        short_name=short,
        stub_header="Insats",
        columns=columns,
        rows=tuple(rows),
        footnotes=notes.footnotes(ctx, rows),
    )
