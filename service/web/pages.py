"""What every page module shares: the templates, rendering, sign-in and CSRF checks, the
audit mark, and the parsing of form fields into the application layer's values."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from service.domain.codes import Role
from service.domain.errors import DomainError
from service.domain.municipalities import municipality_names
from service.domain.personnummer_guard import MESSAGE as IDENTITY_MESSAGE
from service.domain.personnummer_guard import contains_identity_number
from service.domain.principal import Principal
from service.request_state import FORM_INTERVENTION_STATE, PRINCIPAL_STATE
from service.web import labels
from service.web.session import Viewer, check_csrf, require_viewer

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    SEX_NAMES=labels.SEX_NAMES,
    ROLE_NAMES=labels.ROLE_NAMES,
    ROLE_SHORT=labels.ROLE_SHORT,
    KIND_NAMES=labels.KIND_NAMES,
    EVENT_NAMES=labels.EVENT_NAMES,
    SUPPORT_NAMES=labels.SUPPORT_NAMES,
    SUPPORT_CHOICES=labels.SUPPORT_CHOICES,
    EDUCATION_NAMES=labels.EDUCATION_CHOICES,
    EXIT_REASON_NAMES=labels.EXIT_REASON_CHOICES,
    MUNICIPALITY_NAMES=municipality_names(),
)

Text = Annotated[str, Form()]
Codes = Annotated[list[str], Form()]
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def page(
    request: Request, template: str, viewer: Viewer | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A rendered page with the pages' security headers."""
    if isinstance(context.get("values"), dict):  # a refused personnummer is never echoed
        context["values"] = {k: unechoed(v) for k, v in context["values"].items()}
    response = templates.TemplateResponse(
        request, template, {"viewer": viewer, **context}, status_code=status
    )
    response.headers.update(HEADERS)
    return response


def refused_page(request: Request, viewer: Viewer, error: DomainError, status: int = 404) -> Any:
    """A page that says why the request was refused."""
    return page(request, "refused.html", viewer, status=status, title=labels.refusal(error))


# A form's write answers "see other" on success; its route declares it, so the audit
# entry committed with the write carries the status the browser gets (decisions.md §22).
SEE_OTHER = 303


def redirect(url: str) -> RedirectResponse:
    """See other (after a form's write)."""
    return RedirectResponse(url, status_code=SEE_OTHER)


def audited(request: Request, who: Viewer | Principal) -> None:
    """Mark the request for the audit log: the middleware that records the API's requests
    (api/audit.py) records this one too, by its route, key, period and status."""
    principal = who.principal if isinstance(who, Viewer) else who
    request.scope.setdefault("state", {})[PRINCIPAL_STATE] = principal


def audited_intervention(request: Request, intervention: str) -> None:
    """Name in the request's audit entry the insats a form chose in its body."""
    request.scope.setdefault("state", {})[FORM_INTERVENTION_STATE] = intervention


def signed_in(request: Request, csrf: str | None = None) -> Viewer:
    """The signed-in viewer; with `csrf` (a form's post) the write is audited and the
    token checked (a refused post is recorded with its 403, as the API's refusals are)."""
    viewer = require_viewer(request)
    if csrf is not None:
        audited(request, viewer)
        check_csrf(viewer.csrf, csrf)
    return viewer


def home_of(viewer: Viewer) -> str:
    """Each role's first page."""
    role = viewer.principal.role
    if role == Role.COACH:
        return "/insatser"
    if role == Role.ANALYST:
        return "/statistik"
    if role == Role.ASSOCIATION_ADMIN:
        return "/admin"
    return "/system"


def parse_date(name: str, value: str, errors: dict[str, str]) -> date | None:
    """A date field (ÅÅÅÅ-MM-DD); an error beside `name` otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-14."
        return None


def parse_int(
    name: str, value: str, errors: dict[str, str], required: bool, digits: int = 4
) -> int | None:
    """A whole number 0 or more; blank is None unless `required`."""
    value = value.strip()
    if not value:
        if required:
            errors[name] = "Fyll i ett heltal."
        return None
    if not re.fullmatch(rf"[0-9]{{1,{digits}}}", value):
        errors[name] = "Fyll i ett heltal (0 eller mer)."
        return None
    return int(value)


def required(name: str, value: str, errors: dict[str, str], message: str) -> str:
    """A required text field; a personnummer in it is refused as the API refuses it."""
    if not value.strip():
        errors[name] = message
    elif contains_identity_number(value):
        errors[name] = IDENTITY_MESSAGE[0].upper() + IDENTITY_MESSAGE[1:] + "."
    return value.strip()


def unechoed(value: Any) -> Any:
    """A form value to show again: blank when it holds a personnummer."""
    return "" if isinstance(value, str) and contains_identity_number(value) else value


def refused(error: DomainError, fields: set[str], errors: dict[str, str]) -> None:
    """A domain refusal beside the field it concerns (or above the form)."""
    errors[labels.field_of(error, fields)] = labels.refusal(error)
