"""The association admin's pages: interventions (register, close), personal keys, the
association's settings, finances (budget and cost per insats and year) and the audit log.
Each calls the same application command or query as the API's route for it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from service.adapters.audit_log import PAGE_SIZE
from service.domain.association import DEFAULT_SETTINGS, MAX_MIN_CELL_SIZE, RETENTION
from service.domain.codes import Role
from service.domain.errors import DomainError
from service.reporting.years import STOCKHOLM, in_stockholm
from service.web import labels
from service.web.pages import (
    SEE_OTHER,
    Codes,
    Text,
    audited,
    audited_intervention,
    home_of,
    page,
    parse_date,
    parse_int,
    redirect,
    refused,
    required,
    signed_in,
)
from service.web.session import Viewer, container_of

router = APIRouter(include_in_schema=False)

_SLUG = r"[a-z0-9][a-z0-9-]{1,62}"
_DONE = {
    "insats": "Insatsen är registrerad.",
    "stangd": "Insatsen är stängd. Inga nya inskrivningar görs efter stängningsdatumet.",
    "aterkallad": "Nyckeln är återkallad. Den fungerar inte längre.",
    "installningar": "Inställningarna är sparade. Statistik och export räknas med dem från nu.",
    "ekonomi": "Budget och kostnad är sparade.",
}


def _for_admin(request: Request, render: Callable[[Request, Viewer], Response]) -> Response:
    """The page `render` draws for the signed-in association admin (audited); any other
    role is sent to its own first page."""
    viewer = signed_in(request)
    if viewer.principal.role != Role.ASSOCIATION_ADMIN:
        return redirect(home_of(viewer))
    audited(request, viewer)
    return render(request, viewer)


def _admin_form(request: Request, csrf: str) -> Viewer:
    """The signed-in association admin posting a form (CSRF-checked, audited); any other
    role is refused as the application layer would refuse it (403, nothing done)."""
    viewer = signed_in(request, csrf)
    if viewer.principal.role != Role.ASSOCIATION_ADMIN:
        raise NotAdmin()
    return viewer


class NotAdmin(Exception):
    """A form of the admin pages posted by another role."""


def not_admin_page(request: Request) -> Response:
    """The answer to NotAdmin."""
    title = "Din nyckel får inte göra detta."
    return page(request, "refused.html", signed_in(request), status=403, title=title)


def _aid(viewer: Viewer) -> str:
    return viewer.principal.association_id or ""


def _done(request: Request) -> str | None:
    return _DONE.get(request.query_params.get("klart", ""))


# --- interventions and keys -------------------------------------------------------------


def _admin_page(
    request: Request,
    viewer: Viewer,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    container = container_of(request)
    interventions = container.queries.interventions(viewer.principal, _aid(viewer))
    keys = container.admin.keys(viewer.principal, _aid(viewer))
    return page(
        request, "admin.html", viewer, status=status, interventions=interventions, keys=keys,
        errors=errors or {}, values=values or {}, done=_done(request),
        today=container.admin.today(), **extra,
    )  # fmt: skip


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> Response:
    """Interventions and personal keys of the association."""
    return _for_admin(request, _admin_page)


@router.post("/admin/insatser", response_class=HTMLResponse, status_code=SEE_OTHER)
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
    viewer = _admin_form(request, csrf)
    errors: dict[str, str] = {}
    values = {"id": id, "name": name, "kind": kind, "starts_on": starts_on, "ends_on": ends_on}
    if not _is_slug(id.strip()):
        errors["id"] = "Kortnamnet ska vara 2–63 små bokstäver a–z, siffror och bindestreck."
    required("name", name, errors, "Skriv insatsens namn.")
    fields: dict[str, Any] = {
        "id": id.strip(), "name": name.strip(), "kind": kind,
        "starts_on": parse_date("starts_on", starts_on, errors),
        "ends_on": parse_date("ends_on", ends_on, errors) if ends_on.strip() else None,
    }  # fmt: skip
    if kind not in labels.KIND_NAMES:
        errors["kind"] = "Välj typ av insats."
    if not errors:
        try:
            container_of(request).admin.register_intervention(
                viewer.principal, _aid(viewer), fields
            )
        except DomainError as error:
            refused(error, set(values), errors)
        else:
            return redirect("/admin?klart=insats")
    return _admin_page(request, viewer, errors, {"intervention": values}, status=422)


def _is_slug(text: str) -> bool:
    return re.fullmatch(_SLUG, text) is not None


@router.post("/admin/stang-insats", response_class=HTMLResponse, status_code=SEE_OTHER)
def close_intervention(
    request: Request, csrf: Text = "", intervention: Text = "", closed_on: Text = ""
) -> Response:
    """Close an intervention (InterventionClosed), as AdminCommands.close_intervention."""
    viewer = _admin_form(request, csrf)
    audited_intervention(request, intervention)
    errors: dict[str, str] = {}
    values = {"intervention": intervention, "closed_on": closed_on}
    if not intervention:
        errors["close-intervention"] = "Välj vilken insats som ska stängas."
    day = parse_date("closed_on", closed_on, errors)
    if not errors and day is not None:
        try:
            container_of(request).admin.close_intervention(
                viewer.principal, _aid(viewer), intervention, day
            )
        except DomainError as error:
            field = labels.field_of(error, {"closed_on"})
            errors["closed_on" if field == "closed_on" else "close-form"] = labels.refusal(error)
        else:
            return redirect("/admin?klart=stangd")
    return _admin_page(request, viewer, errors, {"close": values}, status=422)


@router.post("/admin/nycklar", response_class=HTMLResponse)
def create_key(
    request: Request,
    csrf: Text = "",
    name: Text = "",
    role: Text = "",
    interventions: Codes = [],  # noqa: B006
) -> Response:
    """Issue a personal key; it is shown on this page only."""
    viewer = _admin_form(request, csrf)
    errors: dict[str, str] = {}
    values = {"name": name, "role": role, "interventions": interventions}
    required("name", name, errors, "Skriv vems nyckeln är.")
    if role not in ("coach", "analyst", "association_admin"):
        errors["role"] = "Välj roll."
    if not errors:
        try:
            key_id, key = container_of(request).admin.create_key(
                viewer.principal, _aid(viewer), name.strip(), role,
                sorted(interventions) if role == Role.COACH else [],
            )  # fmt: skip
        except DomainError as error:
            refused(error, set(values), errors)
        else:
            # Its form is spent: a reload of this page would post it again and make a
            # second key. With a new CSRF token the reload is refused, and nothing is made.
            csrf = container_of(request).sessions.renew_csrf(viewer.session_id)
            return _admin_page(
                request,
                replace(viewer, csrf=csrf),
                new_key={"id": key_id, "key": key, "name": name.strip()},
            )
    return _admin_page(request, viewer, errors, {"key": values}, status=422)


@router.post("/admin/nycklar/{kid}/aterkalla", response_class=HTMLResponse, status_code=SEE_OTHER)
def revoke_key(request: Request, kid: str, csrf: Text = "") -> Response:
    """Revoke a key at once (its sessions end at their next request)."""
    viewer = _admin_form(request, csrf)
    try:
        container_of(request).admin.revoke_key(viewer.principal, _aid(viewer), kid)
    except DomainError as error:
        return _admin_page(request, viewer, {"keys": labels.refusal(error)}, status=422)
    return redirect("/admin?klart=aterkallad")


# --- settings ---------------------------------------------------------------------------

# (setting, Swedish label, lowest, highest): the whole-number settings, as checked_settings.
NUMBER_SETTINGS = (
    ("early_dropout_months", "Tidigt avhopp: avslut inom så många månader", 0, 24),
    ("youth_max_age", "Högsta ålder som räknas som ung", 15, 67),
    ("min_cell_size", "Minsta antal personer bakom en redovisad siffra", 0, MAX_MIN_CELL_SIZE),
)


def _settings_page(
    request: Request,
    viewer: Viewer,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    association = container_of(request).admin.association(_aid(viewer))
    settings = {**DEFAULT_SETTINGS, **association.settings}
    if values is None:
        values = {
            **{name: str(settings[name]) for name, *_ in NUMBER_SETTINGS},
            "name": association.name,
            "goal_reasons": list(settings["goal_reasons"]),
            "accept_personal_identity_numbers": settings["accept_personal_identity_numbers"],
            RETENTION: str(settings.get(RETENTION) or ""),
        }
    return page(
        request, "settings.html", viewer, status=status, values=values, errors=errors or {},
        numbers=NUMBER_SETTINGS, done=_done(request),
    )  # fmt: skip


@router.get("/admin/installningar", response_class=HTMLResponse)
def settings_page(request: Request) -> Response:
    """The association's name and reporting rules."""
    return _for_admin(request, _settings_page)


