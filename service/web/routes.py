"""The web pages (product.md §11): Swedish, server-rendered, on the application layer.

Every page calls the same commands and queries as the API routes; a refusal (a domain
error) is shown beside its field in Swedish and nothing is written. Forms are plain HTML
posts that work without JavaScript, except the inskrivning, whose pseudonym is made in the
browser (static/pseudonym.js). docs/web.md has the decisions.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from service.application.access import require_association, require_enrollment
from service.application.queries import READERS
from service.domain.codes import Role
from service.domain.errors import DomainError, InvalidValueError, NotFoundError
from service.domain.facts import Period
from service.domain.personnummer_guard import MESSAGE as IDENTITY_MESSAGE
from service.domain.personnummer_guard import contains_identity_number
from service.web import labels
from service.web.figures import FIGURE_ROWS, figure_cells
from service.web.session import (
    LOGIN_CSRF_COOKIE,
    CsrfRefused,
    SignInRequired,
    Viewer,
    check_csrf,
    clear_session_cookie,
    container_of,
    current_viewer,
    login_token,
    require_viewer,
    set_login_cookie,
    set_session_cookie,
)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    SEX_NAMES=labels.SEX_NAMES,
    ROLE_NAMES=labels.ROLE_NAMES,
    KIND_NAMES=labels.KIND_NAMES,
    EVENT_NAMES=labels.EVENT_NAMES,
    SUPPORT_NAMES=labels.SUPPORT_NAMES,
    SUPPORT_CHOICES=labels.SUPPORT_CHOICES,
    EDUCATION_NAMES=labels.EDUCATION_CHOICES,
    EXIT_REASON_NAMES=labels.EXIT_REASON_CHOICES,
)

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
Codes = Annotated[list[str], Form()]
EXPORT_FORMATS = (
    ("xlsx", "Excel (xlsx)"),
    ("docx", "Word (docx)"),
    ("html", "Webbsida (html)"),
    ("csv", "CSV-tabeller (zip)"),
    ("json", "JSON"),
)
# An enrollment with no event for this long needs attention (product.md §11).
QUIET_DAYS = 182
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and their two exceptions on `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        target = "/?utgangen=1" if exc.expired else "/"
        response = RedirectResponse(target, status_code=303)
        clear_session_cookie(response)
        return response

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return _page(request, "refused.html", None, status=403, title="Formuläret godtogs inte")

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)


def _page(
    request: Request, template: str, viewer: Viewer | None, status: int = 200, **context: Any
) -> HTMLResponse:
    if isinstance(context.get("values"), dict):  # a refused personnummer is never echoed
        context["values"] = {k: _unechoed(v) for k, v in context["values"].items()}
    response = templates.TemplateResponse(
        request, template, {"viewer": viewer, **context}, status_code=status
    )
    response.headers.update(_HEADERS)
    return response


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _signed_in(request: Request, csrf: str | None = None) -> Viewer:
    viewer = require_viewer(request)
    if csrf is not None:
        check_csrf(viewer.csrf, csrf)
    return viewer


def _home_of(viewer: Viewer) -> str:
    role = viewer.principal.role
    if role == Role.COACH:
        return "/insatser"
    if role == Role.ANALYST:
        return "/statistik"
    if role == Role.ASSOCIATION_ADMIN:
        return "/admin"
    return "/system"


# --- start, sign-in, sign-out, accessibility ------------------------------------------


@router.get("/", response_class=HTMLResponse)
def start(request: Request) -> Response:
    """What the service is, how to get a key, and the sign-in form."""
    viewer = current_viewer(request)
    notice = None
    if request.query_params.get("utgangen"):
        notice = "Din session har gått ut. Logga in igen."
    elif request.query_params.get("utloggad"):
        notice = "Du är utloggad."
    token = login_token(request) if viewer is None else ""
    response = _page(request, "start.html", viewer, notice=notice, errors={}, login_csrf=token)
    if viewer is None:
        set_login_cookie(request, response, token)
    return response


@router.post("/logga-in")
def sign_in(request: Request, key: Text = "", csrf: Text = "") -> Response:
    """A personal key in, a session cookie out; the key is not kept in the browser."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected:
        raise CsrfRefused()
    check_csrf(expected, csrf)
    opened = container_of(request).sessions.sign_in(key)
    if opened is None:
        errors = {"key": "Nyckeln är okänd eller återkallad. Kontrollera att du klistrat in hela."}
        return _page(request, "start.html", None, status=401, errors=errors, notice=None,
                     login_csrf=expected)  # fmt: skip
    session_id, _, _ = opened
    redirect = _redirect("/hem")
    set_session_cookie(request, redirect, session_id)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return redirect


