"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from service import __version__
from service.api.audit import AuditRequests
from service.api.batch_gc_pause import BatchGcPause
from service.api.cache_control import NoStore
from service.api.docs_ui import install_docs
from service.api.errors import (
    API_PROBLEMS,
    http_problem,
    install_error_handlers,
    validation_problem,
)
from service.api.identity_guard import IdentityNumberGuard
from service.api.middleware import BodyGuard
from service.api.openapi import declare_problem_schema
from service.api.rate_limit import RateLimit, TokenBuckets
from service.api.routes import accountability, associations, batch, enrollments, reports, system
from service.bootstrap import Container
from service.config import Settings
from service.web import routes as web

API_PREFIX = "/api/v1"
API_DESCRIPTION = (
    "Uppföljning records the enrollments, exits and activities of a samordningsförbund's "
    "interventions under pseudonyms, and answers with statistics and the annual export "
    "(årsredovisning). Every call carries an API key (`Authorization: Bearer …`). "
    "How to integrate, step by step: docs/integration.md in the repository; the measures "
    "and the disclosure rule: docs/statistics.md."
)


def create_app(container: Container, *, catch_up_at_start: bool = True) -> FastAPI:
    """An app serving `container`, with its read models caught up at start unless
    `catch_up_at_start` is off (`serve`'s workers: service/runtime/serving.py). Reads catch up
    on demand either way; in `serve` the projection child keeps the models caught up."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if catch_up_at_start:
            container.projector.catch_up()
        yield

    app = FastAPI(
        title="Uppföljning API",
        version=__version__,
        summary="Anonymised follow-up of samordningsförbund interventions (Finsam).",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # A path with a trailing slash is another path (404 as a problem), not a redirect
        # to an absolute http:// URL that a TLS proxy in front would not serve.
        redirect_slashes=False,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    install_docs(app)
    app.include_router(system.router)
    routers = (associations, enrollments, batch, reports, accountability)
    for router in (module.router for module in routers):
        app.include_router(router, prefix=API_PREFIX, responses=API_PROBLEMS)
    declare_problem_schema(app)
    # The Swedish web pages at `/` (service/web), outside the OpenAPI document.
    web.install(app, {HTTPException: http_problem, RequestValidationError: validation_problem})
    settings = container.settings if container is not None else Settings()
    # Innermost of the middleware: it sees the route the router matched.
    app.add_middleware(AuditRequests, prefix=API_PREFIX)
    app.add_middleware(BatchGcPause)  # around the batch route's body parsing and answer
    app.add_middleware(
        BodyGuard, max_bytes=settings.max_body_bytes, batch_max_bytes=settings.batch_max_bytes
    )
    # Before the body is read: a personnummer in the path, query or Idempotency-Key is 422.
    app.add_middleware(IdentityNumberGuard)
    if settings.rate_limit_per_minute > 0:
        # Added last, so it runs first: a spent client costs no body read and no route.
        app.add_middleware(RateLimit, buckets=TokenBuckets(settings.rate_limit_per_minute))
    app.add_middleware(NoStore)  # outermost (it only adds a header): a 429 gets it too
    return app


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI schema, generated without connecting to a database."""
    app = create_app(None)  # type: ignore[arg-type]
    return app.openapi()
