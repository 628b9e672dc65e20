"""The one place errors become HTTP problems (RFC 9457, application/problem+json)."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service.domain import errors as e
from service.domain.personnummer_guard import redact_identity_numbers
from service.route_methods import methods_at

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("uppfoljning.api")

_STATUS: list[tuple[type[e.DomainError], int]] = [
    (e.InvalidValueError, 422),
    (e.NotFoundError, 404),
    (e.ForbiddenError, 403),
    (e.UnauthenticatedError, 401),
    (e.StaleVersionError, 412),
    (e.ConflictError, 409),
]


_WHEN: dict[int, str] = {
    400: "The body cannot be read as JSON text (UTF-8)",
    401: "No API key, or an unknown or revoked one",
    403: "The key's role or reach does not allow this",
    404: "No such record, or not visible to this key",
    409: "Conflicts with what is already recorded",
    412: "If-Match names an older version than the enrollment's",
    413: "The body is larger than the limit",
    415: "The body is not application/json",
    422: "The request is invalid; `errors` names the fields",
    429: "The key's (or address's) rate limit is spent; retry after `Retry-After` seconds",
    503: "Not ready",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "Seconds until the next request is allowed",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries: each status answered with a problem+json document."""
    return {
        status: {
            "description": _WHEN[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in statuses
    }


def status_of(error: e.DomainError) -> int:
    """The HTTP status of a domain error."""
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 400


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
        "detail": detail,
    }  # fmt: skip
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(error: e.DomainError) -> JSONResponse:
    """A domain error as a problem; 422s name the field and the allowed codes."""
    errors = None
    if isinstance(error, e.InvalidValueError):
        item: dict[str, Any] = {"field": error.field, "message": error.detail}
        if isinstance(error, e.UnknownCodeError):
            item["allowed"] = error.allowed
        errors = [item]
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, e.UnauthenticatedError) else None
    return problem(status_of(error), error.detail, errors, headers)


def validation_errors(raw: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as {field, message, allowed?}; input values are never echoed."""
    out = []
    for err in raw:
        if err.get("type") == "json_invalid":
            # The location is a character offset, not a field: point at the body itself.
            out.append({"field": "body", "message": "the body is not valid JSON"})
            continue
        location = [
            _field_part(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")
        ]
        item: dict[str, Any] = {"field": ".".join(location) or "body", "message": err["msg"]}
        expected = (err.get("ctx") or {}).get("expected")
        if err.get("type") in ("enum", "literal_error") and expected:
            item["allowed"] = re.findall(r"'([^']*)'", expected)
        out.append(item)
    return out


def _field_part(part: object) -> str:
    """A part of an error's location. An unknown field is named by the client's own key,
    which is not echoed when it holds a personnummer."""
    return redact_identity_numbers(str(part))


def _allowed_methods(request: Request) -> str:
    """Every method of the path, not just those of the first route that matched it."""
    return ", ".join(sorted(methods_at(request.app.routes, request.url.path)))


def validation_problem(_: Request, error: Exception) -> JSONResponse:
    """A request the schemas refuse: 422 naming each field."""
    assert isinstance(error, RequestValidationError)
    errors = validation_errors(list(error.errors()))
    # Each field was looked at alone; joined, two unknown keys can spell a number.
    fields = redact_identity_numbers(", ".join(sorted({err["field"] for err in errors})))
    return problem(422, f"the request is invalid: {fields}", errors)


def http_problem(request: Request, error: Exception) -> JSONResponse:
    """The framework's own errors (404, 405, ...) as problems."""
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    headers = dict(getattr(error, "headers", None) or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem(error.status_code, detail, headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    """Every error, the framework's included, answers problem+json."""

    @app.exception_handler(e.DomainError)
    def _domain(_: Request, error: e.DomainError) -> JSONResponse:
        return domain_problem(error)

    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(HTTPException, http_problem)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return problem(500, "an unexpected error occurred; it has been logged")


# Every /api/v1 operation may answer these; operations with a body also WRITE_PROBLEMS.
API_PROBLEMS = problem_responses(401, 403, 404, 422, 429)
WRITE_PROBLEMS = problem_responses(400, 409, 413, 415)