@router.post("/admin/installningar", response_class=HTMLResponse, status_code=SEE_OTHER)
def change_settings(
    request: Request,
    csrf: Text = "",
    name: Text = "",
    early_dropout_months: Text = "",
    youth_max_age: Text = "",
    min_cell_size: Text = "",
    goal_reasons: Codes = [],  # noqa: B006
    accept_personal_identity_numbers: Text = "",
    retention_years_after_exit: Text = "",
) -> Response:
    """Change name and settings, as PATCH /associations/{aid}."""
    viewer = _admin_form(request, csrf)
    numbers = {
        "early_dropout_months": early_dropout_months,
        "youth_max_age": youth_max_age,
        "min_cell_size": min_cell_size,
    }
    values: dict[str, Any] = {
        **numbers, "name": name, "goal_reasons": goal_reasons,
        "accept_personal_identity_numbers": accept_personal_identity_numbers == "ja",
        RETENTION: retention_years_after_exit,
    }  # fmt: skip
    errors: dict[str, str] = {}
    required("name", name, errors, "Skriv förbundets namn.")
    settings: dict[str, Any] = {
        field: parse_int(field, text, errors, required=True, digits=3)
        for field, text in numbers.items()
    }
    settings["goal_reasons"] = goal_reasons
    settings["accept_personal_identity_numbers"] = values["accept_personal_identity_numbers"]
    settings[RETENTION] = parse_int(RETENTION, retention_years_after_exit, errors, False, 3)
    if not errors:
        try:
            container_of(request).admin.change_association(
                viewer.principal, _aid(viewer), name.strip(), settings
            )
        except DomainError as error:
            refused(error, set(values), errors)
        else:
            return redirect("/admin/installningar?klart=installningar")
    return _settings_page(request, viewer, errors, values, status=422)


