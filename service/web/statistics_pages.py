"""The analyst's and förbundschef's pages: the figures of a year or a period, the trend
over the years, charts with their numbers in a table beside them, and the annual export.

The query parameters are the API's (`year`, or `from` and `to`), so a page's address asks
the same question as GET /statistics, and the audit log reads its period the same way.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from service.application.access import require_association
from service.application.queries import READERS
from service.domain.errors import DomainError, InvalidValueError
from service.domain.facts import Period
from service.reporting.model import ChartSpec
from service.web import labels
from service.web.figures import (
    FIGURE_ROWS,
    figure_cells,
    period_charts,
    trend_chart,
    trend_rows,
)
from service.web.pages import HEADERS, audited, home_of, page, redirect, signed_in
from service.web.session import Viewer, container_of

router = APIRouter(include_in_schema=False)
EXPORT_FORMATS = (
    ("xlsx", "Excel (xlsx)"),
    ("docx", "Word (docx)"),
    ("html", "Webbsida (html)"),
    ("csv", "CSV-tabeller (zip)"),
    ("json", "JSON"),
)
# The trend covers at most this many years, up to the running one.
TREND_YEARS = 10


def _reader(request: Request) -> Viewer | None:
    """The signed-in analyst or admin; None for another role."""
    viewer = signed_in(request)
    return viewer if viewer.principal.role in {r.value for r in READERS} else None


def _question(request: Request, errors: dict[str, str]) -> tuple[Period | None, dict[str, str]]:
    """The period asked for (`year`, or `from` and `to`), with the fields as typed."""
    query = request.query_params
    asked = {name: query.get(name, "").strip() for name in ("year", "from", "to")}
    year, start, end = asked["year"], asked["from"], asked["to"]
    if year and (start or end):
        errors["year"] = "Fyll i antingen ett år eller en period, inte båda."
        return None, asked
    if year:
        if not re.fullmatch(r"[0-9]{4}", year):
            errors["year"] = "Ange året med fyra siffror, till exempel 2025."
            return None, asked
        if not 2000 <= int(year) <= 2100:
            errors["year"] = "Året ska vara 2000–2100."
            return None, asked
        return Period.year(int(year)), asked
    if not (start or end):
        return None, asked
    days: dict[str, date] = {}
    for name, text in (("from", start), ("to", end)):
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            errors[name] = "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-14."
    if errors:
        return None, asked
    try:
        return Period.checked(days["from"], days["to"]), asked
    except InvalidValueError:
        errors["to"] = "Periodens slut får inte vara före dess början."
        return None, asked


def _answer(request: Request, viewer: Viewer, period: Period, errors: dict[str, str]) -> Any:
    """The statistics answer, as GET /statistics gives it; None with an error beside the
    field when it is refused."""
    try:
        return container_of(request).queries.statistics(
            viewer.principal, viewer.principal.association_id or "", period
        )
    except DomainError as error:
        field = "year" if period.is_calendar_year else "from"
        errors[field] = (
            labels.refusal(error)
            if not isinstance(error, InvalidValueError)
            else "Perioden godtas inte (åren 2000–2100, och inte efter i dag)."
        )
    return None


def _period_text(period: Period) -> str:
    if period.is_calendar_year:
        return str(period.start.year)
    return f"{period.start.isoformat()}–{period.end.isoformat()}"


@router.get("/statistik", response_class=HTMLResponse)
def statistics(request: Request) -> Response:
    """The figures of a year or period per intervention and in total, by kön (hidden
    values as '..'), and the association's charts with their numbers beside them."""
    viewer = _reader(request)
    if viewer is None:
        return redirect(home_of(signed_in(request)))
    errors: dict[str, str] = {}
    period, asked = _question(request, errors)
    answer = None
    if period is not None:
        audited(request, viewer)
        answer = _answer(request, viewer, period, errors)
    scopes: list[dict[str, Any]] = []
    charts: tuple[Any, ...] = ()
    if answer is not None and period is not None:
        suppressed = set(answer["suppressed"])
        for index, scope in enumerate(answer["interventions"]):
            pointer = f"/interventions/{index}/measures"
            cells = figure_cells(scope["measures"], pointer, suppressed)
            scopes.append({"name": scope["name"], "cells": cells})
        total = figure_cells(answer["total"]["measures"], "/total/measures", suppressed)
        scopes.append({"name": "Hela förbundet", "cells": total})
        name = container_of(request).queries.association_name(answer["association"])
        charts = period_charts(answer, name, _period_text(period))
    return page(
        request, "statistics.html", viewer, asked=asked, errors=errors, scopes=scopes,
        rows=FIGURE_ROWS, answer=answer, formats=EXPORT_FORMATS, charts=charts,
        period_text=_period_text(period) if period else "",
        year=period.start.year if period and period.is_calendar_year else None,
        query=request.url.query,
    )  # fmt: skip