@router.post("/logga-ut")
def sign_out(request: Request, csrf: Text = "") -> Response:
    """End the session."""
    viewer = _signed_in(request, csrf)
    container_of(request).sessions.sign_out(viewer.session_id)
    response = _redirect("/?utloggad=1")
    clear_session_cookie(response)
    return response


@router.get("/hem")
def home(request: Request) -> Response:
    """Each role's first page."""
    return _redirect(_home_of(_signed_in(request)))


@router.get("/tillganglighet", response_class=HTMLResponse)
def accessibility(request: Request) -> Response:
    """Tillgänglighetsredogörelse."""
    return _page(request, "accessibility.html", current_viewer(request))


@router.get("/system", response_class=HTMLResponse)
def system_page(request: Request) -> Response:
    """System administrators work with the CLI and the API."""
    return _page(request, "system.html", _signed_in(request))


# --- coach -----------------------------------------------------------------------------


def _my_interventions(request: Request, viewer: Viewer) -> list[dict[str, Any]]:
    principal = viewer.principal
    rows = container_of(request).queries.interventions(principal, principal.association_id or "")
    return [r for r in rows if r["intervention_id"] in principal.interventions]


def _intervention(request: Request, viewer: Viewer, iid: str) -> dict[str, Any]:
    for row in _my_interventions(request, viewer):
        if row["intervention_id"] == iid:
            return row
    raise NotFoundError(f"intervention {iid!r} was not found")


@router.get("/insatser", response_class=HTMLResponse)
def my_interventions(request: Request) -> Response:
    """A coach's interventions."""
    viewer = _signed_in(request)
    if viewer.principal.role != Role.COACH:
        return _redirect(_home_of(viewer))
    rows = _my_interventions(request, viewer)
    return _page(request, "interventions.html", viewer, interventions=rows)


def _attention(row: dict[str, Any], intervention: dict[str, Any], today: date) -> list[str]:
    notes = []
    last_event = row["recorded_from"]
    if datetime.now(UTC).replace(tzinfo=None) - last_event >= timedelta(days=QUIET_DAYS):
        notes.append("Ingen händelse på minst 6 månader")
    ends_on = intervention.get("closed_on") or intervention.get("ends_on")
    if ends_on is not None and ends_on < today:
        notes.append("Insatsen har upphört")
    return notes


_SORTS = {
    "inskrivning": lambda r: (r["enrolled_on"], r["enrollment_id"]),
    "pseudonym": lambda r: r["pseudonym"],
    "senast": lambda r: r["recorded_from"],
}


@router.get("/insatser/{iid}", response_class=HTMLResponse)
def open_enrollments(request: Request, iid: str, sortera: str = "inskrivning") -> Response:
    """The intervention's open enrollments, with what needs attention."""
    viewer = _signed_in(request)
    container = container_of(request)
    try:
        intervention = _intervention(request, viewer, iid)
        rows = container.queries.enrollments(
            viewer.principal, viewer.principal.association_id or "", iid, "open"
        )
    except DomainError as error:
        return _page(request, "refused.html", viewer, status=404, title=labels.refusal(error))
    today = container.enrollments.today()
    rows.sort(key=_SORTS.get(sortera, _SORTS["inskrivning"]))
    for row in rows:
        row["attention"] = _attention(row, intervention, today)
    return _page(
        request, "enrollments.html", viewer, intervention=intervention, rows=rows, sort=sortera
    )


