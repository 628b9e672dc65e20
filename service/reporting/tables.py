"""The building blocks of the export's tables, and the main result table (Tabell 9 style)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from service.domain.codes import ExitReason
from service.reporting import text
from service.reporting.answer import (
    Convert,
    MeasureSource,
    ReportSettings,
    change,
    days_to_months,
    months_to_years,
    round_half_up,
)
from service.reporting.model import (
    BLANK,
    Column,
    Footnote,
    Row,
    RowStyle,
    Status,
    Table,
    Unit,
    Value,
)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What every table needs to know: who, which years, which rules."""

    association_name: str
    year: int
    previous_year: int
    settings: ReportSettings
    previous_settings: ReportSettings
    as_of: str | None
    municipality_names: Mapping[str, str] = field(default_factory=dict)
    preliminary: bool = False
    previous_available: bool = True
    period_label: str = ""  # a period other than the year (the web's from–to), for titles

    @property
    def when(self) -> str:
        """The year, or the period, as a title names it."""
        return self.period_label or str(self.year)


@dataclass(frozen=True, slots=True)
class Scope:
    """One intervention, or the association total, in the report year and the year before."""

    key: str
    name: str
    section: str
    current: MeasureSource
    previous: MeasureSource
    is_total: bool = False

    @property
    def short(self) -> str:
        """A short name for sheet and file names."""
        return "Totalt" if self.is_total else self.name


class NoteBook:
    """Numbers a table's footnotes in the order its rows first refer to them."""

    def __init__(self) -> None:
        self._texts: list[str] = []

    def ref(self, note: str) -> tuple[str]:
        """The marker of a note, numbering it on first use."""
        if note not in self._texts:
            self._texts.append(note)
        return (str(self._texts.index(note) + 1),)

    def footnotes(
        self, ctx: ReportContext, rows: Sequence[Row], *, sexes: bool = True, compare: bool = True
    ) -> tuple[Footnote, ...]:
        """The numbered notes, then the notes every table of this kind carries."""
        notes = [Footnote(str(n), t) for n, t in enumerate(self._texts, start=1)]
        values = [v for row in rows for v in row.values]
        general: list[str | None] = []
        if compare:
            shares = any(v.unit in (Unit.SHARE, Unit.POINTS) for v in values)
            general.append(text.change_note(ctx.year, ctx.previous_year, shares=shares))
            if ctx.previous_available:
                general.append(
                    text.settings_difference_note(
                        ctx.settings, ctx.previous_settings, ctx.previous_year
                    )
                )
        general += text.year_notes(
            ctx.year,
            ctx.previous_year,
            preliminary=ctx.preliminary,
            previous=ctx.previous_available or not compare,
        )
        general.append(text.SEX_NOTE if sexes else None)
        hidden = any(v.status in (Status.SUPPRESSED, Status.SMALL_COUNT) for v in values)
        signs = text.legend(
            zero=any(v.zero for v in values),
            missing=any(v.status is Status.MISSING for v in values),
        )
        # One paragraph with the disclosure rule (which explains ".."): a line fewer, so a
        # long table's notes still fit on its page.
        general.append(
            " ".join(filter(None, (text.disclosure_note(ctx.settings, hidden=hidden), signs)))
        )
        general.append(text.source_note(ctx.association_name, ctx.as_of))
        return tuple(notes) + tuple(Footnote("", g) for g in general if g)


def section_row(label: str, width: int) -> Row:
    """A heading row inside a table."""
    return Row(label, (BLANK,) * width, style=RowStyle.SECTION)


def year_columns(ctx: ReportContext, labels: Iterable[str] = text.SEX_LABELS) -> list[Column]:
    """Columns for the report year, one per label."""
    return [Column(label, str(ctx.year)) for label in labels]


def comparison_columns(ctx: ReportContext) -> tuple[Column, ...]:
    """Totalt/Kvinnor/Män for both years, then the change of the total."""
    previous = [Column(label, str(ctx.previous_year)) for label in text.SEX_LABELS]
    return (*year_columns(ctx), *previous, Column("Totalt", "Förändring"))


def comparison_row(
    scope: Scope,
    label: str,
    path: Sequence[str],
    *,
    unit: Unit = Unit.COUNT,
    convert: Convert | None = None,
    notes: tuple[str, ...] = (),
    level: int = 0,
) -> Row:
    """A cell of both years side by side, with the change of the total."""
    current = scope.current.cell(*path, unit=unit, convert=convert)
    previous = scope.previous.cell(*path, unit=unit, convert=convert)
    values = (*current, *previous, change(current[0], previous[0]))
    return Row(label, values, notes, level)


def build_table(
    ctx: ReportContext,
    scope: Scope,
    kind: tuple[str, str, str],
    stub_header: str,
    columns: Sequence[Column],
    rows: Sequence[Row],
    notes: NoteBook,
    *,
    compare: bool = True,
) -> Table:
    """A table of a scope; kind is (key, title text, short name)."""
    key, title, short = kind
    return Table(
        key=f"{scope.key}.{key}",
        title=f"{title} – {scope.name}",
        section=scope.section,
        short_name=f"{short} {scope.short}",
        stub_header=stub_header,
        columns=tuple(columns),
        rows=tuple(rows),
        footnotes=notes.footnotes(ctx, rows, compare=compare),
    )


