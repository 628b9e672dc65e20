"""The breakdown tables of a scope: försörjning, unga/vuxna, ålder, utbildning and kommun."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from service.domain.codes import (
    AGE_BANDS,
    OTHER_MUNICIPALITY,
    UNKNOWN_SUPPORT,
    Education,
    Support,
)
from service.reporting import text
from service.reporting.answer import MeasureSource, change, ratio
from service.reporting.model import BLANK, Column, Row, RowStyle, Status, Table, Value
from service.reporting.tables import (
    NoteBook,
    ReportContext,
    Scope,
    build_table,
    section_row,
    year_columns,
)

Cell = tuple[Value, Value, Value]
ZERO_CELL: Cell = (Value(0), Value(0), Value(0))

BEFORE_AFTER_NOTE = (
    "Avser avslut exklusive tidiga avhopp under året: försörjning vid inskrivning och vid "
    "avslut (uppgiften vid avslut, annars den senast kända)."
)
AGE_NOTE = (
    "Ålder: inskrivningsåret minus födelseåret. 15-åringar räknas i gruppen 15–19 år. "
    "Avslut avser avslut exklusive tidiga avhopp."
)
ACTIVE_BASE_NOTE = "Andelen är räknad på aktiva under året, ur tabellens antal."
MUNICIPALITY_CODE_NOTE = "Kommun anges med SCB:s kommunkod, folkbokföring vid inskrivning."


# A kommun the year's answer counts under `other` (decisions.md §42): hidden, not nobody.
FOLDED_CELL: Cell = (Value(None, status=Status.SUPPRESSED),) * 3


def distribution_cell(source: MeasureSource, path: Sequence[str], code: str) -> Cell:
    """A cell of a distribution; a code the distribution leaves out has no one in it,
    unless it counts some under `other` (a kommun listed in the other year only)."""
    distribution = source.raw(*path)
    if isinstance(distribution, Mapping) and code not in distribution:
        return FOLDED_CELL if OTHER_MUNICIPALITY in distribution else ZERO_CELL
    return source.cell(*path, code)


def _codes(scope: Scope, path: Sequence[str], known: Sequence[str]) -> list[str]:
    """Known codes in their order, then any other code either year has, sorted."""
    present = set(scope.current.keys(*path)) | set(scope.previous.keys(*path))
    return [*known, *sorted(present - set(known))]


def share_table(
    ctx: ReportContext,
    scope: Scope,
    kind: tuple[str, str, str],
    path: Sequence[str],
    labelled_codes: Sequence[tuple[str, str]],
    notes: NoteBook,
    share_note: str = ACTIVE_BASE_NOTE,
) -> Table:
    """Active participants per code, with shares, this year and last."""
    year, previous_year = str(ctx.year), str(ctx.previous_year)
    columns = (
        *year_columns(ctx),
        Column("Andel", year),
        Column("Totalt", previous_year),
        Column("Andel", previous_year),
        Column("Andel", "Förändring"),
    )
    base, base_before = scope.current.cell("active"), scope.previous.value("active", "total")
    rows = [
        Row("Aktiva under året", (*base, BLANK, base_before, BLANK, BLANK), style=RowStyle.TOTAL)
    ]
    marker = notes.ref(share_note)
    for code, label in labelled_codes:
        now = distribution_cell(scope.current, path, code)
        before = distribution_cell(scope.previous, path, code)[0]
        share, share_before = ratio(now[0], base[0]), ratio(before, base_before)
        values = (*now, share, before, share_before, change(share, share_before))
        rows.append(Row(label, values, marker, level=1))
    return build_table(ctx, scope, kind, "", columns, rows, notes)


def support_active_table(ctx: ReportContext, scope: Scope) -> Table:
    """Försörjning at enrollment of those active during the year."""
    path = ["support_at_enrollment"]
    known = [s.value for s in Support] + [UNKNOWN_SUPPORT]
    codes = [(c, text.SUPPORT_NAMES.get(c, c)) for c in _codes(scope, path, known)]
    title = f"Försörjning vid inskrivning, aktiva under {ctx.year}"
    note = f"{ACTIVE_BASE_NOTE} {text.SEVERAL_SUPPORTS_NOTE}"
    kind = ("support", title, "Försörjning")
    return share_table(ctx, scope, kind, path, codes, NoteBook(), note)


def education_table(ctx: ReportContext, scope: Scope) -> Table:
    """Utbildningsnivå of those active during the year."""
    path = ["education"]
    codes = _codes(scope, path, [e.value for e in Education])
    labelled = [(c, text.EDUCATION_NAMES.get(c, c)) for c in codes]
    title = f"Utbildningsnivå, aktiva under {ctx.year}"
    return share_table(ctx, scope, ("education", title, "Utbildning"), path, labelled, NoteBook())


def municipality_table(ctx: ReportContext, scope: Scope) -> Table:
    """Kommun of those active during the year."""
    notes = NoteBook()
    path = ["municipality"]
    last = (OTHER_MUNICIPALITY, UNKNOWN_SUPPORT)  # after the kommuner, in this order
    codes = sorted(_codes(scope, path, []), key=lambda c: (last.index(c) if c in last else -1, c))
    if any(c not in ctx.municipality_names for c in codes if c not in last):
        notes.ref(MUNICIPALITY_CODE_NOTE)
    labelled = [(c, _municipality_label(c, ctx.municipality_names)) for c in codes]
    title = f"Kommun, aktiva under {ctx.year}"
    return share_table(ctx, scope, ("municipality", title, "Kommun"), path, labelled, notes)


def _municipality_label(code: str, names: Mapping[str, str]) -> str:
    if code == UNKNOWN_SUPPORT:
        return "Uppgift saknas"
    if code == OTHER_MUNICIPALITY:
        return "Övriga kommuner"
    return f"{names[code]} ({code})" if code in names else f"Kommunkod {code}"


def support_before_after_table(ctx: ReportContext, scope: Scope) -> Table:
    """Försörjning at enrollment and at exit, of the year's completed exits."""
    notes = NoteBook()
    base_note = notes.ref(f"{BEFORE_AFTER_NOTE} {text.SEVERAL_SUPPORTS_NOTE}")
    groups = ("Vid inskrivning", "Vid avslut")
    columns = [Column(label, g) for g in groups for label in (*text.SEX_LABELS, "Andel")]
    base = scope.current.cell("completed_exits")
    rows = [
        Row("Avslut exklusive tidiga avhopp", (*base, BLANK) * 2, base_note, style=RowStyle.TOTAL)
    ]
    path = ["support_before_after"]
    known = [s.value for s in Support] + [UNKNOWN_SUPPORT]
    for code in _codes(scope, path, known):
        values: list[Value] = []
        for moment in ("at_enrollment", "at_exit"):
            cell = distribution_cell(scope.current, [*path, code], moment)
            values += [*cell, ratio(cell[0], base[0])]
        rows.append(Row(text.SUPPORT_NAMES.get(code, code), tuple(values), level=1))
    title = f"Försörjning vid inskrivning och vid avslut, avslutade {ctx.year}"
    kind = ("support-before-after", title, "Försörjning före-efter")
    return build_table(ctx, scope, kind, "", columns, rows, notes, compare=False)