@router.get("/statistik/diagram/{key}.svg")
def chart(request: Request, key: str) -> Response:
    """One chart of the statistics page, drawn as the export draws it, in SVG."""
    viewer = _reader(request)
    errors: dict[str, str] = {}
    period, _ = _question(request, errors)
    if viewer is None or period is None:
        return Response(status_code=404)
    audited(request, viewer)
    answer = _answer(request, viewer, period, errors)
    if answer is None:
        return Response(status_code=404)
    name = container_of(request).queries.association_name(answer["association"])
    for spec in period_charts(answer, name, _period_text(period)):
        if spec.key == key:
            return _svg(spec)
    return Response(status_code=404)


def _svg(spec: ChartSpec) -> Response:
    """The chart without its title and note: the page has them as text beside it."""
    # matplotlib is imported when a chart is first drawn, not when a worker starts.
    from service.reporting.render.charts import render_chart_svg

    content = render_chart_svg(replace(spec, title="", note=""))
    headers = {k: v for k, v in HEADERS.items() if k != "Content-Security-Policy"}
    return Response(content, media_type="image/svg+xml", headers=headers)


def _trend(request: Request, viewer: Viewer) -> tuple[list[int], list[dict[str, Any]], str]:
    """The years with data, up to the running one, each year's answer, and the name."""
    container = container_of(request)
    aid = viewer.principal.association_id or ""
    require_association(viewer.principal, aid, write=False, roles=READERS)
    first = container.queries.first_data_date(aid)
    this_year = container.admin.today().year
    if first is None:
        return [], [], container.queries.association_name(aid)
    years = list(range(max(first.year, this_year - TREND_YEARS + 1), this_year + 1))
    answers = [container.queries.statistics(viewer.principal, aid, Period.year(y)) for y in years]
    return years, answers, container.queries.association_name(aid)


@router.get("/statistik/utveckling", response_class=HTMLResponse)
def trend(request: Request) -> Response:
    """Each headline measure per year, for the association, by kön, and a chart."""
    viewer = _reader(request)
    if viewer is None:
        return redirect(home_of(signed_in(request)))
    audited(request, viewer)
    years, answers, name = _trend(request, viewer)
    chart_spec = trend_chart(years, answers, name) if years else None
    return page(
        request, "trend.html", viewer, years=years, tables=trend_rows(answers),
        chart=chart_spec, answer=answers[-1] if answers else None,
    )  # fmt: skip


@router.get("/statistik/utveckling/diagram.svg")
def trend_chart_svg(request: Request) -> Response:
    """The trend page's chart, in SVG."""
    viewer = _reader(request)
    if viewer is None:
        return Response(status_code=404)
    audited(request, viewer)
    years, answers, name = _trend(request, viewer)
    if not years:
        return Response(status_code=404)
    return _svg(trend_chart(years, answers, name))


@router.get("/statistik/export/{year}/{fmt}")
def export(request: Request, year: int, fmt: str) -> Response:
    """The annual export, as the API's /reports/annual/{year} gives it."""
    viewer = signed_in(request)
    audited(request, viewer)
    aid = viewer.principal.association_id or ""
    if fmt not in dict(EXPORT_FORMATS):
        return page(request, "refused.html", viewer, status=404, title="Formatet finns inte.")
    if not 2000 <= year <= 2100:
        return page(request, "refused.html", viewer, status=404, title="Året finns inte.")
    try:
        require_association(viewer.principal, aid, write=False, roles=READERS)
        content, media_type, extension = container_of(request).annual_exports.export(
            aid, year, fmt, None
        )
    except DomainError as error:
        status = 422 if isinstance(error, InvalidValueError) else 403
        return page(request, "refused.html", viewer, status=status, title=labels.refusal(error))
    filename = f"uppfoljning-{aid}-{year}.{extension}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **HEADERS},
    )
