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
        location = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        item: dict[str, Any] = {"field": ".".join(location) or "body", "message": err["msg"]}
        expected = (err.get("ctx") or {}).get("expected")
        if err.get("type") == "enum" and expected:
            item["allowed"] = re.findall(r"'([^']*)'", expected)
        out.append(item)
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Every error, the framework's included, answers problem+json."""

    @app.exception_handler(e.DomainError)
    def _domain(_: Request, error: e.DomainError) -> JSONResponse:
        return domain_problem(error)

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(error.errors()))
        fields = ", ".join(sorted({err["field"] for err in errors}))
        return problem(422, f"the request is invalid: {fields}", errors)

    @app.exception_handler(HTTPException)
    def _http(_: Request, error: HTTPException) -> JSONResponse:
        detail = (
            error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        )
        return problem(error.status_code, detail, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return problem(500, "an unexpected error occurred; it has been logged")