# --- finances ---------------------------------------------------------------------------


def _finances_page(
    request: Request,
    viewer: Viewer,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    container = container_of(request)
    interventions = container.queries.interventions(viewer.principal, _aid(viewer))
    rows = [
        {"name": i["name"], "year": int(year), **amounts}
        for i in interventions
        for year, amounts in sorted(i["finances"].items(), reverse=True)
    ]
    return page(
        request, "finances.html", viewer, status=status, interventions=interventions,
        rows=rows, errors=errors or {}, values=values or {}, done=_done(request),
        this_year=container.admin.today().year,
    )  # fmt: skip


@router.get("/admin/ekonomi", response_class=HTMLResponse)
def finances(request: Request) -> Response:
    """Budget and cost per intervention and year (the export's kostnad per deltagare)."""
    return _for_admin(request, _finances_page)


@router.post("/admin/ekonomi", response_class=HTMLResponse, status_code=SEE_OTHER)
def record_finances(
    request: Request,
    csrf: Text = "",
    intervention: Text = "",
    year: Text = "",
    budget_sek: Text = "",
    cost_sek: Text = "",
) -> Response:
    """Set a year's budget and cost, as PUT .../interventions/{iid}/finances/{year}."""
    viewer = _admin_form(request, csrf)
    audited_intervention(request, intervention)
    values = {"intervention": intervention, "year": year, "budget_sek": budget_sek,
              "cost_sek": cost_sek}  # fmt: skip
    errors: dict[str, str] = {}
    if not intervention:
        errors["intervention"] = "Välj insats."
    number = parse_int("year", year, errors, required=True)
    budget = parse_int("budget_sek", budget_sek.replace(" ", ""), errors, False, digits=12)
    cost = parse_int("cost_sek", cost_sek.replace(" ", ""), errors, False, digits=12)
    if not errors and number is not None:
        try:
            container_of(request).admin.record_finances(
                viewer.principal, _aid(viewer), intervention, number, budget, cost
            )
        except DomainError as error:
            refused(error, set(values), errors)
        else:
            return redirect("/admin/ekonomi?klart=ekonomi")
    return _finances_page(request, viewer, errors, values, status=422)


# --- the audit log and the gallringsprotokoll ----------------------------------------------

PROTOCOL_KINDS = {"gallring": "Gallring", "erasure": "Radering på begäran"}
PROTOCOL_COUNTS = (
    ("enrollments", "Inskrivningar"),
    ("count_reports", "Rapporter av antal"),
    ("events", "Händelser"),
    ("read_model_rows", "Rader i läsmodeller"),
    ("stored_annual_answers", "Sparade årssvar"),
)


@router.get("/admin/logg", response_class=HTMLResponse)
def audit_log(request: Request) -> Response:
    """The association's audit log (who read and wrote what), paged and filtered by the
    API's parameters (GET /associations/{aid}/audit): from, to, key, action, page; and the
    gallringsprotokoll (GET .../accountability-protocol)."""
    return _for_admin(request, _audit_page)


def _audit_page(request: Request, viewer: Viewer) -> Response:
    query = request.query_params
    start_text, end_text = query.get("from", ""), query.get("to", "")
    key, action = query.get("key", "").strip(), query.get("action", "").strip()
    number = query.get("page", "1")
    errors: dict[str, str] = {}
    start = parse_date("from", start_text, errors) if start_text.strip() else None
    end = parse_date("to", end_text, errors) if end_text.strip() else None
    page_no = int(number) if number.isdigit() and 1 <= int(number) <= 1_000_000 else 1
    container = container_of(request)
    keys = container.admin.keys(viewer.principal, _aid(viewer))
    if key and key not in {k["id"] for k in keys}:
        errors["key"] = "Välj en av förbundets nycklar."
    entries: list[dict[str, Any]] = []
    if not errors:
        entries = container.audit.log(
            viewer.principal, _aid(viewer),
            # Days of Swedish time, as the page shows the entries' times.
            start=datetime.combine(start, time(), tzinfo=STOCKHOLM) if start else None,
            end=datetime.combine(end + timedelta(days=1), time(), tzinfo=STOCKHOLM)
            if end
            else None,
            key_id=key or None, action=action or None, page=page_no,
        )  # fmt: skip
    protocol = container.audit.protocol(viewer.principal, _aid(viewer))
    for entry in (*entries, *protocol):
        entry["when"] = in_stockholm(entry["recorded_at"]).strftime("%Y-%m-%d %H:%M:%S")
    filters = {"from": start_text, "to": end_text, "key": key, "action": action}
    return page(
        request, "audit.html", viewer, status=422 if errors else 200, entries=entries,
        errors=errors, values=filters, keys=keys, page_no=page_no, page_size=PAGE_SIZE,
        protocol=protocol, protocol_kinds=PROTOCOL_KINDS, protocol_counts=PROTOCOL_COUNTS,
        filters={k: v for k, v in filters.items() if v},
    )  # fmt: skip