def youth_table(ctx: ReportContext, scope: Scope) -> Table:
    """Unga och vuxna, by kön: completed exits and how many went to work or studies."""
    notes = NoteBook()
    youth = ctx.settings.youth_max_age
    row_note = notes.ref(
        f"Ålder: inskrivningsåret minus födelseåret; unga är till och med {youth} år "
        "(förbundets inställning). Avslut avser avslut exklusive tidiga avhopp. "
        f"{text.WORK_NOTE} Andelen är räknad ur tabellens antal."
    )
    labels = ("Avslut", "Till arbete/studier", "Andel")
    years = (str(ctx.year), str(ctx.previous_year))
    columns = [
        *(Column(label, y) for y in years for label in labels),
        Column("Andel", "Förändring"),
    ]
    rows: list[Row] = []
    groups = (("youth", f"Unga, 15–{youth} år"), ("adult", f"Vuxna, {youth + 1} år och äldre"))
    for group, heading in groups:
        rows.append(section_row(heading, len(columns)))
        for position, sex_label in enumerate(text.SEX_LABELS):
            now = _youth_figures(scope.current, group, position)
            before = _youth_figures(scope.previous, group, position)
            values = (*now, *before, change(now[2], before[2]))
            rows.append(Row(sex_label, values, row_note, level=1))
    title = f"Till arbete eller studier, unga och vuxna, {ctx.year} jämfört med {ctx.previous_year}"
    return build_table(ctx, scope, ("youth", title, "Unga-vuxna"), "", columns, rows, notes)


def _youth_figures(source: MeasureSource, group: str, position: int) -> Cell:
    base = "to_work_or_studies_by_age"
    exits = source.cell(base, group, "completed_exits")[position]
    to_work = source.cell(base, group, "to_work_or_studies")[position]
    return exits, to_work, ratio(to_work, exits)


def age_table(ctx: ReportContext, scope: Scope) -> Table:
    """Ålder vid inskrivning by kön: active, new and completed exits of the year."""
    notes = NoteBook()
    age_note = notes.ref(AGE_NOTE)
    groups = (
        ("active", "Aktiva under året"),
        ("new", "Nytillkomna"),
        ("completed_exits", "Avslut"),
    )
    columns = [Column(label, heading) for _, heading in groups for label in text.SEX_LABELS]
    rows = []
    for band, *_ in AGE_BANDS:
        values = [
            v for g, _ in groups for v in distribution_cell(scope.current, ["age_band", g], band)
        ]
        rows.append(Row(text.AGE_BAND_NAMES[band], tuple(values), age_note, level=1))
    totals = [v for group, _ in groups for v in scope.current.cell(group)]
    rows.append(Row("Totalt", tuple(totals), style=RowStyle.TOTAL))
    title = f"Ålder vid inskrivning {ctx.year}"
    return build_table(
        ctx, scope, ("age", title, "Ålder"), "Ålder", columns, rows, notes, compare=False
    )