def _enroll_form(
    request: Request,
    viewer: Viewer,
    intervention: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return _page(
        request, "enroll.html", viewer, status=status, intervention=intervention,
        values=values, errors=errors, today=container_of(request).enrollments.today(),
    )  # fmt: skip


@router.get("/insatser/{iid}/inskrivning", response_class=HTMLResponse)
def enroll_form(request: Request, iid: str) -> Response:
    """The inskrivning form."""
    viewer = _signed_in(request)
    try:
        intervention = _intervention(request, viewer, iid)
    except DomainError as error:
        return _page(request, "refused.html", viewer, status=404, title=labels.refusal(error))
    values = {"id": str(uuid4()), "support": []}
    return _enroll_form(request, viewer, intervention, values, {})


def _parse_date(name: str, value: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-14."
        return None


def _parse_int(name: str, value: str, errors: dict[str, str], required: bool) -> int | None:
    value = value.strip()
    if not value:
        if required:
            errors[name] = "Fyll i ett heltal."
        return None
    if not re.fullmatch(r"[0-9]{1,4}", value):
        errors[name] = "Fyll i ett heltal (0 eller mer)."
        return None
    return int(value)


def _required(name: str, value: str, errors: dict[str, str], message: str) -> str:
    """A required text field; a personnummer in it is refused as the API refuses it."""
    if not value.strip():
        errors[name] = message
    elif contains_identity_number(value):
        errors[name] = IDENTITY_MESSAGE[0].upper() + IDENTITY_MESSAGE[1:] + "."
    return value.strip()


def _unechoed(value: Any) -> Any:
    """A form value to show again: blank when it holds a personnummer."""
    return "" if isinstance(value, str) and contains_identity_number(value) else value


def _refused(error: DomainError, fields: set[str], errors: dict[str, str]) -> None:
    errors[labels.field_of(error, fields)] = labels.refusal(error)


@router.post("/insatser/{iid}/inskrivning", response_class=HTMLResponse)
def enroll(
    request: Request,
    iid: str,
    csrf: Text = "",
    id: Text = "",
    pseudonym: Text = "",
    enrolled_on: Text = "",
    sex: Text = "",
    birth_year: Text = "",
    education: Text = "",
    municipality: Text = "",
    support: Codes = [],  # noqa: B006 - FastAPI copies defaults
    months_on_public_support: Text = "",
) -> Response:
    """Inskrivning through EnrollmentCommands.enroll, as the API's."""
    viewer = _signed_in(request, csrf)
    container = container_of(request)
    try:
        intervention = _intervention(request, viewer, iid)
    except DomainError as error:
        return _page(request, "refused.html", viewer, status=404, title=labels.refusal(error))
    values = {
        "id": id, "pseudonym": pseudonym, "enrolled_on": enrolled_on, "sex": sex,
        "birth_year": birth_year, "education": education, "municipality": municipality,
        "support": support, "months_on_public_support": months_on_public_support,
    }  # fmt: skip
    errors: dict[str, str] = {}
    _required(
        "pseudonym", pseudonym, errors,
        "Pseudonymen saknas: fyll i personnumret och öppna nyckelfilen (kräver JavaScript).",
    )  # fmt: skip
    body: dict[str, Any] = {
        "pseudonym": pseudonym.strip(),
        "enrolled_on": _parse_date("enrolled_on", enrolled_on, errors),
        "sex": _required("sex", sex, errors, "Välj kön."),
        "birth_year": _parse_int("birth_year", birth_year, errors, required=True),
        "education": _required("education", education, errors, "Välj utbildningsnivå."),
        "support": sorted(support),
    }
    if municipality.strip():
        body["municipality"] = municipality.strip()
    months = _parse_int("months_on_public_support", months_on_public_support, errors, False)
    if months is not None:
        body["months_on_public_support"] = months
    try:
        enrollment_id = UUID(id)
    except ValueError:
        enrollment_id = uuid4()
    if not errors:
        try:
            result = container.enrollments.enroll(
                viewer.principal, viewer.principal.association_id or "", iid, body,
                enrollment_id=enrollment_id,
            )  # fmt: skip
        except DomainError as error:
            _refused(error, set(values), errors)
        else:
            return _redirect(f"/inskrivningar/{result.id}?klart=inskriven")
    return _enroll_form(request, viewer, intervention, values, errors, status=422)


def _enrollment_page(
    request: Request,
    viewer: Viewer,
    eid: UUID,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    container = container_of(request)
    try:
        enrollment = container.enrollments.load(eid)
        require_enrollment(viewer.principal, enrollment.facts, write=False)
    except DomainError as error:
        return _page(request, "refused.html", viewer, status=404, title=labels.refusal(error))
    facts = enrollment.facts
    events = [
        {
            "version": e.originator_version,
            "type": type(e).__name__,
            "recorded_at": getattr(e, "timestamp", None),
            "recorded_by": getattr(e, "recorded_by", ""),
        }
        for e in container.store.events.get(enrollment.id)
    ]
    done = {
        "inskriven": "Deltagaren är inskriven.",
        "avslutad": "Avslutet är registrerat.",
        "bytt": "Bytet av försörjning är registrerat.",
        "makulerad": "Inskrivningen är makulerad.",
        "rattad": "Rättelsen är registrerad.",
        "angrad": "Avslutet är ångrat; inskrivningen pågår igen.",
    }.get(request.query_params.get("klart", ""))
    return _page(
        request, "enrollment.html", viewer, status=status, enrollment=enrollment, facts=facts,
        events=events, errors=errors or {}, values=values or {}, done=done,
        today=container.enrollments.today(),
    )  # fmt: skip


@router.get("/inskrivningar/{eid}", response_class=HTMLResponse)
def enrollment_page(request: Request, eid: UUID) -> Response:
    """One enrollment: its state, its history (who and when) and its forms."""
    return _enrollment_page(request, _signed_in(request), eid)


def _write(
    request: Request,
    viewer: Viewer,
    eid: UUID,
    command: str,
    body: dict[str, Any],
    errors: dict[str, str],
    version: str,
    done: str,
    prefix: str = "",
    values: dict[str, Any] | None = None,
) -> Response:
    """Run one enrollment command; a refusal goes beside its field (ids `prefix` + field)."""
    values = values if values is not None else dict(body)
    if not errors:
        handler = getattr(container_of(request).enrollments, command)
        if_match = int(version) if version.isdigit() else None
        try:
            handler(viewer.principal, eid, body, if_match=if_match)
        except DomainError as error:
            field = labels.field_of(error, {*body, *values})
            errors[prefix + field if field != "form" else "form"] = labels.refusal(error)
        else:
            return _redirect(f"/inskrivningar/{eid}?klart={done}")
    return _enrollment_page(request, viewer, eid, errors, values, status=422)


@router.post("/inskrivningar/{eid}/avslut", response_class=HTMLResponse)
def record_exit(
    request: Request,
    eid: UUID,
    csrf: Text = "",
    version: Text = "",
    exited_on: Text = "",
    reason: Text = "",
    support_at_exit: Codes = [],  # noqa: B006
    progressed: Text = "",
) -> Response:
    """Avslut."""
    viewer = _signed_in(request, csrf)
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "exited_on": _parse_date("exited_on", exited_on, errors),
        "reason": _required("reason", reason, errors, "Välj avslutsorsak."),
        "support_at_exit": sorted(support_at_exit),
    }
    if progressed in ("ja", "nej"):
        body["progressed"] = progressed == "ja"
    return _write(request, viewer, eid, "record_exit", body, errors, version, "avslutad")


@router.post("/inskrivningar/{eid}/forsorjning", response_class=HTMLResponse)
def change_support(
    request: Request,
    eid: UUID,
    csrf: Text = "",
    version: Text = "",
    changed_on: Text = "",
    support: Codes = [],  # noqa: B006
) -> Response:
    """Byte av försörjning."""
    viewer = _signed_in(request, csrf)
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "changed_on": _parse_date("changed_on", changed_on, errors),
        "support": sorted(support),
    }
    return _write(request, viewer, eid, "change_support", body, errors, version, "bytt")


@router.post("/inskrivningar/{eid}/makulering", response_class=HTMLResponse)
def void(
    request: Request, eid: UUID, csrf: Text = "", version: Text = "", why: Text = ""
) -> Response:
    """Makulering, with its reason."""
    viewer = _signed_in(request, csrf)
    errors: dict[str, str] = {}
    body = {"why": _required("why", why, errors, "Skriv varför inskrivningen makuleras.")}
    return _write(request, viewer, eid, "void", body, errors, version, "makulerad")


@router.post("/inskrivningar/{eid}/rattelse", response_class=HTMLResponse)
def correct(
    request: Request,
    eid: UUID,
    csrf: Text = "",
    version: Text = "",
    enrolled_on: Text = "",
    education: Text = "",
    municipality: Text = "",
    support: Codes = [],  # noqa: B006
    exited_on: Text = "",
    reason: Text = "",
) -> Response:
    """Rättelse: only the fields that differ from what is recorded are sent."""
    viewer = _signed_in(request, csrf)
    container = container_of(request)
    try:
        facts = container.enrollments.load(eid).facts
        require_enrollment(viewer.principal, facts, write=False)
    except DomainError as error:
        return _page(request, "refused.html", viewer, status=404, title=labels.refusal(error))
    errors: dict[str, str] = {}
    values = {
        "enrolled_on": enrolled_on, "education": education, "municipality": municipality,
        "support": support, "exited_on": exited_on, "reason": reason,
    }  # fmt: skip
    body: dict[str, Any] = {}
    new_enrolled_on = _parse_date("r-enrolled_on", enrolled_on, errors)
    if new_enrolled_on is not None and new_enrolled_on != facts.enrolled_on:
        body["enrolled_on"] = new_enrolled_on
    if education and education != facts.education:
        body["education"] = education
    if (municipality.strip() or None) != facts.municipality:
        body["municipality"] = municipality.strip() or None
    if sorted(support) != sorted(facts.support_at_enrollment):
        body["support"] = sorted(support)
    if facts.exited_on is not None:
        new_exited_on = _parse_date("r-exited_on", exited_on, errors)
        if new_exited_on is not None and new_exited_on != facts.exited_on:
            body["exited_on"] = new_exited_on
        if reason and reason != facts.exit_reason:
            body["reason"] = reason
    if not body and not errors:
        errors["form"] = "Inget är ändrat. Ändra minst en uppgift för att rätta."
    return _write(
        request, viewer, eid, "correct", body, errors, version, "rattad", "r-",
        {"correction": values},
    )  # fmt: skip


@router.post("/inskrivningar/{eid}/angra-avslut", response_class=HTMLResponse)
def retract_exit(
    request: Request, eid: UUID, csrf: Text = "", version: Text = "", why: Text = ""
) -> Response:
    """Ångra avslut, with its reason."""
    viewer = _signed_in(request, csrf)
    errors: dict[str, str] = {}
    body = {"why": _required("retract-why", why, errors, "Skriv varför avslutet ångras.")}
    return _write(
        request, viewer, eid, "retract_exit", body, errors, version, "angrad", "retract-",
        {"retract_why": why},
    )  # fmt: skip


# --- analyst and association admin: statistics and the export ---------------------------


@router.get("/statistik", response_class=HTMLResponse)
def statistics(request: Request, ar: str = "") -> Response:
    """The figures of a year per intervention and in total, by kön, hidden values as '..'."""
    viewer = _signed_in(request)
    container = container_of(request)
    aid = viewer.principal.association_id or ""
    errors: dict[str, str] = {}
    answer = None
    scopes: list[dict[str, Any]] = []
    year: int | None = None
    if ar:
        if re.fullmatch(r"[0-9]{4}", ar.strip()):
            year = int(ar)
        else:
            errors["year"] = "Ange året med fyra siffror, till exempel 2025."
    if year is not None:
        try:
            answer = container.queries.statistics(viewer.principal, aid, Period.year(year))
        except (DomainError, ValueError) as error:
            errors["year"] = (
                labels.refusal(error)
                if isinstance(error, DomainError) and not isinstance(error, InvalidValueError)
                else "Året godtas inte (2000–2100, och inte efter i år)."
            )
    if answer is not None:
        suppressed = set(answer["suppressed"])
        for index, scope in enumerate(answer["interventions"]):
            pointer = f"/interventions/{index}/measures"
            scopes.append(
                {
                    "name": scope["name"],
                    "cells": figure_cells(scope["measures"], pointer, suppressed),
                }
            )
        scopes.append(
            {
                "name": "Hela förbundet",
                "cells": figure_cells(answer["total"]["measures"], "/total/measures", suppressed),
            }
        )
    elif not errors and viewer.principal.role not in {r.value for r in READERS}:
        return _redirect(_home_of(viewer))
    return _page(
        request, "statistics.html", viewer, year=ar, errors=errors, scopes=scopes,
        rows=FIGURE_ROWS, answer=answer, formats=EXPORT_FORMATS,
    )  # fmt: skip


@router.get("/statistik/export/{year}/{fmt}")
def export(request: Request, year: int, fmt: str) -> Response:
    """The annual export, as the API's /reports/annual/{year} gives it."""
    viewer = _signed_in(request)
    aid = viewer.principal.association_id or ""
    if fmt not in dict(EXPORT_FORMATS) or not 2000 <= year <= 2100:
        return _page(request, "refused.html", viewer, status=404, title="Formatet finns inte.")
    try:
        require_association(viewer.principal, aid, write=False, roles=READERS)
        content, media_type, extension = container_of(request).annual_exports.export(
            aid, year, fmt, None
        )
    except DomainError as error:
        return _page(request, "refused.html", viewer, status=403, title=labels.refusal(error))
    filename = f"uppfoljning-{aid}-{year}.{extension}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **_HEADERS},
    )


