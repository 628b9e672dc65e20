"""The charts of the annual export, as specs of what to draw (render/charts.py draws)."""

from __future__ import annotations

from collections.abc import Sequence

from service.domain.codes import AGE_BANDS, UNKNOWN_SUPPORT, Support
from service.reporting import text
from service.reporting.answer import MeasureSource, days_to_months
from service.reporting.breakdowns import distribution_cell
from service.reporting.model import ChartKind, ChartSpec, Series, Unit
from service.reporting.tables import ReportContext, Scope

CHART_NOTE = "Värden som döljs av röjandekontrollen ritas inte; de märks .."


def report_charts(ctx: ReportContext, total: MeasureSource, section: str) -> tuple[ChartSpec, ...]:
    """The association's charts: utfall by kön, försörjning före/efter, age pyramid."""
    return (
        outcome_chart(ctx, total, section),
        _support_chart(ctx, total, section),
        _age_chart(ctx, total, section),
    )


OUTCOME_NOTE = (
    "Till arbete eller studier och mot mål: andel av avslut exklusive tidiga avhopp. "
    "Stegförflyttning: andel av avslut exklusive tidiga avhopp med en bedömning. "
)


def outcome_chart(
    ctx: ReportContext, total: MeasureSource, section: str, scope: tuple[str, str] | None = None
) -> ChartSpec:
    """Utfall by kön of the association, or of one intervention: scope is (key, name)."""
    key, name = scope or ("", "")
    measures = (
        ("share_to_work_or_studies", "Till arbete eller studier"),
        ("share_to_goal", "Mot mål"),
        ("share_progressed", "Stegförflyttning"),
    )
    series = tuple(
        Series(label, tuple(total.value(path, sex, unit=Unit.SHARE) for path, _ in measures))
        for sex, label in (("female", "Kvinnor"), ("male", "Män"), ("total", "Totalt"))
    )
    return ChartSpec(
        key=f"outcome-by-sex.{key}" if key else "outcome-by-sex",
        kind=ChartKind.GROUPED_BARS,
        title=f"{name or ctx.association_name} {ctx.when}: utfall vid avslut efter kön",
        section=section,
        categories=tuple(label for _, label in measures),
        series=series,
        value_label="Andel (%)",  # each measure's base is in the note
        note=OUTCOME_NOTE + CHART_NOTE,
    )


def _support_chart(ctx: ReportContext, total: MeasureSource, section: str) -> ChartSpec:
    codes = [s.value for s in Support] + [UNKNOWN_SUPPORT]
    series = tuple(
        Series(
            label,
            tuple(distribution_cell(total, ["support_before_after", c], moment)[0] for c in codes),
        )
        for moment, label in (("at_enrollment", "Vid inskrivning"), ("at_exit", "Vid avslut"))
    )
    return ChartSpec(
        key="support-before-after",
        kind=ChartKind.HORIZONTAL_BARS,
        title=f"{ctx.association_name} {ctx.when}: försörjning vid inskrivning och vid avslut",
        section=section,
        categories=tuple(text.SUPPORT_NAMES[c] for c in codes),
        series=series,
        value_label="Antal avslut exklusive tidiga avhopp",
        note=CHART_NOTE,
    )


def _age_chart(ctx: ReportContext, total: MeasureSource, section: str) -> ChartSpec:
    bands = [band for band, *_ in AGE_BANDS]
    series = tuple(
        Series(label, tuple(distribution_cell(total, ["age_band", "active"], b)[i] for b in bands))
        for i, label in ((1, "Kvinnor"), (2, "Män"))
    )
    return ChartSpec(
        key="age-pyramid",
        kind=ChartKind.PYRAMID,
        title=f"{ctx.association_name} {ctx.when}: aktiva deltagare efter ålder och kön",
        section=section,
        categories=tuple(text.AGE_BAND_NAMES[b] for b in bands),
        series=series,
        value_label="Antal aktiva under året",
        note=CHART_NOTE,
    )


def throughput_chart(ctx: ReportContext, scopes: Sequence[Scope], section: str) -> ChartSpec | None:
    """Genomströmningstid mot mål per insats by kön, beside the Översikt table of times:
    where a reader compares insatser. None with fewer than two insatser (the total says it)."""
    interventions = [scope for scope in scopes if not scope.is_total]
    if len(interventions) < 2:
        return None
    series = tuple(
        Series(
            label,
            tuple(
                scope.current.value(
                    "throughput_days_to_goal", "mean", sex, unit=Unit.MONTHS, convert=days_to_months
                )
                for scope in interventions
            ),
        )
        for sex, label in (("female", "Kvinnor"), ("male", "Män"), ("total", "Totalt"))
    )
    return ChartSpec(
        key="throughput-by-intervention",
        kind=ChartKind.GROUPED_BARS,
        title=f"{ctx.association_name} {ctx.year}: genomströmningstid mot mål per insats",
        section=section,
        categories=tuple(scope.name for scope in interventions),
        series=series,
        value_label="Månader, medelvärde",
        note=f"{text.THROUGHPUT_NOTE} {CHART_NOTE}",
    )