def results_table(ctx: ReportContext, scope: Scope) -> Table:
    """Aktiva, avslut, utfall, tider: the main table of a scope, with last year beside it."""
    notes = NoteBook()
    rows = [
        *_participant_rows(ctx, scope, notes),
        *_exit_rows(ctx, scope, notes),
        *_outcome_rows(ctx, scope, notes),
        *_time_rows(scope, notes),
        *_cost_rows(scope, notes),
    ]
    title = f"Resultat {ctx.year} jämfört med {ctx.previous_year}"
    kind = ("results", title, "Resultat")
    return build_table(ctx, scope, kind, "", comparison_columns(ctx), rows, notes)


def _participant_rows(ctx: ReportContext, scope: Scope, notes: NoteBook) -> list[Row]:
    active = notes.ref(text.active_note(ctx.year))
    rows = [
        section_row("Deltagare", 7),
        comparison_row(scope, "Aktiva under året", ["active"], notes=active),
        comparison_row(scope, "Nytillkomna under året", ["new"], notes=active),
        comparison_row(scope, "Aktiva vid årets slut", ["active_at_end"], notes=active),
    ]
    if scope.is_total:
        unique = notes.ref(text.UNIQUE_NOTE)
        rows.append(comparison_row(scope, "Unika personer", ["unique_participants"], notes=unique))
    return rows


def _exit_rows(ctx: ReportContext, scope: Scope, notes: NoteBook) -> list[Row]:
    early = notes.ref(text.early_dropout_note(ctx.settings))
    reasons = notes.ref(text.REASONS_NOTE)
    rows = [
        section_row("Avslut", 7),
        comparison_row(scope, "Avslut totalt", ["exits"]),
        comparison_row(scope, "varav tidiga avhopp", ["early_dropouts"], notes=early, level=1),
        comparison_row(scope, "Avslut exklusive tidiga avhopp", ["completed_exits"], notes=early),
        section_row("Avslut per avslutsorsak", 7),
    ]
    for reason in ExitReason:
        label = text.EXIT_REASON_NAMES[reason.value]
        path = ["exits_by_reason", reason.value]
        rows.append(comparison_row(scope, label, path, notes=reasons, level=1))
    return rows


def _outcome_rows(ctx: ReportContext, scope: Scope, notes: NoteBook) -> list[Row]:
    work, goal = notes.ref(text.WORK_NOTE), notes.ref(text.goal_note(ctx.settings))
    share, share_all = notes.ref(text.SHARE_NOTE), notes.ref(text.SHARE_ALL_NOTE)
    progressed = notes.ref(text.PROGRESSED_NOTE)
    pct = Unit.SHARE
    return [
        section_row("Utfall", 7),
        comparison_row(scope, "Till arbete eller studier", ["to_work_or_studies"], notes=work),
        comparison_row(scope, "Mot mål", ["to_goal"], notes=goal),
        comparison_row(
            scope,
            "Andel till arbete eller studier",
            ["share_to_work_or_studies"],
            unit=pct,
            notes=share,
        ),
        comparison_row(scope, "Andel mot mål", ["share_to_goal"], unit=pct, notes=share),
        comparison_row(
            scope,
            "Andel till arbete eller studier av samtliga avslut",
            ["share_to_work_or_studies_of_all_exits"],
            unit=pct,
            notes=share_all,
        ),
        comparison_row(
            scope,
            "Andel mot mål av samtliga avslut",
            ["share_to_goal_of_all_exits"],
            unit=pct,
            notes=share_all,
        ),
        comparison_row(scope, "Stegförflyttning", ["progressed"], notes=progressed),
        comparison_row(
            scope, "Andel med stegförflyttning", ["share_progressed"], unit=pct, notes=progressed
        ),
    ]


def _time_rows(scope: Scope, notes: NoteBook) -> list[Row]:
    through, before = notes.ref(text.THROUGHPUT_NOTE), notes.ref(text.BEFORE_START_NOTE)
    months = partial(comparison_row, scope, unit=Unit.MONTHS, convert=days_to_months, notes=through)
    years = partial(comparison_row, scope, unit=Unit.YEARS, convert=months_to_years, notes=before)
    public, idle = "months_on_public_support_before", "months_without_work_or_studies_before"
    return [
        section_row("Tid", 7),
        months("Genomströmningstid, medel (mån)", ["throughput_days", "mean"]),
        months("Genomströmningstid, median (mån)", ["throughput_days", "median"]),
        months("Genomströmningstid mot mål, medel (mån)", ["throughput_days_to_goal", "mean"]),
        months("Genomströmningstid mot mål, median (mån)", ["throughput_days_to_goal", "median"]),
        years("Tid med offentlig försörjning före start, avslut mot mål (år)", [public, "to_goal"]),
        years("Tid med offentlig försörjning före start, nytillkomna (år)", [public, "new"]),
        years("Tid utan arbete eller studier före start, avslut mot mål (år)", [idle, "to_goal"]),
        years("Tid utan arbete eller studier före start, nytillkomna (år)", [idle, "new"]),
    ]


def _cost_rows(scope: Scope, notes: NoteBook) -> list[Row]:
    def whole_kronor(amount: float) -> int:
        return int(round_half_up(amount))

    current = scope.current.value("cost_per_participant", unit=Unit.SEK, convert=whole_kronor)
    previous = scope.previous.value("cost_per_participant", unit=Unit.SEK, convert=whole_kronor)
    if not (current.shown or previous.shown):
        return []
    values: tuple[Value, ...] = (
        current,
        BLANK,
        BLANK,
        previous,
        BLANK,
        BLANK,
        change(current, previous),
    )
    label = "Kostnad per deltagare (kr)"
    return [section_row("Kostnad", 7), Row(label, values, notes.ref(text.COST_NOTE))]
