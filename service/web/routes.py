"""The web pages (product.md §11): Swedish, server-rendered, on the application layer.

Every page calls the same commands and queries as the API routes; a refusal (a domain
error) is shown beside its field in Swedish and nothing is written. Forms are plain HTML
posts that work without JavaScript, except the inskrivning, whose pseudonym is made in the
browser (static/pseudonym.js). This module has the start page, sign-in and the coach's
pages; statistics_pages.py and admin_pages.py the others. docs/web.md has the decisions.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from service.application.access import require_enrollment
from service.domain.codes import Role
from service.domain.errors import DomainError, NotFoundError
from service.route_methods import methods_at
from service.web import admin_pages, labels, statistics_pages
from service.web.pages import (
    HERE,
    SEE_OTHER,
    Codes,
    Text,
    audited,
    home_of,
    page,
    parse_date,
    parse_int,
    redirect,
    refused,
    refused_page,
    required,
    signed_in,
)
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
    set_login_cookie,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)
# An enrollment with no event for this long needs attention (product.md §11).
QUIET_DAYS = 182


# Paths that are not the pages': the API, its documents and the health checks.
_NOT_PAGES = ("/api/", "/docs", "/openapi.json", "/health", "/ready")
ErrorHandler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _page_or(problem: ErrorHandler) -> ErrorHandler:
    """The framework's error as a Swedish page on the pages' paths, and as `problem`
    (problem+json) elsewhere. A browser meets them: an address typed wrong, or a form's
    address reloaded after a refusal (a GET of a path that only takes POST)."""

    async def handler(request: Request, error: Exception) -> Response:
        path = request.url.path
        if path.startswith(_NOT_PAGES):
            answer = problem(request, error)
            return await answer if inspect.isawaitable(answer) else answer
        status = getattr(error, "status_code", 422)
        if status == 405 and request.method in ("GET", "HEAD"):
            return redirect(_page_above(request, path))  # the page the form is on
        if status in (404, 405, 422):  # 422: an id or a year in the path that is none
            return page(request, "refused.html", None, status=404, title="Sidan finns inte")
        return page(request, "refused.html", None, status=status, title="Något gick fel")

    return handler


def _page_above(request: Request, path: str) -> str:
    """The nearest address above `path` that a page answers: `/admin` for
    `/admin/nycklar/{kid}/aterkalla`, `/` for `/logga-in`."""
    while path.count("/") > 1:
        path = path.rsplit("/", 1)[0]
        if "GET" in methods_at(request.app.routes, path):
            return path
    return "/"


def install(app: FastAPI, problems: Mapping[type[Exception], ErrorHandler]) -> None:
    """Mount the pages, their static files and their exceptions on `app`; the errors of
    `problems` answer as the pages' own on their paths (see `_page_or`)."""
    app.include_router(router)
    app.include_router(statistics_pages.router)
    app.include_router(admin_pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        target = "/?utgangen=1" if exc.expired else "/"
        response = redirect(target)
        clear_session_cookie(response)
        return response

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return page(request, "refused.html", None, status=403, title="Formuläret godtogs inte")

    async def not_admin(request: Request, exc: Exception) -> Response:
        return admin_pages.not_admin_page(request)

    app.add_exception_handler(admin_pages.NotAdmin, not_admin)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    for kind, problem in problems.items():
        app.add_exception_handler(kind, _page_or(problem))


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
    response = page(request, "start.html", viewer, notice=notice, errors={}, login_csrf=token)
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
        return page(request, "start.html", None, status=401, errors=errors, notice=None,
                    login_csrf=expected)  # fmt: skip
    session_id, _, principal = opened
    audited(request, principal)  # who signed in, and when
    response = redirect("/hem")
    set_session_cookie(request, response, session_id)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logga-ut")
def sign_out(request: Request, csrf: Text = "") -> Response:
    """End the session."""
    viewer = signed_in(request, csrf)
    container_of(request).sessions.sign_out(viewer.session_id)
    response = redirect("/?utloggad=1")
    clear_session_cookie(response)
    return response


@router.get("/hem")
def home(request: Request) -> Response:
    """Each role's first page."""
    return redirect(home_of(signed_in(request)))


@router.get("/tillganglighet", response_class=HTMLResponse)
def accessibility(request: Request) -> Response:
    """Tillgänglighetsredogörelse."""
    return page(request, "accessibility.html", current_viewer(request))


@router.get("/system", response_class=HTMLResponse)
def system_page(request: Request) -> Response:
    """System administrators work with the CLI and the API."""
    return page(request, "system.html", signed_in(request))


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
    viewer = signed_in(request)
    if viewer.principal.role != Role.COACH:
        return redirect(home_of(viewer))
    rows = _my_interventions(request, viewer)
    return page(request, "interventions.html", viewer, interventions=rows)


MISSING_EXIT_SUPPORT = "Försörjning vid avslut saknas"


# What an open enrollment may lack that the statistics count as "Uppgift saknas".
_MISSING_DATA = (
    ("education", lambda value: value == "unknown", "utbildningsnivå"),
    ("municipality", lambda value: not value, "kommun"),
    ("support_at_enrollment", lambda value: not value, "försörjning vid inskrivning"),
)


def _attention(row: dict[str, Any], intervention: dict[str, Any], today: date) -> list[str]:
    """What needs attention (product.md §11): quiet for 6 months or more, past the
    intervention's end, data the statistics miss, or an exit without the support it ended
    with."""
    notes = []
    if row["exited_on"] is not None:
        if not row["support_at_exit"]:  # '' (nothing known) or None
            notes.append(MISSING_EXIT_SUPPORT)
        return notes
    missing = [name for field, lacks, name in _MISSING_DATA if lacks(row[field])]
    if missing:
        notes.append("Uppgift saknas: " + ", ".join(missing))
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
    """The intervention's open enrollments, with what needs attention, and the exited
    ones whose support at exit is missing."""
    viewer = signed_in(request)
    audited(request, viewer)
    container = container_of(request)
    aid = viewer.principal.association_id or ""
    try:
        intervention = _intervention(request, viewer, iid)
        rows = container.queries.enrollments(viewer.principal, aid, iid, "open")
        exited = container.queries.enrollments(viewer.principal, aid, iid, "exited")
    except DomainError as error:
        return refused_page(request, viewer, error)
    today = container.enrollments.today()
    rows.sort(key=_SORTS.get(sortera, _SORTS["inskrivning"]))
    for row in rows:
        row["attention"] = _attention(row, intervention, today)
    incomplete = [r for r in exited if not r["support_at_exit"]]
    incomplete.sort(key=lambda r: (r["exited_on"], r["enrollment_id"]))
    for row in incomplete:
        row["attention"] = _attention(row, intervention, today)
    return page(
        request, "enrollments.html", viewer, intervention=intervention, rows=rows,
        incomplete=incomplete, sort=sortera,
    )  # fmt: skip


def _enroll_form(
    request: Request,
    viewer: Viewer,
    intervention: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return page(
        request, "enroll.html", viewer, status=status, intervention=intervention,
        values=values, errors=errors, today=container_of(request).enrollments.today(),
    )  # fmt: skip


@router.get("/insatser/{iid}/inskrivning", response_class=HTMLResponse)
def enroll_form(request: Request, iid: str) -> Response:
    """The inskrivning form."""
    viewer = signed_in(request)
    try:
        intervention = _intervention(request, viewer, iid)
    except DomainError as error:
        return refused_page(request, viewer, error)
    values = {"id": str(uuid4()), "support": []}
    return _enroll_form(request, viewer, intervention, values, {})


@router.post("/insatser/{iid}/inskrivning", response_class=HTMLResponse, status_code=SEE_OTHER)
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
    viewer = signed_in(request, csrf)
    container = container_of(request)
    try:
        intervention = _intervention(request, viewer, iid)
    except DomainError as error:
        return refused_page(request, viewer, error)
    values = {
        "id": id, "pseudonym": pseudonym, "enrolled_on": enrolled_on, "sex": sex,
        "birth_year": birth_year, "education": education, "municipality": municipality,
        "support": support, "months_on_public_support": months_on_public_support,
    }  # fmt: skip
    errors: dict[str, str] = {}
    required(
        "pseudonym", pseudonym, errors,
        "Pseudonymen saknas: fyll i personnumret och öppna nyckelfilen (kräver JavaScript).",
    )  # fmt: skip
    body: dict[str, Any] = {
        "pseudonym": pseudonym.strip(),
        "enrolled_on": parse_date("enrolled_on", enrolled_on, errors),
        "sex": required("sex", sex, errors, "Välj kön."),
        "birth_year": parse_int("birth_year", birth_year, errors, required=True),
        "education": required("education", education, errors, "Välj utbildningsnivå."),
        "support": sorted(support),
    }
    if municipality.strip():
        body["municipality"] = municipality.strip()
    months = parse_int("months_on_public_support", months_on_public_support, errors, False)
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
            refused(error, set(values), errors)
        else:
            return redirect(f"/inskrivningar/{result.id}?klart=inskriven")
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
        return refused_page(request, viewer, error)
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
    return page(
        request, "enrollment.html", viewer, status=status, enrollment=enrollment, facts=facts,
        events=events, errors=errors or {}, values=values or {}, done=done,
        today=container.enrollments.today(),
    )  # fmt: skip


@router.get("/inskrivningar/{eid}", response_class=HTMLResponse)
def enrollment_page(request: Request, eid: UUID) -> Response:
    """One enrollment: its state, its history (who and when) and its forms."""
    viewer = signed_in(request)
    audited(request, viewer)
    return _enrollment_page(request, viewer, eid)


# A form's fields (with who posts them, and the errors dict to fill) → the command's body.
Parse = Callable[[Viewer, dict[str, str]], dict[str, Any]]


def _enrollment_command(
    request: Request,
    eid: UUID,
    csrf: str,
    version: str,
    command: str,
    done: str,
    parse: Parse,
    *,
    prefix: str = "",
    values: dict[str, Any] | None = None,
) -> Response:
    """One enrollment form's post, for all of them: signed in and CSRF-checked (and so
    audited), the fields parsed into the command's body, the command run as the API runs
    it (with the form's version as If-Match); a refusal goes beside its field (ids
    `prefix` + field) and nothing is written."""
    viewer = signed_in(request, csrf)
    errors: dict[str, str] = {}
    try:
        body = parse(viewer, errors)
    except DomainError as error:  # the enrollment is not the viewer's to change
        return refused_page(request, viewer, error)
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
            return redirect(f"/inskrivningar/{eid}?klart={done}")
    return _enrollment_page(request, viewer, eid, errors, values, status=422)


@router.post("/inskrivningar/{eid}/avslut", response_class=HTMLResponse, status_code=SEE_OTHER)
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

    def parse(_: Viewer, errors: dict[str, str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "exited_on": parse_date("exited_on", exited_on, errors),
            "reason": required("reason", reason, errors, "Välj avslutsorsak."),
            "support_at_exit": sorted(support_at_exit),
        }
        if progressed in ("ja", "nej"):
            body["progressed"] = progressed == "ja"
        return body

    return _enrollment_command(request, eid, csrf, version, "record_exit", "avslutad", parse)


@router.post("/inskrivningar/{eid}/forsorjning", response_class=HTMLResponse, status_code=SEE_OTHER)
def change_support(
    request: Request,
    eid: UUID,
    csrf: Text = "",
    version: Text = "",
    changed_on: Text = "",
    support: Codes = [],  # noqa: B006
) -> Response:
    """Byte av försörjning."""

    def parse(_: Viewer, errors: dict[str, str]) -> dict[str, Any]:
        return {
            "changed_on": parse_date("changed_on", changed_on, errors),
            "support": sorted(support),
        }

    return _enrollment_command(request, eid, csrf, version, "change_support", "bytt", parse)


@router.post("/inskrivningar/{eid}/makulering", response_class=HTMLResponse, status_code=SEE_OTHER)
def void(
    request: Request, eid: UUID, csrf: Text = "", version: Text = "", why: Text = ""
) -> Response:
    """Makulering, with its reason."""

    def parse(_: Viewer, errors: dict[str, str]) -> dict[str, Any]:
        return {"why": required("why", why, errors, "Skriv varför inskrivningen makuleras.")}

    return _enrollment_command(request, eid, csrf, version, "void", "makulerad", parse)


@router.post("/inskrivningar/{eid}/rattelse", response_class=HTMLResponse, status_code=SEE_OTHER)
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
    support_at_exit: Codes = [],  # noqa: B006
) -> Response:
    """Rättelse: only the fields that differ from what is recorded are sent."""
    values = {
        "enrolled_on": enrolled_on, "education": education, "municipality": municipality,
        "support": support, "exited_on": exited_on, "reason": reason,
        "support_at_exit": support_at_exit,
    }  # fmt: skip

    def parse(viewer: Viewer, errors: dict[str, str]) -> dict[str, Any]:
        facts = container_of(request).enrollments.load(eid).facts
        require_enrollment(viewer.principal, facts, write=False)
        body: dict[str, Any] = {}
        new_enrolled_on = parse_date("r-enrolled_on", enrolled_on, errors)
        if new_enrolled_on is not None and new_enrolled_on != facts.enrolled_on:
            body["enrolled_on"] = new_enrolled_on
        if education and education != facts.education:
            body["education"] = education
        if (municipality.strip() or None) != facts.municipality:
            body["municipality"] = municipality.strip() or None
        if sorted(support) != sorted(facts.support_at_enrollment):
            body["support"] = sorted(support)
        if facts.exited_on is not None:
            new_exited_on = parse_date("r-exited_on", exited_on, errors)
            if new_exited_on is not None and new_exited_on != facts.exited_on:
                body["exited_on"] = new_exited_on
            if reason and reason != facts.exit_reason:
                body["reason"] = reason
            if sorted(support_at_exit) != sorted(facts.support_at_exit or ()):
                body["support_at_exit"] = sorted(support_at_exit)
        if not body and not errors:
            errors["form"] = "Inget är ändrat. Ändra minst en uppgift för att rätta."
        return body

    return _enrollment_command(
        request, eid, csrf, version, "correct", "rattad", parse, prefix="r-",
        values={"correction": values},
    )  # fmt: skip


@router.post(
    "/inskrivningar/{eid}/angra-avslut", response_class=HTMLResponse, status_code=SEE_OTHER
)
def retract_exit(
    request: Request, eid: UUID, csrf: Text = "", version: Text = "", why: Text = ""
) -> Response:
    """Ångra avslut, with its reason."""

    def parse(_: Viewer, errors: dict[str, str]) -> dict[str, Any]:
        return {"why": required("retract-why", why, errors, "Skriv varför avslutet ångras.")}

    return _enrollment_command(
        request, eid, csrf, version, "retract_exit", "angrad", parse, prefix="retract-",
        values={"retract_why": why},
    )  # fmt: skip