# --- association admin: interventions and keys ----------------------------------------


def _admin_page(
    request: Request,
    viewer: Viewer,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    container = container_of(request)
    aid = viewer.principal.association_id or ""
    interventions = container.queries.interventions(viewer.principal, aid)
    keys = container.admin.keys(viewer.principal, aid)
    done = {
        "insats": "Insatsen är registrerad.",
        "aterkallad": "Nyckeln är återkallad. Den fungerar inte längre.",
    }.get(request.query_params.get("klart", ""))
    return _page(
        request, "admin.html", viewer, status=status, interventions=interventions, keys=keys,
        errors=errors or {}, values=values or {}, done=done, **extra,
    )  # fmt: skip


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> Response:
    """Interventions and personal keys of the association."""
    viewer = _signed_in(request)
    if viewer.principal.role != Role.ASSOCIATION_ADMIN:
        return _redirect(_home_of(viewer))
    return _admin_page(request, viewer)


@router.post("/admin/insatser", response_class=HTMLResponse)
def create_intervention(
    request: Request,
    csrf: Text = "",
    id: Text = "",
    name: Text = "",
    kind: Text = "individual",
    starts_on: Text = "",
    ends_on: Text = "",
) -> Response:
    """Register an intervention."""
    viewer = _signed_in(request, csrf)
    errors: dict[str, str] = {}
    values = {"id": id, "name": name, "kind": kind, "starts_on": starts_on, "ends_on": ends_on}
    if not _SLUG.fullmatch(id.strip()):
        errors["id"] = "Kortnamnet ska vara 2–63 små bokstäver a–z, siffror och bindestreck."
    _required("name", name, errors, "Skriv insatsens namn.")
    fields: dict[str, Any] = {
        "id": id.strip(), "name": name.strip(), "kind": kind,
        "starts_on": _parse_date("starts_on", starts_on, errors),
        "ends_on": _parse_date("ends_on", ends_on, errors) if ends_on.strip() else None,
    }  # fmt: skip
    if kind not in labels.KIND_NAMES:
        errors["kind"] = "Välj typ av insats."
    if not errors:
        try:
            container_of(request).admin.register_intervention(
                viewer.principal, viewer.principal.association_id or "", fields
            )
        except DomainError as error:
            _refused(error, set(values), errors)
        else:
            return _redirect("/admin?klart=insats")
    return _admin_page(request, viewer, errors, {"intervention": values}, status=422)


@router.post("/admin/nycklar", response_class=HTMLResponse)
def create_key(
    request: Request,
    csrf: Text = "",
    name: Text = "",
    role: Text = "",
    interventions: Codes = [],  # noqa: B006
) -> Response:
    """Issue a personal key; it is shown on this page only."""
    viewer = _signed_in(request, csrf)
    errors: dict[str, str] = {}
    values = {"name": name, "role": role, "interventions": interventions}
    _required("name", name, errors, "Skriv vems nyckeln är.")
    if role not in ("coach", "analyst", "association_admin"):
        errors["role"] = "Välj roll."
    if not errors:
        try:
            key_id, key = container_of(request).admin.create_key(
                viewer.principal, viewer.principal.association_id or "", name.strip(), role,
                sorted(interventions) if role == Role.COACH else [],
            )  # fmt: skip
        except DomainError as error:
            _refused(error, set(values), errors)
        else:
            return _admin_page(
                request, viewer, new_key={"id": key_id, "key": key, "name": name.strip()}
            )
    return _admin_page(request, viewer, errors, {"key": values}, status=422)


@router.post("/admin/nycklar/{kid}/aterkalla", response_class=HTMLResponse)
def revoke_key(request: Request, kid: str, csrf: Text = "") -> Response:
    """Revoke a key at once (its sessions end at their next request)."""
    viewer = _signed_in(request, csrf)
    try:
        container_of(request).admin.revoke_key(
            viewer.principal, viewer.principal.association_id or "", kid
        )
    except DomainError as error:
        return _admin_page(request, viewer, {"keys": labels.refusal(error)}, status=422)
    return _redirect("/admin?klart=aterkallad")
